/**
 * The certificate downloader on its own, against loopback servers: what it fetches, the size cap on both sides of
 * the limit (declared and streamed), no redirects, and the reasons it logs. Timing-free: nothing here waits for a
 * timeout to pass.
 */
import { createServer, type IncomingMessage, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import { createCertificateDownloader } from '../../lambda/verification/certificate-download.js';
import { closeServer } from './support.js';

const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
const CERT_URL = new URL('https://s3.amazonaws.com/echo.api/echo-api-cert.pem');

describe('Alexa request verification: certificate download', () => {
  const servers: Server[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map(closeServer));
  });

  async function serve(handler: RequestListener): Promise<{ origin: URL; requests: IncomingMessage[] }> {
    const requests: IncomingMessage[] = [];
    const server = createServer((request, response) => {
      requests.push(request);
      handler(request, response);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    servers.push(server);
    return { origin: new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}`), requests };
  }

  async function refusal(download: Promise<string>): Promise<{ code: string; reason: string }> {
    try {
      await download;
    } catch (error) {
      return error as { code: string; reason: string };
    }
    throw new Error('expected the download to be refused');
  }

  it('fetches the URL itself when no mirror is set, asking for PEM, and returns the body as text', async () => {
    const { origin, requests } = await serve((_req, res) => res.end(PEM));
    const download = createCertificateDownloader({ timeoutMs: 5000, maxBytes: 1024 });
    expect(await download(new URL('/echo.api/own.pem', origin))).to.equal(PEM);
    expect(requests.map((r) => [r.method, r.url])).to.deep.equal([['GET', '/echo.api/own.pem']]);
    expect(requests[0]!.headers.accept).to.match(/^application\/x-pem-file\b/);
  });

  it('fetches the same path from the mirror, ignoring the mirror’s own path, and joins a body sent in pieces', async () => {
    const { origin, requests } = await serve((_req, res) => {
      res.write(PEM.slice(0, 20));
      setImmediate(() => res.end(PEM.slice(20)));
    });
    const download = createCertificateDownloader({ timeoutMs: 5000, maxBytes: 1024, mirror: new URL('/ignored/', origin) });
    expect(await download(CERT_URL)).to.equal(PEM);
    expect(requests.map((r) => r.url)).to.deep.equal(['/echo.api/echo-api-cert.pem']);
  });

  it('accepts a body of exactly the cap, declared or streamed, and refuses one byte more', async () => {
    const cap = 100;
    const { origin } = await serve((req, res) => {
      const size = Number(new URL(req.url!, 'http://x').searchParams.get('size'));
      if (req.url!.includes('declared')) res.writeHead(200, { 'content-length': String(size) });
      res.end('A'.repeat(size));
    });
    const download = createCertificateDownloader({ timeoutMs: 5000, maxBytes: cap });
    for (const how of ['declared', 'streamed']) {
      expect(await download(new URL(`/echo.api/x.pem?${how}&size=${cap}`, origin)), how).to.equal('A'.repeat(cap));
      expect(await refusal(download(new URL(`/echo.api/x.pem?${how}&size=${cap + 1}`, origin))), how).to.deep.include({
        code: 'certificate_unavailable',
        reason: `certificate download is larger than ${cap} bytes`,
      });
    }
  });

  it('refuses a declared length over the cap as soon as the headers arrive, without waiting for the body', async () => {
    // The server sends the headers and a few bytes, then stalls: only the declared length can refuse it at once.
    const { origin } = await serve((_req, res) => {
      res.writeHead(200, { 'content-length': String(1024 * 1024) });
      res.write('A'.repeat(64));
    });
    const download = createCertificateDownloader({ timeoutMs: 2000, maxBytes: 1024 });
    expect(await refusal(download(new URL('/echo.api/x.pem', origin)))).to.deep.include({ reason: 'certificate download is larger than 1024 bytes' });
  });

  it('answers an empty 200 body with empty text (the chain check then refuses it)', async () => {
    const { origin } = await serve((_req, res) => res.end());
    expect(await createCertificateDownloader({ timeoutMs: 5000, maxBytes: 1024 })(new URL('/echo.api/x.pem', origin))).to.equal('');
  });

  it('does not follow a redirect, even to a server that would serve a chain', async () => {
    const target = await serve((_req, res) => res.end(PEM));
    const { origin } = await serve((_req, res) => {
      res.writeHead(302, { location: new URL('/echo.api/x.pem', target.origin).href });
      res.end();
    });
    const download = createCertificateDownloader({ timeoutMs: 5000, maxBytes: 1024 });
    expect(await refusal(download(new URL('/echo.api/x.pem', origin)))).to.deep.include({ code: 'certificate_unavailable', reason: 'certificate download failed' });
    expect(target.requests).to.have.length(0);
  });

  it('refuses any status but 200, naming it', async () => {
    for (const status of [201, 204, 404, 500]) {
      const { origin } = await serve((_req, res) => {
        res.writeHead(status);
        res.end(status === 204 ? undefined : PEM);
      });
      const download = createCertificateDownloader({ timeoutMs: 5000, maxBytes: 1024 });
      expect(await refusal(download(new URL('/echo.api/x.pem', origin))), String(status)).to.deep.include({
        code: 'certificate_unavailable',
        reason: `certificate download answered HTTP ${status}`,
      });
    }
  });

  it('reports a connection that fails as a failed download, not a timeout', async () => {
    const { origin } = await serve(() => {});
    await Promise.all(servers.splice(0).map(closeServer)); // the port is now closed
    const download = createCertificateDownloader({ timeoutMs: 5000, maxBytes: 1024 });
    expect(await refusal(download(new URL('/echo.api/x.pem', origin)))).to.deep.include({ code: 'certificate_unavailable', reason: 'certificate download failed' });
  });
});
