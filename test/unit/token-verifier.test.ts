import { expect } from 'chai';
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
