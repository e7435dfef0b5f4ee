/**
 * What the bridge benchmarks share (bench/bridge.ts, bench/bridge-ab.ts): the local authorization server as the
 * bridge's upstream (bench/workers/bridge-upstream.ts, non-rotating), the settings of a bridge in front of it (oidc
 * profile, BENCH-only clients and key), and the two ways to get a refresh token: linked straight to the server, or
 * through a bridge (/authorize → headless login → /callback → /token).
 */
import { randomBytes } from 'node:crypto';
import { completeLoginHeadlessly } from '../../local/auth/headless-login.js';
import { DEMO } from '../../local/demo.js';
import { startWorker, stop } from './processes.js';

const PUBLIC_URL = 'https://bridge.bench.example';
const DIRECT_CALLBACK = 'http://127.0.0.1:9/bench/direct';
const ALEXA_REDIRECT = `https://pitangui.amazon.com/api/skill/link/${DEMO.vendorId}`;
export const BRIDGE_CLIENT = { id: 'bench-alexa', secret: 'bench-alexa-secret-of-at-least-32-chars' };
const UPSTREAM_CLIENT = { id: 'bench-bridge', secret: 'bench-bridge-secret-of-at-least-32-chars' };
const LOGIN = { email: DEMO.user.email, password: DEMO.user.password };

export const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
/** How a bridge's client authenticates at the bridge, and how the demo client does at the server. */
export const viaBridge = basic(BRIDGE_CLIENT.id, BRIDGE_CLIENT.secret);
export const toUpstream = basic(DEMO.clientId, DEMO.clientSecret);

async function postToken(url: string, auth: string, body: Record<string, string>): Promise<Record<string, unknown>> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: auth }, body: new URLSearchParams(body) });
  const json = (await response.json()) as Record<string, unknown>;
  if (response.status !== 200) throw new Error(`token request failed: ${response.status} ${JSON.stringify(json)}`);
  return json;
}

/** The authorization server, started as the bridge's upstream: its issuer URL, and how to stop it. */
export async function startUpstream(): Promise<{ issuer: string; stop(): Promise<void> }> {
  const auth = await startWorker('bench/workers/bridge-upstream.ts', {
    BENCH_DIRECT_CALLBACK: DIRECT_CALLBACK,
    BENCH_BRIDGE_CLIENT_ID: UPSTREAM_CLIENT.id,
    BENCH_BRIDGE_CLIENT_SECRET: UPSTREAM_CLIENT.secret,
    BENCH_BRIDGE_CALLBACK: `${PUBLIC_URL}/callback`,
  });
  return { issuer: auth.firstLine.trim(), stop: () => stop(auth.child) };
}

/** A bridge's environment in front of `issuer` (the store is the caller's to add). */
export function bridgeSettings(issuer: string): Record<string, string> {
  return {
    BRIDGE_PORT: '0',
    BRIDGE_PUBLIC_URL: PUBLIC_URL,
    BRIDGE_PROFILE: 'oidc',
    BRIDGE_UPSTREAM_AUTHORIZATION_URL: `${issuer}/auth`,
    BRIDGE_UPSTREAM_TOKEN_URL: `${issuer}/token`,
    BRIDGE_UPSTREAM_CLIENT_ID: UPSTREAM_CLIENT.id,
    BRIDGE_UPSTREAM_CLIENT_SECRET: UPSTREAM_CLIENT.secret,
    BRIDGE_CLIENT_ID: BRIDGE_CLIENT.id,
    BRIDGE_CLIENT_SECRET: BRIDGE_CLIENT.secret,
    BRIDGE_ALEXA_REDIRECT_URIS: ALEXA_REDIRECT,
    BRIDGE_KEY: randomBytes(32).toString('base64url'),
    LOG_LEVEL: 'warn',
  };
}

/** The upstream refresh token of a direct link (DEMO client), as local/auth/bench.ts does it. */
export async function linkDirect(issuer: string): Promise<string> {
  const authorize = new URL(`${issuer}/auth`);
  authorize.search = new URLSearchParams({ client_id: DEMO.clientId, response_type: 'code', redirect_uri: DIRECT_CALLBACK, scope: 'basic_profile order_car', state: 'bench' }).toString();
  const back = await completeLoginHeadlessly(authorize.href, LOGIN);
  const tokens = await postToken(`${issuer}/token`, toUpstream, { grant_type: 'authorization_code', code: back.searchParams.get('code') ?? '', redirect_uri: DIRECT_CALLBACK });
  return tokens.refresh_token as string;
}

/** The bridge refresh token of a link through the bridge: /authorize → login → /callback → /token. */
export async function linkThroughBridge(bridge: string): Promise<string> {
  const authorize = new URL(`${bridge}/authorize`);
  authorize.search = new URLSearchParams({ client_id: BRIDGE_CLIENT.id, response_type: 'code', redirect_uri: ALEXA_REDIRECT, scope: 'basic_profile order_car', state: 'bench' }).toString();
  const up = await fetch(authorize, { redirect: 'manual' });
  const back = await completeLoginHeadlessly(up.headers.get('location')!, LOGIN);
  const callback = await fetch(`${bridge}/callback${back.search}`, { redirect: 'manual' });
  const code = new URL(callback.headers.get('location')!).searchParams.get('code') ?? '';
  const tokens = await postToken(`${bridge}/token`, viaBridge, { grant_type: 'authorization_code', code, redirect_uri: ALEXA_REDIRECT });
  return tokens.refresh_token as string;
}
