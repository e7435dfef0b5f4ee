/**
 * Issue 16 item 6: an upstream answer is read to at most 64 KiB. A provider (or whoever sits on its address) that
 * answers 100 MB must cost the bridge no more: the bridge hangs up after 64 KiB and answers Alexa 503
 * temporarily_unavailable. Asserted on the bytes the fake upstream managed to hand to its socket before the bridge
 * hung up (bounded by the kernel's socket buffers, far below 100 MB) — not on a timing.
 */
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import { MAX_ANSWER_BYTES } from '../../bridge/upstream.js';
import { callbackUrl, exchangeCode, get, startAuthorization, startTestBridge, type TestBridge } from './helpers.js';

const HUNDRED_MB = 100 * 1024 * 1024;
const CHUNK = Buffer.alloc(64 * 1024, 0x20);

interface HugeUpstream {
  server: Server;
  url: string;
  /** Bytes the upstream's writes accepted before the connection ended. */
  written: number;
  /** Whether all 100 MB went out (the bridge read everything). */
  completed: boolean;
  /** Resolves when the token request's connection has closed, from either side. */
  closed: Promise<void>;
}

/** An upstream token endpoint that answers 200 with 100 MB, announced (Content-Length) or chunked. */
async function startHugeUpstream(announce: boolean): Promise<HugeUpstream> {
  let markClosed!: () => void;
  const fake: HugeUpstream = { server: undefined as unknown as Server, url: '', written: 0, completed: false, closed: new Promise((resolve) => (markClosed = resolve)) };
  fake.server = createServer((req, res) => {
    req.resume();
    res.socket!.once('close', markClosed);
    res.writeHead(200, { 'content-type': 'application/json', ...(announce ? { 'content-length': String(HUNDRED_MB) } : {}) });
    const pump = () => {
      while (fake.written < HUNDRED_MB && !res.destroyed) {
        fake.written += CHUNK.length;
        if (!res.write(CHUNK)) return void res.once('drain', pump);
      }
      if (!res.destroyed) {
        fake.completed = true;
        res.end();
      }
    };
    pump();
  });
  fake.server.listen(0, '127.0.0.1');
  await once(fake.server, 'listening');
  fake.url = `http://127.0.0.1:${(fake.server.address() as AddressInfo).port}`;
  return fake;
}

describe('bridge: upstream answers are read to at most 64 KiB (issue 16, item 6)', function () {
  this.timeout(20_000);

  for (const announce of [false, true]) {
    it(`a 100 MB answer (${announce ? 'announced by Content-Length' : 'chunked'}) is cut off: 503 temporarily_unavailable, the connection closed long before 100 MB`, async () => {
      const upstream = await startHugeUpstream(announce);
      let t: TestBridge | undefined;
      try {
        t = await startTestBridge({ BRIDGE_UPSTREAM_AUTHORIZATION_URL: `${upstream.url}/auth`, BRIDGE_UPSTREAM_TOKEN_URL: `${upstream.url}/token` });
        const up = await startAuthorization(t.bridge);
        const back = await get(callbackUrl(t.bridge, new URL(`https://bridge.ride-hailer.example/callback?code=any&state=${encodeURIComponent(up.searchParams.get('state')!)}`)));
        const answer = await exchangeCode(t.bridge, new URL(back.location!).searchParams.get('code')!);
        expect(answer.status, answer.text).to.equal(503);
        expect(answer.body).to.deep.equal({ error: 'temporarily_unavailable' });
        expect(answer.headers.get('cache-control')).to.equal('no-store');
        await upstream.closed;
        expect(upstream.completed, 'the bridge read all 100 MB').to.equal(false);
        // What the kernel buffers on loopback (a few MB at most) plus the 64 KiB read: nowhere near 100 MB.
        expect(upstream.written).to.be.below(16 * 1024 * 1024);
        expect(t.logger.lines.join('\n')).to.contain('upstream answer too large');
        expect(MAX_ANSWER_BYTES).to.equal(64 * 1024);
      } finally {
        await t?.close();
        upstream.server.closeAllConnections();
        upstream.server.close();
      }
    });
  }
});
