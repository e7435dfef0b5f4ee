/**
 * The contract ask-sdk-express-adapter users know: our verifiers are its `Verifier`s. Plugged into a plain
 * `new ExpressAdapter(skill, false, false, verifiers)` (the adapter's own checks off), they let a request signed by
 * the trusted chain through and refuse a forged one — no part of our endpoint involved.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { expect } from 'chai';
import { ExpressAdapter } from 'ask-sdk-express-adapter';
import { createSigningMaterial, type SigningMaterial } from '../../local/alexa/test-ca.js';
import { createRequestSigner } from '../../local/alexa/signing.js';
import { createAlexaVerifiers, createTrustStore } from '../../lambda/verification/index.js';
import { SKILL_ID, SKILL_SPEECH, envelope, post, testSkill } from './support.js';

describe('our verifiers in a plain ExpressAdapter', () => {
  let material: SigningMaterial;
  let server: Server;
  let url: string;
  const downloads: string[] = [];

  before(async () => {
    material = await createSigningMaterial();
    const verifiers = createAlexaVerifiers({
      skillId: SKILL_ID,
      verifyRequests: true,
      trustStore: createTrustStore({ extraCaPem: material.caCertPem }),
      fetchCertificate: async (chainUrl) => {
        downloads.push(chainUrl.href);
        return material.chainPem;
      },
    });
    const app = express();
    app.post('/', new ExpressAdapter(testSkill(), false, false, verifiers).getRequestHandlers());
    server = createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const sign = (body: string) => createRequestSigner(material)(body);

  it('answers a correctly signed request with the skill', async () => {
    const body = envelope({ timestampMs: Date.now() });
    const response = await post(url, body, sign(body));
    expect(response.status).to.equal(200);
    expect(response.text).to.contain(SKILL_SPEECH);
  });

  it('refuses a forged request: a body changed after signing, a signature from another key, no signature', async () => {
    const body = envelope({ timestampMs: Date.now() });
    const forgedBody = body.replace('LaunchRequest', 'IntentRequest');
    const otherKey = createRequestSigner(await createSigningMaterial())(body);
    const unsigned = { ...sign(body) } as Record<string, string>;
    delete unsigned['Signature-256'];
    for (const [what, sentBody, headers] of [
      ['changed body', forgedBody, sign(body)],
      ['other key', body, otherKey],
      ['no signature', body, unsigned],
    ] as const) {
      const response = await post(url, sentBody, headers);
      expect(response.status, what).to.equal(400);
      expect(response.text, what).not.to.contain(SKILL_SPEECH);
    }
  });

  it('refuses a stale request and another skill’s request before any certificate download', async () => {
    const before = downloads.length;
    const stale = envelope({ timestampMs: Date.now() - 10 * 60_000 });
    const foreign = envelope({ timestampMs: Date.now(), applicationId: 'amzn1.ask.skill.someone-else' });
    for (const body of [stale, foreign]) {
      const response = await post(url, body, sign(body));
      expect(response.status).to.equal(400);
      expect(response.text).not.to.contain(SKILL_SPEECH);
    }
    expect(downloads.length).to.equal(before);
  });
});
