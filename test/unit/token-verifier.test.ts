import { expect } from 'chai';
import { decodeJwt, type JWTVerifyGetKey } from 'jose';
import { createTokenVerifier } from '../../lambda/account/token-verifier.js';
import { AccountLinkRequired } from '../../lambda/errors.js';
import { rejection } from '../support/rejection.js';
import { createTestIssuer, type TestIssuer } from '../support/tokens.js';

describe('token verifier (jose)', () => {
  let issuer: TestIssuer;
  before(async () => {
    issuer = await createTestIssuer();
  });

  it('reads subject and scopes from a valid access token', async () => {
    const verified = await createTokenVerifier(issuer.config, { keys: issuer.keys }).verify(await issuer.token({ sub: 'user-7', scope: 'order_car' }));
    expect(verified.subject).to.equal('user-7');
    expect([...verified.scopes!]).to.deep.equal(['order_car']);
  });

  it('accepts an `scp` array where an issuer uses one', async () => {
    const verified = await createTokenVerifier(issuer.config, { keys: issuer.keys }).verify(await issuer.token({ scope: undefined, scp: ['basic_profile'] }));
    expect([...verified.scopes!]).to.deep.equal(['basic_profile']);
  });

  it('tells an expired token apart from an invalid one', async () => {
    const verifier = createTokenVerifier(issuer.config, { keys: issuer.keys });
    const expired = await rejection(verifier.verify(await issuer.token({}, { expiresIn: Math.floor(Date.now() / 1000) - 60 })));
    expect(expired).to.be.instanceOf(AccountLinkRequired).and.to.have.property('problem', 'token_expired');
    const wrongType = await rejection(verifier.verify(await issuer.token({}, { typ: 'JWT' })));
    expect(wrongType).to.have.property('problem', 'token_invalid');
  });

  it('remembers a verified token, but never past its expiry', async () => {
    let now = Date.now();
    const verifier = createTokenVerifier(issuer.config, { keys: issuer.keys, now: () => now });
    const token = await issuer.token({}, { expiresIn: '2m' });
    const first = await verifier.verify(token);
    expect(await verifier.verify(token)).to.equal(first);
    now += 3 * 60_000;
    expect(await rejection(verifier.verify(token))).to.have.property('problem', 'token_expired');
  });

  it('honours the clock tolerance for a remembered token, up to and not including its end', async () => {
    let now = Date.now();
    const verifier = createTokenVerifier({ ...issuer.config, clockToleranceSeconds: 60 }, { keys: issuer.keys, now: () => now });
    const token = await issuer.token({}, { expiresIn: '2m' });
    await verifier.verify(token);
    const expiresAtMs = decodeJwt(token).exp! * 1000;
    now = expiresAtMs + 30_000; // past exp, within the 60 s tolerance
    expect((await verifier.verify(token)).subject).to.equal('user-ann');
    now = expiresAtMs + 60_000; // exactly at the end of the tolerance: expired, as jose counts it
    expect(await rejection(verifier.verify(token))).to.have.property('problem', 'token_expired');
  });

  it('refuses a token without an expiry: an access token that never expires is not one Alexa should hold', async () => {
    const error = await rejection(createTokenVerifier(issuer.config, { keys: issuer.keys }).verify(await issuer.token({}, { expiresIn: null })));
    expect(error).to.be.instanceOf(AccountLinkRequired).and.to.have.property('problem', 'token_invalid');
  });

  it('refuses a token without a subject', async () => {
    const error = await rejection(createTokenVerifier(issuer.config, { keys: issuer.keys }).verify(await issuer.token({ sub: undefined })));
    expect(error).to.be.instanceOf(AccountLinkRequired).and.to.have.property('problem', 'token_invalid');
  });

  it('reads scopes leniently: extra spaces, non-string scp entries, or no scope claim at all', async () => {
    const verifier = createTokenVerifier(issuer.config, { keys: issuer.keys });
    const scopesOf = async (claims: Record<string, unknown>) => [...(await verifier.verify(await issuer.token(claims))).scopes!];
    expect(await scopesOf({ scope: ' order_car  basic_profile ' })).to.deep.equal(['order_car', 'basic_profile']);
    expect(await scopesOf({ scope: undefined, scp: ['order_car', 42, null] })).to.deep.equal(['order_car']);
    expect(await scopesOf({ scope: undefined })).to.deep.equal([]);
  });

  it('drops the least recently used token first: a cache hit counts as a use', async () => {
    let keyLookups = 0;
    const keys: JWTVerifyGetKey = (...args) => {
      keyLookups += 1;
      return issuer.keys(...args);
    };
    const verifier = createTokenVerifier(issuer.config, { keys, cacheSize: 2 });
    const [a, b, c] = [await issuer.token({ sub: 'a' }), await issuer.token({ sub: 'b' }), await issuer.token({ sub: 'c' })];
    await verifier.verify(a);
    await verifier.verify(b);
    await verifier.verify(a); // a hit: a is now the most recent
    expect(keyLookups).to.equal(2);
    await verifier.verify(c); // full: b goes
    await verifier.verify(a);
    expect(keyLookups, 'a was still remembered').to.equal(3);
    await verifier.verify(b);
    expect(keyLookups, 'b had been dropped').to.equal(4);
  });

  it('keeps at most cacheSize tokens', async () => {
    const verifier = createTokenVerifier(issuer.config, { keys: issuer.keys, cacheSize: 2 });
    const tokens = [await issuer.token({ sub: 'a' }), await issuer.token({ sub: 'b' }), await issuer.token({ sub: 'c' })];
    const verified = [];
    for (const t of tokens) verified.push(await verifier.verify(t));
    expect(await verifier.verify(tokens[2]!)).to.equal(verified[2]);
    expect(await verifier.verify(tokens[0]!)).not.to.equal(verified[0]);
  });

  it('lets any token through unverified in opaque mode, with unknown scopes', async () => {
    const verified = await createTokenVerifier({ mode: 'opaque' }).verify('Atza|anything');
    expect(verified).to.deep.equal({ token: 'Atza|anything', subject: undefined, scopes: undefined });
  });
});
