/**
 * RFC 5280 certification path validation for a downloaded chain: PKI.js's `CertificateChainValidationEngine` builds
 * the path (intermediates in any order, unrelated certificates ignored, the shortest path to a trusted certificate)
 * and checks signatures, validity at `now`, name chaining, basicConstraints cA on every issuer, keyCertSign when an
 * issuer has keyUsage, policies and name constraints.
 *
 * On top of it, the rules PKI.js does not enforce and `openssl verify -x509_strict -purpose sslserver` does (the
 * differential corpus in test/verification/path-validation.test.ts is the judge):
 *   - pathLenConstraint (PKI.js parses it but never compares it with the path),
 *   - an unrecognised critical extension in any certificate (PKI.js only looks at issuers, and only at ones it
 *     cannot parse),
 *   - every CA certificate carries keyUsage (strict mode),
 *   - extendedKeyUsage, where present on any certificate, allows serverAuth (OpenSSL's sslserver purpose),
 *   - the leaf's keyUsage, where present, allows a TLS use (digitalSignature, keyEncipherment or keyAgreement).
 *
 * Revocation is not checked (no CRL or OCSP fetches on the request path), as before.
 */
import { X509Certificate } from 'node:crypto';
import { BasicConstraints, Certificate, CertificateChainValidationEngine, ExtKeyUsage } from 'pkijs';
import { AlexaRequestRefused } from './errors.js';
import type { TrustStore } from './trust-store.js';

/** PKI.js result code for a certificate outside its validity period. */
const PKIJS_NOT_VALID_AT_DATE = 8;

const OID = {
  keyUsage: '2.5.29.15',
  basicConstraints: '2.5.29.19',
  extKeyUsage: '2.5.29.37',
  serverAuth: '1.3.6.1.5.5.7.3.1',
} as const;

/** Extensions a validator must understand to accept them as critical: the ones OpenSSL handles (RFC 5280 §4.2). */
const UNDERSTOOD_CRITICAL_EXTENSIONS = new Set([
  '2.5.29.15', // keyUsage
  '2.5.29.17', // subjectAltName
  '2.5.29.19', // basicConstraints
  '2.5.29.30', // nameConstraints
  '2.5.29.31', // cRLDistributionPoints
  '2.5.29.32', // certificatePolicies
  '2.5.29.33', // policyMappings
  '2.5.29.36', // policyConstraints
  '2.5.29.37', // extKeyUsage
  '2.5.29.54', // inhibitAnyPolicy
]);

/** keyUsage bits in the first byte of the BIT STRING (RFC 5280 §4.2.1.3). */
const KEY_USAGE = { digitalSignature: 0x80, keyEncipherment: 0x20, keyAgreement: 0x08, keyCertSign: 0x04 } as const;

/**
 * The validated path, leaf first and the trust anchor last, as Node certificates.
 * `downloaded` is leaf first; the rest may come in any order. Throws `certificate_untrusted`, or
 * `certificate_expired` when the only thing wrong with the path is a certificate outside its validity period.
 */
export async function validateCertificationPath(downloaded: readonly X509Certificate[], trustStore: TrustStore, nowMs: number): Promise<X509Certificate[]> {
  const anchors = candidateAnchors(downloaded, trustStore);
  if (anchors.length === 0) throw untrusted('no certificate in the chain is issued by a trusted root');
  const nodeCertificateOf = new Map<Certificate, X509Certificate>();
  const toPkijs = (certificate: X509Certificate) => {
    const parsed = Certificate.fromBER(new Uint8Array(certificate.raw));
    nodeCertificateOf.set(parsed, certificate);
    return parsed;
  };
  let engine: CertificateChainValidationEngine;
  try {
    engine = new CertificateChainValidationEngine({
      trustedCerts: anchors.map(toPkijs),
      // PKI.js takes the last certificate it is given as the end entity.
      certs: [...downloaded.slice(1), downloaded[0]!].map(toPkijs),
      checkDate: new Date(nowMs),
      findIssuer: issuersWithoutDeadEnds(),
    });
  } catch {
    throw new AlexaRequestRefused('certificate_invalid', 'a certificate in the chain cannot be parsed as X.509');
  }
  const result = await engine.verify();
  if (!result.result) {
    if (result.resultCode === PKIJS_NOT_VALID_AT_DATE) {
      throw new AlexaRequestRefused('certificate_expired', 'a certificate in the chain is expired or not yet valid');
    }
    // resultMessage is PKI.js's own fixed text about the path, never request data.
    throw untrusted(`path validation failed: ${result.resultMessage}`);
  }
  const path = engine.certs;
  assertStrictRules(path);
  return path.map((certificate) => nodeCertificateOf.get(certificate)!);
}

type FindIssuer = CertificateChainValidationEngine['findIssuer'];

/**
 * PKI.js's issuer lookup, less the issuers from which no path reaches a trusted certificate. PKI.js gives up on the
 * whole search when any branch dead-ends (a cross-certificate whose own issuer was not served, next to the trusted
 * root it was cross-signed for), where RFC 5280 §6 only asks for one valid path; pruning dead ends first restores
 * that. Lookups are memoised for the one validation the function is made for.
 */
