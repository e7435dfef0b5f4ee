/**
 * Issue 7 figures: the bridge's token endpoint (refresh_token grants, oidc profile) against the same upstream — the
 * local authorization server, non-rotating — called directly, in the same run.
 *
 *   parent: autocannon, the headless logins that create both links
 *   child:  the local authorization server (bench/workers/bridge-upstream.ts)
 *   child:  the bridge in front of it          (bench/workers/bridge-server.ts, LOG_LEVEL=warn)
 *
 * Rounds alternate direct/bridge after a warm-up of each; the medians are reported. Loopback only, bounded in time.
 */
import { randomBytes } from 'node:crypto';
import { completeLoginHeadlessly } from '../local/auth/headless-login.js';
import { DEMO } from '../local/demo.js';
import { runLoad, type LoadFigures } from './lib/load-run.js';
import { startWorker, stop } from './lib/processes.js';
import { median, ratio, table } from './lib/stats.js';

const CONNECTIONS = 10;
const WARM_UP_S = 2;
const MEASURED_S = 5;
const ROUNDS = 3;
const ALEXA_TOKEN_LIMIT_MS = 4500;

const PUBLIC_URL = 'https://bridge.bench.example';
const DIRECT_CALLBACK = 'http://127.0.0.1:9/bench/direct';
const ALEXA_REDIRECT = `https://pitangui.amazon.com/api/skill/link/${DEMO.vendorId}`;
const BRIDGE_CLIENT = { id: 'bench-alexa', secret: 'bench-alexa-secret' };
const UPSTREAM_CLIENT = { id: 'bench-bridge', secret: 'bench-bridge-secret' };
const LOGIN = { email: DEMO.user.email, password: DEMO.user.password };

const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
const form = { 'content-type': 'application/x-www-form-urlencoded' };

async function postToken(url: string, auth: string, body: Record<string, string>): Promise<Record<string, unknown>> {
  const response = await fetch(url, { method: 'POST', headers: { ...form, authorization: auth }, body: new URLSearchParams(body) });
  const json = (await response.json()) as Record<string, unknown>;
  if (response.status !== 200) throw new Error(`token request failed: ${response.status} ${JSON.stringify(json)}`);
  return json;
}

/** The upstream refresh token of a direct link (DEMO client), as local/auth/bench.ts does it. */
async function linkDirect(issuer: string): Promise<string> {
  const authorize = new URL(`${issuer}/auth`);
  authorize.search = new URLSearchParams({ client_id: DEMO.clientId, response_type: 'code', redirect_uri: DIRECT_CALLBACK, scope: 'basic_profile order_car', state: 'bench' }).toString();
  const back = await completeLoginHeadlessly(authorize.href, LOGIN);
  const tokens = await postToken(`${issuer}/token`, basic(DEMO.clientId, DEMO.clientSecret), { grant_type: 'authorization_code', code: back.searchParams.get('code') ?? '', redirect_uri: DIRECT_CALLBACK });
  return tokens.refresh_token as string;
}

/** The bridge refresh token of a link through the bridge: /authorize → login → /callback → /token. */
async function linkThroughBridge(bridge: string): Promise<string> {
  const authorize = new URL(`${bridge}/authorize`);
  authorize.search = new URLSearchParams({ client_id: BRIDGE_CLIENT.id, response_type: 'code', redirect_uri: ALEXA_REDIRECT, scope: 'basic_profile order_car', state: 'bench' }).toString();
  const up = await fetch(authorize, { redirect: 'manual' });
  const back = await completeLoginHeadlessly(up.headers.get('location')!, LOGIN);
  const callback = await fetch(`${bridge}/callback${back.search}`, { redirect: 'manual' });
  const code = new URL(callback.headers.get('location')!).searchParams.get('code') ?? '';
  const tokens = await postToken(`${bridge}/token`, basic(BRIDGE_CLIENT.id, BRIDGE_CLIENT.secret), { grant_type: 'authorization_code', code, redirect_uri: ALEXA_REDIRECT });
  return tokens.refresh_token as string;
}

