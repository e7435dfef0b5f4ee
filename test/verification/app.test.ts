import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { createSigningMaterial, loadOrCreateSigningMaterial, type SigningMaterial } from '../../local/alexa/test-ca.js';
import { createRequestSigner } from '../../local/alexa/signing.js';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { alexaEndpoint } from '../../lambda/http/alexa-endpoint.js';
import { errorHandler } from '../../lambda/http/responses.js';
import { createMemoryLogger } from '../../common/logging.js';
import { loadTrustStore, VerifierSequence } from '../../lambda/verification/index.js';
import { ConfigError } from '../../lambda/config.js';
import { SKILL_SPEECH, closeServer, envelope, failingSkill, listen, post, startApp, testConfig, testSkill, writeCaFile, type RunningApp } from './support.js';

describe('Alexa skill endpoint (createAlexaApp)', () => {
  let material: SigningMaterial;
  let caFile: Awaited<ReturnType<typeof writeCaFile>>;
  const running: RunningApp[] = [];

  before(async () => {
    material = await createSigningMaterial();
    caFile = await writeCaFile(material.caCertPem);
  });
  after(async () => {
    await Promise.all(running.map((app) => app.close()));
    await caFile?.remove();
  });

  async function start(options: Partial<Parameters<typeof startApp>[0]> & { verification?: Parameters<typeof testConfig>[0] } = {}) {
    const { verification, ...rest } = options;
    const app = await startApp({
      config: testConfig({ extraCaFile: caFile.file, ...verification }),
      fetchCertificate: async () => material.chainPem,
      ...rest,
    });
    running.push(app);
    return app;
  }

  const sign = (body: string) => createRequestSigner(material)(body);

  it('answers GET /healthz with ok', async () => {
    const app = await start();
    const response = await fetch(new URL('/healthz', app.url));
    expect(response.status).to.equal(200);
    expect(await response.json()).to.deep.equal({ status: 'ok' });
  });

  it('answers any other route with a JSON 404', async () => {
    const app = await start();
    for (const [method, path] of [['GET', '/'], ['POST', '/other'], ['PUT', '/healthz']] as const) {
      const response = await fetch(new URL(path, app.url), { method });
      expect(response.status).to.equal(404);
      expect(await response.json()).to.deep.equal({ error: 'not_found' });
    }
  });

  it('answers refusals with a small JSON body and logs the reason once, without body or headers', async () => {
    const app = await start();
    const body = envelope({ timestampMs: Date.now() - 10 * 60_000 });
    const headers = sign(body);
    const response = await post(app.url, body, headers);
    expect(response.status).to.equal(400);
    expect(response.contentType).to.match(/^application\/json/);
    expect(response.text).to.equal('{"error":"timestamp_out_of_range"}');

    const refusals = app.logLines.map((line) => JSON.parse(line)).filter((record) => record.event === 'alexa_request_refused');
    expect(refusals).to.have.length(1);
    expect(refusals[0]).to.include({ code: 'timestamp_out_of_range', status: 400 });
    expect(refusals[0].reason).to.be.a('string').and.not.equal('');
    const log = app.logLines.join('\n');
    for (const secret of ['secret-access-token-marker', 'amzn1.ask.account.TEST', headers['Signature-256']!, 'local-stack-cert.pem']) {
      expect(log).to.not.contain(secret);
    }
  });

  it('never answers with the adapter text or HTML', async () => {
    const app = await start();
    const body = envelope({ timestampMs: Date.now() });
    const response = await post(app.url, body, {});
    expect(response.json).to.deep.equal({ error: 'signature_missing' });
    expect(response.text).to.not.match(/AskSdk|verification failed|<html|<pre/i);
  });

  it('answers 500 internal_error without internal text when the skill throws', async () => {
    const app = await start({ skill: failingSkill() });
    const body = envelope({ timestampMs: Date.now() });
    const response = await post(app.url, body, sign(body));
    expect(response.status).to.equal(500);
    expect(response.text).to.equal('{"error":"internal_error"}');
    expect(app.logLines.join('\n')).to.not.contain('hunter2');
    const failure = app.logLines.map((line) => JSON.parse(line)).find((record) => record.event === 'alexa_skill_dispatch_failed');
    expect(failure, 'the dispatch failure is logged by name and place').to.include({ level: 'error', error: 'Error' });
    expect(failure.at).to.match(/^test\/verification\/support\.ts:\d+:\d+/);
  });

  it('sends no ETag (Alexa never revalidates, so hashing every answer would be wasted work) and no X-Powered-By', async () => {
    const app = await start();
    const body = envelope({ timestampMs: Date.now() });
    const response = await fetch(app.url, { method: 'POST', body, headers: { 'content-type': 'application/json', ...sign(body) } });
    expect(response.status).to.equal(200);
    expect(response.headers.get('etag')).to.equal(null);
    expect(response.headers.get('x-powered-by')).to.equal(null);
  });

  it('accepts a signed body above the adapter’s own 100 kB limit when the configured limit allows it', async () => {
    const app = await start();
    const body = envelope({ timestampMs: Date.now(), padding: 150 * 1024 });
    const response = await post(app.url, body, sign(body));
    expect(response.status, response.text).to.equal(200);
  });

  it('applies a lower configured body limit with 413', async () => {
    const app = await start({ verification: { bodyLimitBytes: 2048 } });
    const body = envelope({ timestampMs: Date.now(), padding: 4096 });
    const response = await post(app.url, body, sign(body));
    expect(response.status).to.equal(413);
    expect(response.json).to.deep.equal({ error: 'body_too_large' });
    const refusal = app.logLines.map((line) => JSON.parse(line)).find((record) => record.event === 'alexa_request_refused');
    expect(refusal).to.include({ code: 'body_too_large', reason: 'body is over the configured limit' });
  });

  it('refuses a body that is not UTF-8, an empty body and a JSON array with 400, logging why', async () => {
    const app = await start();
    const cases: [Buffer, string][] = [
      [Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), 'body is not UTF-8'],
      [Buffer.alloc(0), 'body is empty'],
      [Buffer.from('[1,2]'), 'body is not a JSON object'],
      [Buffer.from('{"a":'), 'body is not JSON'],
    ];
    for (const [body, reason] of cases) {
      app.logLines.length = 0;
      const response = await fetch(app.url, { method: 'POST', body: new Uint8Array(body), headers: { 'content-type': 'application/json' } });
      expect(response.status, reason).to.equal(400);
      expect(await response.json()).to.deep.equal({ error: 'malformed_request' });
      const refusal = app.logLines.map((line) => JSON.parse(line)).find((record) => record.event === 'alexa_request_refused');
      expect(refusal?.reason, reason).to.equal(reason);
    }
  });

  it('refuses a gzip-encoded body instead of inflating it, even when the inflated text is correctly signed', async () => {
    const app = await start();
    const body = envelope({ timestampMs: Date.now() });
    const response = await fetch(app.url, {
      method: 'POST',
      body: new Uint8Array(gzipSync(body)),
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip', ...sign(body) },
    });
    expect(response.status).to.equal(400);
    expect(await response.json()).to.deep.equal({ error: 'malformed_request' });
    const refusal = app.logLines.map((line) => JSON.parse(line)).find((record) => record.event === 'alexa_request_refused');
    expect(refusal.reason).to.equal('body could not be read (encoding.unsupported)');
  });

  describe('with verification off', () => {
    it('accepts an unsigned request and logs a loud warning once', async () => {
      const app = await start({ verification: { enabled: false } });
      const warnings = app.logLines.map((line) => JSON.parse(line)).filter((record) => record.level === 'warn');
      expect(warnings).to.have.length(1);
      expect(warnings[0]).to.include({ event: 'alexa_request_verification_off' });
      expect(warnings[0].message).to.match(/request verification is OFF/);
      const body = envelope({ timestampMs: Date.now() - 86_400_000 });
      const response = await post(app.url, body);
      expect(response.status).to.equal(200);
      expect(response.json.response.outputSpeech.ssml).to.contain(SKILL_SPEECH);
    });

    it('still refuses another skill’s request and an oversize body', async () => {
      const app = await start({ verification: { enabled: false, bodyLimitBytes: 2048 } });
      const other = envelope({ timestampMs: Date.now(), applicationId: 'amzn1.ask.skill.someone-else' });
      expect((await post(app.url, other)).json).to.deep.equal({ error: 'skill_id_mismatch' });
      const large = envelope({ timestampMs: Date.now(), padding: 4096 });
      expect((await post(app.url, large)).status).to.equal(413);
    });
  });
});

