/**
 * BENCH BASELINE ONLY: the hand-written chain check the skill used before issue 10 (lambda/verification/
 * certificate-chain.ts at 1c836bb), kept here so `npm run bench -- chain` can put the PKI.js validator's cost next
 * to it in the same run, with the URL check of that time (whole URL as the cache key). It misses name constraints,
 * pathLen, key usage and critical extensions, and lets query strings bust the cache: never use it.
 */
import { X509Certificate, type KeyObject } from 'node:crypto';
import { AlexaRequestRefused } from '../../lambda/verification/errors.js';
import { splitPemCertificates, type TrustStore } from '../../lambda/verification/trust-store.js';

const ALEXA_SIGNING_HOST = 'echo-api.amazon.com';

/** A chain that passed every check, kept parsed so that later requests only compare two numbers and verify. */
interface VerifiedChain {
  leafPublicKey: KeyObject;
  /** The chain (anchor included) is valid from the latest `notBefore` to the earliest `notAfter`. */
  validFromMs: number;
  validUntilMs: number;
}

/** Chains longer than this are not what Alexa sends (leaf + one or two intermediates). */
const MAX_CHAIN_LENGTH = 5;

export function verifyChainHandWritten(pem: string, trustStore: TrustStore, nowMs: number): VerifiedChain {
  const chain = parseChain(pem);
  const leaf = chain[0]!;
  if (leaf.checkHost(ALEXA_SIGNING_HOST, { subject: 'never', wildcards: false }) === undefined) {
    throw new AlexaRequestRefused('certificate_invalid', `leaf certificate does not name ${ALEXA_SIGNING_HOST} in its SAN`);
  }

  for (let i = 0; i + 1 < chain.length; i++) {
    if (!isIssuedAndSignedBy(chain[i]!, chain[i + 1]!)) {
      throw new AlexaRequestRefused('certificate_untrusted', `certificate ${i} is not issued and signed by certificate ${i + 1}`);
    }
  }
  const anchor = findAnchor(chain[chain.length - 1]!, trustStore);
  if (anchor === undefined) throw new AlexaRequestRefused('certificate_untrusted', 'chain does not end at a trusted root');

  const validity = validityWindow(anchor === chain[chain.length - 1] ? chain : [...chain, anchor]);
  assertValidAt(validity, nowMs);
  return { leafPublicKey: leaf.publicKey, ...validity };
}

function assertValidAt(validity: Pick<VerifiedChain, 'validFromMs' | 'validUntilMs'>, nowMs: number): void {
  if (nowMs < validity.validFromMs || nowMs > validity.validUntilMs) {
    throw new AlexaRequestRefused('certificate_expired', 'a certificate in the chain is expired or not yet valid');
  }
}

function parseChain(pem: string): X509Certificate[] {
  const blocks = splitPemCertificates(pem);
  if (blocks.length === 0) throw new AlexaRequestRefused('certificate_invalid', 'no PEM certificate in the download');
  if (blocks.length > MAX_CHAIN_LENGTH) throw new AlexaRequestRefused('certificate_invalid', 'certificate chain is too long');
  try {
    return blocks.map((block) => new X509Certificate(block));
  } catch {
    throw new AlexaRequestRefused('certificate_invalid', 'a certificate in the chain cannot be parsed');
  }
}

function isIssuedAndSignedBy(subject: X509Certificate, issuer: X509Certificate): boolean {
  return issuer.ca && subject.checkIssued(issuer) && subject.verify(issuer.publicKey);
}

/** The last certificate itself when it is trusted, else the trusted CA that issued and signed it. */
function findAnchor(last: X509Certificate, trustStore: TrustStore): X509Certificate | undefined {
  if (trustStore.contains(last)) return last;
  return trustStore.issuersOf(last).find((candidate) => isIssuedAndSignedBy(last, candidate));
}

function validityWindow(certificates: X509Certificate[]): Pick<VerifiedChain, 'validFromMs' | 'validUntilMs'> {
  return {
    validFromMs: Math.max(...certificates.map((c) => c.validFromDate.getTime())),
    validUntilMs: Math.min(...certificates.map((c) => c.validToDate.getTime())),
  };
}

/** lambda/verification/certificate-url.ts at 1c836bb. */
const REQUIRED_HOST = 's3.amazonaws.com';
const REQUIRED_PATH_PREFIX = '/echo.api/';

export function parseCertificateChainUrlBefore(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new AlexaRequestRefused('certificate_url_invalid', 'not an absolute URL');
  }
  if (url.protocol !== 'https:') throw new AlexaRequestRefused('certificate_url_invalid', 'scheme is not https');
  if (url.hostname !== REQUIRED_HOST) throw new AlexaRequestRefused('certificate_url_invalid', 'host is not s3.amazonaws.com');
  // The URL parser drops the default port, so any port left here is not 443.
  if (url.port !== '') throw new AlexaRequestRefused('certificate_url_invalid', 'port is not 443');
  if (url.username !== '' || url.password !== '') {
    throw new AlexaRequestRefused('certificate_url_invalid', 'URL carries credentials');
  }
  if (!url.pathname.startsWith(REQUIRED_PATH_PREFIX)) {
    throw new AlexaRequestRefused('certificate_url_invalid', 'path does not start with /echo.api/ after normalisation');
  }
  url.hash = ''; // never sent to the server; keeps one cache entry per document
  return url;
}
