/**
 * The self-hosted endpoint under load: autocannon on loopback, every figure from this one run.
 *
 *   parent: autocannon, the issuer's JWKS, the certificate mirror (bench/lib/alexa-loopback.ts)
 *   child:  the skill endpoint with verification on   (bench/workers/skill-server.ts, LOG_LEVEL=warn)
 *   child:  the same endpoint with verification off
 *   child:  the Ride Hailer API                        (bench/workers/ride-api.ts)
 *
 * - Cost of verification: the same signed, unlinked LaunchRequest (local CA, chain cached after the first request)
 *   to both endpoints, so only verification differs; rounds alternate the order and the median is reported,
 *   because a 2-core machine is noisy. Also CPU per request inside the skill process (process.cpuUsage over IPC).
 * - Linked path: a signed RideStatusIntent with an access token (JWT verified by jose, then remembered) and
 *   GET /v1/rides/current to the API over keep-alive.
 * - Soak: the linked path for 60 s; the skill process's RSS and heap (after a full GC) before and after.
 * Every measured run follows a warm-up of the same kind; answers are checked (status and body) on every request.
 *
 * Bodies are signed at the start of each run: Alexa's timestamp must be within ±150 s, and the longest run is 60 s.
 * Set BENCH_CPU_PROF=<dir> to write a V8 CPU profile of the verifying skill process there.
 */
import { intent, launch, TEST_SKILL_ID } from '../test/support/envelopes.js';
import { startAlexaLoopback, type AlexaLoopback } from './lib/alexa-loopback.js';
import { runLoad, type LoadFigures } from './lib/load-run.js';
import { startWorker, stop } from './lib/processes.js';
import { startSkillProcess, type SkillProcess } from './lib/skill-process.js';
import { median, ratio, table } from './lib/stats.js';

/** Enough to keep both cores busy without queueing: at ~1,500 req/s, 16 in flight is ~10 ms of work queued. */
const CONNECTIONS = 16;
const WARM_UP_S = 3;
const LINKED_WARM_UP_S = 5;
const MEASURED_S = 8;
/** Rounds of (on, off) runs, order alternating, for a median that is not just the better of two. */
const ROUNDS = 3;
const SOAK_S = 60;

interface SignedRequest {
  body: string;
  headers: Record<string, string>;
}

interface Measured extends LoadFigures {
  /** User + system CPU of the skill process per completed request. */
  cpuMicrosPerRequest: number;
}

/** Unlinked LaunchRequest: the error path of a missing link, answered with a LinkAccount card. */
const isLinkCard = (body: string) => body.includes('"LinkAccount"');
const isRideStatus = (body: string) => body.includes('Your ride to');

