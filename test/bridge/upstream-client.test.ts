/**
 * bridge/upstream.ts against a loopback token endpoint that records what it receives and answers as told: the
 * request the profile asks for (client authentication, extra fields and headers), one attempt only, no redirects
 * followed, no compressed answers unpacked, and every way the call can fail read as `unavailable` with a fixed
 * reason. (upstream-size.test.ts covers the 64 KiB cut-off; the profiles' tests their readers.)
 */
import { expect } from 'chai';
import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { loadBridgeConfig, type BridgeConfig } from '../../bridge/config.js';
import type { ProviderProfile } from '../../bridge/profiles/profile.js';
import { createUpstreamClient, MAX_ANSWER_BYTES } from '../../bridge/upstream.js';
import { bridgeEnv } from './helpers.js';

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  form: URLSearchParams;
}

describe('bridge upstream client (one token call, the profile’s way)', () => {
  let server: Server;
  let url: string;
  let received: Received[];
  let answer: (res: ServerResponse) => void;

  before(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        received.push({ path: req.url ?? '', headers: req.headers, form: new URLSearchParams(Buffer.concat(chunks).toString('utf8')) });
        answer(res);
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  beforeEach(() => {
    received = [];
    answer = (res) => json(res, 200, { access_token: 'at', token_type: 'Bearer', expires_in: 60, refresh_token: 'rt' });
  });

  const json = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };

  async function client(profile: Partial<ProviderProfile> = {}, env: Record<string, string> = {}): Promise<ReturnType<typeof createUpstreamClient>> {
    const config: BridgeConfig = await loadBridgeConfig(
      bridgeEnv({ BRIDGE_UPSTREAM_TOKEN_URL: `${url}/oauth/token`, BRIDGE_UPSTREAM_CLIENT_ID: 'bridge client', BRIDGE_UPSTREAM_CLIENT_SECRET: 'se:cret+with/odd=chars-long-enough-for-the-check', ...env }),
    );
    config.profile = { ...config.profile, ...profile };
    return createUpstreamClient(config);
  }

  it('client_secret_basic: the form-encoded client ID and secret in the Basic header, the grant and its fields in the body', async () => {
    const upstream = await client();
    expect(await upstream.token('refresh_token', { refresh_token: 'the-rt' })).to.deep.equal({ kind: 'tokens', accessToken: 'at', expiresIn: 60, refreshToken: 'rt' });
    expect(received).to.have.length(1);
    const [{ path, headers, form }] = received as [Received];
    expect(path).to.equal('/oauth/token');
    const [id, secret] = Buffer.from(headers.authorization!.replace(/^Basic /, ''), 'base64').toString('utf8').split(':');
    expect([id, secret]).to.deep.equal(['bridge+client', 'se%3Acret%2Bwith%2Fodd%3Dchars-long-enough-for-the-check']);
    expect(Object.fromEntries(form)).to.deep.equal({ grant_type: 'refresh_token', refresh_token: 'the-rt' });
    expect(headers).to.include({ 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json', 'user-agent': 'ride-hailer-bridge' });
    expect(headers).not.to.have.property('accept-encoding');
  });

  it('client_secret_post: the client ID and secret in the body, no Authorization; the profile’s own fields and headers added', async () => {
    const upstream = await client({
      clientAuthentication: 'client_secret_post',
      tokenRequestParams: (grant, settings) => ({ action: `requesttoken-${grant}`, audience: settings.upstreamClientId }),
      tokenRequestHeaders: { accept: 'application/vnd.provider+json', 'x-provider': 'yes' },
    });
    expect((await upstream.token('authorization_code', { code: 'c', redirect_uri: 'https://b/callback' })).kind).to.equal('tokens');
    const [{ headers, form }] = received as [Received];
    expect(headers).not.to.have.property('authorization');
    expect(headers).to.include({ accept: 'application/vnd.provider+json', 'x-provider': 'yes' });
    expect(Object.fromEntries(form)).to.deep.equal({
      grant_type: 'authorization_code',
      code: 'c',
      redirect_uri: 'https://b/callback',
      action: 'requesttoken-authorization_code',
      audience: 'bridge client',
      client_id: 'bridge client',
      client_secret: 'se:cret+with/odd=chars-long-enough-for-the-check',
    });
  });

  it('a profile’s header replaces the default of the same name, whatever its case (one Accept goes out, not two)', async () => {
    let rawHeaders: string[] = [];
    const record = (req: { rawHeaders: string[] }) => (rawHeaders = req.rawHeaders);
    server.prependListener('request', record);
    try {
      const upstream = await client({ tokenRequestHeaders: { Accept: 'application/vnd.github+json' } });
      expect((await upstream.token('refresh_token', { refresh_token: 'x' })).kind).to.equal('tokens');
    } finally {
      server.off('request', record);
    }
    const accepts = rawHeaders.filter((_, i) => i % 2 === 1 && rawHeaders[i - 1]!.toLowerCase() === 'accept');
    expect(accepts).to.deep.equal(['application/vnd.github+json']);
  });

  it('hands the raw answer to the profile: status, lower-cased headers, body', async () => {
    let seen: unknown;
    answer = (res) => {
      res.writeHead(400, { 'Content-Type': 'application/json', 'X-Request-Id': 'r1', 'Set-Cookie': ['a=1', 'b=2'] });
      res.end('{"error":"invalid_grant"}');
    };
    const upstream = await client({
      readTokenAnswer: (raw) => {
        seen = raw;
        return { kind: 'refused', error: 'invalid_grant' };
      },
    });
    expect(await upstream.token('refresh_token', { refresh_token: 'x' })).to.deep.equal({ kind: 'refused', error: 'invalid_grant' });
    expect(seen).to.deep.include({ status: 400, body: '{"error":"invalid_grant"}' });
    // A repeated header comes as one comma-separated list (HTTP's list syntax; the HTTP handler joins without a space).
    expect((seen as { headers: Record<string, string> }).headers).to.include({ 'content-type': 'application/json', 'x-request-id': 'r1', 'set-cookie': 'a=1,b=2' });
  });

  it('an answer of exactly 64 KiB is read whole, announced or not (only larger ones are cut off)', async () => {
    const body = JSON.stringify({ access_token: 'at', token_type: 'Bearer' });
    const padded = body + ' '.repeat(MAX_ANSWER_BYTES - body.length);
    for (const announce of [true, false]) {
      answer = (res) => {
        res.writeHead(200, { 'content-type': 'application/json', ...(announce ? { 'content-length': String(padded.length) } : {}) });
        res.end(padded);
      };
      const upstream = await client();
      expect(await upstream.token('refresh_token', { refresh_token: 'x' }), announce ? 'announced' : 'chunked').to.deep.include({ kind: 'tokens', accessToken: 'at' });
    }
  });

  it('token calls reuse one kept-alive connection (a new TLS handshake would eat into Alexa’s 4.5 s)', async () => {
    const sockets = new Set<unknown>();
    const count = (socket: unknown) => sockets.add(socket);
    server.on('connection', count);
    try {
      const upstream = await client();
      for (let i = 0; i < 3; i += 1) expect((await upstream.token('refresh_token', { refresh_token: 'x' })).kind).to.equal('tokens');
      expect(sockets.size).to.equal(1);
    } finally {
      server.off('connection', count);
    }
  });

  it('a 5xx is one attempt, never retried (a rotating token sent twice may be taken for a stolen one)', async () => {
    answer = (res) => json(res, 503, { error: 'temporarily_unavailable' });
    const upstream = await client();
    expect((await upstream.token('refresh_token', { refresh_token: 'x' })).kind).to.equal('unavailable');
    expect(received).to.have.length(1);
  });

  it('a connection dropped halfway through the answer is unavailable (unreachable), never a half-read answer', async () => {
    answer = (res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '200' });
      res.write('{"access_token":"at","token_type":"Bearer"}', () => res.socket!.destroy());
    };
    const upstream = await client({ readTokenAnswer: () => expect.fail('a half-read answer reached the profile') });
    const result = await upstream.token('refresh_token', { refresh_token: 'x' });
    // The code in the reason is the HTTP client's (ECONNRESET, or a length mismatch): either way the call failed.
    expect(result).to.have.property('kind', 'unavailable');
    expect((result as { reason: string }).reason).to.match(/^upstream unreachable \(\w+\)$/);
  });

  it('a redirect is not followed', async () => {
    answer = (res) => {
      res.writeHead(307, { location: `${url}/elsewhere` });
      res.end();
    };
    const upstream = await client();
    expect((await upstream.token('refresh_token', { refresh_token: 'x' })).kind).to.equal('unavailable');
    expect(received.map((r) => r.path)).to.deep.equal(['/oauth/token']);
  });

  it('a compressed answer is not unpacked (64 KiB of gzip could be gigabytes): unreadable, so unavailable', async () => {
    answer = (res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
      res.end(gzipSync(JSON.stringify({ access_token: 'at', token_type: 'Bearer' })));
    };
    const upstream = await client();
    expect((await upstream.token('refresh_token', { refresh_token: 'x' })).kind).to.equal('unavailable');
  });

  it('an answer that makes the profile throw is unavailable, with a fixed reason naming the profile', async () => {
    const upstream = await client({
      readTokenAnswer: () => {
        throw new Error('the provider said: token xyz is bad');
      },
    });
    expect(await upstream.token('refresh_token', { refresh_token: 'x' })).to.deep.equal({ kind: 'unavailable', reason: 'profile oidc could not read the answer' });
  });

  it('an unreachable upstream is unavailable, with the error code as the reason; a hanging one ends with the budget', async () => {
    const closed = createServer();
    closed.listen(0, '127.0.0.1');
    await once(closed, 'listening');
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const refused = await client({}, { BRIDGE_UPSTREAM_TOKEN_URL: `http://127.0.0.1:${port}/token` });
    expect(await refused.token('refresh_token', { refresh_token: 'x' })).to.deep.equal({ kind: 'unavailable', reason: 'upstream unreachable (ECONNREFUSED)' });

    answer = () => {}; // never answers
    const hanging = await client({}, { BRIDGE_UPSTREAM_BUDGET_MS: '300' });
    expect(await hanging.token('refresh_token', { refresh_token: 'x' })).to.deep.equal({ kind: 'unavailable', reason: 'upstream unreachable (ETIMEDOUT)' });
  });

  it('a token URL with a query keeps it (a provider that versions its API there)', async () => {
    const upstream = await client({}, { BRIDGE_UPSTREAM_TOKEN_URL: `${url}/oauth/token?api-version=2&tenant=a%20b` });
    expect(await upstream.token('refresh_token', { refresh_token: 'x' })).to.include({ kind: 'tokens' });
    expect(received.map((r) => r.path)).to.deep.equal(['/oauth/token?api-version=2&tenant=a%20b']);
  });

  it('the budget covers the answer’s body too: headers in time, then a body that stalls, is cut off with it', async () => {
    answer = (res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"access_token":'); // …and nothing more
    };
    const stalling = await client({}, { BRIDGE_UPSTREAM_BUDGET_MS: '300' });
    expect(await stalling.token('refresh_token', { refresh_token: 'x' })).to.deep.equal({ kind: 'unavailable', reason: 'upstream unreachable (ETIMEDOUT)' });
  });
});
