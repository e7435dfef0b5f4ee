import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import express from 'express';
import { createSigningMaterial, type SigningMaterial } from '../../local/alexa/test-ca.js';
import { createRequestSigner, LOCAL_CERT_CHAIN_URL, serveCertificateChain } from '../../local/alexa/signing.js';
import { AlexaRequestRefused } from '../../lambda/verification/index.js';
import { CertificateChainCache, FAILURE_TTL_MS, MAX_DOWNLOADS_IN_FLIGHT } from '../../lambda/verification/certificate-cache.js';
import { createTrustStore, type TrustStore } from '../../lambda/verification/trust-store.js';
import { closeServer, envelope, listen, post, startApp, testConfig, writeCaFile, type RunningApp } from './support.js';

describe('Alexa request verification: certificate download and cache', () => {
  let material: SigningMaterial;
  let caFile: Awaited<ReturnType<typeof writeCaFile>>;
  const running: RunningApp[] = [];
  const servers: Server[] = [];

  before(async () => {
    material = await createSigningMaterial({ leafNotAfter: new Date(Date.now() + 2 * 86_400_000) });
    caFile = await writeCaFile(material.caCertPem);
  });
  after(async () => {
    await Promise.all([...running.map((app) => app.close()), ...servers.map(closeServer)]);
    await caFile?.remove();
  });

  async function start(options: Omit<Parameters<typeof startApp>[0], 'config'> & { verification?: Parameters<typeof testConfig>[0] } = {}) {
    const { verification, ...rest } = options;
    const app = await startApp({ config: testConfig({ extraCaFile: caFile.file, ...verification }), ...rest });
    running.push(app);
    return app;
  }

  function signedRequest(timestampMs = Date.now()) {
    const body = envelope({ timestampMs });
    return { body, headers: createRequestSigner(material)(body) };
  }

  /** A loopback server standing in for S3, through the mirror setting, so the real downloader is exercised. */
  async function mirror(handler: Parameters<typeof createServer>[1]): Promise<URL> {
    const server = createServer(handler);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    servers.push(server);
    return new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  }

  it('downloads once when concurrent first requests share a certificate URL', async () => {
    let downloads = 0;
    const app = await start({
      fetchCertificate: async () => {
        downloads++;
        await new Promise((resolve) => setTimeout(resolve, 50));
        return material.chainPem;
      },
    });
    const responses = await Promise.all(Array.from({ length: 8 }, () => signedRequest()).map(({ body, headers }) => post(app.url, body, headers)));
    expect(responses.map((r) => r.status)).to.deep.equal(Array(8).fill(200));
    expect(downloads).to.equal(1);
    const again = signedRequest();
    expect((await post(app.url, again.body, again.headers)).status).to.equal(200);
    expect(downloads).to.equal(1);
  });

  it('refuses a cached chain whose leaf has expired since it was cached', async () => {
    let clock = Date.now();
    let downloads = 0;
    const app = await start({
      now: () => clock,
      fetchCertificate: async () => {
        downloads++;
        return material.chainPem;
      },
    });
    const first = signedRequest(clock);
    expect((await post(app.url, first.body, first.headers)).status).to.equal(200);
    clock += 3 * 86_400_000; // past the leaf's notAfter
    const later = signedRequest(clock);
    const response = await post(app.url, later.body, later.headers);
    expect(response.status).to.equal(400);
    expect(response.json).to.deep.equal({ error: 'certificate_expired' });
    expect(downloads).to.equal(1);
  });

  it('remembers a failed download for a while (negative cache), then tries again', async () => {
    let clock = Date.now();
    let downloads = 0;
    const app = await start({
      now: () => clock,
      fetchCertificate: async () => {
        downloads++;
        if (downloads === 1) throw new Error('socket hang up');
        return material.chainPem;
      },
    });
    for (let i = 0; i < 5; i++) {
      const request = signedRequest(clock);
      expect((await post(app.url, request.body, request.headers)).json).to.deep.equal({ error: 'certificate_unavailable' });
    }
    expect(downloads).to.equal(1);
    clock += FAILURE_TTL_MS + 1;
    const later = signedRequest(clock);
    expect((await post(app.url, later.body, later.headers)).status).to.equal(200);
    expect(downloads).to.equal(2);
  });

  it('downloads once for 50 requests naming the same missing object', async () => {
    let downloads = 0;
    const app = await start({
      fetchCertificate: async () => {
        downloads++;
        throw new AlexaRequestRefused('certificate_unavailable', 'certificate download answered HTTP 404');
      },
    });
    const missing = 'https://s3.amazonaws.com/echo.api/missing.pem';
    for (let i = 0; i < 50; i++) {
      const body = envelope({ timestampMs: Date.now() });
      const response = await post(app.url, body, createRequestSigner(material, missing)(body));
      expect(response.json).to.deep.equal({ error: 'certificate_unavailable' });
    }
    expect(downloads).to.equal(1);
  });

  it('caps concurrent downloads of different URLs and refuses the rest at once; the cached chain survives the flood', async () => {
    let downloads = 0;
    let release!: () => void;
    const stalled = new Promise<void>((resolve) => (release = resolve));
    const app = await start({
      fetchCertificate: async (url) => {
        downloads++;
        if (url.href === LOCAL_CERT_CHAIN_URL) return material.chainPem;
        await stalled;
        throw new AlexaRequestRefused('certificate_unavailable', 'certificate download answered HTTP 404');
      },
    });
    const real = signedRequest();
    expect((await post(app.url, real.body, real.headers)).status).to.equal(200);
    const flood = Array.from({ length: 40 }, (_, i) => {
      const body = envelope({ timestampMs: Date.now() });
      return post(app.url, body, createRequestSigner(material, `https://s3.amazonaws.com/echo.api/flood-${i}.pem`)(body));
    });
    // While the flood's downloads hang, the real chain still answers from the cache.
    const during = signedRequest();
    expect((await post(app.url, during.body, during.headers)).status).to.equal(200);
    release();
    const answers = await Promise.all(flood);
    expect(answers.every((r) => r.json?.error === 'certificate_unavailable')).to.equal(true);
    // The documented bound, written out: an edge computed from the constant under test would move with it.
    expect(downloads).to.equal(1 + 4);
    expect(MAX_DOWNLOADS_IN_FLIGHT).to.equal(4);
    expect(app.logLines.join('\n')).to.contain('too many certificate downloads in flight');
  });

  it('spellings of the certificate URL share one cache entry; query strings are refused without a download', async () => {
    let downloads = 0;
    const app = await start({
      fetchCertificate: async () => {
        downloads++;
        return material.chainPem;
      },
    });
    const path = new URL(LOCAL_CERT_CHAIN_URL).pathname.replace('/echo.api/', '');
    const spellings = [
      LOCAL_CERT_CHAIN_URL,
      `https://s3.amazonaws.com/echo.api/%${path.charCodeAt(0).toString(16)}${path.slice(1)}`,
      `https://s3.amazonaws.com/echo%2Eapi/${path}`,
      `HTTPS://S3%2Eamazonaws.com:0443\\echo.api\\${path}`,
      `https://s3.amazonaws.com/echo.api/\t${path}`,
      `https://s3.amazonaws.com/echo.api/x/../${path}`,
    ];
    for (const url of spellings) {
      const body = envelope({ timestampMs: Date.now() });
      const response = await post(app.url, body, createRequestSigner(material, url)(body));
      expect(response.status, `${url}: ${response.text}`).to.equal(200);
    }
    for (let v = 0; v < 40; v++) {
      const body = envelope({ timestampMs: Date.now() });
      const response = await post(app.url, body, createRequestSigner(material, `${LOCAL_CERT_CHAIN_URL}?v=${v}`)(body));
      expect(response.json).to.deep.equal({ error: 'certificate_url_invalid' });
    }
    expect(downloads).to.equal(1);
  });

  it('fetches the certificate path from the configured mirror (the local stack) and verifies it', async () => {
    const simulator = express();
    simulator.use(serveCertificateChain(material));
    const simulatorServer = await listen(simulator);
    servers.push(simulatorServer);
    const mirrorUrl = new URL(`http://127.0.0.1:${(simulatorServer.address() as AddressInfo).port}`);
    const app = await start({ verification: { certificateMirrorUrl: mirrorUrl } });
    const { body, headers } = signedRequest();
    expect(headers['SignatureCertChainUrl']).to.equal(LOCAL_CERT_CHAIN_URL);
    const response = await post(app.url, body, headers);
    expect(response.status, response.text).to.equal(200);
    const warning = app.logLines.map((line) => JSON.parse(line)).find((record) => record.event === 'alexa_certificate_mirror_on');
    expect(warning).to.include({ level: 'warn', mirror: mirrorUrl.origin });
    expect(warning.message).to.match(/ALEXA_CERT_MIRROR_URL.*local stack only/);
  });

  it('still refuses a chain from the mirror when its CA is not in the trust store', async () => {
    const mirrorUrl = await mirror((_req, res) => res.end(material.chainPem));
    const app = await startApp({ config: testConfig({ certificateMirrorUrl: mirrorUrl }) }); // Node's roots only
    running.push(app);
    const { body, headers } = signedRequest();
    expect((await post(app.url, body, headers)).json).to.deep.equal({ error: 'certificate_untrusted' });
  });

  it('gives up on a certificate download that takes longer than the timeout', async () => {
    const mirrorUrl = await mirror(() => {
      /* never answers */
    });
    const app = await start({ verification: { certificateMirrorUrl: mirrorUrl, certificateDownloadTimeoutMs: 200 } });
    const { body, headers } = signedRequest();
    // The mirror never answers: an answer at all is the timeout at work, and the log names the 200 ms it was given.
    const response = await post(app.url, body, headers);
    expect(response.json).to.deep.equal({ error: 'certificate_unavailable' });
    expect(app.logLines.join('\n')).to.contain('longer than 200 ms');
  });

  it('stops reading a certificate download larger than the size cap', async () => {
    let bytesSent = 0;
    const mirrorUrl = await mirror((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/x-pem-file' }); // no content-length: streamed
      const chunk = Buffer.alloc(16 * 1024, 'A');
      const pump = () => {
        while (bytesSent < 10 * 1024 * 1024) {
          bytesSent += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end();
      };
      pump();
    });
    const app = await start({ verification: { certificateMirrorUrl: mirrorUrl } });
    const { body, headers } = signedRequest();
    const response = await post(app.url, body, headers);
    expect(response.json).to.deep.equal({ error: 'certificate_unavailable' });
    expect(app.logLines.join('\n')).to.contain('larger than 65536 bytes');
    expect(bytesSent).to.be.below(10 * 1024 * 1024);
  });

  it('refuses a certificate download that declares a length over the cap', async () => {
    const mirrorUrl = await mirror((_req, res) => {
      res.writeHead(200, { 'content-length': String(1024 * 1024) });
      res.end(Buffer.alloc(1024 * 1024, 'A'));
    });
    const app = await start({ verification: { certificateMirrorUrl: mirrorUrl } });
    const { body, headers } = signedRequest();
    expect((await post(app.url, body, headers)).json).to.deep.equal({ error: 'certificate_unavailable' });
  });

  it('refuses a certificate download that does not answer 200', async () => {
    const mirrorUrl = await mirror((_req, res) => {
      res.writeHead(302, { location: 'https://evil.example/cert.pem' });
      res.end();
    });
    const app = await start({ verification: { certificateMirrorUrl: mirrorUrl } });
    const { body, headers } = signedRequest();
    expect((await post(app.url, body, headers)).json).to.deep.equal({ error: 'certificate_unavailable' });
  });
});

/** The cache on its own, with an injected clock: validity re-checked at its exact edges, the negative cache's TTL, the size bound. */
describe('Alexa request verification: certificate chain cache (CertificateChainCache)', () => {
  const SECOND = 1000;
  const t0 = Math.floor(Date.now() / SECOND) * SECOND;
  const leafNotBefore = t0 - 3600 * SECOND;
  const leafNotAfter = t0 + 86_400 * SECOND;
  let shortLived: SigningMaterial;
  let reissued: SigningMaterial;
  let trustStore: TrustStore;

  before(async () => {
    [shortLived, reissued] = await Promise.all([
      createSigningMaterial({ leafNotBefore: new Date(leafNotBefore), leafNotAfter: new Date(leafNotAfter) }),
      createSigningMaterial(),
    ]);
    trustStore = createTrustStore({ extraCaPem: shortLived.caCertPem + reissued.caCertPem });
  });

  const url = (name = 'echo-api-cert.pem') => new URL(`https://s3.amazonaws.com/echo.api/${name}`);

  function cacheServing(chains: (string | Error)[], clock: { now: number }) {
    const downloads: string[] = [];
    const cache = new CertificateChainCache(
      async (target) => {
        downloads.push(target.href);
        const next = chains.length > 1 ? chains.shift()! : chains[0]!;
        if (next instanceof Error) throw next;
        return next;
      },
      trustStore,
      () => clock.now,
    );
    return { cache, downloads };
  }

  async function refusalOf(promise: Promise<unknown>): Promise<AlexaRequestRefused> {
    try {
      await promise;
    } catch (error) {
      if (error instanceof AlexaRequestRefused) return error;
      throw error;
    }
    throw new Error('expected a refusal');
  }

  it('keeps serving a cached chain from its latest notBefore to its earliest notAfter, both included', async () => {
    const clock = { now: t0 };
    const { cache, downloads } = cacheServing([shortLived.chainPem], clock);
    const chain = await cache.get(url());
    expect({ from: chain.validFromMs, until: chain.validUntilMs }).to.deep.equal({ from: leafNotBefore, until: leafNotAfter });
    for (const now of [leafNotBefore, leafNotAfter]) {
      clock.now = now;
      expect(await cache.get(url())).to.equal(chain);
    }
    expect(downloads).to.have.length(1);
  });

  for (const [edge, now] of [
    ['before its notBefore', leafNotBefore - 1],
    ['after its notAfter', leafNotAfter + 1],
  ] as const) {
    it(`refuses a cached chain one millisecond ${edge}, then downloads again`, async () => {
      const clock = { now: t0 };
      const { cache, downloads } = cacheServing([shortLived.chainPem, reissued.chainPem], clock);
      await cache.get(url());
      clock.now = now;
      expect((await refusalOf(cache.get(url()))).code).to.equal('certificate_expired');
      // The entry is gone: the next request downloads again (the URL may have been re-issued) and gets the new chain.
      const fresh = await cache.get(url());
      expect(fresh.validUntilMs).to.be.greaterThan(leafNotAfter);
      expect(downloads).to.have.length(2);
    });
  }

  it('remembers a failed download for exactly FAILURE_TTL_MS (30 s) on the injected clock, with the reason it failed for', async () => {
    const clock = { now: t0 };
    const { cache, downloads } = cacheServing([new Error('socket hang up'), shortLived.chainPem], clock);
    const first = await refusalOf(cache.get(url()));
    expect({ code: first.code, reason: first.reason }).to.deep.equal({ code: 'certificate_unavailable', reason: 'certificate download failed' });
    expect(FAILURE_TTL_MS).to.equal(30_000);
    clock.now = t0 + FAILURE_TTL_MS;
    expect(await refusalOf(cache.get(url()))).to.equal(first);
    expect(downloads).to.have.length(1);
    clock.now = t0 + FAILURE_TTL_MS + 1;
    await cache.get(url());
    expect(downloads).to.have.length(2);
  });

  it('forgets a failure only by its own age: a later failure of another URL does not extend it', async () => {
    const clock = { now: t0 };
    const { cache, downloads } = cacheServing([new Error('socket hang up'), new Error('socket hang up'), shortLived.chainPem], clock);
    await refusalOf(cache.get(url('a.pem')));
    clock.now = t0 + FAILURE_TTL_MS / 2;
    await refusalOf(cache.get(url('b.pem')));
    clock.now = t0 + FAILURE_TTL_MS + 1;
    await cache.get(url('a.pem')); // a's failure is past its age: downloaded again
    expect((await refusalOf(cache.get(url('b.pem')))).code).to.equal('certificate_unavailable'); // b's is not
    expect(downloads).to.deep.equal([url('a.pem').href, url('b.pem').href, url('a.pem').href]);
  });

  it('remembers a chain that fails the checks as well, under its own code', async () => {
    const clock = { now: t0 };
    const { cache, downloads } = cacheServing(['no certificate here'], clock);
    expect((await refusalOf(cache.get(url()))).code).to.equal('certificate_invalid');
    expect((await refusalOf(cache.get(url()))).code).to.equal('certificate_invalid');
    expect(downloads).to.have.length(1);
  });

  it('keeps at most 32 chains, dropping the least recently used first', async () => {
    const clock = { now: t0 };
    const { cache, downloads } = cacheServing([shortLived.chainPem], clock);
    const urls = Array.from({ length: 33 }, (_, i) => url(`cert-${i}.pem`));
    for (const each of urls) await cache.get(each);
    expect(downloads).to.have.length(33);
    await cache.get(urls[1]!);
    await cache.get(urls[32]!);
    expect(downloads, 'the 31 newer chains stay cached').to.have.length(33);
    await cache.get(urls[0]!);
    expect(downloads.slice(33), 'the oldest was dropped').to.deep.equal([urls[0]!.href]);
    // cert-1 was used after cert-2, so bringing cert-0 back dropped cert-2, not cert-1.
    await cache.get(urls[1]!);
    expect(downloads).to.have.length(34);
    await cache.get(urls[2]!);
    expect(downloads.slice(34)).to.deep.equal([urls[2]!.href]);
  });
});