export async function benchLoad(): Promise<string> {
  const closers: (() => Promise<void>)[] = [];
  try {
    const loopback = await startAlexaLoopback();
    closers.push(loopback.close);
    const api = await startWorker('bench/workers/ride-api.ts', { BENCH_ISSUER: loopback.issuer.config.issuer, BENCH_JWKS_URL: loopback.jwksUrl });
    closers.push(() => stop(api.child));
    const apiUrl = api.firstLine.trim();
    const token = await loopback.issuer.token({ sub: 'bench-user' });
    await orderRide(apiUrl, token);

    const env = skillEnvironment(loopback, apiUrl);
    const verifying = await startSkillProcess({
      env: { ...env, ALEXA_VERIFY_REQUESTS: 'on', ALEXA_EXTRA_CA_FILE: loopback.caFile, ALEXA_CERT_MIRROR_URL: loopback.mirrorUrl },
      cpuProfileDir: process.env.BENCH_CPU_PROF,
    });
    closers.push(verifying.stop);
    const unverified = await startSkillProcess({ env: { ...env, ALEXA_VERIFY_REQUESTS: 'off' } });
    closers.push(unverified.stop);

    // Both endpoints get the same signed bytes; the one with verification off simply ignores the headers.
    const unlinked = () => signed(loopback, launch());
    const linked = () => signed(loopback, intent('RideStatusIntent', { token }));
    await probe(verifying, unlinked(), isLinkCard);
    await probe(unverified, unlinked(), isLinkCard);
    await probe(verifying, linked(), isRideStatus);

    const all: Measured[] = [];
    const measure = async (skill: SkillProcess, request: SignedRequest, seconds: number, expectBody: (body: string) => boolean) => {
      const before = await skill.stats();
      const figures = await runLoad({ url: skill.url, ...request, connections: CONNECTIONS, durationSeconds: seconds, expectBody });
      const after = await skill.stats();
      const measured = { ...figures, cpuMicrosPerRequest: (after.cpuMicros - before.cpuMicros) / Math.max(1, figures.total) };
      all.push(measured);
      return measured;
    };

    const idle = await verifying.stats({ gc: true });
    await measure(verifying, unlinked(), WARM_UP_S, isLinkCard);
    await measure(unverified, unlinked(), WARM_UP_S, isLinkCard);

    const on: Measured[] = [];
    const off: Measured[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 === 0 ? ([[verifying, on], [unverified, off]] as const) : ([[unverified, off], [verifying, on]] as const);
      for (const [skill, results] of order) results.push(await measure(skill, unlinked(), MEASURED_S, isLinkCard));
    }

    // Warmed up right before it is measured: got, jose and the API process have JIT work of their own to do.
    await measure(verifying, linked(), LINKED_WARM_UP_S, isRideStatus);
    const linkedRun = await measure(verifying, linked(), MEASURED_S, isRideStatus);

    const soakStart = await verifying.stats({ gc: true });
    const soak = await measure(verifying, linked(), SOAK_S, isRideStatus);
    const soakEnd = await verifying.stats({ gc: true });

    const med = (runs: Measured[], pick: (m: Measured) => number) => median(runs.map(pick));
    const rps = (m: Measured) => m.requestsPerSecond;
    const cpu = (m: Measured) => m.cpuMicrosPerRequest;
    const p50 = (m: Measured) => m.p50Ms;
    const p99 = (m: Measured) => m.p99Ms;
    const perSecond = (n: number) => `${n.toFixed(0)}/s`;
    const ms = (n: number) => `${n.toFixed(1)} ms`;
    const µs = (n: number) => `${n.toFixed(0)} µs`;
    const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
    const failures = (m: LoadFigures) => `${m.errors} / ${m.non2xx} / ${m.mismatches}`;
    const total = all.reduce((sum, m) => ({ requests: sum.requests + m.total, failed: sum.failed + m.errors + m.non2xx + m.mismatches }), { requests: 0, failed: 0 });

    return [
      `Load: autocannon on loopback, ${CONNECTIONS} connections; unlinked runs ${ROUNDS}× ${MEASURED_S} s per endpoint, alternating, medians; linked ${MEASURED_S} s; soak ${SOAK_S} s`,
      table([
        { figure: 'unlinked LaunchRequest, verification on vs off', baseline: perSecond(med(off, rps)), ours: perSecond(med(on, rps)), ratio: ratio(med(on, rps), med(off, rps)), target: '≥ 0.90×' },
        { figure: '  p99 latency, on vs off', baseline: ms(med(off, p99)), ours: ms(med(on, p99)), ratio: ratio(med(on, p99), med(off, p99)), target: '—' },
        { figure: '  skill CPU per request, on vs off', baseline: µs(med(off, cpu)), ours: µs(med(on, cpu)), ratio: ratio(med(on, cpu), med(off, cpu)), target: '—' },
        { figure: 'linked RideStatusIntent vs unlinked launch (both verified)', baseline: perSecond(med(on, rps)), ours: perSecond(linkedRun.requestsPerSecond), ratio: ratio(linkedRun.requestsPerSecond, med(on, rps)), target: '≥ 1000/s' },
        { figure: '  p50 latency', baseline: ms(med(on, p50)), ours: ms(linkedRun.p50Ms), ratio: ratio(linkedRun.p50Ms, med(on, p50)), target: '—' },
        { figure: '  p99 latency', baseline: ms(med(on, p99)), ours: ms(linkedRun.p99Ms), ratio: ratio(linkedRun.p99Ms, med(on, p99)), target: '≤ 50 ms' },
        { figure: '  skill CPU per request', baseline: µs(med(on, cpu)), ours: µs(linkedRun.cpuMicrosPerRequest), ratio: ratio(linkedRun.cpuMicrosPerRequest, med(on, cpu)), target: '—' },
        { figure: `soak (${SOAK_S} s linked) vs ${MEASURED_S} s linked run`, baseline: perSecond(linkedRun.requestsPerSecond), ours: perSecond(soak.requestsPerSecond), ratio: ratio(soak.requestsPerSecond, linkedRun.requestsPerSecond), target: '—' },
        { figure: '  p99 latency', baseline: ms(linkedRun.p99Ms), ours: ms(soak.p99Ms), ratio: ratio(soak.p99Ms, linkedRun.p99Ms), target: '≤ 50 ms' },
        { figure: '  skill RSS, start vs end (after GC)', baseline: mb(soakStart.rss), ours: mb(soakEnd.rss), ratio: ratio(soakEnd.rss, soakStart.rss), target: '≤ 1.10×' },
        { figure: '  skill heap used, start vs end (after GC)', baseline: mb(soakStart.heapUsed), ours: mb(soakEnd.heapUsed), ratio: ratio(soakEnd.heapUsed, soakStart.heapUsed), target: '≤ 1.10×' },
        { figure: `  errors / non-2xx / wrong answers of ${soak.total}`, baseline: '—', ours: failures(soak), ratio: '—', target: '0 / 0 / 0' },
      ]),
      `unlinked rounds, on / off req/s: ${on.map((m, i) => `${m.requestsPerSecond.toFixed(0)} / ${off[i]!.requestsPerSecond.toFixed(0)}`).join(', ')}; ` +
        `all runs: ${total.failed} failed of ${total.requests} requests`,
      `verifying skill process idle before any load: RSS ${mb(idle.rss)}, heap ${mb(idle.heapUsed)} of ${mb(idle.heapTotal)}; ` +
        `after the soak: heap ${mb(soakEnd.heapUsed)} of ${mb(soakEnd.heapTotal)} (V8 grows the young generation under load), external ${mb(soakEnd.external)}`,
      `skill log events at warn: on ${listEvents(verifying.logEvents)}; off ${listEvents(unverified.logEvents)}`,
    ].join('\n');
  } finally {
    for (const close of closers.reverse()) await close();
  }
}

