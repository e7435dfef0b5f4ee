import { expect } from 'chai';
import { createSigningMaterial, type SigningMaterial } from '../../local/alexa/test-ca.js';
import { createRequestSigner, LOCAL_CERT_CHAIN_URL } from '../../local/alexa/signing.js';
import { SKILL_SPEECH, envelope, post, startApp, testConfig, writeCaFile, type RunningApp } from './support.js';

/** Each broken chain is served at its own URL by one app that trusts every test CA involved. */
const URLS = {
  good: LOCAL_CERT_CHAIN_URL,
  intermediate: 'https://s3.amazonaws.com/echo.api/intermediate.pem',
  wrongSan: 'https://s3.amazonaws.com/echo.api/wrong-san.pem',
  expired: 'https://s3.amazonaws.com/echo.api/expired.pem',
  untrusted: 'https://s3.amazonaws.com/echo.api/untrusted.pem',
};

describe('Alexa request verification: signature attacks', () => {
  const now = Date.now();
  let materials: Record<keyof typeof URLS, SigningMaterial>;
  let app: RunningApp;
  let caFile: Awaited<ReturnType<typeof writeCaFile>>;
  let downloads: string[];

  before(async () => {
    const [good, intermediate, wrongSan, expired, untrusted] = await Promise.all([
      createSigningMaterial(),
      createSigningMaterial({ intermediate: true }),
      createSigningMaterial({ san: 'echo-api.amazon.com.evil.example' }),
      createSigningMaterial({ leafNotBefore: new Date(now - 10 * 86_400_000), leafNotAfter: new Date(now - 86_400_000) }),
      createSigningMaterial({ untrustedIssuer: true }),
    ]);
    materials = { good, intermediate, wrongSan, expired, untrusted };
    caFile = await writeCaFile(...Object.values(materials).map((m) => m.caCertPem));
    const chainsByPath = new Map(Object.entries(URLS).map(([name, url]) => [new URL(url).pathname, materials[name as keyof typeof URLS].chainPem]));
    app = await startApp({
      config: testConfig({ extraCaFile: caFile.file }),
      now: () => now,
      fetchCertificate: async (url) => {
        downloads.push(url.href);
        const chain = chainsByPath.get(url.pathname);
        if (chain === undefined) throw new Error('not found');
        return chain;
      },
    });
  });
  beforeEach(() => {
    downloads = [];
  });
  after(async () => {
    await app?.close();
    await caFile?.remove();
  });

  const freshBody = (extra: Partial<Parameters<typeof envelope>[0]> = {}) => envelope({ timestampMs: now, ...extra });
  const signed = (body: string, material = materials.good, url = URLS.good) => createRequestSigner(material, url)(body);

  async function expectRefused(body: string, headers: Record<string, string>, code: string, status = 400) {
    const response = await post(app.url, body, headers);
    expect(response.status, response.text).to.equal(status);
    expect(response.json).to.deep.equal({ error: code });
    return response;
  }

  it('answers a valid signed request with the skill response', async () => {
    const body = freshBody();
    const response = await post(app.url, body, signed(body));
    expect(response.status).to.equal(200);
    expect(response.json.response.outputSpeech.ssml).to.contain(SKILL_SPEECH);
  });

  it('accepts a chain with an intermediate CA', async () => {
    const body = freshBody();
    const response = await post(app.url, body, signed(body, materials.intermediate, URLS.intermediate));
    expect(response.status, response.text).to.equal(200);
  });

  it('refuses a request without signature headers', async () => {
    await expectRefused(freshBody(), {}, 'signature_missing');
  });

  it('refuses a request that carries only the old SHA-1 Signature header', async () => {
    const body = freshBody();
    const { 'Signature-256': signature256, ...rest } = signed(body);
    await expectRefused(body, { ...rest, Signature: signature256! }, 'signature_missing');
  });

  for (const [title, url] of [
    ['an http:// certificate URL', 'http://s3.amazonaws.com/echo.api/local-stack-cert.pem'],
    ['a look-alike host s3.amazonaws.com.evil.com', 'https://s3.amazonaws.com.evil.com/echo.api/local-stack-cert.pem'],
    ['a path that leaves /echo.api/ once normalised (/echo.api/../x)', 'https://s3.amazonaws.com/echo.api/../local-stack-cert.pem'],
    ['an encoded dot-dot segment (/echo.api/%2e%2e/x)', 'https://s3.amazonaws.com/echo.api/%2e%2e/echo.api2/x.pem'],
    ['port 563', 'https://s3.amazonaws.com:563/echo.api/local-stack-cert.pem'],
    ['an upper-case path (/ECHO.API/)', 'https://s3.amazonaws.com/ECHO.API/local-stack-cert.pem'],
    ['a URL that is not absolute', '/echo.api/local-stack-cert.pem'],
  ] as const) {
    it(`refuses ${title} before downloading anything`, async () => {
      const body = freshBody();
      await expectRefused(body, signed(body, materials.good, url), 'certificate_url_invalid');
      expect(downloads).to.deep.equal([]);
    });
  }

  it('accepts the certificate URL with an upper-case scheme and host and an explicit port 443', async () => {
    const body = freshBody();
    const response = await post(app.url, body, signed(body, materials.good, 'HTTPS://S3.AMAZONAWS.COM:443/echo.api/local-stack-cert.pem'));
    expect(response.status, response.text).to.equal(200);
  });

  it('refuses a leaf that does not name echo-api.amazon.com', async () => {
    const body = freshBody();
    await expectRefused(body, signed(body, materials.wrongSan, URLS.wrongSan), 'certificate_invalid');
  });

  it('refuses an expired leaf', async () => {
    const body = freshBody();
    await expectRefused(body, signed(body, materials.expired, URLS.expired), 'certificate_expired');
  });

  it('refuses a leaf not chained to a trusted root (issuer with a copied name)', async () => {
    const body = freshBody();
    await expectRefused(body, signed(body, materials.untrusted, URLS.untrusted), 'certificate_untrusted');
  });

  it('refuses a body changed by one byte after signing', async () => {
    const body = freshBody();
    const headers = signed(body);
    await expectRefused(body.replace('"en-US"', '"en-UT"'), headers, 'signature_invalid');
  });

  it('refuses a signature made for another body', async () => {
    const body = freshBody();
    await expectRefused(body, signed(freshBody({ type: 'SessionEndedRequest' })), 'signature_invalid');
  });

  it('refuses a signature that is not base64', async () => {
    const body = freshBody();
    await expectRefused(body, { ...signed(body), 'Signature-256': '<<not base64>>' }, 'signature_invalid');
  });

  it('refuses a timestamp 151 s in the past', async () => {
    const body = freshBody({ timestampMs: now - 151_000 });
    await expectRefused(body, signed(body), 'timestamp_out_of_range');
  });

  it('refuses a timestamp 151 s in the future', async () => {
    const body = freshBody({ timestampMs: now + 151_000 });
    await expectRefused(body, signed(body), 'timestamp_out_of_range');
  });

  it('accepts timestamps 149 s in the past and in the future', async () => {
    for (const offset of [-149_000, 149_000]) {
      const body = freshBody({ timestampMs: now + offset });
      expect((await post(app.url, body, signed(body))).status).to.equal(200);
    }
  });

  it('refuses an unparsable timestamp', async () => {
    for (const timestamp of ['yesterday', '1', 1_700_000_000_000, null]) {
      const body = freshBody({ timestamp });
      await expectRefused(body, signed(body), 'timestamp_invalid');
    }
  });

  it('accepts a skill event 59 minutes old', async () => {
    const body = freshBody({ type: 'AlexaSkillEvent.SkillAccountLinked', timestampMs: now - 59 * 60_000 });
    expect((await post(app.url, body, signed(body))).status).to.equal(200);
  });

  it('refuses a skill event 61 minutes old', async () => {
    const body = freshBody({ type: 'AlexaSkillEvent.SkillAccountLinked', timestampMs: now - 61 * 60_000 });
    await expectRefused(body, signed(body), 'timestamp_out_of_range');
  });

  it('refuses a signed request for another skill with 400', async () => {
    const body = freshBody({ applicationId: 'amzn1.ask.skill.someone-else' });
    await expectRefused(body, signed(body), 'skill_id_mismatch');
  });

  it('falls back to session.application.applicationId when the envelope has no context', async () => {
    const body = freshBody({ sessionOnly: true });
    expect((await post(app.url, body, signed(body))).status).to.equal(200);
    const other = freshBody({ sessionOnly: true, applicationId: 'amzn1.ask.skill.someone-else' });
    await expectRefused(other, signed(other), 'skill_id_mismatch');
  });

  it('refuses a body over the configured limit with 413', async () => {
    const body = freshBody({ padding: 300 * 1024 });
    await expectRefused(body, signed(body), 'body_too_large', 413);
  });

  it('refuses malformed JSON with 400', async () => {
    const body = '{"version": "1.0", "request": ';
    await expectRefused(body, signed(body), 'malformed_request');
  });
});
