/**
 * Helpers for the bridge's tests: its environment, starting it (in front of the real local authorization server or
 * a fake upstream), and playing Alexa's side — the authorization URI, the callback, the access-token URI.
 */
import { createHash, randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { createMemoryLogger, type Logger } from '../../common/logging.js';
import { completeLoginHeadlessly } from '../../local/auth/headless-login.js';
import { startAuthServer, type AuthServer } from '../../local/auth/server.js';
import { DEMO } from '../../local/demo.js';
import type { ProviderProfile } from '../../bridge/profiles/profile.js';
import { loadBridgeConfig, startBridgeServer, type BridgeServer, type ServerTimeouts } from '../../bridge/server.js';
import type { BridgeStore } from '../../bridge/store/store.js';

export const BRIDGE_CLIENT = { clientId: 'alexa-skill-at-bridge', clientSecret: 'bridge-test-secret: with spaces & symbols' };
export const UPSTREAM_CLIENT = { clientId: 'ride-hailer-bridge', clientSecret: 'bridge-upstream-secret-of-at-least-32-characters' };
export const CODE_REDIRECT = `https://pitangui.amazon.com/api/skill/link/${DEMO.vendorId}`;
export const IMPLICIT_REDIRECT = `https://pitangui.amazon.com/spa/skill/account-linking-status.html?vendorId=${DEMO.vendorId}`;
/** The bridge's public URL in tests: never requested (the test replays the callback against the bridge's real URL). */
export const PUBLIC_URL = 'https://bridge.ride-hailer.example';
export const TEST_KEY = randomBytes(32).toString('base64url');
export const DEMO_LOGIN = { email: DEMO.user.email, password: DEMO.user.password };

export function bridgeEnv(overrides: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return {
    BRIDGE_PUBLIC_URL: PUBLIC_URL,
    BRIDGE_UPSTREAM_AUTHORIZATION_URL: 'http://127.0.0.1:9/auth',
    BRIDGE_UPSTREAM_TOKEN_URL: 'http://127.0.0.1:9/token',
    BRIDGE_UPSTREAM_CLIENT_ID: UPSTREAM_CLIENT.clientId,
    BRIDGE_UPSTREAM_CLIENT_SECRET: UPSTREAM_CLIENT.clientSecret,
    BRIDGE_CLIENT_ID: BRIDGE_CLIENT.clientId,
    BRIDGE_CLIENT_SECRET: BRIDGE_CLIENT.clientSecret,
    BRIDGE_ALEXA_REDIRECT_URIS: `${CODE_REDIRECT},${IMPLICIT_REDIRECT}`,
    BRIDGE_KEY: TEST_KEY,
    BRIDGE_DATA: ':memory:',
    LOG_LEVEL: 'debug',
    ...overrides,
  };
}

export interface TestBridge {
  bridge: BridgeServer;
  logger: Logger & { lines: string[] };
  close(): Promise<void>;
}

export async function startTestBridge(
  env: Record<string, string | undefined>,
  options: { now?: () => number; profile?: Partial<ProviderProfile>; timeouts?: ServerTimeouts; store?: BridgeStore } = {},
): Promise<TestBridge> {
  const logger = createMemoryLogger('debug');
  const config = await loadBridgeConfig(bridgeEnv(env));
  // A variant of the configured profile (e.g. the oidc reader on an upstream that rotates refresh tokens).
  if (options.profile) config.profile = { ...config.profile, ...options.profile };
  const bridge = await startBridgeServer(config, {
    port: 0,
    logger,
    ...(options.now ? { now: options.now } : {}),
    ...(options.timeouts ? { timeouts: options.timeouts } : {}),
    ...(options.store ? { store: options.store } : {}),
  });
  return { bridge, logger, close: () => bridge.close() };
}

/** The real local authorization server with the bridge registered as a second client. */
export async function startUpstreamAuthServer(options: { accessTokenTtlSeconds?: number; log?: (line: string) => void } = {}): Promise<AuthServer> {
  return startAuthServer({
    log: options.log ?? (() => {}),
    additionalClients: [{ ...UPSTREAM_CLIENT, redirectUris: [`${PUBLIC_URL}/callback`], name: 'Ride Hailer bridge' }],
    ...(options.accessTokenTtlSeconds ? { accessTokenTtlSeconds: options.accessTokenTtlSeconds } : {}),
  });
}

export const authEnv = (auth: AuthServer) => ({ BRIDGE_UPSTREAM_AUTHORIZATION_URL: auth.authorizationUrl, BRIDGE_UPSTREAM_TOKEN_URL: auth.tokenUrl });

export interface AuthorizeParams {
  clientId?: string;
  redirectUri?: string;
  responseType?: string;
  scope?: string;
  state?: string;
  codeChallenge?: string;
  codeChallengeMethod?: string | null;
}

export function authorizeUrl(bridge: BridgeServer, params: AuthorizeParams = {}): string {
  const url = new URL(`${bridge.url}/authorize`);
  url.searchParams.set('client_id', params.clientId ?? BRIDGE_CLIENT.clientId);
  url.searchParams.set('response_type', params.responseType ?? 'code');
  url.searchParams.set('redirect_uri', params.redirectUri ?? CODE_REDIRECT);
  url.searchParams.set('scope', params.scope ?? 'basic_profile order_car');
  url.searchParams.set('state', params.state ?? 'alexa-state-123');
  if (params.codeChallenge !== undefined) {
    url.searchParams.set('code_challenge', params.codeChallenge);
    if (params.codeChallengeMethod !== null) url.searchParams.set('code_challenge_method', params.codeChallengeMethod ?? 'S256');
  }
  return url.href;
}

export async function get(url: string): Promise<{ status: number; location: string | null; headers: Headers; text: string }> {
  const response = await fetch(url, { redirect: 'manual' });
  return { status: response.status, location: response.headers.get('location'), headers: response.headers, text: await response.text() };
}

/** GET /authorize on the bridge; expects the redirect upstream and returns its URL. */
export async function startAuthorization(bridge: BridgeServer, params: AuthorizeParams = {}): Promise<URL> {
  const answer = await get(authorizeUrl(bridge, params));
  expect(answer.status, answer.text).to.equal(302);
  return new URL(answer.location!);
}

/** Plays the upstream's redirect back to the bridge: the same path and query, on the bridge's real URL. */
export function callbackUrl(bridge: BridgeServer, upstreamRedirect: URL): string {
  expect(upstreamRedirect.origin + upstreamRedirect.pathname).to.equal(`${PUBLIC_URL}/callback`);
  return `${bridge.url}/callback${upstreamRedirect.search}`;
}

/** The whole browser part against the real authorization server: /authorize → login + consent → /callback → Alexa. */
export async function linkInBrowser(bridge: BridgeServer, params: AuthorizeParams = {}): Promise<URL> {
  const upstream = await startAuthorization(bridge, params);
  const back = await completeLoginHeadlessly(upstream.href, DEMO_LOGIN);
  const answer = await get(callbackUrl(bridge, back));
  expect(answer.status, answer.text).to.equal(302);
  return new URL(answer.location!);
}

export interface ClientAuth {
  scheme?: 'basic' | 'body' | 'both' | 'none';
  clientId?: string;
  clientSecret?: string;
}

export interface TokenAnswer {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
  text: string;
}

export async function tokenRequest(bridge: BridgeServer, form: Record<string, string>, auth: ClientAuth = {}): Promise<TokenAnswer> {
  const clientId = auth.clientId ?? BRIDGE_CLIENT.clientId;
  const clientSecret = auth.clientSecret ?? BRIDGE_CLIENT.clientSecret;
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
  const body = new URLSearchParams(form);
  const scheme = auth.scheme ?? 'basic';
  if (scheme === 'basic' || scheme === 'both') {
    const encode = (value: string) => new URLSearchParams({ v: value }).toString().slice(2); // RFC 6749 §2.3.1
    headers.authorization = `Basic ${Buffer.from(`${encode(clientId)}:${encode(clientSecret)}`).toString('base64')}`;
  }
  if (scheme === 'body' || scheme === 'both') {
    body.set('client_id', clientId);
    body.set('client_secret', clientSecret);
  }
  const response = await fetch(`${bridge.url}/token`, { method: 'POST', headers, body });
  const text = await response.text();
  let parsed: Record<string, unknown> = {};
  try {
    parsed = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // left empty: the assertion on status/body says what was wrong
  }
  return { status: response.status, headers: response.headers, body: parsed, text };
}

export const exchangeCode = (bridge: BridgeServer, code: string, extra: Record<string, string> = {}, auth: ClientAuth = {}) =>
  tokenRequest(bridge, { grant_type: 'authorization_code', code, redirect_uri: CODE_REDIRECT, ...extra }, auth);

export const refresh = (bridge: BridgeServer, refreshToken: string, auth: ClientAuth = {}) =>
  tokenRequest(bridge, { grant_type: 'refresh_token', refresh_token: refreshToken }, auth);

export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

/** Asserts that no secret value appears anywhere in the captured log lines. */
export function expectNoSecretsIn(lines: string[], secrets: (string | undefined | null)[]): void {
  const log = lines.join('\n');
  for (const secret of secrets) {
    if (secret === undefined || secret === null || secret === '') continue;
    expect(log.includes(secret), `log contains a secret value (${secret.slice(0, 6)}…)`).to.equal(false);
  }
}

/**
 * Runs `action` against the test bridge and returns what it gave with the one `event` line it logged (time, level and
 * event left out); fails when the action logged that event not exactly once.
 */
export async function withOneLogLine<T>(t: TestBridge, event: string, action: () => Promise<T>): Promise<{ result: T; logged: Record<string, unknown> }> {
  const before = t.logger.lines.length;
  const result = await action();
  const lines = t.logger.lines.slice(before).map((line) => JSON.parse(line) as Record<string, unknown>).filter((record) => record.event === event);
  expect(lines, `one ${event} line`).to.have.length(1);
  const { time: _time, level: _level, event: _event, ...logged } = lines[0]!;
  return { result, logged };
}
