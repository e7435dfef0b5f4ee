/**
 * A fake upstream authorization server on an ephemeral loopback port, speaking one provider's dialect
 * (`dialects.ts`): an authorize endpoint that auto-approves (binding the code to a PKCE challenge where the provider
 * supports PKCE), a token endpoint (code grant, refresh grant with the
 * provider's rotation policy, auth0-style reuse detection), a protected resource `GET /me` that accepts only live
 * access tokens, a hand-moved clock, and fault switches for the token endpoint.
 */
import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { dialects, type Dialect, type DialectName, type FakeErrorKind, type Reply, type TokenRequestContext } from './dialects.js';

/** What the token endpoint does instead of answering normally. */
export type Fault =
  | 'down' // the connection is reset before any answer
  | 'hang' // the request is read and never answered
  | '500' // an HTML 500 page
  | '503' // an HTML 503 page from a load balancer
  | 'html-200' // a maintenance page with status 200
  | 'garbage' // status 200, a body that is no format at all
  | 'empty' // status 200, no body
  | 'rate-limited'; // the provider's own rate-limit answer

export interface FakeUpstreamOptions {
  dialect: Dialect | DialectName;
  clientId?: string;
  clientSecret?: string;
  /** The user the authorize endpoint signs in. */
  user?: string;
  /** auth0: /me accepts only tokens issued for this audience (the authorize request's `audience`). */
  audience?: string;
  /** auth0: seconds during which the previous refresh token may be presented again without reuse detection. */
  reuseOverlapSeconds?: number;
}

export interface RecordedTokenRequest {
  grant: string;
  params: Record<string, string>;
  headers: Record<string, string | undefined>;
  /** How the client authenticated, as the fake saw it. */
  clientAuth: 'basic' | 'post' | 'none';
  /** The status the fake answered (0 when a fault swallowed the request). */
  answeredStatus: number;
}

export type FakeEvent =
  | { type: 'issued'; grant: string; accessToken: string; refreshToken?: string }
  | { type: 'refused'; grant: string; kind: FakeErrorKind; presented?: string }
  | { type: 'reuse-detected'; presented: string; family: string }
  | { type: 'fault'; fault: Fault };

interface CodeRecord {
  clientId: string;
  /** The S256 `code_challenge` of the authorization request (PKCE dialects only). */
  challenge: string | null;
  redirectUri: string | null;
  scope: string;
  audience: string | null;
  authorizeQuery: URLSearchParams;
  expiresAt: number;
  used: boolean;
}

interface RefreshRecord {
  family: string;
  scope: string;
  audience: string | null;
  authorizeQuery: URLSearchParams;
  state: 'active' | 'rotated' | 'revoked';
  rotatedAt?: number;
}

interface AccessRecord {
  user: string;
  audience: string | null;
  expiresAt?: number;
}

export interface FakeUpstream {
  dialect: Dialect;
  url: string;
  authorizeUrl: string;
  tokenUrl: string;
  meUrl: string;
  clientId: string;
  clientSecret: string;
  user: string;
  /** The token endpoint's fault; `faultCount` limits it to the next N token requests (undefined: until cleared). */
  fault: Fault | undefined;
  faultCount: number | undefined;
  /** ms the token endpoint waits before answering (for timeouts and concurrency). */
  tokenDelayMs: number;
  clock: { now(): number; advance(seconds: number): void };
  authorizeRequests: URLSearchParams[];
  tokenRequests: RecordedTokenRequest[];
  events: FakeEvent[];
  refreshTokenState(token: string): RefreshRecord['state'] | undefined;
  /** Revokes every refresh token (a user removing the app at the provider). */
  revokeAllRefreshTokens(): void;
  close(): Promise<void>;
}

