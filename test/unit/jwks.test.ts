/**
 * The verifier's key set comes from the issuer's JWKS URL through jose's createRemoteJWKSet: fetched once and
 * cached, refetched (once per cooldown) when a token names a key it does not know — which is how key rotation
 * reaches the skill without a restart. The fetch goes through got (lambda/account/jwks-fetch.ts), never the global
 * fetch. nock stands in for the issuer; a refused or silent issuer is a real loopback socket (nock's
 * replyWithError never reaches got's promise).
 */
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import nock from 'nock';
import { fetchJwksWithGot, JwksTooLarge, MAX_JWKS_BYTES } from '../../lambda/account/jwks-fetch.js';
import { createServer as createHttpServer } from 'node:http';
import { createTokenVerifier } from '../../lambda/account/token-verifier.js';
import { AccountLinkRequired, IssuerUnavailable } from '../../lambda/errors.js';
import { rejection } from '../support/rejection.js';
import { createTestIssuer, TEST_AUDIENCE, TEST_ISSUER, type TestIssuer } from '../support/tokens.js';

const JWKS_HOST = 'https://keys.issuer.test';

// Importing nock switches interception on for the whole mocha process; keep it to this suite only, or it would sit
// between every other suite's real loopback requests.
nock.restore();

describe('token verifier with a remote JWKS', () => {
  let issuer: TestIssuer;
  const config = () => ({ ...issuer.config, jwksUrl: new URL(`${JWKS_HOST}/jwks`) });

  before(async () => {
    issuer = await createTestIssuer('key-1');
    nock.activate();
    nock.disableNetConnect();
  });
  afterEach(() => {
    nock.cleanAll();
    nock.disableNetConnect();
  });
  after(() => {
    nock.enableNetConnect();
    nock.restore();
  });

  it('fetches the key set once for any number of tokens', async () => {
    const jwks = nock(JWKS_HOST).get('/jwks').reply(200, issuer.jwks);
    const verifier = createTokenVerifier(config());
    for (const sub of ['a', 'b', 'c', 'd']) expect((await verifier.verify(await issuer.token({ sub }))).subject).to.equal(sub);
    expect(jwks.isDone()).to.equal(true);
    expect(nock.pendingMocks()).to.deep.equal([]);
  });

  it('refetches once when a token is signed with a rotated-in key (cooldown elapsed)', async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES256');
    const rotated = { ...(await exportJWK(publicKey)), kid: 'key-2', alg: 'ES256', use: 'sig' };
    nock(JWKS_HOST).get('/jwks').reply(200, issuer.jwks).get('/jwks').reply(200, { keys: [...issuer.jwks.keys, rotated] });
    const verifier = createTokenVerifier(config(), { jwksCooldownMs: 0 });
    await verifier.verify(await issuer.token());
    const token = await new SignJWT({ iss: TEST_ISSUER, aud: TEST_AUDIENCE, sub: 'rotated', scope: 'order_car' })
      .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: 'key-2' })
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(privateKey);
    expect((await verifier.verify(token)).subject).to.equal('rotated');
    expect(nock.pendingMocks()).to.deep.equal([]);
  });

  it('asks to re-link for a kid the issuer does not publish, without a fetch storm within the cooldown', async () => {
    const fetches = nock(JWKS_HOST).get('/jwks').times(2).reply(200, issuer.jwks);
    const verifier = createTokenVerifier(config());
    await verifier.verify(await issuer.token());
    for (let i = 0; i < 3; i++) {
      const error = await rejection(verifier.verify(await issuer.token({}, { kid: 'unknown-kid' })));
      expect(error).to.be.instanceOf(AccountLinkRequired).and.to.have.property('problem', 'token_invalid');
    }
    // The initial fetch only: forged kids cannot make the skill hammer the issuer.
    expect(fetches.pendingMocks()).to.have.length(1);
    expect(nock.pendingMocks()).to.have.length(1);
  });

  const outage = async (url = config().jwksUrl) => rejection(createTokenVerifier({ ...config(), jwksUrl: url }).verify(await issuer.token()));

  for (const [what, reply] of [
    ['answers 500', () => nock(JWKS_HOST).get('/jwks').reply(500, 'oops')],
    ['answers something that is not a key set', () => nock(JWKS_HOST).get('/jwks').reply(200, { keys: 'none' })],
  ] as const) {
    it(`treats an issuer whose key set ${what} as our outage, not the user's`, async () => {
      reply();
      expect(await outage()).to.be.instanceOf(IssuerUnavailable).and.to.have.property('reason', 'jwks_unreachable');
    });
  }

  it("treats an issuer that cannot be reached as our outage, not the user's", async () => {
    nock.enableNetConnect('127.0.0.1');
    const closed = await listen(createServer());
    const url = new URL(`http://127.0.0.1:${port(closed)}/jwks`);
    await new Promise((resolve) => closed.close(resolve));
    expect(await outage(url)).to.be.instanceOf(IssuerUnavailable).and.to.have.property('reason', 'jwks_unreachable');
  });

  it('gives up on an issuer that accepts the connection and never answers (the JWKS timeout reaches got)', async () => {
    nock.enableNetConnect('127.0.0.1');
    const sockets: Socket[] = [];
    const silent = await listen(createServer((socket) => void sockets.push(socket)));
    try {
      expect(await outage(new URL(`http://127.0.0.1:${port(silent)}/jwks`))).to.be.instanceOf(IssuerUnavailable);
      expect(sockets).to.have.length(1);
    } finally {
      for (const socket of sockets) socket.destroy();
      silent.close();
    }
  });

  it('fetches the key set through got, never through the global fetch (whose first use loads undici)', async () => {
    nock(JWKS_HOST).get('/jwks').reply(200, issuer.jwks);
    const globalFetch = globalThis.fetch;
    const fetched: unknown[] = [];
    globalThis.fetch = async (input) => {
      fetched.push(input);
      throw new Error('the global fetch was used');
    };
    try {
      expect((await createTokenVerifier(config()).verify(await issuer.token({ sub: 'through-got' }))).subject).to.equal('through-got');
    } finally {
      globalThis.fetch = globalFetch;
    }
    expect(fetched).to.deep.equal([]);
  });

  it('sends jose\'s Accept header and follows no redirect: a key set elsewhere is not the issuer\'s', async () => {
    const elsewhere = nock('https://elsewhere.test').get('/jwks').reply(200, issuer.jwks);
    const moved = nock(JWKS_HOST)
      .matchHeader('accept', 'application/json, application/jwk-set+json')
      .get('/jwks')
      .reply(302, '', { location: 'https://elsewhere.test/jwks' });
    expect(await outage()).to.be.instanceOf(IssuerUnavailable);
    expect(moved.isDone()).to.equal(true);
    expect(elsewhere.isDone()).to.equal(false);
  });

  it('leaves retrying to jose: a failed fetch is not repeated behind its back', async () => {
    const second = nock(JWKS_HOST).get('/jwks').reply(503, 'busy').get('/jwks').reply(200, issuer.jwks);
    expect(await outage()).to.be.instanceOf(IssuerUnavailable);
    expect(second.pendingMocks()).to.have.length(1);
  });

  it(`refuses a key set body larger than ${MAX_JWKS_BYTES / 1024} kB, even a well-formed one`, async () => {
    const padded = { keys: issuer.jwks.keys, padding: 'x'.repeat(MAX_JWKS_BYTES) };
    nock(JWKS_HOST).get('/jwks').reply(200, padded);
    expect(await outage()).to.be.instanceOf(IssuerUnavailable).and.to.have.property('reason', 'jwks_unreachable');
    // …while the same keys with a little padding are fine.
    nock(JWKS_HOST).get('/jwks').reply(200, { ...padded, padding: 'x'.repeat(1000) });
    expect((await createTokenVerifier(config()).verify(await issuer.token({ sub: 'small' }))).subject).to.equal('small');
  });
});