function skillEnvironment(loopback: AlexaLoopback, apiUrl: string): Record<string, string> {
  return {
    ALEXA_SKILL_ID: TEST_SKILL_ID,
    RIDE_API_URL: apiUrl,
    OAUTH_JWKS_URL: loopback.jwksUrl,
    OAUTH_ISSUER: loopback.issuer.config.issuer,
    OAUTH_AUDIENCE: loopback.issuer.config.audience,
    OAUTH_ALGORITHMS: 'ES256',
    OAUTH_TOKEN_TYPE: 'at+jwt',
    // Logging every request to a pipe would measure the pipe.
    LOG_LEVEL: 'warn',
    HOST: '127.0.0.1',
    PORT: '0',
  };
}

function signed(loopback: AlexaLoopback, envelope: object): SignedRequest {
  const body = JSON.stringify(envelope);
  return { body, headers: { 'content-type': 'application/json; charset=utf-8', ...loopback.sign(body) } };
}

/** RideStatusIntent needs a ride to report on. */
async function orderRide(apiUrl: string, token: string): Promise<void> {
  const response = await fetch(`${apiUrl}/v1/rides`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'idempotency-key': 'bench-load' },
    body: JSON.stringify({ destination: 'airport' }),
  });
  if (!response.ok) throw new Error(`ordering the bench ride answered ${response.status}`);
}

/** One request before the load: fills the certificate and token caches and proves the answer is the expected one. */
async function probe(skill: SkillProcess, request: SignedRequest, expected: (body: string) => boolean): Promise<void> {
  const response = await fetch(skill.url, { method: 'POST', ...request });
  const text = await response.text();
  if (response.status !== 200 || !expected(text)) throw new Error(`unexpected answer before the load: ${response.status} ${text.slice(0, 300)}`);
}

function listEvents(events: Map<string, number>): string {
  return [...events].map(([event, count]) => `${event} ×${count}`).join(', ') || 'none';
}
