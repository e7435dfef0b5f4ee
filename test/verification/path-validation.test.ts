/**
 * Differential test of the signing-chain validator against OpenSSL: every chain in an openssl-made corpus is accepted
 * by verifyCertificateChain exactly when `openssl verify -x509_strict -purpose sslserver` accepts it — except where
 * the case breaks one of Alexa's own rules (SAN echo-api.amazon.com, RSA key of at least 2048 bits, not a CA), which
 * only we enforce. Disagreements are listed by case name, so one failure shows every case that differs.
 */
import { expect } from 'chai';
import { createTrustStore, verifyCertificateChain } from '../../lambda/verification/index.js';
import { ca, caWith, createCorpus, leaf, leafWith, type CertificateSpec, type Corpus } from './openssl-corpus.js';


const SPECS: CertificateSpec[] = [
  ca('Root', undefined),
  ca('Inter', 'Root'),
  leaf('Leaf', 'Inter'),
  leaf('Leaf direct', 'Root'),
  // Name constraints on the intermediate
  ca('NC permits amazon.com', 'Root', { extensions: caWith({}, ['nameConstraints = critical, permitted;DNS:amazon.com']) }),
  leaf('Leaf under NC permits amazon.com', 'NC permits amazon.com'),
  ca('NC permits example.com', 'Root', { extensions: caWith({}, ['nameConstraints = critical, permitted;DNS:example.com']) }),
  leaf('Leaf under NC permits example.com', 'NC permits example.com'),
  ca('NC excludes echo-api', 'Root', { extensions: caWith({}, ['nameConstraints = critical, excluded;DNS:echo-api.amazon.com']) }),
  leaf('Leaf under NC excludes echo-api', 'NC excludes echo-api'),
  ca('NC excludes example.com', 'Root', { extensions: caWith({}, ['nameConstraints = critical, excluded;DNS:example.com']) }),
  leaf('Leaf under NC excludes example.com', 'NC excludes example.com'),
  // pathLenConstraint
  ca('Pathlen0', 'Root', { extensions: caWith({ basicConstraints: 'basicConstraints = critical, CA:TRUE, pathlen:0' }) }),
  ca('Sub of pathlen0', 'Pathlen0', { key: 'ca2' }),
  leaf('Leaf under sub of pathlen0', 'Sub of pathlen0'),
  leaf('Leaf under pathlen0', 'Pathlen0'),
  ca('Pathlen1', 'Root', { extensions: caWith({ basicConstraints: 'basicConstraints = critical, CA:TRUE, pathlen:1' }) }),
  ca('Sub of pathlen1', 'Pathlen1', { key: 'ca2' }),
  leaf('Leaf under sub of pathlen1', 'Sub of pathlen1'),
  // Critical extensions nobody understands
  leaf('Leaf critical unknown', 'Inter', { extensions: leafWith({}, ['1.3.6.1.4.1.55555.1 = critical, ASN1:NULL']) }),
  leaf('Leaf noncritical unknown', 'Inter', { extensions: leafWith({}, ['1.3.6.1.4.1.55555.1 = ASN1:NULL']) }),
  ca('Inter critical unknown', 'Root', { extensions: caWith({}, ['1.3.6.1.4.1.55555.1 = critical, ASN1:NULL']) }),
  leaf('Leaf under inter critical unknown', 'Inter critical unknown'),
  // basicConstraints and keyUsage
  leaf('Leaf CA true', 'Inter', { extensions: leafWith({ basicConstraints: 'basicConstraints = critical, CA:TRUE', keyUsage: 'keyUsage = critical, digitalSignature, keyCertSign' }) }),
  ca('Inter CA false', 'Root', { extensions: caWith({ basicConstraints: 'basicConstraints = critical, CA:FALSE', keyUsage: 'keyUsage = critical, digitalSignature' }) }),
  leaf('Leaf under inter CA false', 'Inter CA false'),
  ca('Inter no keyUsage', 'Root', { extensions: caWith({ keyUsage: undefined }) }),
  leaf('Leaf under inter no keyUsage', 'Inter no keyUsage'),
  ca('Inter keyUsage without keyCertSign', 'Root', { extensions: caWith({ keyUsage: 'keyUsage = critical, digitalSignature, cRLSign' }) }),
  leaf('Leaf under inter without keyCertSign', 'Inter keyUsage without keyCertSign'),
  leaf('Leaf no keyUsage', 'Inter', { extensions: leafWith({ keyUsage: undefined }) }),
  leaf('Leaf keyUsage cRLSign only', 'Inter', { extensions: leafWith({ keyUsage: 'keyUsage = critical, cRLSign' }) }),
  // extendedKeyUsage
  leaf('Leaf no EKU', 'Inter', { extensions: leafWith({ extendedKeyUsage: undefined }) }),
  leaf('Leaf EKU clientAuth', 'Inter', { extensions: leafWith({ extendedKeyUsage: 'extendedKeyUsage = clientAuth' }) }),
  ca('Inter EKU clientAuth', 'Root', { extensions: caWith({}, ['extendedKeyUsage = clientAuth']) }),
  leaf('Leaf under inter EKU clientAuth', 'Inter EKU clientAuth'),
  ca('Inter EKU serverAuth', 'Root', { extensions: caWith({}, ['extendedKeyUsage = serverAuth']) }),
  leaf('Leaf under inter EKU serverAuth', 'Inter EKU serverAuth'),
  // Validity at every level
  leaf('Leaf expired', 'Inter', { notBeforeDays: -10, notAfterDays: -1 }),
  leaf('Leaf not yet valid', 'Inter', { notBeforeDays: 1, notAfterDays: 10 }),
  ca('Inter expired', 'Root', { notBeforeDays: -10, notAfterDays: -1 }),
  leaf('Leaf under inter expired', 'Inter expired'),
  ca('Inter not yet valid', 'Root', { notBeforeDays: 1, notAfterDays: 10 }),
  leaf('Leaf under inter not yet valid', 'Inter not yet valid'),
  ca('Root expired', undefined, { notBeforeDays: -10, notAfterDays: -1 }),
  ca('Inter under root expired', 'Root expired'),
  leaf('Leaf under root expired', 'Inter under root expired'),
  ca('Root not yet valid', undefined, { notBeforeDays: 1, notAfterDays: 10 }),
  ca('Inter under root not yet valid', 'Root not yet valid'),
  leaf('Leaf under root not yet valid', 'Inter under root not yet valid'),
  // Two intermediates, for order and extras
  ca('Upper', 'Root'),
  ca('Lower', 'Upper', { key: 'ca2' }),
  leaf('Leaf under lower', 'Lower'),
  ca('Other root', undefined, { key: 'otherRoot' }),
  // Cross-signing: New root's key, issued by Root (the cross-certificate), and a CA under New root
  ca('New root', undefined, { key: 'otherRoot' }),
  ca('New root cross', 'Root', { key: 'otherRoot', subjectCn: 'New root' }),
  ca('Under new root', 'New root', { key: 'ca2' }),
  leaf('Leaf under new root', 'Under new root'),
  // A leaf signed by a key that merely copies Inter's name; a chain to a root nobody trusts
  ca('Inter impostor', 'Other root', { key: 'ca2', subjectCn: 'Inter' }),
  leaf('Leaf under impostor', 'Inter impostor'),
  ca('Inter under other root', 'Other root'),
  leaf('Leaf under other root', 'Inter under other root'),
  // Alexa's own rules: OpenSSL accepts these, we must not
  leaf('Leaf wrong SAN', 'Inter', { extensions: leafWith({ subjectAltName: 'subjectAltName = DNS:example.com' }) }),
  leaf('Leaf short RSA', 'Inter', { key: 'shortRsaLeaf' }),
  leaf('Leaf EC key', 'Inter', { key: 'ecLeaf' }),
];

