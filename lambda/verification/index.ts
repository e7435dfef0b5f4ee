/**
 * Alexa request verification for a self-hosted skill endpoint, as ask-sdk-express-adapter verifiers.
 *
 * Plug into your own adapter:
 *   const verifiers = createAlexaVerifiers({ skillId, verifyRequests: true });
 *   app.post('/', new ExpressAdapter(skill, false, false, verifiers).getRequestHandlers());
 * The adapter then answers refusals with its own 400 text; lambda/http/alexa-endpoint.ts runs the same verifiers
 * and answers with JSON refusals, a configurable body limit and one parse of the body.
 */
import { readFileSync } from 'node:fs';
import { ConfigError } from '../../common/env.js';
import { createCertificateDownloader, DEFAULT_DOWNLOAD_OPTIONS, type CertificateDownloadOptions, type FetchCertificate } from './certificate-download.js';
import { createTrustStore, splitPemCertificates, type TrustStore } from './trust-store.js';
import { SignatureVerifier, SkillIdVerifier, TimestampVerifier, VerifierSequence, type AlexaVerifier } from './verifiers.js';

export { AlexaRequestRefused, isRefusal, type RefusalCode } from './errors.js';
export { verifyCertificateChain } from './certificate-chain.js';
export type { FetchCertificate } from './certificate-download.js';
export { parseCertificateChainUrl } from './certificate-url.js';
export type { AlexaHttpRequest } from './request.js';
export { createTrustStore, type TrustStore } from './trust-store.js';
export { SignatureVerifier, SkillIdVerifier, TimestampVerifier, VerifierSequence, type AlexaVerifier } from './verifiers.js';

export interface AlexaVerificationOptions {
  skillId: string;
  /** Signature and timestamp checks; the skill-ID check always runs. */
  verifyRequests: boolean;
  /** Default: Node's root certificates only. */
  trustStore?: TrustStore;
  /** Default: a download with `download`'s timeout, size cap and (local stack only) mirror. */
  fetchCertificate?: FetchCertificate;
  download?: Partial<CertificateDownloadOptions>;
  now?: () => number;
}

/**
 * One verifier running the checks cheapest first (skill ID, timestamp, then signature with its possible download),
 * so the reported refusal does not depend on which check happens to finish first.
 */
export function createAlexaVerifiers(options: AlexaVerificationOptions): AlexaVerifier[] {
  const checks: AlexaVerifier[] = [new SkillIdVerifier(options.skillId)];
  if (options.verifyRequests) {
    const now = options.now ?? Date.now;
    checks.push(
      new TimestampVerifier({ now }),
      new SignatureVerifier({
        trustStore: options.trustStore ?? createTrustStore(),
        fetchCertificate: options.fetchCertificate ?? createCertificateDownloader({ ...DEFAULT_DOWNLOAD_OPTIONS, ...options.download }),
        now,
      }),
    );
  }
  return [new VerifierSequence(checks)];
}

/**
 * Node's roots plus, when a file is named, the CA certificates in it (read once, at start-up).
 * A file that cannot be read or holds no certificate is a configuration error, reported before any request.
 */
export function loadTrustStore(extraCaFile: string | undefined): TrustStore {
  if (extraCaFile === undefined) return createTrustStore();
  let extraCaPem: string;
  try {
    extraCaPem = readFileSync(extraCaFile, 'utf8');
  } catch {
    throw new ConfigError('ALEXA_EXTRA_CA_FILE', `"${extraCaFile}" cannot be read`);
  }
  if (splitPemCertificates(extraCaPem).length === 0) throw new ConfigError('ALEXA_EXTRA_CA_FILE', `"${extraCaFile}" holds no PEM certificate`);
  try {
    return createTrustStore({ extraCaPem });
  } catch {
    throw new ConfigError('ALEXA_EXTRA_CA_FILE', `"${extraCaFile}" holds a certificate that cannot be parsed`);
  }
}