export async function benchBridge(): Promise<string> {
  const closers: (() => Promise<void>)[] = [];
  try {
    const auth = await startWorker('bench/workers/bridge-upstream.ts', {
      BENCH_DIRECT_CALLBACK: DIRECT_CALLBACK,
      BENCH_BRIDGE_CLIENT_ID: UPSTREAM_CLIENT.id,
      BENCH_BRIDGE_CLIENT_SECRET: UPSTREAM_CLIENT.secret,
      BENCH_BRIDGE_CALLBACK: `${PUBLIC_URL}/callback`,
    });
    closers.push(() => stop(auth.child));
    const issuer = auth.firstLine.trim();
    const bridge = await startWorker('bench/workers/bridge-server.ts', {
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
      BRIDGE_DATA: ':memory:',
      LOG_LEVEL: 'warn',
    });
    closers.push(() => stop(bridge.child));
    const bridgeUrl = bridge.firstLine.trim();

    // One link per connection on both sides, as many Alexa users refreshing at once: one link for all would let the
    // bridge's single-flight (concurrent refreshes of ONE link share one upstream call) flatter it.
    const refreshBody = (refreshToken: string) => new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken }).toString();
    const directBodies: string[] = [];
    const bridgeBodies: string[] = [];
    for (let i = 0; i < CONNECTIONS; i += 1) {
      directBodies.push(refreshBody(await linkDirect(issuer)));
      bridgeBodies.push(refreshBody(await linkThroughBridge(bridgeUrl)));
    }
    const direct = { url: `${issuer}/token`, headers: { ...form, authorization: basic(DEMO.clientId, DEMO.clientSecret) }, body: directBodies[0]!, bodies: directBodies };
    const through = { url: `${bridgeUrl}/token`, headers: { ...form, authorization: basic(BRIDGE_CLIENT.id, BRIDGE_CLIENT.secret) }, body: bridgeBodies[0]!, bodies: bridgeBodies };
    const isTokenAnswer = (body: string) => body.includes('"access_token"');
    const run = (target: typeof direct, seconds: number) => runLoad({ ...target, connections: CONNECTIONS, durationSeconds: seconds, expectBody: isTokenAnswer });

    await run(direct, WARM_UP_S);
    await run(through, WARM_UP_S);
    const directRuns: LoadFigures[] = [];
    const bridgeRuns: LoadFigures[] = [];
    for (let round = 0; round < ROUNDS; round += 1) {
      // Alternate the order so neither side always runs on a warmer (or hotter) machine.
      if (round % 2 === 0) {
        directRuns.push(await run(direct, MEASURED_S));
        bridgeRuns.push(await run(through, MEASURED_S));
      } else {
        bridgeRuns.push(await run(through, MEASURED_S));
        directRuns.push(await run(direct, MEASURED_S));
      }
    }
    const med = (runs: LoadFigures[], key: keyof LoadFigures) => median(runs.map((r) => r[key]));
    const failures = (runs: LoadFigures[]) => runs.reduce((sum, r) => sum + r.errors + r.non2xx + r.mismatches, 0);
    const ms = (n: number) => (n < 1 ? '< 1 ms' : `${n.toFixed(0)} ms`);
    const rps = { direct: med(directRuns, 'requestsPerSecond'), bridge: med(bridgeRuns, 'requestsPerSecond') };
    return [
      `Bridge (issue 7): POST /token refresh_token grants (HTTP Basic), ${CONNECTIONS} connections with a link each, ${ROUNDS} × ${MEASURED_S} s each, medians; baseline = the same upstream (local authorization server, non-rotating) called directly`,
      table([
        { figure: 'requests/s', baseline: rps.direct.toFixed(0), bridge: rps.bridge.toFixed(0), ratio: ratio(rps.bridge, rps.direct), target: '≥ 0.75×' },
        { figure: 'p50', baseline: ms(med(directRuns, 'p50Ms')), bridge: ms(med(bridgeRuns, 'p50Ms')), ratio: '—', target: '—' },
        { figure: 'p99', baseline: ms(med(directRuns, 'p99Ms')), bridge: ms(med(bridgeRuns, 'p99Ms')), ratio: '—', target: `≪ ${ALEXA_TOKEN_LIMIT_MS} ms (Alexa)` },
        { figure: 'failed answers (all rounds)', baseline: String(failures(directRuns)), bridge: String(failures(bridgeRuns)), ratio: '—', target: '0' },
      ]),
    ].join('\n');
  } finally {
    for (const close of closers.reverse()) await close();
  }
}