interface Case {
  name: string;
  leaf: string;
  /** Served after the leaf, in this order. */
  intermediates: string[];
  roots: string[];
  /** The Alexa rule this case breaks (we refuse whatever OpenSSL says). */
  breaksAlexaRule?: string;
  /** What RFC 5280 says, to keep the corpus itself honest: OpenSSL must agree. */
  rfc: 'accept' | 'reject';
}

const served = (name: string, leafName: string, intermediates: string[], rfc: Case['rfc'], extra: Partial<Case> = {}): Case => ({
  name,
  leaf: leafName,
  intermediates,
  roots: ['Root'],
  rfc,
  ...extra,
});

const CASES: Case[] = [
  served('valid leaf + intermediate', 'Leaf', ['Inter'], 'accept'),
  served('valid leaf issued by the root', 'Leaf direct', [], 'accept'),
  served('valid chain that also serves the root', 'Leaf', ['Inter', 'Root'], 'accept'),
  served('name constraints permit amazon.com', 'Leaf under NC permits amazon.com', ['NC permits amazon.com'], 'accept'),
  served('name constraints permit only example.com', 'Leaf under NC permits example.com', ['NC permits example.com'], 'reject'),
  served('name constraints exclude echo-api.amazon.com', 'Leaf under NC excludes echo-api', ['NC excludes echo-api'], 'reject'),
  served('name constraints exclude example.com', 'Leaf under NC excludes example.com', ['NC excludes example.com'], 'accept'),
  served('pathLen 0 CA issues another CA', 'Leaf under sub of pathlen0', ['Sub of pathlen0', 'Pathlen0'], 'reject'),
  served('pathLen 0 CA issues the leaf', 'Leaf under pathlen0', ['Pathlen0'], 'accept'),
  served('pathLen 1 CA issues one more CA', 'Leaf under sub of pathlen1', ['Sub of pathlen1', 'Pathlen1'], 'accept'),
  served('leaf with an unknown critical extension', 'Leaf critical unknown', ['Inter'], 'reject'),
  served('leaf with an unknown non-critical extension', 'Leaf noncritical unknown', ['Inter'], 'accept'),
  served('intermediate with an unknown critical extension', 'Leaf under inter critical unknown', ['Inter critical unknown'], 'reject'),
  served('leaf that is a CA (CA:TRUE)', 'Leaf CA true', ['Inter'], 'accept', { breaksAlexaRule: 'the signing certificate is an end entity' }),
  served('intermediate with CA:FALSE', 'Leaf under inter CA false', ['Inter CA false'], 'reject'),
  served('intermediate without keyUsage', 'Leaf under inter no keyUsage', ['Inter no keyUsage'], 'reject'),
  served('intermediate keyUsage without keyCertSign', 'Leaf under inter without keyCertSign', ['Inter keyUsage without keyCertSign'], 'reject'),
  served('leaf without keyUsage', 'Leaf no keyUsage', ['Inter'], 'accept'),
  served('leaf keyUsage cRLSign only', 'Leaf keyUsage cRLSign only', ['Inter'], 'reject'),
  served('leaf without extendedKeyUsage', 'Leaf no EKU', ['Inter'], 'accept'),
  served('leaf extendedKeyUsage clientAuth only', 'Leaf EKU clientAuth', ['Inter'], 'reject'),
  served('intermediate extendedKeyUsage clientAuth only', 'Leaf under inter EKU clientAuth', ['Inter EKU clientAuth'], 'reject'),
  served('intermediate extendedKeyUsage serverAuth', 'Leaf under inter EKU serverAuth', ['Inter EKU serverAuth'], 'accept'),
  served('expired leaf', 'Leaf expired', ['Inter'], 'reject'),
  served('leaf not yet valid', 'Leaf not yet valid', ['Inter'], 'reject'),
  served('expired intermediate', 'Leaf under inter expired', ['Inter expired'], 'reject'),
  served('intermediate not yet valid', 'Leaf under inter not yet valid', ['Inter not yet valid'], 'reject'),
  served('expired root', 'Leaf under root expired', ['Inter under root expired'], 'reject', { roots: ['Root expired'] }),
  served('root not yet valid', 'Leaf under root not yet valid', ['Inter under root not yet valid'], 'reject', { roots: ['Root not yet valid'] }),
  served('two intermediates in order', 'Leaf under lower', ['Lower', 'Upper'], 'accept'),
  served('two intermediates in the wrong order', 'Leaf under lower', ['Upper', 'Lower'], 'accept'),
  served('missing intermediate', 'Leaf under lower', ['Lower'], 'reject'),
  served('extra unrelated certificates', 'Leaf', ['Other root', 'Inter', 'Inter under other root'], 'accept'),
  served('cross-signed path to the old root', 'Leaf under new root', ['Under new root', 'New root cross'], 'accept'),
  served('cross-signed path when the new root is trusted', 'Leaf under new root', ['Under new root', 'New root cross'], 'accept', { roots: ['New root'] }),
  served('new root not trusted and no cross-certificate', 'Leaf under new root', ['Under new root'], 'reject'),
  served('issuer that copies the intermediate name', 'Leaf under impostor', ['Inter impostor'], 'reject'),
  served('issuer that copies the name, real intermediate also served', 'Leaf under impostor', ['Inter', 'Inter impostor'], 'reject'),
  served('chain to an untrusted root', 'Leaf under other root', ['Inter under other root', 'Other root'], 'reject'),
  served('leaf without echo-api.amazon.com', 'Leaf wrong SAN', ['Inter'], 'accept', { breaksAlexaRule: 'SAN echo-api.amazon.com' }),
  served('leaf with a 1024-bit RSA key', 'Leaf short RSA', ['Inter'], 'accept', { breaksAlexaRule: 'RSA key of at least 2048 bits' }),
  served('leaf with an EC key', 'Leaf EC key', ['Inter'], 'accept', { breaksAlexaRule: 'RSA key for Signature-256' }),
];

