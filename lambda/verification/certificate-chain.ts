/**
 * Checks a downloaded signing certificate chain: the RFC 5280 path to a trusted root (certificate-path.ts, PKI.js
 * plus the strict rules it lacks), then what Alexa requires of the signing certificate itself — the leaf names
 * echo-api.amazon.com in its SAN, and holds an RSA key of at least 2048 bits (Signature-256 is RSA-SHA256).
 */
import { X509Certificate, type KeyObject } from 'node:crypto';
import { validateCertificationPath } from './certificate-path.js';
import { AlexaRequestRefused } from './errors.js';
import { splitPemCertificates, type TrustStore } from './trust-store.js';

export const ALEXA_SIGNING_HOST = 'echo-api.amazon.com';

/** NIST SP 800-131A: RSA keys under 2048 bits are no longer acceptable for signatures. */
export const MIN_RSA_MODULUS_BITS = 2048;

/** A chain that passed every check, kept parsed so that later requests only compare two numbers and verify. */
export interface VerifiedChain {
  leafPublicKey: KeyObject;
  /** The path (anchor included) is valid from the latest `notBefore` to the earliest `notAfter`. */
  validFromMs: number;
  validUntilMs: number;
}

/** Chains longer than this are not what Alexa sends (leaf, one or two intermediates, perhaps a cross-signed root). */
const MAX_CHAIN_LENGTH = 5;

export async function verifyCertificateChain(pem: string, trustStore: TrustStore, nowMs: number): Promise<VerifiedChain> {
  const downloaded = parseChain(pem);
  const leaf = downloaded[0]!;
  assertAlexaSigningCertificate(leaf);
  const path = await validateCertificationPath(downloaded, trustStore, nowMs);
  const validity = validityWindow(path);
  assertValidAt(validity, nowMs);
  return { leafPublicKey: leaf.publicKey, ...validity };
}

export function assertValidAt(validity: Pick<VerifiedChain, 'validFromMs' | 'validUntilMs'>, nowMs: number): void {
  if (nowMs < validity.validFromMs || nowMs > validity.validUntilMs) {
    throw new AlexaRequestRefused('certificate_expired', 'a certificate in the chain is expired or not yet valid');
  }
}

function assertAlexaSigningCertificate(leaf: X509Certificate): void {
  if (leaf.checkHost(ALEXA_SIGNING_HOST, { subject: 'never', wildcards: false }) === undefined) {
    throw new AlexaRequestRefused('certificate_invalid', `leaf certificate does not name ${ALEXA_SIGNING_HOST} in its SAN`);
  }
  const key = leaf.publicKey;
  if (key.asymmetricKeyType !== 'rsa') throw new AlexaRequestRefused('certificate_invalid', 'leaf key is not RSA');
  if ((key.asymmetricKeyDetails?.modulusLength ?? 0) < MIN_RSA_MODULUS_BITS) {
    throw new AlexaRequestRefused('certificate_invalid', `leaf RSA key is shorter than ${MIN_RSA_MODULUS_BITS} bits`);
  }
  if (leaf.ca) throw new AlexaRequestRefused('certificate_invalid', 'leaf certificate is a CA certificate');
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

function validityWindow(certificates: X509Certificate[]): Pick<VerifiedChain, 'validFromMs' | 'validUntilMs'> {
  return {
    validFromMs: Math.max(...certificates.map((c) => c.validFromDate.getTime())),
    validUntilMs: Math.min(...certificates.map((c) => c.validToDate.getTime())),
  };
}
