/**
 * Issue 16 item 6 figure: the bridge's memory while its upstream answers a code exchange with 100 MB, against the
 * same bridge process just before (after two normal exchanges). The bridge runs in a fresh process
 * (bench/workers/bridge-memory.ts); the upstream is here, streaming its answer with backpressure, so its own buffers
 * are not counted. Before issue 16 the bridge read the whole answer (peak RSS about +555 MB); now it stops at 64 KiB.
 */
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { startWorker, stop } from './lib/processes.js';
import { table } from './lib/stats.js';

const HUGE = 100 * 1024 * 1024;
const CHUNK = Buffer.alloc(64 * 1024, 0x20);
const MB = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

export async function benchBridgeMemory(): Promise<string> {
  let written = 0;
  const upstream = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const huge = new URLSearchParams(Buffer.concat(chunks).toString('utf8')).get('code') === 'huge';
      res.writeHead(200, { 'content-type': 'application/json' });
      if (!huge) return res.end(JSON.stringify({ access_token: 'bench-at', token_type: 'Bearer', expires_in: 3600, refresh_token: 'bench-rt' }));
      const pump = () => {
        while (written < HUGE && !res.destroyed) {
          written += CHUNK.length;
          if (!res.write(CHUNK)) return void res.once('drain', pump);
        }
        if (!res.destroyed) res.end();
      };
      pump();
    });
  });
  upstream.listen(0, '127.0.0.1');
  await once(upstream, 'listening');
  const url = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  try {
    const worker = await startWorker('bench/workers/bridge-memory.ts', {
      BENCH_UPSTREAM: url,
      BRIDGE_PUBLIC_URL: 'https://bridge.bench.example',
      BRIDGE_UPSTREAM_CLIENT_ID: 'bench-bridge',
      BRIDGE_UPSTREAM_CLIENT_SECRET: 'bench-bridge-secret-of-at-least-32-chars',
      BRIDGE_CLIENT_ID: 'bench-alexa',
      BRIDGE_CLIENT_SECRET: 'bench-alexa-secret-of-at-least-32-chars',
      BRIDGE_ALEXA_REDIRECT_URIS: 'https://pitangui.amazon.com/api/skill/link/M1BENCH',
      BRIDGE_KEY: randomBytes(32).toString('base64url'),
      BRIDGE_DATA: ':memory:',
      LOG_LEVEL: 'silent',
    });
    await stop(worker.child);
    const figures = JSON.parse(worker.firstLine) as { status: number; before: Record<'rss' | 'heapUsed' | 'arrayBuffers', number>; peak: Record<'rss' | 'heapUsed' | 'arrayBuffers', number> };
    const row = (figure: string, key: 'rss' | 'heapUsed' | 'arrayBuffers') => ({ figure, before: MB(figures.before[key]), peak: MB(figures.peak[key]), growth: MB(figures.peak[key] - figures.before[key]), target: key === 'rss' ? 'a few MB' : '—' });
    return [
      `Bridge memory (issue 16): one code exchange whose upstream answers 100 MB, against the same bridge process just before; answer to Alexa ${figures.status}; the upstream wrote ${MB(written)} before the bridge hung up`,
      table([row('RSS', 'rss'), row('heap used', 'heapUsed'), row('array buffers', 'arrayBuffers')]),
    ].join('\n');
  } finally {
    upstream.closeAllConnections();
    upstream.close();
  }
}