function issuersWithoutDeadEnds(): FindIssuer {
  const issuersOf = new Map<Certificate, Promise<Certificate[]>>();
  const lookUp = (certificate: Certificate, engine: CertificateChainValidationEngine, crypto?: Parameters<FindIssuer>[2]) => {
    let issuers = issuersOf.get(certificate);
    if (issuers === undefined) {
      issuers = engine.defaultFindIssuer(certificate, engine, crypto);
      issuersOf.set(certificate, issuers);
    }
    return issuers;
  };
  const isTrusted = (certificate: Certificate, engine: CertificateChainValidationEngine) =>
    engine.trustedCerts.some((trusted) => Buffer.from(trusted.tbsView).equals(Buffer.from(certificate.tbsView)));
  const reachesTrust = async (certificate: Certificate, engine: CertificateChainValidationEngine, crypto: Parameters<FindIssuer>[2], seen: ReadonlySet<Certificate>): Promise<boolean> => {
    if (isTrusted(certificate, engine)) return true;
    for (const issuer of await lookUp(certificate, engine, crypto)) {
      if (issuer === certificate || seen.has(issuer)) continue;
      if (await reachesTrust(issuer, engine, crypto, new Set([...seen, certificate]))) return true;
    }
    return false;
  };
  return async (certificate, engine, crypto) => {
    const live: Certificate[] = [];
    for (const issuer of await lookUp(certificate, engine, crypto)) {
      if (issuer === certificate || (await reachesTrust(issuer, engine, crypto, new Set([certificate])))) live.push(issuer);
    }
    return live;
  };
}

/** Trusted certificates the path could end at: a downloaded certificate that is itself trusted, or a trusted issuer of one. */
function candidateAnchors(downloaded: readonly X509Certificate[], trustStore: TrustStore): X509Certificate[] {
  const anchors = new Map<string, X509Certificate>();
  for (const certificate of downloaded) {
    if (trustStore.contains(certificate)) anchors.set(certificate.fingerprint256, certificate);
    for (const issuer of trustStore.issuersOf(certificate)) anchors.set(issuer.fingerprint256, issuer);
  }
  return [...anchors.values()];
}

/** `path` is leaf first, anchor last. */
function assertStrictRules(path: readonly Certificate[]): void {
  path.forEach((certificate, index) => {
    const role = index === 0 ? 'leaf' : `CA certificate ${index}`;
    for (const extension of certificate.extensions ?? []) {
      if (extension.critical && !UNDERSTOOD_CRITICAL_EXTENSIONS.has(extension.extnID)) {
        throw untrusted(`${role} has an unrecognised critical extension ${extension.extnID}`);
      }
    }
    const extendedKeyUsage = extensionValue(certificate, OID.extKeyUsage);
    if (extendedKeyUsage instanceof ExtKeyUsage && !extendedKeyUsage.keyPurposes.includes(OID.serverAuth)) {
      throw untrusted(`${role} has extendedKeyUsage without serverAuth`);
    }
    const keyUsage = keyUsageBits(certificate);
    if (index === 0) {
      const tlsUses = KEY_USAGE.digitalSignature | KEY_USAGE.keyEncipherment | KEY_USAGE.keyAgreement;
      if (keyUsage !== undefined && (keyUsage & tlsUses) === 0) throw untrusted('leaf keyUsage allows no TLS server use');
      return;
    }
    if (keyUsage === undefined) throw untrusted(`${role} has no keyUsage`);
    const pathLength = pathLenConstraint(certificate);
    // RFC 5280 §6.1.4 (m): the non-self-issued intermediates below this CA, leaf excluded, may number at most pathLen.
    if (pathLength !== undefined && path.slice(1, index).filter((below) => !isSelfIssued(below)).length > pathLength) {
      throw untrusted(`${role} has pathLenConstraint ${pathLength} and issues a longer path`);
    }
  });
}

function extensionValue(certificate: Certificate, oid: string): unknown {
  return certificate.extensions?.find((extension) => extension.extnID === oid)?.parsedValue;
}

function keyUsageBits(certificate: Certificate): number | undefined {
  const value = extensionValue(certificate, OID.keyUsage) as { valueBlock?: { valueHexView?: Uint8Array } } | undefined;
  if (value === undefined) return undefined;
  return value.valueBlock?.valueHexView?.[0] ?? 0;
}

function pathLenConstraint(certificate: Certificate): number | undefined {
  const constraints = extensionValue(certificate, OID.basicConstraints);
  if (!(constraints instanceof BasicConstraints) || constraints.pathLenConstraint === undefined) return undefined;
  const value = constraints.pathLenConstraint;
  return typeof value === 'number' ? value : value.valueBlock.valueDec;
}

function isSelfIssued(certificate: Certificate): boolean {
  return certificate.subject.isEqual(certificate.issuer);
}

function untrusted(reason: string): AlexaRequestRefused {
  return new AlexaRequestRefused('certificate_untrusted', reason);
}
