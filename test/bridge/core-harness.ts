/**
 * The bridge's core (bridge/core.ts) without HTTP, for tests that need to script the upstream's answers or the
 * store's failures: requests go straight to `handle`, the upstream is a function the test writes, the log is kept
 * in memory. Playing Alexa's side through /authorize and /callback gives real sealed states and codes.
 */
import { expect } from 'chai';
import { loadBridgeConfig, type BridgeConfig } from '../../bridge/config.js';
import { createBridge, type Bridge } from '../../bridge/core.js';
import type { BridgeResponse } from '../../bridge/http/types.js';
import type { TokenGrant, UpstreamResult } from '../../bridge/profiles/profile.js';
import { SqliteBridgeStore } from '../../bridge/store/sqlite.js';
import type { BridgeStore } from '../../bridge/store/store.js';
import { createMemoryLogger, type Logger } from '../../common/logging.js';
import { bridgeEnv, BRIDGE_CLIENT, CODE_REDIRECT, PUBLIC_URL } from './helpers.js';

export type ScriptedUpstream = (grant: TokenGrant, params: Record<string, string>) => Promise<UpstreamResult>;

export interface CoreBridge {
  bridge: Bridge;
  config: BridgeConfig;
  logger: Logger & { lines: string[] };
  /** Every token request the bridge made upstream, in order. */
  upstreamCalls: { grant: TokenGrant; params: Record<string, string> }[];
  /** What the upstream answers next; the test may replace it at any time. */
  upstream: ScriptedUpstream;
  get(path: string, query?: Record<string, string> | URLSearchParams): Promise<BridgeResponse>;
  postToken(form: Record<string, string> | URLSearchParams, headers?: Record<string, string>): Promise<BridgeResponse>;
  /** The log lines of `event` written since `since` (an index into logger.lines), without time, level and event. */
  logged(event: string, since?: number): Record<string, unknown>[];
  close(): Promise<void>;
}

export const TOKENS: UpstreamResult = { kind: 'tokens', accessToken: 'upstream-at', refreshToken: 'upstream-rt', expiresIn: 3600 };

/** Basic credentials as RFC 6749 §2.3.1 encodes them. */
export function basicAuth(clientId = BRIDGE_CLIENT.clientId, clientSecret = BRIDGE_CLIENT.clientSecret): string {
  const encode = (value: string) => new URLSearchParams({ v: value }).toString().slice(2);
  return `Basic ${Buffer.from(`${encode(clientId)}:${encode(clientSecret)}`).toString('base64')}`;
}

export async function startCoreBridge(
  env: Record<string, string | undefined> = {},
  options: { store?: BridgeStore; now?: () => number; upstream?: ScriptedUpstream } = {},
): Promise<CoreBridge> {
  const config = await loadBridgeConfig(bridgeEnv(env));
  const logger = createMemoryLogger('debug');
  const store = options.store ?? new SqliteBridgeStore(':memory:');
  const core: CoreBridge = {
    bridge: undefined as unknown as Bridge,
    config,
    logger,
    upstreamCalls: [],
    upstream: options.upstream ?? (async () => TOKENS),
    get: (path, query = {}) =>
      core.bridge.handle({ method: 'GET', path, query: new URLSearchParams(query), headers: {}, body: '', peerAddress: '127.0.0.1' }),
    postToken: (form, headers = { authorization: basicAuth() }) =>
      core.bridge.handle({
        method: 'POST',
        path: '/token',
        query: new URLSearchParams(),
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
        body: new URLSearchParams(form).toString(),
        peerAddress: '127.0.0.1',
      }),
    logged: (event, since = 0) =>
      logger.lines
        .slice(since)
        .map((line) => JSON.parse(line) as Record<string, unknown>)
        .filter((record) => record.event === event)
        .map(({ time: _time, level: _level, event: _event, ...fields }) => fields),
    close: () => core.bridge.close(),
  };
  core.bridge = createBridge(config, {
    logger,
    store,
    rateLimits: 'off',
    ...(options.now ? { now: options.now } : {}),
    upstream: {
      token: (grant, params) => {
        core.upstreamCalls.push({ grant, params });
        return core.upstream(grant, params);
      },
    },
  });
  return core;
}

/** GET /authorize as Alexa; returns the upstream authorization URL the bridge redirected to. */
export async function authorizeUpstream(core: CoreBridge, params: Record<string, string> = {}): Promise<URL> {
  const answer = await core.get('/authorize', { client_id: BRIDGE_CLIENT.clientId, response_type: 'code', redirect_uri: CODE_REDIRECT, scope: 'order_car', state: 'alexa-state', ...params });
  expect(answer.status, answer.body).to.equal(302);
  return new URL(answer.headers.location!);
}

/** The upstream's redirect back to /callback with `params` and the state the bridge sealed; returns the answer. */
export async function callBack(core: CoreBridge, upstream: URL, params: Record<string, string> = { code: 'upstream-code' }): Promise<BridgeResponse> {
  expect(upstream.searchParams.get('redirect_uri')).to.equal(`${PUBLIC_URL}/callback`);
  return core.get('/callback', { ...params, state: upstream.searchParams.get('state')! });
}

/** /authorize → /callback with an upstream code: the bridge's code for Alexa. */
export async function bridgeCode(core: CoreBridge, params: Record<string, string> = {}): Promise<string> {
  const answer = await callBack(core, await authorizeUpstream(core, params));
  expect(answer.status, answer.body).to.equal(302);
  return new URL(answer.headers.location!).searchParams.get('code')!;
}