describe('local stack signing material', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'alexa-signing-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('persists the CA, chain and key and reuses them on the next start', async () => {
    const first = await loadOrCreateSigningMaterial(dir);
    expect((await readdir(dir)).sort()).to.deep.equal(['ca.pem', 'chain.pem', 'leaf-key.pem']);
    expect((await stat(join(dir, 'leaf-key.pem'))).mode & 0o077).to.equal(0);
    const second = await loadOrCreateSigningMaterial(dir);
    expect(second.caCertPem).to.equal(first.caCertPem);
    expect(second.chainPem).to.equal(first.chainPem);
    const body = '{"a":1}';
    expect(createRequestSigner(second)(body)['Signature-256']).to.equal(createRequestSigner(first)(body)['Signature-256']);
  });
});

describe('trust store configuration', () => {
  it('reports an unreadable or empty extra CA file as a configuration error naming the variable', async () => {
    const empty = await writeCaFile('no certificate here');
    try {
      for (const file of ['/nonexistent/ca.pem', empty.file]) {
        expect(() => loadTrustStore(file)).to.throw(/ALEXA_EXTRA_CA_FILE/);
      }
    } finally {
      await empty.remove();
    }
  });

  it('says which of the three problems the extra CA file has', async () => {
    const empty = await writeCaFile('no certificate here');
    const broken = await writeCaFile('-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n');
    try {
      const problems = ['/nonexistent/ca.pem', empty.file, broken.file].map((file) => {
        try {
          loadTrustStore(file);
        } catch (error) {
          return error instanceof ConfigError ? error.message : `not a ConfigError: ${String(error)}`;
        }
        return 'accepted';
      });
      expect(problems).to.deep.equal([
        'ALEXA_EXTRA_CA_FILE: "/nonexistent/ca.pem" cannot be read',
        `ALEXA_EXTRA_CA_FILE: "${empty.file}" holds no PEM certificate`,
        `ALEXA_EXTRA_CA_FILE: "${broken.file}" holds a certificate that cannot be parsed`,
      ]);
    } finally {
      await Promise.all([empty.remove(), broken.remove()]);
    }
  });
});

describe('alexaEndpoint behind the app error handler', () => {
  it('answers a bug in a check (not a refusal) with 500 internal_error, logged by name and place', async () => {
    const logger = createMemoryLogger();
    class BrokenCheck extends VerifierSequence {
      override async check(): Promise<void> {
        throw new TypeError('a bug in a check');
      }
    }
    const app = express();
    app.post('/', ...alexaEndpoint({ skill: testSkill(), verifiers: [new BrokenCheck([])], bodyLimitBytes: 1024, logger }));
    app.use(errorHandler(logger));
    const server = await listen(app);
    try {
      const response = await post(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`, envelope({ timestampMs: Date.now() }));
      expect(response.status).to.equal(500);
      expect(response.json).to.deep.equal({ error: 'internal_error' });
      const [record] = logger.lines.map((line) => JSON.parse(line));
      expect(record).to.include({ event: 'http_unhandled_error', error: 'TypeError' });
      expect(record.at).to.match(/^test\/verification\/app\.test\.ts:\d+:\d+/);
      expect(logger.lines.join('\n')).not.to.contain('a bug in a check');
    } finally {
      await closeServer(server);
    }
  });
});
