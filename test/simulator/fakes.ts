/** Small stand-ins for the simulator's tests: an HTTP server on an ephemeral loopback port that records requests. */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { LinkingConfig } from '../../local/alexa/linking.js';

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface FakeReply {
  status?: number;
  json?: unknown;
  /** A body sent as it is (instead of `json`), with `contentType`. */
  text?: string;
  /** Default application/json. */
  contentType?: string;
  headers?: Record<string, string>;
  /** Destroy the socket without answering (a network error from the client's point of view). */
  hangUp?: boolean;
}

export interface FakeServer {
  url: URL;
  requests: RecordedRequest[];
  /** Decides the next replies; the default answers 200 {}. */
  respond: (request: RecordedRequest) => FakeReply | Promise<FakeReply>;
  /** Resolves with the first request (already received or still to come) that matches: an event, never a sleep. */
  received(matches: (request: RecordedRequest) => boolean): Promise<RecordedRequest>;
  close(): Promise<void>;
}

export async function startFakeServer(respond: FakeServer['respond'] = () => ({ json: {} })): Promise<FakeServer> {
  const fake: Partial<FakeServer> & { requests: RecordedRequest[] } = { requests: [], respond };
  const waiting: Array<(request: RecordedRequest) => void> = [];
  fake.received = (matches) =>
    new Promise((resolve) => {
      const found = fake.requests.find(matches);
      if (found) return resolve(found);
      waiting.push((request) => {
        if (matches(request)) resolve(request);
      });
    });
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', async () => {
      const recorded = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      fake.requests.push(recorded);
      for (const notify of waiting) notify(recorded);
      const reply = await fake.respond!(recorded);
      if (reply.hangUp) {
        req.socket.destroy();
        return;
      }
      res.writeHead(reply.status ?? 200, { 'content-type': reply.contentType ?? 'application/json', ...reply.headers });
      res.end(reply.text ?? JSON.stringify(reply.json ?? {}));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  fake.url = new URL(`http://127.0.0.1:${port}/`);
  fake.close = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  return fake as FakeServer;
}

export function linkingConfigFor(tokenUrl: URL, overrides: Partial<LinkingConfig> = {}): LinkingConfig {
  return {
    authorizationUrl: new URL('http://127.0.0.1:9/auth'),
    accessTokenUrl: new URL('/token', tokenUrl),
    accessTokenScheme: 'HTTP_BASIC',
    clientId: 'alexa-ride-hailer',
    clientSecret: 'demo-only-client-secret',
    scopes: ['basic_profile', 'order_car'],
    redirectUri: 'http://127.0.0.1:3003/link/callback',
    defaultTokenExpirationSeconds: 3600,
    tokenRequestTimeoutMs: 4500,
    refreshLeewaySeconds: 30,
    ...overrides,
  };
}

/** A clock the test moves by hand. */
export function manualClock(start = new Date('2030-01-01T12:00:00Z')) {
  let now = start.getTime();
  return {
    now: () => new Date(now),
    advance(seconds: number) {
      now += seconds * 1000;
    },
  };
}

export function formOf(body: string): Record<string, string> {
  return Object.fromEntries(new URLSearchParams(body));
}

/** The redirect the authorization server would send for the linker's latest authorization URL. */
export function redirectFor(authorizationUrl: URL, params: Record<string, string>): URL {
  const redirect = new URL(authorizationUrl.searchParams.get('redirect_uri')!);
  for (const [key, value] of Object.entries(params)) redirect.searchParams.set(key, value);
  return redirect;
}
