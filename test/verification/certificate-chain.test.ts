/**
 * The signing-chain check rule by rule: each refusal is asserted with its code and its reason, so a chain that breaks
 * one rule is known to be refused by that rule (the differential test in path-validation.test.ts only compares
 * verdicts with OpenSSL). Chains are made with the openssl command line (openssl-corpus.ts); the trust store holds the
 * corpus root next to Node's roots, as a deployment's would.
 */
import { X509Certificate } from 'node:crypto';
import { expect } from 'chai';
import { verifyCertificateChain } from '../../lambda/verification/certificate-chain.js';
import { createTrustStore, type TrustStore } from '../../lambda/verification/trust-store.js';
import { ca, caWith, createCorpus, leaf, leafWith, type CertificateSpec, type Corpus } from './openssl-corpus.js';


const SPECS: CertificateSpec[] = [
  ca('Root', undefined),
  // The intermediate ends first, the leaf starts last: the chain's window is the leaf's notBefore to the intermediate's notAfter.
  ca('Inter', 'Root', { notAfterDays: 20 }),
  leaf('Leaf', 'Inter', { notBeforeDays: -0.5, notAfterDays: 30 }),
  leaf('Leaf wildcard SAN', 'Inter', { extensions: leafWith({ subjectAltName: 'subjectAltName = DNS:*.amazon.com' }) }),
  leaf('Leaf name in CN only', 'Inter', { subjectCn: 'echo-api.amazon.com', extensions: leafWith({ subjectAltName: undefined }) }),
  leaf('Leaf EC key', 'Inter', { key: 'ecLeaf' }),
  leaf('Leaf short RSA', 'Inter', { key: 'shortRsaLeaf' }),
  leaf('Leaf CA true', 'Inter', { extensions: leafWith({ basicConstraints: 'basicConstraints = critical, CA:TRUE', keyUsage: 'keyUsage = critical, digitalSignature, keyCertSign' }) }),
  leaf('Leaf critical unknown', 'Inter', { extensions: leafWith({}, ['1.3.6.1.4.1.55555.1 = critical, ASN1:NULL']) }),
  leaf('Leaf EKU clientAuth', 'Inter', { extensions: leafWith({ extendedKeyUsage: 'extendedKeyUsage = clientAuth' }) }),
  leaf('Leaf keyUsage cRLSign only', 'Inter', { extensions: leafWith({ keyUsage: 'keyUsage = critical, cRLSign' }) }),
  leaf('Leaf keyUsage keyAgreement only', 'Inter', { extensions: leafWith({ keyUsage: 'keyUsage = critical, keyAgreement' }) }),
  leaf('Leaf keyUsage keyEncipherment only', 'Inter', { extensions: leafWith({ keyUsage: 'keyUsage = critical, keyEncipherment' }) }),
  ca('Inter critical unknown', 'Root', { extensions: caWith({}, ['1.3.6.1.4.1.55555.1 = critical, ASN1:NULL']) }),
  leaf('Leaf under inter critical unknown', 'Inter critical unknown'),
  ca('Inter EKU clientAuth', 'Root', { extensions: caWith({}, ['extendedKeyUsage = clientAuth']) }),
  leaf('Leaf under inter EKU clientAuth', 'Inter EKU clientAuth'),
  ca('Inter no keyUsage', 'Root', { extensions: caWith({ keyUsage: undefined }) }),
  leaf('Leaf under inter no keyUsage', 'Inter no keyUsage'),
  ca('Pathlen0', 'Root', { extensions: caWith({ basicConstraints: 'basicConstraints = critical, CA:TRUE, pathlen:0' }) }),
  ca('Sub of pathlen0', 'Pathlen0', { key: 'ca2' }),
  leaf('Leaf under sub of pathlen0', 'Sub of pathlen0'),
  leaf('Leaf under pathlen0', 'Pathlen0'),
  // Self-issued (same name as its issuer, another key: a CA's key rollover): RFC 5280 §6.1.4 (l) does not count it
  // against a pathLenConstraint above it.
  ca('Rollover of pathlen0', 'Pathlen0', { key: 'ca2', subjectCn: 'Pathlen0' }),
  leaf('Leaf under rollover of pathlen0', 'Rollover of pathlen0'),
  ca('Pathlen1', 'Root', { extensions: caWith({ basicConstraints: 'basicConstraints = critical, CA:TRUE, pathlen:1' }) }),
  ca('Sub of pathlen1', 'Pathlen1', { key: 'ca2' }),
  leaf('Leaf under sub of pathlen1', 'Sub of pathlen1'),
  ca('Inter expired', 'Root', { notBeforeDays: -10, notAfterDays: -1 }),
  leaf('Leaf under inter expired', 'Inter expired'),
  ca('Other root', undefined, { key: 'otherRoot' }),
  ca('Other root 2', undefined, { key: 'otherRoot' }),
  ca('Other root 3', undefined, { key: 'otherRoot' }),
  ca('Other root 4', undefined, { key: 'otherRoot' }),
  ca('Inter under other root', 'Other root'),
  leaf('Leaf under other root', 'Inter under other root'),
  // Two intermediates, for order and a missing link
  ca('Upper', 'Root'),
  ca('Lower', 'Upper', { key: 'ca2' }),
  leaf('Leaf under lower', 'Lower'),
  // Cross-signing: New root's key, issued by Root (the cross-certificate), and a CA under New root
  ca('New root', undefined, { key: 'otherRoot' }),
  ca('New root cross', 'Root', { key: 'otherRoot', subjectCn: 'New root' }),
  ca('Under new root', 'New root', { key: 'ca2' }),
  leaf('Leaf under new root', 'Under new root'),
  // A CA that merely copies Inter's name
  ca('Inter impostor', 'Other root', { key: 'ca2', subjectCn: 'Inter' }),
  leaf('Leaf under impostor', 'Inter impostor'),
];

