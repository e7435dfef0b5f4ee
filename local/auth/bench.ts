import autocannon, { type AutocannonResult } from 'autocannon';
import { isMainModule } from '../../common/main-module.js';
import { DEMO } from '../demo.js';
import { completeLoginHeadlessly } from './headless-login.js';
import { startAuthServer } from './server.js';

export interface LoadFigures {
  /** Latency percentiles in milliseconds. */
  p50: number;
  p99: number;
  requestsPerSec: number;
  /** Answers other than 200 (should be 0). */
  non2xx: number;
}

export interface TokenEndpointBench extends LoadFigures {
  /** The same server answering GET /jwks (a static document) under the same load: the baseline. */
  baseline: LoadFigures;
}

// Never requested: the headless login stops at the redirect to it.
const BENCH_CALLBACK = 'http://127.0.0.1:9/bench/callback';

/**
 * Measures the token endpoint the way Alexa uses it most: refresh_token grants with HTTP Basic client
 * authentication, against an in-memory server on loopback. Links the demo user headlessly first.
 */
export async function benchTokenEndpoint(options: { durationSeconds?: number; connections?: number } = {}): Promise<TokenEndpointBench> {
  const server = await startAuthServer({ extraRedirectUris: [BENCH_CALLBACK], log: () => {} });
  try {
    const authorize = new URL(server.authorizationUrl);
    authorize.search = new URLSearchParams({
      client_id: DEMO.clientId,
      response_type: 'code',
      redirect_uri: BENCH_CALLBACK,
      scope: 'basic_profile order_car',
      state: 'bench',
    }).toString();
    const redirect = await completeLoginHeadlessly(authorize.href, { email: DEMO.user.email, password: DEMO.user.password });
    const basic = `Basic ${Buffer.from(`${DEMO.clientId}:${DEMO.clientSecret}`).toString('base64')}`;
    const headers = { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' };
    const exchange = await fetch(server.tokenUrl, {
      method: 'POST',
      headers,
      body: new URLSearchParams({ grant_type: 'authorization_code', code: redirect.searchParams.get('code') ?? '', redirect_uri: BENCH_CALLBACK }),
    });
    const { refresh_token: refreshToken } = (await exchange.json()) as { refresh_token?: string };
    if (!refreshToken) throw new Error(`no refresh token (status ${exchange.status})`);

    const load = { connections: options.connections ?? 10, duration: options.durationSeconds ?? 5 };
    const figures = (result: AutocannonResult): LoadFigures => ({ p50: result.latency.p50, p99: result.latency.p99, requestsPerSec: result.requests.average, non2xx: result.non2xx });
    const baseline = figures(await autocannon({ url: server.jwksUrl, ...load }));
    const result = await autocannon({
      url: server.tokenUrl,
      method: 'POST',
      headers,
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken }).toString(),
      ...load,
    });
    return { ...figures(result), baseline };
  } finally {
    await server.close();
  }
}

if (isMainModule(import.meta)) {
  const figures = await benchTokenEndpoint();
  console.log(`token endpoint (refresh grants): p50 ${figures.p50} ms, p99 ${figures.p99} ms, ${figures.requestsPerSec} req/s, non-2xx ${figures.non2xx}`);
}
