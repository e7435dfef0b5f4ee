/**
 * Verified signing chains per certificate URL (its canonical form from certificate-url.ts, so spellings of one
 * document share an entry).
 *
 * - One download in flight per URL: concurrent first requests share it.
 * - At most MAX_DOWNLOADS_IN_FLIGHT downloads of different URLs at once; a request that would start one more is
 *   refused at once (`certificate_unavailable`) instead of queueing behind a flood of made-up URLs.
 * - A chain is kept until the earliest `notAfter` in it; validity is re-checked on every use, and a chain that
 *   has expired since it was cached is dropped (the next request downloads again, in case the URL was re-issued).
 * - A failed download or a chain that fails the checks is remembered for FAILURE_TTL_MS (a negative cache), so a
 *   stream of requests naming a missing object costs one download, not one each.
 * - Entries hold the parsed public key, so a cached request costs one RSA verification, not a PEM parse.
 *
 * Both caches are lru-cache's (bounded, least recently used dropped first; the failures with a TTL on the injected
 * clock). The downloads in flight stay a plain map: lru-cache's fetchMethod would share them too, but it cannot refuse
 * a download beyond the bound at once, and it would keep a failure as a value instead of a remembered refusal.
 */
import { LRUCache } from 'lru-cache';
import { assertValidAt, verifyCertificateChain, type VerifiedChain } from './certificate-chain.js';
import { AlexaRequestRefused, isRefusal } from './errors.js';
import type { FetchCertificate } from './certificate-download.js';
import type { TrustStore } from './trust-store.js';

/** Alexa signs with a handful of certificates; a bound keeps a flood of distinct valid URLs from growing memory. */
const MAX_ENTRIES = 32;
/** Long enough to absorb a flood, short enough that a blip at S3 refuses real requests only briefly. */
export const FAILURE_TTL_MS = 30_000;
/** Failures are only worth remembering while a flood lasts; the bound keeps a flood of distinct URLs from growing memory. */
const MAX_FAILURES = 256;
/** Alexa rotates certificates rarely: more than a few distinct first-seen URLs at once is not Alexa. */
export const MAX_DOWNLOADS_IN_FLIGHT = 4;

export class CertificateChainCache {
  private readonly verified = new LRUCache<string, VerifiedChain>({ max: MAX_ENTRIES });
  /** Refusals, each forgotten FAILURE_TTL_MS after it was remembered (lru-cache's TTL: still there at that exact age). */
  private readonly failed: LRUCache<string, AlexaRequestRefused>;
  private readonly inFlight = new Map<string, Promise<VerifiedChain>>();

  constructor(
    private readonly fetchCertificate: FetchCertificate,
    private readonly trustStore: TrustStore,
    private readonly now: () => number,
  ) {
    // ttlResolution 0: read the clock on every check rather than trusting a value lru-cache kept for a millisecond
    // (which it does with a timer), so an injected clock decides alone.
    this.failed = new LRUCache({ max: MAX_FAILURES, ttl: FAILURE_TTL_MS, ttlResolution: 0, perf: { now } });
  }

  async get(url: URL): Promise<VerifiedChain> {
    const key = url.href;
    const cached = this.verified.get(key);
    if (cached !== undefined) {
      try {
        assertValidAt(cached, this.now());
      } catch (error) {
        this.verified.delete(key);
        throw error;
      }
      return cached;
    }
    const refusal = this.failed.get(key);
    if (refusal !== undefined) throw refusal;
    let pending = this.inFlight.get(key);
    if (pending === undefined) {
      if (this.inFlight.size >= MAX_DOWNLOADS_IN_FLIGHT) {
        throw new AlexaRequestRefused('certificate_unavailable', 'too many certificate downloads in flight');
      }
      pending = this.load(url).finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, pending);
    }
    return pending;
  }

  private async load(url: URL): Promise<VerifiedChain> {
    try {
      const pem = await this.fetchCertificate(url).catch((error: unknown) => {
        throw isRefusal(error) ? error : new AlexaRequestRefused('certificate_unavailable', 'certificate download failed');
      });
      const chain = await verifyCertificateChain(pem, this.trustStore, this.now());
      this.verified.set(url.href, chain);
      return chain;
    } catch (error) {
      if (isRefusal(error)) this.failed.set(url.href, error);
      throw error;
    }
  }
}
