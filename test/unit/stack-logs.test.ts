/**
 * npm start's log: one line per HTTP request of every piece, except the console's own polling and assets and
 * health probes, which would otherwise bury the function logs a developer reads (at debug they are there).
 */
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import type { LogLevel } from '../../common/logging.js';
import { stackLogs, type StackLogs } from '../../local/stack-logs.js';

describe('npm start\'s request lines', () => {
  let server: Server;
  let base: string;
  let logs: StackLogs | undefined;
  let lines: Array<Record<string, unknown>>;

  beforeEach(async () => {
    server = createServer((req, res) => {
      res.statusCode = req.url?.startsWith('/fail') || req.headers['x-fail'] ? 500 : 200;
      res.end('{}');
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    lines = [];
  });
  afterEach(async () => {
    logs?.stop();
    server.closeAllConnections();
    server.close();
    await once(server, 'close');
  });

  function watch(level: LogLevel) {
    logs = stackLogs(level, (line) => lines.push(JSON.parse(line) as Record<string, unknown>));
    logs.watch((server.address() as AddressInfo).port, 'simulator');
  }

  /** Sends the request and waits until the server has closed the response (when the line is written). */
  async function request(path: string, init: RequestInit = {}) {
    const closed = new Promise<void>((resolve) => server.once('request', (_req, res) => res.once('close', () => resolve())));
    await (await fetch(`${base}${path}`, init)).text();
    await closed;
  }

  it('keeps the console\'s polling, its assets and health probes out of the info level', async () => {
    watch('info');
    for (const path of ['/console/api/state', '/console.js', '/console.css', '/favicon.svg', '/favicon.ico', '/healthz']) await request(path);
    expect(lines).to.deep.equal([]);
    await request('/console/api/say', { method: 'POST', body: '{}' });
    expect(lines.map((line) => [line.level, line.event, line.service, line.path])).to.deep.equal([['info', 'http_request', 'simulator', '/console/api/say']]);
  });

  it('still logs a routine path when it fails, and shows every poll at debug', async () => {
    watch('info');
    await request('/console/api/state', { headers: { 'x-fail': '1' } });
    expect(lines.map((line) => [line.level, line.path, line.status])).to.deep.equal([['info', '/console/api/state', 500]]);
    lines = [];
    logs!.stop();
    watch('debug');
    await request('/console/api/state');
    expect(lines.map((line) => [line.level, line.path, line.status])).to.deep.equal([['debug', '/console/api/state', 200]]);
  });
});
