/** Test doubles for the ride API: a tiny authorization server (JWKS + token minting) and an HTTP helper. */
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { once } from 'node:events';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import type { CryptoKey, JWK, JWTPayload } from 'jose';
import { DEMO } from '../../local/demo.js';
import { createLogger } from '../../common/logging.js';
import type { Profile } from '../../lambda/rides/types.js';
import { startRideApi } from '../../local/ride-api/server.js';
import type { RideApi, RideApiOptions } from '../../local/ride-api/server.js';
import { stackLogs } from '../../local/stack-logs.js';

export const ANN: Profile = { id: 'user-ann', name: 'Ann Example', email: 'ann@example.com' };
export const BOB: Profile = { id: 'user-bob', name: 'Bob Example', email: 'bob@example.com' };

export interface TokenOptions {
  sub?: string;
  scope?: string;
  iss?: string;
  aud?: string;
  /** Seconds from now; negative for an expired token. */
  expiresIn?: number;
  typ?: string | null;
  alg?: 'ES256' | 'RS256';
  /** Sign with a key the JWKS does not publish. */
  unknownKey?: boolean;
  extraClaims?: JWTPayload;
}

export interface Authority {
  issuer: string;
  jwksUrl: string;
  /** How many times the JWKS was fetched. */
  jwksFetches(): number;
  token(options?: TokenOptions): Promise<string>;
  close(): Promise<void>;
}

/** Serves a JWKS with one ES256 and one RS256 key on an ephemeral port and signs at+jwt access tokens. */
export async function startAuthority(): Promise<Authority> {
  const es256 = await generateKeyPair('ES256');
  const rs256 = await generateKeyPair('RS256');
  const stranger = await generateKeyPair('ES256');
  const publish = async (key: CryptoKey, kid: string, alg: string): Promise<JWK> => ({
    ...(await exportJWK(key)),
    kid,
    alg,
    use: 'sig',
  });
  const jwks = JSON.stringify({
    keys: [await publish(es256.publicKey, 'es-1', 'ES256'), await publish(rs256.publicKey, 'rs-1', 'RS256')],
  });
  let fetches = 0;
  const server = createServer((_req, res) => {
    fetches++;
    res.writeHead(200, { 'content-type': 'application/json' }).end(jwks);
  });
  const url = await listen(server);
  const issuer = `${url}/`;

  return {
    issuer,
    jwksUrl: `${url}/jwks`,
    jwksFetches: () => fetches,
    async token(options = {}) {
      const alg = options.alg ?? 'ES256';
      const key = options.unknownKey ? stranger.privateKey : alg === 'RS256' ? rs256.privateKey : es256.privateKey;
      const kid = options.unknownKey ? 'stranger' : alg === 'RS256' ? 'rs-1' : 'es-1';
      const header = options.typ === null ? { alg, kid } : { alg, kid, typ: options.typ ?? 'at+jwt' };
      const now = Math.floor(Date.now() / 1000);
      return new SignJWT({ scope: options.scope ?? 'basic_profile order_car', ...options.extraClaims })
        .setProtectedHeader(header)
        .setIssuer(options.iss ?? issuer)
        .setAudience(options.aud ?? DEMO.apiAudience)
        .setSubject(options.sub ?? ANN.id)
        .setIssuedAt(now)
        .setExpirationTime(now + (options.expiresIn ?? 300))
        .sign(key);
    },
    close: () => closeServer(server),
  };
}

export function fakeProfiles(...known: Profile[]): (sub: string) => Promise<Profile | undefined> {
  return async (sub) => known.find((profile) => profile.id === sub);
}

/**
 * Starts the ride API against the authority. Its own JSON log lines are collected in `lines`; the request lines the
 * local stack writes for it (local/stack-logs.ts: it has none of its own) in `requests`.
 */
export async function startApi(
  authority: Authority,
  options: Partial<RideApiOptions> = {},
): Promise<{ api: RideApi; lines: string[]; requests: string[] }> {
  const lines: string[] = [];
  const requests: string[] = [];
  const api = await startRideApi({
    issuer: authority.issuer,
    jwksUrl: authority.jwksUrl,
    profiles: fakeProfiles(ANN, BOB),
    logger: createLogger('debug', (line) => lines.push(line)),
    ...options,
  });
  const requestLog = stackLogs('info', (line) => requests.push(line));
  requestLog.watch(new URL(api.url).port, 'api');
  const close = api.close.bind(api);
  api.close = async () => {
    await close();
    requestLog.stop();
  };
  return { api, lines, requests };
}

export interface Answer {
  status: number;
  headers: Headers;
  text: string;
  /** Parsed body, or undefined when it is not JSON. */
  json: any;
}

export interface CallOptions {
  token?: string;
  /** Serialised as JSON with content-type application/json. */
  body?: unknown;
  /** Sent as is, content-type application/json. */
  rawBody?: string;
  idempotencyKey?: string;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

export async function call(baseUrl: string, method: string, path: string, options: CallOptions = {}): Promise<Answer> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  if (options.idempotencyKey !== undefined) headers['idempotency-key'] = options.idempotencyKey;
  let body: string | undefined;
  if (options.body !== undefined || options.rawBody !== undefined) {
    headers['content-type'] = 'application/json';
    body = options.rawBody ?? JSON.stringify(options.body);
  }
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers,
    body,
    ...(options.signal ? { signal: options.signal } : {}),
  });
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}

async function listen(server: Server): Promise<string> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function closeServer(server: Server): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeAllConnections();
  return closed;
}
