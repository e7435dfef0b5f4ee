/**
 * The link journey as a figure, for `npm run bench` (bench/auth.ts): the full headless account-linking journey
 * against an in-memory local stack, timed from "authorization URL issued" to "tokens stored".
 */
import type { LogSink } from '../common/logging.js';
import { completeLoginHeadlessly } from '../local/auth/headless-login.js';
import type { AlexaSimulator } from '../local/alexa/simulator.js';
import { DEMO } from '../local/demo.js';
import { startLocalStack } from '../local/stack.js';
import { percentile } from './lib/stats.js';

export interface LinkJourneyFigures {
  /** Milliseconds from "authorization URL issued" to "tokens stored": login form, consent, code exchange. */
  p50: number;
  p99: number;
  journeys: number;
}

/**
 * Runs the full headless link journey `journeys` times against an in-memory stack (real login form, real consent
 * page, real token endpoint; no skill event) and reports its latency percentiles (nearest rank: with 20 journeys,
 * p99 is the slowest one, usually the first, cold one).
 */
export async function benchLinkJourney(options: { journeys?: number; log?: LogSink } = {}): Promise<LinkJourneyFigures> {
  const journeys = options.journeys ?? 20;
  const stack = await startLocalStack({ log: options.log ?? (() => {}), env: { LOG_LEVEL: 'warn' } });
  try {
    const samples: number[] = [];
    for (let i = 0; i < journeys; i += 1) samples.push(await timeLinkJourney(stack.simulator));
    return { p50: percentile(samples, 50), p99: percentile(samples, 99), journeys };
  } finally {
    await stack.close();
  }
}

/** One headless link journey, timed from the authorization URL to the tokens stored (milliseconds). */
export async function timeLinkJourney(simulator: AlexaSimulator, credentials: { email: string; password: string } = DEMO.user): Promise<number> {
  const started = performance.now();
  const authorizationUrl = await simulator.linker.beginAuthorization();
  const redirect = await completeLoginHeadlessly(authorizationUrl.href, credentials, { acceptLanguage: simulator.locale });
  await simulator.linker.completeAuthorization(redirect);
  return Math.round((performance.now() - started) * 10) / 10;
}
