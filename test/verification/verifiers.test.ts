/**
 * The verifiers as ask-sdk-express-adapter sees them (`createAlexaVerifiers(...)[0].verify(body, headers)`), without
 * the HTTP app around them: header forms, the edges of the timestamp windows, where the skill ID is read, the order
 * of the checks, and the default trust store. The clock is injected; certificates are downloaded by a stub.
 */
import { expect } from 'chai';
import { X509Certificate } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import { rootCertificates } from 'node:tls';
import type { AddressInfo } from 'node:net';
import { createSigningMaterial, type SigningMaterial } from '../../local/alexa/test-ca.js';
import { createRequestSigner, LOCAL_CERT_CHAIN_URL } from '../../local/alexa/signing.js';
import { createAlexaVerifiers, loadTrustStore, type TrustStore } from '../../lambda/verification/index.js';
import { NORMAL_REQUEST_TOLERANCE_MS, SKILL_EVENT_MAX_AGE_MS } from '../../lambda/verification/verifiers.js';
import { SKILL_ID, envelope, writeCaFile } from './support.js';

describe('Alexa request verification: the verifiers (createAlexaVerifiers)', () => {
  // The test CA is issued from the real clock, so the injected clock starts there and stays put.
  const now = Date.now();
  let material: SigningMaterial;
  let trustStore: TrustStore;
  let downloads: number;

  before(async () => {
    material = await createSigningMaterial({ leafNotBefore: new Date(now - 86_400_000), leafNotAfter: new Date(now + 86_400_000) });
    const caFile = await writeCaFile(material.caCertPem);
    try {
      trustStore = loadTrustStore(caFile.file);
    } finally {
      await caFile.remove();
    }
  });
  beforeEach(() => {
    downloads = 0;
  });

  function verifier(options: Partial<Parameters<typeof createAlexaVerifiers>[0]> = {}) {
    const verifiers = createAlexaVerifiers({
      skillId: SKILL_ID,
      verifyRequests: true,
      trustStore,
      now: () => now,
      fetchCertificate: async () => {
        downloads++;
        return material.chainPem;
      },
      ...options,
    });
    expect(verifiers).to.have.length(1);
    return verifiers[0]!;
  }

  /** The adapter hands headers over lower-cased, as Node parses them. */
  function signedHeaders(body: string): IncomingHttpHeaders {
    const signed = createRequestSigner(material)(body);
    return { signaturecertchainurl: signed['SignatureCertChainUrl'], 'signature-256': signed['Signature-256'] };
  }

  async function outcome(body: string, headers: IncomingHttpHeaders, check = verifier()): Promise<string> {
    try {
      await check.verify(body, headers);
      return 'accepted';
    } catch (error) {
      const { code, reason } = error as { code?: string; reason?: string };
      return `${code}: ${reason}`;
    }
  }

  const body = (options: Partial<Parameters<typeof envelope>[0]> = {}) => envelope({ timestampMs: now, ...options });

  describe('the signed bytes', () => {
    // Alexa signs the bytes it sends; a verifier that checked a re-serialised body (JSON.stringify(JSON.parse(body)))
    // would pass every test whose body is JSON.stringify output. These bodies are not.
    const respaced = (request: string) => JSON.stringify(JSON.parse(request), null, 2).replace('"requestId"', '"request\\u0049d"').replace(/"locale": "en-US"/, '"locale" :  "en\\u002dUS"');

    it('accepts a body with other spacing and escapes, signed over exactly those bytes', async () => {
      const request = respaced(body());
      expect(request).to.not.equal(JSON.stringify(JSON.parse(request)));
      expect(await outcome(request, signedHeaders(request))).to.equal('accepted');
    });

    it('refuses the same JSON with the signature of another spelling of it', async () => {
      const request = respaced(body());
      const compact = JSON.stringify(JSON.parse(request));
      expect(await outcome(request, signedHeaders(compact))).to.equal('signature_invalid: Signature-256 does not match the body');
      expect(await outcome(compact, signedHeaders(request))).to.equal('signature_invalid: Signature-256 does not match the body');
    });
  });

  describe('signature headers', () => {
    it('accepts a signed request and downloads the chain once for several requests', async () => {
      const check = verifier();
      for (let i = 0; i < 3; i++) {
        const request = body();
        expect(await outcome(request, signedHeaders(request), check)).to.equal('accepted');
      }
      expect(downloads).to.equal(1);
    });

    it('accepts header values with surrounding spaces', async () => {
      const request = body();
      const headers = signedHeaders(request);
      const padded = { signaturecertchainurl: ` ${headers['signaturecertchainurl']} `, 'signature-256': `${headers['signature-256']}  ` };
      expect(await outcome(request, padded)).to.equal('accepted');
    });

    it('treats a repeated, empty or absent header as missing, without downloading anything', async () => {
      const request = body();
      const headers = signedHeaders(request);
      const cases: IncomingHttpHeaders[] = [
        {},
        { ...headers, signaturecertchainurl: undefined },
        { ...headers, 'signature-256': undefined },
        { ...headers, 'signature-256': '   ' },
        { ...headers, signaturecertchainurl: '' },
        { ...headers, signaturecertchainurl: [LOCAL_CERT_CHAIN_URL, LOCAL_CERT_CHAIN_URL] as unknown as string },
      ];
      for (const each of cases) expect(await outcome(request, each), JSON.stringify(each)).to.equal('signature_missing: signature headers are missing');
      expect(downloads).to.equal(0);
    });

    it('says when only the SHA-1 Signature header came', async () => {
      const request = body();
      const { 'signature-256': signature, ...rest } = signedHeaders(request);
      expect(await outcome(request, { ...rest, signature })).to.equal('signature_missing: only the SHA-1 Signature header was sent');
    });

    it('refuses a Signature-256 that is not exactly base64 (junk before or after, too much padding)', async () => {
      const request = body();
      const headers = signedHeaders(request);
      const signature = headers['signature-256'] as string;
      for (const broken of [`!${signature}`, `${signature}!`, `${signature}===`, `${signature.replace(/=+$/, '')}=-`, 'a b']) {
        expect(await outcome(request, { ...headers, 'signature-256': broken }), broken).to.equal('signature_invalid: Signature-256 is not base64');
      }
      expect(downloads).to.equal(0);
    });

    it('refuses a signature that does not match the body', async () => {
      const request = body();
      expect(await outcome(request, signedHeaders(body({ type: 'SessionEndedRequest' })))).to.equal('signature_invalid: Signature-256 does not match the body');
    });

    it('trusts Node’s bundled roots, with or without an extra CA file (Alexa’s real chain ends at one of them)', async () => {
      const nodeRoot = new X509Certificate(rootCertificates[0]!);
      for (const store of [loadTrustStore(undefined), trustStore]) {
        expect(store.contains(nodeRoot)).to.equal(true);
        expect(store.issuersOf(nodeRoot).map((issuer) => issuer.fingerprint256)).to.include(nodeRoot.fingerprint256);
      }
      expect(loadTrustStore(undefined).issuersOf(new X509Certificate(material.chainPem))).to.deep.equal([]);
    });

    it('trusts Node’s roots only by default, so the local test CA is refused', async () => {
      const request = body();
      expect(await outcome(request, signedHeaders(request), verifier({ trustStore: undefined }))).to.match(/^certificate_untrusted: /);
    });
  });

  describe('timestamp windows', () => {
    const at = (offsetMs: number, type?: string) => body({ timestampMs: now - offsetMs, ...(type === undefined ? {} : { type }) });
    const timestampOnly = (offsetMs: number, type?: string) => {
      const request = at(offsetMs, type);
      return outcome(request, signedHeaders(request));
    };

    it('accepts a request exactly 150 s old or 150 s ahead, and refuses one millisecond more either way', async () => {
      expect(await timestampOnly(NORMAL_REQUEST_TOLERANCE_MS)).to.equal('accepted');
      expect(await timestampOnly(-NORMAL_REQUEST_TOLERANCE_MS)).to.equal('accepted');
      expect(await timestampOnly(NORMAL_REQUEST_TOLERANCE_MS + 1)).to.equal('timestamp_out_of_range: request.timestamp is 150 s away from now');
      expect(await timestampOnly(-NORMAL_REQUEST_TOLERANCE_MS - 1)).to.equal('timestamp_out_of_range: request.timestamp is -150 s away from now');
    });

    it('gives skill events an hour into the past but no more than 150 s into the future', async () => {
      const event = 'AlexaSkillEvent.SkillPermissionAccepted';
      expect(await timestampOnly(SKILL_EVENT_MAX_AGE_MS, event)).to.equal('accepted');
      expect(await timestampOnly(SKILL_EVENT_MAX_AGE_MS + 1, event)).to.match(/^timestamp_out_of_range: /);
      expect(await timestampOnly(-NORMAL_REQUEST_TOLERANCE_MS - 1, event)).to.match(/^timestamp_out_of_range: /);
    });

    it('refuses a request whose type is not a string with a refusal, not a crash', async () => {
      for (const offset of [0, NORMAL_REQUEST_TOLERANCE_MS + 1000]) {
        const text = JSON.stringify({ context: { System: { application: { applicationId: SKILL_ID } } }, request: { type: 42, timestamp: new Date(now - offset).toISOString() } });
        expect(await outcome(text, {}), String(offset)).to.match(offset === 0 ? /^signature_missing: / : /^timestamp_out_of_range: /);
      }
    });

    it('gives the hour only to types that start with AlexaSkillEvent.', async () => {
      for (const type of ['AlexaSkillEventSkillEnabled', 'IntentRequest', 'Messaging.AlexaSkillEvent.X']) {
        expect(await timestampOnly(NORMAL_REQUEST_TOLERANCE_MS + 1000, type), type).to.match(/^timestamp_out_of_range: /);
      }
    });

    it('refuses an envelope whose request is not an object, and a time of day that does not exist', async () => {
      for (const request of ['LaunchRequest', ['LaunchRequest'], null]) {
        const text = JSON.stringify({ context: { System: { application: { applicationId: SKILL_ID } } }, request });
        expect(await outcome(text, signedHeaders(text)), JSON.stringify(request)).to.equal('timestamp_invalid: request.timestamp is missing or not an ISO 8601 time');
      }
      // Date.parse reads 24:00 as midnight of the next day; Alexa never sends it.
      const midnight = body({ timestamp: `${new Date(now - 86_400_000).toISOString().slice(0, 10)}T24:00:00Z` });
      expect(await outcome(midnight, signedHeaders(midnight))).to.match(/^timestamp_invalid: /);
    });
  });

  describe('skill ID', () => {
    it('reads context.System.application first, session.application when there is no context', async () => {
      const other = 'amzn1.ask.skill.someone-else';
      const contextMismatch = JSON.stringify({
        context: { System: { application: { applicationId: other } } },
        session: { application: { applicationId: SKILL_ID } },
        request: { type: 'LaunchRequest', timestamp: new Date(now).toISOString() },
      });
      expect(await outcome(contextMismatch, signedHeaders(contextMismatch))).to.equal('skill_id_mismatch: application ID is not this skill');
      const sessionOnly = body({ sessionOnly: true });
      expect(await outcome(sessionOnly, signedHeaders(sessionOnly))).to.equal('accepted');
    });

    it('says when the request names no application at all, or not as a string', async () => {
      for (const application of [undefined, { applicationId: 42 }, 'amzn1.ask.skill.x']) {
        const text = JSON.stringify({ context: { System: { application } }, request: { type: 'LaunchRequest', timestamp: new Date(now).toISOString() } });
        expect(await outcome(text, {}), JSON.stringify(application)).to.equal('skill_id_mismatch: no application ID in the request');
      }
    });
  });

  describe('the body', () => {
    it('refuses a body that is not JSON, or JSON but not an object, as malformed_request', async () => {
      const cases: [string, string][] = [
        ['{"request": ', 'malformed_request: body is not JSON'],
        ['', 'malformed_request: body is not JSON'],
        ['[{"request": {}}]', 'malformed_request: body is not a JSON object'],
        ['null', 'malformed_request: body is not a JSON object'],
        ['"LaunchRequest"', 'malformed_request: body is not a JSON object'],
      ];
      for (const [text, expected] of cases) expect(await outcome(text, {}), text).to.equal(expected);
    });

    it('judges each body on its own, even right after another body passed', async () => {
      const check = verifier({ verifyRequests: false });
      expect(await outcome(body(), {}, check)).to.equal('accepted');
      expect(await outcome(body({ applicationId: 'amzn1.ask.skill.other' }), {}, check)).to.match(/^skill_id_mismatch: /);
      expect(await outcome(body(), {}, check)).to.equal('accepted');
    });
  });

  describe('order and switches', () => {
    it('checks the skill ID, then the timestamp, then the signature, reporting the first failure', async () => {
      const wrongEverything = body({ applicationId: 'amzn1.ask.skill.other', timestampMs: now - 3_600_000 });
      expect(await outcome(wrongEverything, {})).to.match(/^skill_id_mismatch: /);
      const staleUnsigned = body({ timestampMs: now - 3_600_000 });
      expect(await outcome(staleUnsigned, {})).to.match(/^timestamp_out_of_range: /);
      expect(downloads).to.equal(0);
    });

    it('with verifyRequests off, checks only the skill ID', async () => {
      const off = verifier({ verifyRequests: false });
      expect(await outcome(body({ timestampMs: now - 86_400_000 }), {}, off)).to.equal('accepted');
      expect(await outcome(body({ applicationId: 'amzn1.ask.skill.other' }), {}, off)).to.match(/^skill_id_mismatch: /);
    });

    it('uses the real clock when none is given', async () => {
      const real = verifier({ now: undefined });
      expect(await outcome(body({ timestampMs: Date.parse('2001-01-01T00:00:00Z') }), {}, real)).to.match(/^timestamp_out_of_range: /);
      const current = envelope({ timestampMs: Date.now() });
      expect(await outcome(current, {}, real)).to.equal('signature_missing: signature headers are missing');
    });

    it('downloads with the given options when no downloader is given (here: a mirror that is not listening)', async () => {
      const closed = createServer();
      await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
      const port = (closed.address() as AddressInfo).port;
      await new Promise((resolve) => closed.close(resolve));
      const request = body();
      const check = verifier({ fetchCertificate: undefined, download: { mirror: new URL(`http://127.0.0.1:${port}`), timeoutMs: 5000 } });
      expect(await outcome(request, signedHeaders(request), check)).to.equal('certificate_unavailable: certificate download failed');
    });
  });
});
