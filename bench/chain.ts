/**
 * `npm run bench -- chain`: what the RFC 5280 validator (PKI.js + strict rules, lambda/verification/certificate-path.ts)
 * costs against the hand-written check it replaced (kept for this comparison only in bench/baseline/hand-written-chain.ts).
 *
 * - First-seen chain: verifyCertificateChain on a leaf + intermediate from the local test CA, trust store = Node's
 *   roots + that CA (as the local stack runs), the whole check each time (no cache).
 * - Cached request: URL check + cache hit + the RSA-SHA256 signature check over a 1 kB body, as every request after
 *   the first pays it; the old path is its URL check, a map lookup by the whole URL, and the same RSA check.
 * Rounds alternate old and new; medians of per-operation means of process CPU time.
 */
import { verify as verifySignature, sign } from 'node:crypto';
import { promisify } from 'node:util';
import { createSigningMaterial, toKeyObject } from '../local/alexa/test-ca.js';
import { CertificateChainCache } from '../lambda/verification/certificate-cache.js';
import { assertValidAt } from '../lambda/verification/certificate-chain.js';
import { createTrustStore, parseCertificateChainUrl, verifyCertificateChain } from '../lambda/verification/index.js';
import { parseCertificateChainUrlBefore, verifyChainHandWritten } from './baseline/hand-written-chain.js';
import { median, ratio, table } from './lib/stats.js';

const ROUNDS = 7;
const FIRST_SEEN_OPS = 100;
const CACHED_OPS = 2_000;
const URL = 'https://s3.amazonaws.com/echo.api/echo-api-cert-bench.pem';
const verifyAsync = promisify(verifySignature);

export async function benchChain(): Promise<string> {
  const material = await createSigningMaterial({ intermediate: true });
  const trustStore = createTrustStore({ extraCaPem: material.caCertPem });
  const now = Date.now();
  const body = Buffer.from(JSON.stringify({ padding: 'x'.repeat(1000) }));
  const signature = sign('sha256', body, toKeyObject(material.leafKey));

  const newCache = new CertificateChainCache(async () => material.chainPem, trustStore, () => now);
  await newCache.get(parseCertificateChainUrl(URL));
  const oldCache = new Map([[parseCertificateChainUrlBefore(URL).href, verifyChainHandWritten(material.chainPem, trustStore, now)]]);

  const subjects = {
    firstSeenNew: async () => void (await verifyCertificateChain(material.chainPem, trustStore, now)),
    firstSeenOld: async () => void verifyChainHandWritten(material.chainPem, trustStore, now),
    cachedNew: async () => {
      const chain = await newCache.get(parseCertificateChainUrl(URL));
      if (!(await verifyAsync('sha256', body, chain.leafPublicKey, signature))) throw new Error('bench signature did not verify');
    },
    cachedOld: async () => {
      const chain = oldCache.get(parseCertificateChainUrlBefore(URL).href)!;
      assertValidAt(chain, now);
      if (!(await verifyAsync('sha256', body, chain.leafPublicKey, signature))) throw new Error('bench signature did not verify');
    },
  };
  // CPU time of this process (the RSA check's thread-pool time included), not wall time: on a shared 2-core
  // machine wall time mostly measures the neighbours.
  const perOpMicros = async (run: () => Promise<void>, ops: number) => {
    const started = process.cpuUsage();
    for (let i = 0; i < ops; i++) await run();
    const used = process.cpuUsage(started);
    return (used.user + used.system) / ops;
  };
  // Warm-up: JIT and PKI.js's lazy set-up.
  for (const [name, run] of Object.entries(subjects)) await perOpMicros(run, name.startsWith('first') ? 20 : 200);

  const results: Record<keyof typeof subjects, number[]> = { firstSeenNew: [], firstSeenOld: [], cachedNew: [], cachedOld: [] };
  for (let round = 0; round < ROUNDS; round++) {
    const pairs = [
      ['firstSeenNew', 'firstSeenOld', FIRST_SEEN_OPS],
      ['cachedNew', 'cachedOld', CACHED_OPS],
    ] as const;
    for (const [ours, theirs, ops] of pairs) {
      const order = round % 2 === 0 ? [ours, theirs] : [theirs, ours];
      for (const name of order) results[name].push(await perOpMicros(subjects[name], ops));
    }
  }
  const µs = (n: number) => (n >= 1000 ? `${(n / 1000).toFixed(2)} ms` : `${n.toFixed(0)} µs`);
  const row = (figure: string, ours: number[], baseline: number[], target: string) => ({
    figure,
    baseline: µs(median(baseline)),
    ours: µs(median(ours)),
    ratio: ratio(median(ours), median(baseline)),
    target,
  });
  return [
    `Chain validator: leaf + intermediate (RSA 2048) from the local test CA, Node's roots + that CA trusted; ${ROUNDS} alternating rounds, medians of CPU time per operation`,
    table([
      row('first-seen chain: PKI.js path validation + strict + Alexa rules vs hand-written', results.firstSeenNew, results.firstSeenOld, 'once per chain'),
      row('cached request: URL canonical form + cache hit + RSA check vs before', results.cachedNew, results.cachedOld, '≤ 1.10×'),
    ]),
  ].join('\n');
}