describe('Alexa request verification: signing chain rules (verifyCertificateChain)', function () {
  this.timeout(60_000);
  let corpus: Corpus;
  let trustStore: TrustStore;

  before(async () => {
    corpus = await createCorpus(SPECS);
    trustStore = createTrustStore({ extraCaPem: corpus.pem('Root') });
  });
  after(async () => {
    await corpus?.remove();
  });

  const chain = (...names: string[]) => names.map((name) => corpus.pem(name)).join('');

  async function outcome(pem: string, now = corpus.now): Promise<string> {
    try {
      await verifyCertificateChain(pem, trustStore, now);
      return 'accepted';
    } catch (error) {
      const { code, reason } = error as { code?: string; reason?: string };
      return `${code}: ${reason}`;
    }
  }

  it('accepts a valid chain and keeps the leaf key and the window in which every certificate of the path is valid', async () => {
    const verified = await verifyCertificateChain(chain('Leaf', 'Inter'), trustStore, corpus.now);
    const [leafCertificate, inter] = [new X509Certificate(corpus.pem('Leaf')), new X509Certificate(corpus.pem('Inter'))];
    expect(verified.leafPublicKey.equals(leafCertificate.publicKey)).to.equal(true);
    expect(verified.validFromMs).to.equal(leafCertificate.validFromDate.getTime());
    expect(verified.validUntilMs).to.equal(inter.validToDate.getTime());
  });

  const refusals: [title: string, names: string[], expected: string][] = [
    ['a leaf whose SAN is only a wildcard for amazon.com', ['Leaf wildcard SAN', 'Inter'], 'certificate_invalid: leaf certificate does not name echo-api.amazon.com in its SAN'],
    ['a leaf naming echo-api.amazon.com only in its subject CN', ['Leaf name in CN only', 'Inter'], 'certificate_invalid: leaf certificate does not name echo-api.amazon.com in its SAN'],
    ['a leaf with an EC key', ['Leaf EC key', 'Inter'], 'certificate_invalid: leaf key is not RSA'],
    ['a leaf with a 1024-bit RSA key', ['Leaf short RSA', 'Inter'], 'certificate_invalid: leaf RSA key is shorter than 2048 bits'],
    ['a leaf that is a CA', ['Leaf CA true', 'Inter'], 'certificate_invalid: leaf certificate is a CA certificate'],
    ['a leaf with an unknown critical extension', ['Leaf critical unknown', 'Inter'], 'certificate_untrusted: leaf has an unrecognised critical extension 1.3.6.1.4.1.55555.1'],
    ['an intermediate with an unknown critical extension', ['Leaf under inter critical unknown', 'Inter critical unknown'], 'certificate_untrusted: CA certificate 1 has an unrecognised critical extension 1.3.6.1.4.1.55555.1'],
    ['a leaf whose extendedKeyUsage lacks serverAuth', ['Leaf EKU clientAuth', 'Inter'], 'certificate_untrusted: leaf has extendedKeyUsage without serverAuth'],
    ['an intermediate whose extendedKeyUsage lacks serverAuth', ['Leaf under inter EKU clientAuth', 'Inter EKU clientAuth'], 'certificate_untrusted: CA certificate 1 has extendedKeyUsage without serverAuth'],
    ['a leaf whose keyUsage allows no TLS use', ['Leaf keyUsage cRLSign only', 'Inter'], 'certificate_untrusted: leaf keyUsage allows no TLS server use'],
    ['an intermediate without keyUsage', ['Leaf under inter no keyUsage', 'Inter no keyUsage'], 'certificate_untrusted: CA certificate 1 has no keyUsage'],
    ['a pathLen 0 CA above another CA', ['Leaf under sub of pathlen0', 'Sub of pathlen0', 'Pathlen0'], 'certificate_untrusted: CA certificate 2 has pathLenConstraint 0 and issues a longer path'],
    ['an expired intermediate', ['Leaf under inter expired', 'Inter expired'], 'certificate_expired: a certificate in the chain is expired or not yet valid'],
    ['a chain to a root nobody trusts', ['Leaf under other root', 'Inter under other root', 'Other root'], 'certificate_untrusted: no certificate in the chain is issued by a trusted root'],
    ['a download without a PEM certificate', [], 'certificate_invalid: no PEM certificate in the download'],
    ['a chain of six certificates', ['Leaf', 'Inter', 'Other root', 'Other root 2', 'Other root 3', 'Other root 4'], 'certificate_invalid: certificate chain is too long'],
  ];
  for (const [title, names, expected] of refusals) {
    it(`refuses ${title} (${expected.split(':')[0]})`, async () => {
      expect(await outcome(chain(...names))).to.equal(expected);
    });
  }

  const accepted: [title: string, names: string[]][] = [
    ['a leaf whose keyUsage is keyAgreement only', ['Leaf keyUsage keyAgreement only', 'Inter']],
    ['a leaf whose keyUsage is keyEncipherment only', ['Leaf keyUsage keyEncipherment only', 'Inter']],
    ['a pathLen 0 CA that issues the leaf itself', ['Leaf under pathlen0', 'Pathlen0']],
    ['a pathLen 1 CA above one more CA', ['Leaf under sub of pathlen1', 'Sub of pathlen1', 'Pathlen1']],
    ['a chain of five certificates (three unrelated extras)', ['Leaf', 'Inter', 'Other root', 'Other root 2', 'Other root 3']],
  ];
  for (const [title, names] of accepted) {
    it(`accepts ${title}`, async () => {
      expect(await outcome(chain(...names))).to.equal('accepted');
    });
  }

  it('accepts a pathLen 0 CA above a self-issued certificate of its own (a key rollover does not count), as OpenSSL does', async () => {
    const names = ['Leaf under rollover of pathlen0', 'Rollover of pathlen0', 'Pathlen0'];
    expect(new X509Certificate(corpus.pem('Rollover of pathlen0')).subject).to.equal(new X509Certificate(corpus.pem('Pathlen0')).subject);
    expect(await outcome(chain(...names))).to.equal('accepted');
    const openssl = await corpus.opensslVerdict(names[0]!, names.slice(1), ['Root']);
    expect(openssl.ok, openssl.output).to.equal(true);
  });

  describe('building the path', () => {
    it('finds the path whatever order the intermediates come in', async () => {
      expect(await outcome(chain('Leaf under lower', 'Upper', 'Lower'))).to.equal('accepted');
      expect(await outcome(chain('Leaf under lower', 'Lower', 'Upper'))).to.equal('accepted');
    });

    it('refuses a chain missing an intermediate', async () => {
      expect(await outcome(chain('Leaf under lower', 'Lower'))).to.equal('certificate_untrusted: no certificate in the chain is issued by a trusted root');
    });

    it('follows a cross-certificate to the trusted old root', async () => {
      expect(await outcome(chain('Leaf under new root', 'Under new root', 'New root cross'))).to.equal('accepted');
    });

    it('ignores a cross-certificate that leads nowhere when the new root itself is trusted', async () => {
      // The cross-certificate's issuer (Root) is not trusted here: that branch dead-ends, the path to New root is valid.
      const newRootOnly = createTrustStore({ extraCaPem: corpus.pem('New root') });
      await verifyCertificateChain(chain('Leaf under new root', 'Under new root', 'New root cross'), newRootOnly, corpus.now);
    });

    it('refuses a leaf signed by a CA that copies the intermediate’s name, even with the real intermediate served', async () => {
      expect(await outcome(chain('Leaf under impostor', 'Inter', 'Inter impostor'))).to.match(/^certificate_untrusted: /);
      expect(await outcome(chain('Leaf under impostor', 'Inter impostor'))).to.match(/^certificate_untrusted: /);
    });
  });

  it('refuses a PEM block that is not a certificate', async () => {
    const garbage = '-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n';
    expect(await outcome(chain('Leaf', 'Inter') + garbage)).to.equal('certificate_invalid: a certificate in the chain cannot be parsed');
  });

  it('refuses the leaf before its notBefore with certificate_expired', async () => {
    const notBefore = new X509Certificate(corpus.pem('Leaf')).validFromDate.getTime();
    expect(await outcome(chain('Leaf', 'Inter'), notBefore - 1000)).to.equal('certificate_expired: a certificate in the chain is expired or not yet valid');
  });
});
