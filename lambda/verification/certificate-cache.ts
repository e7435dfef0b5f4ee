/**
 * Verified signing chains per certificate URL.
 *
 * - One download in flight per URL: concurrent first requests share it.
 * - A chain is kept until the earliest `notAfter` in it; validity is re-checked on every use, and a chain that
 *   has expired since it was cached is dropped (the next request downloads again, in case the URL was re-issued).
 * - Failed downloads and chains that fail the checks are not cached.
 * - Entries hold the parsed public key, so a cached request costs one RSA verification, not a PEM parse.
 */
import { assertValidAt, verifyCertificateChain, type VerifiedChain } from './certificate-chain.js';
import { AlexaRequestRefused, isRefusal } from './errors.js';
import type { FetchCertificate } from './certificate-download.js';
import type { TrustStore } from './trust-store.js';

/** Alexa signs with a handful of certificates; a bound keeps a flood of distinct valid URLs from growing memory. */
const MAX_ENTRIES = 32;

export class CertificateChainCache {
  private readonly verified = new Map<string, VerifiedChain>();
  private readonly inFlight = new Map<string, Promise<VerifiedChain>>();

  constructor(
    private readonly fetchCertificate: FetchCertificate,
    private readonly trustStore: TrustStore,
    private readonly now: () => number,
  ) {}

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
    let pending = this.inFlight.get(key);
    if (pending === undefined) {
      pending = this.load(url).finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, pending);
    }
    return pending;
  }

  private async load(url: URL): Promise<VerifiedChain> {
    const pem = await this.fetchCertificate(url).catch((error: unknown) => {
      throw isRefusal(error) ? error : new AlexaRequestRefused('certificate_unavailable', 'certificate download failed');
    });
    const chain = await verifyCertificateChain(pem, this.trustStore, this.now());
    if (this.verified.size >= MAX_ENTRIES) this.verified.delete(this.verified.keys().next().value!);
    this.verified.set(url.href, chain);
    return chain;
  }
}