export async function startFakeUpstream(options: FakeUpstreamOptions): Promise<FakeUpstream> {
  const dialect = typeof options.dialect === 'string' ? dialects[options.dialect] : options.dialect;
  const clientId = options.clientId ?? `fake-${dialect.name}-client`;
  const clientSecret = options.clientSecret ?? `fake-${dialect.name}-secret`;
  const user = options.user ?? 'U1234';
  let offsetMs = 0;
  const codes = new Map<string, CodeRecord>();
  const refreshTokens = new Map<string, RefreshRecord>();
  const accessTokens = new Map<string, AccessRecord>();

  const fake: FakeUpstream = {
    dialect,
    url: '',
    authorizeUrl: '',
    tokenUrl: '',
    meUrl: '',
    clientId,
    clientSecret,
    user,
    fault: undefined,
    faultCount: undefined,
    tokenDelayMs: 0,
    clock: {
      now: () => Date.now() + offsetMs,
      advance(seconds: number) {
        offsetMs += seconds * 1000;
      },
    },
    authorizeRequests: [],
    tokenRequests: [],
    events: [],
    refreshTokenState: (token) => refreshTokens.get(token)?.state,
    revokeAllRefreshTokens() {
      for (const record of refreshTokens.values()) record.state = 'revoked';
    },
    close: async () => {},
  };

  const token = (prefix: string) => `${prefix}${randomBytes(12).toString('hex')}`;

  function issue(grant: string, scope: string, audience: string | null, authorizeQuery: URLSearchParams, refresh: { token?: string; family?: string }): { access: string; refreshToken?: string } {
    const now = fake.clock.now();
    const access = token(dialect.accessTokenPrefix);
    const expiresIn = dialect.accessTokenLifetime;
    accessTokens.set(access, { user, audience, ...(expiresIn === undefined ? {} : { expiresAt: now + expiresIn * 1000 }) });
    let refreshToken = refresh.token;
    if (refreshToken === undefined && dialect.issuesRefreshToken(scope, authorizeQuery)) {
      refreshToken = token(dialect.refreshTokenPrefix);
      refreshTokens.set(refreshToken, { family: refresh.family ?? token('family-'), scope, audience, authorizeQuery, state: 'active' });
    }
    fake.events.push({ type: 'issued', grant, accessToken: access, ...(refreshToken ? { refreshToken } : {}) });
    return { access, ...(refreshToken ? { refreshToken } : {}) };
  }

  function render(grant: string, scope: string, issued: { access: string; refreshToken?: string }, context: TokenRequestContext): Reply {
    return dialect.success(
      { accessToken: issued.access, ...(issued.refreshToken ? { refreshToken: issued.refreshToken } : {}), ...(dialect.accessTokenLifetime === undefined ? {} : { expiresIn: dialect.accessTokenLifetime }), scope, user, issuedAt: fake.clock.now() },
      context,
    );
  }

  function tokenEndpoint(params: URLSearchParams, headers: Record<string, string | undefined>, recorded: RecordedTokenRequest): Reply {
    const grant = params.get('grant_type') ?? '';
    const context: TokenRequestContext = { grant, headers };
    const refuse = (kind: FakeErrorKind, presented?: string): Reply => {
      fake.events.push({ type: 'refused', grant, kind, ...(presented ? { presented } : {}) });
      return dialect.error(kind, context);
    };
    for (const [name, value] of Object.entries(dialect.requiredTokenParams ?? {})) {
      if (params.get(name) !== value) return refuse('invalid_request');
    }
    // Client authentication, in the style the provider accepts.
    const basic = /^Basic\s+(.+)$/i.exec(headers.authorization ?? '');
    let presentedId: string | null = null;
    let presentedSecret: string | null = null;
    if (basic) {
      const decoded = Buffer.from(basic[1]!, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      presentedId = decodeURIComponent(decoded.slice(0, colon));
      presentedSecret = decodeURIComponent(decoded.slice(colon + 1));
      recorded.clientAuth = 'basic';
    } else if (params.has('client_secret')) {
      presentedId = params.get('client_id');
      presentedSecret = params.get('client_secret');
      recorded.clientAuth = 'post';
    }
    const styleOk = dialect.clientAuth === 'either' ? recorded.clientAuth !== 'none' : recorded.clientAuth === dialect.clientAuth;
    if (!styleOk || presentedId !== clientId || presentedSecret !== clientSecret) return refuse('invalid_client');

    if (grant === 'authorization_code') {
      const code = params.get('code') ?? '';
      const record = codes.get(code);
      if (!code) return refuse('invalid_request');
      if (!record || record.used || record.expiresAt < fake.clock.now() || record.clientId !== clientId) return refuse('invalid_grant', code);
      if (record.redirectUri !== null && params.get('redirect_uri') !== record.redirectUri) return refuse('invalid_grant', code);
      if (dialect.pkce) {
        const verifier = params.get('code_verifier');
        if (record.challenge === null ? verifier !== null : verifier === null || createHash('sha256').update(verifier).digest('base64url') !== record.challenge) {
          return refuse('invalid_grant', code);
        }
      }
      record.used = true;
      const issued = issue(grant, record.scope, record.audience, record.authorizeQuery, {});
      return render(grant, record.scope, issued, context);
    }
    if (grant === 'refresh_token') {
      const presented = params.get('refresh_token') ?? '';
      if (!presented) return refuse('invalid_request');
      const record = refreshTokens.get(presented);
      if (!record || record.state === 'revoked') return refuse('invalid_grant', presented);
      const now = fake.clock.now();
      if (record.state === 'rotated') {
        const overlap = (options.reuseOverlapSeconds ?? 0) * 1000;
        if (dialect.rotation === 'rotate-reuse-detection' && !(overlap > 0 && now - (record.rotatedAt ?? 0) <= overlap)) {
          for (const other of refreshTokens.values()) if (other.family === record.family) other.state = 'revoked';
          fake.events.push({ type: 'reuse-detected', presented, family: record.family });
          return refuse('invalid_grant', presented);
        }
        if (dialect.rotation !== 'rotate-reuse-detection') return refuse('invalid_grant', presented);
      }
      let issued: { access: string; refreshToken?: string };
      if (dialect.rotation === 'none') {
        issued = issue(grant, record.scope, record.audience, record.authorizeQuery, { token: presented });
      } else {
        if (dialect.rotation !== 'fresh' && record.state === 'active') {
          record.state = 'rotated';
          record.rotatedAt = now;
        }
        issued = issue(grant, record.scope, record.audience, record.authorizeQuery, { family: record.family });
        if (!issued.refreshToken) throw new Error('a rotating dialect must issue refresh tokens');
      }
      return render(grant, record.scope, issued, context);
    }
    return refuse('unsupported_grant_type');
  }

  function faultReply(fault: Fault, context: TokenRequestContext): Reply | 'down' | 'hang' {
    switch (fault) {
      case 'down':
      case 'hang':
        return fault;
      case '500':
        return { status: 500, headers: { 'content-type': 'text/html' }, body: '<html><head><title>500 Internal Server Error</title></head><body><h1>Internal Server Error</h1></body></html>' };
      case '503':
        return { status: 503, headers: { 'content-type': 'text/html', 'retry-after': '30' }, body: '<html><body><h1>503 Service Temporarily Unavailable</h1><hr><center>nginx</center></body></html>' };
      case 'html-200':
        return { status: 200, headers: { 'content-type': 'text/html' }, body: '<!DOCTYPE html><html><body><p>We are down for scheduled maintenance. error=invalid_grant is not what this is.</p></body></html>' };
      case 'garbage':
        return { status: 200, headers: { 'content-type': 'application/json' }, body: '\u0000\u0001{"access_tok' };
      case 'empty':
        return { status: 200, headers: { 'content-type': 'application/json' }, body: '' };
      case 'rate-limited':
        return dialect.error('rate_limited', context);
    }
  }

  const server = http.createServer(async (req, res) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    const url = new URL(req.url ?? '/', 'http://fake.invalid');
    const headers: Record<string, string | undefined> = {};
    for (const [name, value] of Object.entries(req.headers)) headers[name] = Array.isArray(value) ? value.join(', ') : value;
    const send = (reply: Reply) => {
      if (res.destroyed) return;
      res.writeHead(reply.status, { 'cache-control': 'no-store', ...reply.headers });
      res.end(reply.body);
    };

    if (req.method === 'GET' && url.pathname === '/authorize') {
      const query = url.searchParams;
      fake.authorizeRequests.push(query);
      const redirectUri = query.get('redirect_uri');
      if (query.get('client_id') !== clientId || !redirectUri) {
        send({ status: 400, headers: { 'content-type': 'text/html' }, body: '<html><body>Unknown client or missing redirect_uri</body></html>' });
        return;
      }
      const challenge = dialect.pkce ? query.get('code_challenge') : null;
      if (challenge !== null && query.get('code_challenge_method') !== 'S256') {
        send({ status: 400, headers: { 'content-type': 'text/html' }, body: '<html><body>Only S256 PKCE is supported</body></html>' });
        return;
      }
      const code = token('code-');
      codes.set(code, { clientId, challenge, redirectUri, scope: dialect.grantedScope(query), audience: query.get('audience'), authorizeQuery: query, expiresAt: fake.clock.now() + 600_000, used: false });
      const back = new URL(redirectUri);
      back.searchParams.set('code', code);
      const state = query.get('state');
      if (state !== null) back.searchParams.set('state', state);
      res.writeHead(302, { location: back.toString() }).end();
      return;
    }

    if (req.method === 'POST' && url.pathname === '/token') {
      const params = new URLSearchParams(body);
      const recorded: RecordedTokenRequest = { grant: params.get('grant_type') ?? '', params: Object.fromEntries(params), headers, clientAuth: 'none', answeredStatus: 0 };
      fake.tokenRequests.push(recorded);
      if (fake.tokenDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, fake.tokenDelayMs));
      if (fake.fault) {
        const fault = fake.fault;
        if (fake.faultCount !== undefined && --fake.faultCount <= 0) {
          fake.fault = undefined;
          fake.faultCount = undefined;
        }
        fake.events.push({ type: 'fault', fault });
        const reply = faultReply(fault, { grant: recorded.grant, headers });
        if (reply === 'down') {
          req.socket.destroy();
          return;
        }
        if (reply === 'hang') return;
        recorded.answeredStatus = reply.status;
        send(reply);
        return;
      }
      const reply = tokenEndpoint(params, headers, recorded);
      recorded.answeredStatus = reply.status;
      send(reply);
      return;
    }

    if (req.method === 'GET' && url.pathname === '/me') {
      const bearer = /^Bearer\s+(.+)$/i.exec(headers.authorization ?? '')?.[1];
      const record = bearer ? accessTokens.get(bearer) : undefined;
      const live = record && (record.expiresAt === undefined || record.expiresAt > fake.clock.now()) && (options.audience === undefined || record.audience === options.audience);
      if (!live) {
        send({ status: 401, headers: { 'content-type': 'application/json', 'www-authenticate': 'Bearer error="invalid_token"' }, body: JSON.stringify({ error: 'invalid_token' }) });
        return;
      }
      send({ status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ id: record.user, provider: dialect.name }) });
      return;
    }

    send({ status: 404, headers: { 'content-type': 'text/plain' }, body: 'not found' });
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  fake.url = `http://127.0.0.1:${port}`;
  fake.authorizeUrl = `${fake.url}/authorize`;
  fake.tokenUrl = `${fake.url}/token`;
  fake.meUrl = `${fake.url}/me`;
  fake.close = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  return fake;
}
