/**
 * Issue 3 figures: the local authorization server's token endpoint under load (Alexa allows 4.5 s; ours should
 * answer in milliseconds), against the same server serving its JWKS; and the full headless link journey.
 */
import { benchTokenEndpoint } from '../local/auth/bench.js';
import { benchLinkJourney } from './link-journey.js';
import { ratio, table } from './lib/stats.js';

const ALEXA_TOKEN_LIMIT_MS = 4500;

export async function benchAuth(): Promise<string> {
  const token = await benchTokenEndpoint({ durationSeconds: 8, connections: 10 });
  const journey = await benchLinkJourney({ journeys: 20 });
  const ms = (n: number) => (n < 1 ? '< 1 ms' : `${n.toFixed(0)} ms`); // autocannon reports whole milliseconds
  const latencyRatio = (ours: number, base: number) => (base < 1 ? '—' : ratio(ours, base));
  return [
    'Authorization (issue 3): token endpoint = refresh_token grants with HTTP Basic, 10 connections, 8 s; baseline = GET /jwks on the same server',
    table([
      { figure: 'token endpoint p50', baseline: ms(token.baseline.p50), ours: ms(token.p50), ratio: latencyRatio(token.p50, token.baseline.p50), target: `≤ ${ALEXA_TOKEN_LIMIT_MS} ms (Alexa)` },
      { figure: 'token endpoint p99', baseline: ms(token.baseline.p99), ours: ms(token.p99), ratio: latencyRatio(token.p99, token.baseline.p99), target: `≤ ${ALEXA_TOKEN_LIMIT_MS} ms (Alexa)` },
      { figure: 'token endpoint requests/s', baseline: token.baseline.requestsPerSec.toFixed(0), ours: token.requestsPerSec.toFixed(0), ratio: ratio(token.requestsPerSec, token.baseline.requestsPerSec), target: '—' },
      { figure: 'token endpoint non-2xx', baseline: String(token.baseline.non2xx), ours: String(token.non2xx), ratio: '—', target: '0' },
      { figure: `headless link journey p50 (${journey.journeys} journeys)`, baseline: '—', ours: `${journey.p50.toFixed(1)} ms`, ratio: '—', target: '—' },
      { figure: 'headless link journey p99 (first one is cold)', baseline: '—', ours: `${journey.p99.toFixed(1)} ms`, ratio: '—', target: '—' },
    ]),
  ].join('\n');
}
