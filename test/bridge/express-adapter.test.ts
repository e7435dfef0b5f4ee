/**
 * bridge/adapters/express.ts in front of a bridge the test scripts: the plain request it builds (query as sent, body,
 * headers, peer), and its error handler — every error the bridge or body-parser raises becomes RFC 6749 JSON with
 * no-store: 413 for a large body, 400 for another client error, 500 server_error (logged by name) for anything else.
 */
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import { createBridgeApp } from '../../bridge/adapters/express.js';
import type { Bridge } from '../../bridge/core.js';
import type { BridgeRequest, BridgeResponse } from '../../bridge/http/types.js';
import { createMemoryLogger } from '../../common/logging.js';

describe('bridge: the express adapter', () => {
  const logger = createMemoryLogger('debug');
  const seen: BridgeRequest[] = [];
  /** What the scripted bridge does with the next request. */
  let next: () => Promise<BridgeResponse>;
  let server: Server | undefined;
  let url: string;

  /** Starts the adapter in front of the scripted bridge inside the test (per-test mutation coverage only sees `it`). */
  async function listen(): Promise<void> {
    const bridge: Bridge = {
      handle: (request) => {
        seen.push(request);
        return next();
      },
      close: async () => {},
    };
    server = createServer(createBridgeApp(bridge, { bodyLimitBytes: 64, logger }));
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }
  beforeEach(() => {
    seen.length = 0;
    next = async () => ({ status: 200, headers: { 'x-answer': 'yes' }, body: 'ok' });
  });
  afterEach(
    () =>
      new Promise<void>((resolve) => {
        if (server === undefined) return resolve();
        server.close(() => resolve());
        server.closeAllConnections();
        server = undefined;
      }),
  );

  it('hands the bridge the method, path, the query as sent, lower-cased headers, the raw body and the peer', async () => {
    await listen();
    const response = await fetch(`${url}/token?a=1&a=2&b=x+y&c=%2B`, { method: 'POST', headers: { 'Content-Type': 'text/plain', 'X-Thing': 'T' }, body: 'raw=body&+x' });
    expect([response.status, await response.text(), response.headers.get('x-answer')]).to.deep.equal([200, 'ok', 'yes']);
    // No framework headers of its own: no X-Powered-By, no ETag.
    expect([response.headers.get('x-powered-by'), response.headers.get('etag')]).to.deep.equal([null, null]);
    const [request] = seen;
    expect({ method: request!.method, path: request!.path, query: [...request!.query], body: request!.body, peer: request!.peerAddress }).to.deep.equal({
      method: 'POST',
      path: '/token',
      query: [['a', '1'], ['a', '2'], ['b', 'x y'], ['c', '+']],
      body: 'raw=body&+x',
      peer: '127.0.0.1',
    });
    expect(request!.headers).to.include({ 'content-type': 'text/plain', 'x-thing': 'T' });
  });

  it('a request without a query or a body: an empty query and an empty body', async () => {
    await listen();
    await fetch(`${url}/healthz`);
    expect([seen[0]!.path, seen[0]!.query.toString(), seen[0]!.body]).to.deep.equal(['/healthz', '', '']);
  });

  it('joins a header that arrives as a list (Node keeps set-cookie as one) with commas', async () => {
    await listen();
    await new Promise<void>((resolve, reject) => {
      const request = httpRequest(`${url}/healthz`, { headers: { 'set-cookie': ['a=1', 'b=2'] } }, (response) => {
        response.resume();
        response.on('end', resolve);
      });
      request.on('error', reject);
      request.end();
    });
    expect(seen[0]!.headers['set-cookie']).to.equal('a=1, b=2');
  });

  /** The adapter's answer when the bridge throws `error`. */
  async function answerTo(error: unknown) {
    next = async () => {
      throw error;
    };
    const since = logger.lines.length;
    const response = await fetch(`${url}/token`, { method: 'POST' });
    const logged = logger.lines.slice(since).map((line) => JSON.parse(line) as Record<string, unknown>).map(({ event, errorName }) => ({ event, errorName }));
    return { status: response.status, body: await response.json(), cache: response.headers.get('cache-control'), logged };
  }

  it('a body over the limit (body-parser’s 413): 413 invalid_request', async () => {
    await listen();
    const response = await fetch(`${url}/token`, { method: 'POST', body: 'x'.repeat(65) });
    expect([response.status, await response.json(), response.headers.get('cache-control')]).to.deep.equal([413, { error: 'invalid_request' }, 'no-store']);
    expect(seen).to.have.length(0);
    expect(await answerTo(Object.assign(new Error('too large'), { type: 'entity.too.large' }))).to.deep.include({ status: 413, body: { error: 'invalid_request' } });
    expect(await answerTo(Object.assign(new Error('too large'), { status: 413 }))).to.deep.include({ status: 413, body: { error: 'invalid_request' } });
  });

  it('another client error (4xx): 400 invalid_request, not logged', async () => {
    await listen();
    for (const status of [400, 415, 499]) {
      expect(await answerTo(Object.assign(new Error('client'), { status })), String(status)).to.deep.equal({ status: 400, body: { error: 'invalid_request' }, cache: 'no-store', logged: [] });
    }
  });

  it('anything else (a 5xx, a status under 400, no number): 500 server_error, logged with the error’s name only', async () => {
    await listen();
    expect(await answerTo(Object.assign(new Error('odd'), { status: 302 }))).to.deep.include({ status: 500, logged: [{ event: 'bridge.http_error', errorName: 'Error' }] });
    expect(await answerTo(Object.assign(new RangeError('server'), { status: 500 }))).to.deep.equal({
      status: 500,
      body: { error: 'server_error' },
      cache: 'no-store',
      logged: [{ event: 'bridge.http_error', errorName: 'RangeError' }],
    });
    expect(await answerTo(Object.assign(new Error('odd'), { status: '404' }))).to.deep.include({ status: 500, logged: [{ event: 'bridge.http_error', errorName: 'Error' }] });
    expect(await answerTo('a thrown string')).to.deep.include({ status: 500, logged: [{ event: 'bridge.http_error', errorName: 'string' }] });
    // express 5 turns a rejection without a reason into an Error before the handler sees it.
    expect(await answerTo(undefined)).to.deep.include({ status: 500, logged: [{ event: 'bridge.http_error', errorName: 'Error' }] });
    expect(logger.lines.join('\n')).to.not.contain('server').and.not.contain('odd');
  });
});
