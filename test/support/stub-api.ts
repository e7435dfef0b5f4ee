/**
 * A scriptable HTTP server on an ephemeral loopback port standing in for the Ride Hailer API: each route answers
 * from a queue of scripted replies, and every request is recorded. Used where the client's real network behaviour
 * matters (retries, timeouts, resets), which in-process interception does not reproduce faithfully.
 *
 * A request for a route nobody scripted is a test failure, not an outage: it is answered 501 (so the client sees
 * a plain failure) and recorded in `unscripted`, and `verify()` (call it in afterEach) throws naming it. Answering
 * with a 5xx alone let a client calling the wrong path pass every "API is down" test.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** Send nothing until the client hangs up or the stub closes: an API that never answers. */
  hang?: boolean;
  /** Send this raw text instead of JSON. */
  raw?: string;
  /** Destroy the connection instead of answering. */
  reset?: boolean;
  /** Send the status, the headers and the body's first byte, then destroy the connection: an answer cut off. */
  cutOff?: boolean;
}

export interface RecordedRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** The client's port: the same on two requests when the client kept the connection alive. */
  remotePort: number | undefined;
}

export interface StubApi {
  url: string;
  requests: RecordedRequest[];
  /** Requests that matched no scripted route. */
  unscripted: RecordedRequest[];
  /** Resolves once `count` requests have arrived since the last reset: wait for the request, not for time. */
  arrived(count: number): Promise<void>;
  /** Throws if any request matched no scripted route since the last reset. */
  verify(): void;
  /** Queue replies for `METHOD /path`; the last one repeats once the queue is down to it. */
  script(method: string, path: string, ...replies: Reply[]): void;
  reset(): void;
  close(): Promise<void>;
}

export async function startStubApi(): Promise<StubApi> {
  const scripts = new Map<string, Reply[]>();
  const requests: RecordedRequest[] = [];
  const unscripted: RecordedRequest[] = [];
  const waiting = new Set<{ count: number; resolve: () => void }>();
  const server = http.createServer(async (req, res) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    const recorded = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body, remotePort: req.socket.remotePort };
    requests.push(recorded);
    for (const waiter of waiting) {
      if (requests.length < waiter.count) continue;
      waiting.delete(waiter);
      waiter.resolve();
    }
    const queue = scripts.get(`${req.method} ${req.url}`);
    const reply = queue && queue.length > 1 ? queue.shift()! : queue?.[0];
    if (!reply) {
      unscripted.push(recorded);
      res.writeHead(501, { 'content-type': 'application/json' }).end('{"error":"unscripted_route"}');
      return;
    }
    if (reply.hang) return; // the socket is destroyed when the client gives up, or by close()
    if (reply.reset) {
      req.socket.destroy();
      return;
    }
    if (res.destroyed) return;
    if (reply.cutOff) {
      res.writeHead(reply.status, { 'content-type': 'application/json', 'content-length': '100', ...reply.headers });
      res.write('{', () => req.socket.destroy());
      return;
    }
    res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
    res.end(reply.raw ?? (reply.body === undefined ? '' : JSON.stringify(reply.body)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    unscripted,
    arrived: (count) => (requests.length >= count ? Promise.resolve() : new Promise<void>((resolve) => void waiting.add({ count, resolve }))),
    verify() {
      if (unscripted.length === 0) return;
      const routes = unscripted.map((r) => `${r.method} ${r.path}`).join(', ');
      const scripted = [...scripts.keys()].join(', ') || 'none';
      throw new Error(`stub API: unscripted request(s) ${routes} (scripted: ${scripted})`);
    },
    script: (method, path, ...replies) => void scripts.set(`${method.toUpperCase()} ${path}`, replies),
    reset() {
      scripts.clear();
      requests.length = 0;
      unscripted.length = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
