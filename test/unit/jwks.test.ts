/**
 * The verifier's key set comes from the issuer's JWKS URL through jose's createRemoteJWKSet: fetched once and
 * cached, refetched (once per cooldown) when a token names a key it does not know — which is how key rotation
 * reaches the skill without a restart. nock stands in for the issuer.
 */
import { expect } from 'chai';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import nock from 'nock';
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
  afterEach(() => nock.cleanAll());
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

  for (const [what, reply] of [
    ['answers 500', () => nock(JWKS_HOST).get('/jwks').reply(500, 'oops')],
    ['answers something that is not a key set', () => nock(JWKS_HOST).get('/jwks').reply(200, { keys: 'none' })],
    ['cannot be reached', () => nock(JWKS_HOST).get('/jwks').replyWithError({ code: 'ECONNREFUSED' })],
  ] as const) {
    it(`treats an issuer whose key set ${what} as our outage, not the user's`, async () => {
      reply();
      const error = await rejection(createTokenVerifier(config()).verify(await issuer.token()));
      expect(error).to.be.instanceOf(IssuerUnavailable).and.to.have.property('reason', 'jwks_unreachable');
    });
  }
});
