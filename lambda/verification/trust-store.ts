/**
 * The certificates a signing chain may end at: Node's bundled roots, plus extra CA certificates only when the
 * deployment names them explicitly (the local stack's test CA).
 */
import { X509Certificate } from 'node:crypto';
import { rootCertificates } from 'node:tls';

export interface TrustStore {
  /** Trusted certificates that could have issued `certificate` (subject matches its issuer). */
  issuersOf(certificate: X509Certificate): readonly X509Certificate[];
  /** True when `certificate` is itself one of the trusted certificates. */
  contains(certificate: X509Certificate): boolean;
}

export function createTrustStore(options: { extraCaPem?: string } = {}): TrustStore {
  const anchors = [
    ...systemRoots(),
    ...(options.extraCaPem === undefined ? [] : splitPemCertificates(options.extraCaPem).map((pem) => new X509Certificate(pem))),
  ];
  const bySubject = new Map<string, X509Certificate[]>();
  for (const anchor of anchors) bySubject.set(anchor.subject, [...(bySubject.get(anchor.subject) ?? []), anchor]);
  const fingerprints = new Set(anchors.map((anchor) => anchor.fingerprint256));
  return {
    issuersOf: (certificate) => bySubject.get(certificate.issuer) ?? [],
    contains: (certificate) => fingerprints.has(certificate.fingerprint256),
  };
}

let parsedSystemRoots: X509Certificate[] | undefined;

/** Parsed once per process (about 10 ms for Node's ~120 roots), shared by every trust store. */
function systemRoots(): X509Certificate[] {
  parsedSystemRoots ??= rootCertificates.map((pem) => new X509Certificate(pem));
  return parsedSystemRoots;
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** Every PEM certificate block in `text`, in order; anything between blocks is ignored. */
export function splitPemCertificates(text: string): string[] {
  return text.match(PEM_CERTIFICATE) ?? [];
}