describe('Certificate path validation: differential against openssl verify -x509_strict -purpose sslserver', function () {
  this.timeout(60_000);
  let corpus: Corpus;
  const outcomes: { name: string; openssl: boolean; opensslOutput: string; ours: boolean; ourCode: string; expected: boolean; rfc: boolean }[] = [];

  before(async () => {
    corpus = await createCorpus(SPECS);
    await Promise.all(
      CASES.map(async (testCase) => {
        const verdict = await corpus.opensslVerdict(testCase.leaf, testCase.intermediates, testCase.roots);
        const trustStore = createTrustStore({ extraCaPem: testCase.roots.map(corpus.pem).join('') });
        const pem = [testCase.leaf, ...testCase.intermediates].map(corpus.pem).join('');
        let ourCode = 'accepted';
        await verifyCertificateChain(pem, trustStore, corpus.now).catch((error: { code?: string; reason?: string }) => {
          ourCode = `${error.code ?? 'error'}: ${error.reason ?? String(error)}`;
        });
        outcomes.push({
          name: testCase.name,
          openssl: verdict.ok,
          opensslOutput: verdict.output.trim().split('\n').slice(-3).join(' | '),
          ours: ourCode === 'accepted',
          ourCode,
          expected: verdict.ok && testCase.breaksAlexaRule === undefined,
          rfc: testCase.rfc === 'accept',
        });
      }),
    );
  });
  after(async () => {
    await corpus?.remove();
  });

  it(`covers ${CASES.length} cases, both verdicts present`, () => {
    expect(outcomes).to.have.length(CASES.length);
    expect(outcomes.some((o) => o.openssl)).to.equal(true);
    expect(outcomes.some((o) => !o.openssl)).to.equal(true);
  });

  it('the corpus is what it claims: OpenSSL agrees with RFC 5280 on every case', () => {
    const wrong = outcomes.filter((o) => o.openssl !== o.rfc).map((o) => `${o.name}: openssl ${o.openssl ? 'accepts' : 'refuses'} (${o.opensslOutput})`);
    expect(wrong, wrong.join('\n')).to.deep.equal([]);
  });

  it('our validator accepts exactly the chains OpenSSL accepts, less those breaking an Alexa rule', () => {
    const disagreements = outcomes
      .filter((o) => o.ours !== o.expected)
      .map((o) => `${o.name}: expected ${o.expected ? 'accept' : 'refuse'}, ours ${o.ourCode}; openssl: ${o.opensslOutput}`);
    expect(disagreements, disagreements.join('\n')).to.deep.equal([]);
  });

  it('answers with the endpoint codes: certificate_expired for validity, certificate_invalid for Alexa rules, else certificate_untrusted', () => {
    const codeOf = (name: string) => outcomes.find((o) => o.name === name)!.ourCode.split(':')[0];
    expect(codeOf('expired intermediate')).to.equal('certificate_expired');
    expect(codeOf('root not yet valid')).to.equal('certificate_expired');
    expect(codeOf('leaf with a 1024-bit RSA key')).to.equal('certificate_invalid');
    expect(codeOf('leaf without echo-api.amazon.com')).to.equal('certificate_invalid');
    expect(codeOf('name constraints exclude echo-api.amazon.com')).to.equal('certificate_untrusted');
    expect(codeOf('pathLen 0 CA issues another CA')).to.equal('certificate_untrusted');
  });
});
