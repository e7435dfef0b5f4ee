/**
 * Issue 2 figures: cold start, warm CPU per linked request, bundle size — each against a hello-world ASK SDK skill
 * bundled the same way in the same run.
 *
 * Cold start = a new Node process until the first LaunchRequest is answered (what a cold Lambda adds).
 * Warm CPU = user+system CPU of the skill process per linked RideStatusIntent: JWT verified with jose against the
 * issuer's JWKS, GET /v1/rides/current over keep-alive to the Ride Hailer API running in another process.
 */
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { intent, launch, TEST_SKILL_ID } from '../test/support/envelopes.js';
import { createTestIssuer } from '../test/support/tokens.js';
import { bundleLambda } from '../scripts/bundle.js';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { invokeBundle, startWorker, stop } from './lib/processes.js';
import { median, ratio, table } from './lib/stats.js';

const COLD_RUNS = 15;
const WARM_UP = 500;
const MEASURED = 5000;

export async function benchSkill(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-skill-'));
  const ours = await bundleLambda('lambda/index.ts', join(dir, 'ours'));
  const base = await bundleLambda('bench/baseline/hello-skill.ts', join(dir, 'hello'));

  const issuer = await createTestIssuer();
  const jwks = http.createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(issuer.jwks)));
  jwks.listen(0, '127.0.0.1');
  await once(jwks, 'listening');
  const jwksUrl = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/jwks`;
  const api = await startWorker('bench/workers/ride-api.ts', { BENCH_ISSUER: issuer.config.issuer, BENCH_JWKS_URL: jwksUrl });
  const apiUrl = api.firstLine.trim();

  try {
    const token = await issuer.token({ sub: 'bench-user' });
    // RideStatus needs a ride to report on.
    await fetch(`${apiUrl}/v1/rides`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'idempotency-key': 'bench-order' },
      body: JSON.stringify({ destination: 'airport' }),
    });
    const env = {
      ALEXA_SKILL_ID: TEST_SKILL_ID,
      RIDE_API_URL: apiUrl,
      OAUTH_JWKS_URL: jwksUrl,
      OAUTH_ISSUER: issuer.config.issuer,
      OAUTH_AUDIENCE: issuer.config.audience,
      OAUTH_ALGORITHMS: 'ES256',
      OAUTH_TOKEN_TYPE: 'at+jwt',
    };
    const file = (name: string, envelopes: unknown[]) => {
      const path = join(dir, `${name}.json`);
      writeFileSync(path, JSON.stringify(envelopes));
      return path;
    };
    const unlinkedLaunch = file('unlinked-launch', [launch()]);
    const linkedLaunch = file('linked-launch', [launch({ token })]);
    const rideStatus = file('ride-status', [intent('RideStatusIntent', { token })]);
    const oursEntry = join(dir, 'ours/index.mjs');
    const hello = join(dir, 'hello/index.mjs');

    const cold = { hello: [] as number[], unlinked: [] as number[], linked: [] as number[] };
    for (let run = 0; run < COLD_RUNS; run++) {
      cold.hello.push((await invokeBundle(hello, unlinkedLaunch, env)).spawnToAnswerMs);
      cold.unlinked.push((await invokeBundle(oursEntry, unlinkedLaunch, env)).spawnToAnswerMs);
      cold.linked.push((await invokeBundle(oursEntry, linkedLaunch, env)).spawnToAnswerMs);
    }
    const warmOurs = await invokeBundle(oursEntry, rideStatus, env, WARM_UP, MEASURED);
    if (!/on its way/.test(warmOurs.speech)) throw new Error(`unexpected answer: ${warmOurs.speech}`);
    const warmHello = await invokeBundle(hello, unlinkedLaunch, env, WARM_UP, MEASURED);
    const gotAlone = await runGotAlone(apiUrl, token);
    const µs = (r: { cpuMicros: number }) => r.cpuMicros / MEASURED;

    const h = median(cold.hello);
    return [
      `Skill (issue 2): ${COLD_RUNS} cold starts each, alternating; ${MEASURED} warm requests after ${WARM_UP} warm-up`,
      table([
        { figure: 'cold start, unlinked LaunchRequest (median)', baseline: `${h.toFixed(1)} ms`, ours: `${median(cold.unlinked).toFixed(1)} ms`, ratio: ratio(median(cold.unlinked), h), target: '≤ 1.50×' },
        { figure: 'cold start, linked LaunchRequest (JWKS + API)', baseline: `${h.toFixed(1)} ms`, ours: `${median(cold.linked).toFixed(1)} ms`, ratio: ratio(median(cold.linked), h), target: '—' },
        { figure: 'warm CPU per request (linked RideStatus vs hello)', baseline: `${µs(warmHello).toFixed(0)} µs`, ours: `${µs(warmOurs).toFixed(0)} µs`, ratio: ratio(µs(warmOurs), µs(warmHello)), target: '≤ 250 µs' },
        { figure: 'warm CPU: the same API call with got alone (floor)', baseline: `${(gotAlone / MEASURED).toFixed(0)} µs`, ours: `${µs(warmOurs).toFixed(0)} µs`, ratio: ratio(µs(warmOurs), gotAlone / MEASURED), target: '—' },
        { figure: 'warm wall time per linked request', baseline: `${(warmHello.wallMs / MEASURED * 1000).toFixed(0)} µs`, ours: `${(warmOurs.wallMs / MEASURED * 1000).toFixed(0)} µs`, ratio: ratio(warmOurs.wallMs, warmHello.wallMs), target: '—' },
        { figure: 'bundle loaded at cold start', baseline: `${(base.entryBytes / 1024).toFixed(0)} kB`, ours: `${(ours.entryBytes / 1024).toFixed(0)} kB`, ratio: ratio(ours.entryBytes, base.entryBytes), target: '—' },
        { figure: 'bundle size, all chunks', baseline: `${(base.bytes / 1024).toFixed(0)} kB`, ours: `${(ours.bytes / 1024).toFixed(0)} kB`, ratio: ratio(ours.bytes, base.bytes), target: '—' },
      ]),
    ].join('\n');
  } finally {
    await stop(api.child);
    jwks.close();
  }
}

/** CPU µs of MEASURED got requests to the same API in a fresh process: what got itself costs per call. */
async function runGotAlone(apiUrl: string, token: string): Promise<number> {
  const { stdout } = await promisify(execFile)(process.execPath, ['bench/workers/got-alone.mjs', `${apiUrl}/`, token, String(WARM_UP), String(MEASURED)]);
  return (JSON.parse(stdout) as { cpuMicros: number }).cpuMicros;
}