describe('the JWKS fetch through got', () => {
  it('cuts off a body that keeps coming once it passes the cap, instead of buffering until the timeout', async () => {
    let clientGone!: () => void;
    const gone = new Promise<void>((resolve) => (clientGone = resolve));
    const endless = createHttpServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write(`{"keys":[],"padding":"${'x'.repeat(MAX_JWKS_BYTES)}`); // …and never ends
      res.once('close', clientGone);
    });
    await listen(endless);
    try {
      const fetchJwks = fetchJwksWithGot();
      const url = `http://127.0.0.1:${port(endless)}/jwks`;
      // No timeout in the signal: only the cap can end this fetch.
      const error = await rejection(fetchJwks(url, { headers: new Headers(), method: 'GET', redirect: 'manual', signal: new AbortController().signal }));
      expect(error).to.be.instanceOf(JwksTooLarge);
      await gone;
    } finally {
      endless.closeAllConnections();
      endless.close();
    }
  });
});

describe('the JWKS fetch through got: what jose gets back', () => {
  const request = { headers: new Headers(), method: 'GET', redirect: 'manual', signal: new AbortController().signal } as const;
  /** A JSON key set of exactly `bytes` bytes. */
  const keySetOf = (bytes: number) => `{"keys":[],"p":"${'x'.repeat(bytes - '{"keys":[],"p":""}'.length)}"}`;
  let server: ReturnType<typeof createHttpServer>;
  let answer: (res: import('node:http').ServerResponse) => void;

  before(async () => {
    server = createHttpServer((_req, res) => answer(res));
    await listen(server);
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });
  const fetchJwks = () => fetchJwksWithGot()(`http://127.0.0.1:${port(server)}/jwks`, request);

  for (const [how, send] of [
    ['says its length', (res: import('node:http').ServerResponse, body: string) => res.writeHead(200, { 'content-length': Buffer.byteLength(body) }).end(body)],
    ['streams it in pieces', (res: import('node:http').ServerResponse, body: string) => {
      res.writeHead(200);
      res.write(body.slice(0, 1000));
      res.end(body.slice(1000));
    }],
  ] as const) {
    it(`takes a key set of exactly ${MAX_JWKS_BYTES} bytes and refuses one byte more, when the answer ${how}`, async () => {
      answer = (res) => send(res, keySetOf(MAX_JWKS_BYTES));
      const fetched = await fetchJwks();
      expect(fetched.status).to.equal(200);
      expect(await fetched.json()).to.have.property('keys').that.deep.equals([]);
      answer = (res) => send(res, keySetOf(MAX_JWKS_BYTES + 1));
      const error = await rejection(fetchJwks());
      expect(error).to.be.instanceOf(JwksTooLarge).and.to.include({ name: 'JwksTooLarge', message: `the JWKS answer is larger than ${MAX_JWKS_BYTES} bytes` });
    });
  }

  it('hands jose the status of an answer that is not 200 instead of throwing: jose decides what it means', async () => {
    answer = (res) => res.writeHead(404).end('no keys here');
    expect((await fetchJwks()).status).to.equal(404);
  });
});

async function listen(server: Server): Promise<Server> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

const port = (server: Server) => (server.address() as AddressInfo).port;
