/**
 * Issue 16 item 7: the self-hosted bridge (bridge/server.ts) holds its request timeouts — a client that announces
 * 100 body bytes and sends 10, or never finishes its headers, is cut off (408, connection closed) after the
 * configured time, checked every `checkIntervalMs` — and the adapter's own refusals (413, body-parser's 4xx) are RFC
 * 6749 JSON with `Cache-Control: no-store`. The timeouts are injected small; the test waits for the server's answer
 * and the close (events), never for a clock.
 */
import { once } from 'node:events';
import { connect } from 'node:net';
import { gzipSync } from 'node:zlib';
import { expect } from 'chai';
import { SERVER_TIMEOUTS } from '../../bridge/server.js';
import { startTestBridge, type TestBridge } from './helpers.js';

/** Sends `raw` and returns everything the server wrote until it closed the connection. */
async function rawExchange(bridgeUrl: string, raw: string): Promise<string> {
  const { hostname, port } = new URL(bridgeUrl);
  const socket = connect(Number(port), hostname);
  await once(socket, 'connect');
  const received: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => received.push(chunk));
  socket.write(raw);
  await once(socket, 'close');
  return Buffer.concat(received).toString('latin1');
}

describe('bridge: request timeouts and adapter errors (issue 16, item 7)', () => {
  let t: TestBridge;
  before(async () => {
    t = await startTestBridge({}, { timeouts: { headersMs: 200, requestMs: 300, checkIntervalMs: 50 } });
  });
  after(() => t?.close());

  it('defaults to 10 s for the headers and the whole request, checked every second', () => {
    expect(SERVER_TIMEOUTS).to.deep.equal({ headersMs: 10_000, requestMs: 10_000, checkIntervalMs: 1_000 });
  });

  it('cuts off a client that sends 10 of 100 announced body bytes: 408 and the connection closed', async () => {
    const answer = await rawExchange(
      t.bridge.url,
      'POST /token HTTP/1.1\r\nHost: bridge\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\ngrant_type',
    );
    expect(answer).to.match(/^HTTP\/1\.1 408 /);
  });

  it('cuts off a client that never finishes its headers: 408 and the connection closed', async () => {
    const answer = await rawExchange(t.bridge.url, 'GET /healthz HTTP/1.1\r\nHost: bridge\r\nX-Slow: ');
    expect(answer).to.match(/^HTTP\/1\.1 408 /);
  });

  const post = (body: BodyInit, headers: Record<string, string> = {}) =>
    fetch(`${t.bridge.url}/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body });

  it('answers a body over the limit with 413 invalid_request (RFC 6749), Cache-Control: no-store', async () => {
    const response = await post('a'.repeat(17 * 1024));
    expect(response.status).to.equal(413);
    expect(await response.json()).to.deep.equal({ error: 'invalid_request' });
    expect(response.headers.get('cache-control')).to.equal('no-store');
  });

  it("answers body-parser's refusals (a compressed body) with 400 invalid_request, Cache-Control: no-store", async () => {
    const response = await post(gzipSync('grant_type=refresh_token'), { 'content-encoding': 'gzip' });
    expect(response.status).to.equal(400);
    expect(await response.json()).to.deep.equal({ error: 'invalid_request' });
    expect(response.headers.get('cache-control')).to.equal('no-store');
  });
});
