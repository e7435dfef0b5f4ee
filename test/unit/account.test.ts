/**
 * Where the skill finds the user's token and how it turns the verifier's verdict into an account state — the
 * decisions every account-gated handler rests on, checked here without the ASK SDK's dispatch around them.
 */
import { expect } from 'chai';
import type { HandlerInput } from 'ask-sdk-core';
import type { RequestEnvelope } from 'ask-sdk-model';
import { accessTokenOf, createAccountInterceptor, decideAccount, requireAccount } from '../../lambda/account/account.js';
import type { TokenVerifier } from '../../lambda/account/token-verifier.js';
import { AccountLinkRequired, RideApiUnavailable } from '../../lambda/errors.js';
import { rejection } from '../support/rejection.js';

/** Just enough of a HandlerInput for the account code: the envelope and request attributes. */
function handlerInput(envelope: unknown): HandlerInput {
  const attributes: Record<string, unknown> = {};
  return { requestEnvelope: envelope as RequestEnvelope, attributesManager: { getRequestAttributes: () => attributes } } as unknown as HandlerInput;
}
const withUser = (user: unknown) => handlerInput({ context: { System: { user } } });
const failingWith = (error: Error): TokenVerifier => ({ verify: () => Promise.reject(error) });

describe('account: token and state', () => {
  it('finds the access token in context.System.user, and nothing where any part of that path is missing', () => {
    expect(accessTokenOf(withUser({ userId: 'u', accessToken: 'tok' }))).to.equal('tok');
    for (const envelope of [{}, { context: {} }, { context: { System: {} } }, { context: { System: { user: {} } } }]) {
      expect(accessTokenOf(handlerInput(envelope)), JSON.stringify(envelope)).to.equal(undefined);
    }
  });

  it('treats an empty or non-string token as no token', () => {
    expect(accessTokenOf(withUser({ accessToken: '' }))).to.equal(undefined);
    expect(accessTokenOf(withUser({ accessToken: 42 }))).to.equal(undefined);
  });

  it("maps the verifier's verdict: linked, rejected with its problem, unverifiable — and passes on anything else", async () => {
    expect(await decideAccount(undefined, failingWith(new Error('never called')))).to.deep.equal({ status: 'unlinked' });
    const account = { token: 't', subject: 's', scopes: new Set(['order_car']) };
    expect(await decideAccount('t', { verify: async () => account })).to.deep.equal({ status: 'linked', account });
    expect(await decideAccount('t', failingWith(new AccountLinkRequired('token_expired')))).to.deep.equal({ status: 'rejected', problem: 'token_expired' });
    expect(await decideAccount('t', failingWith(new RideApiUnavailable('jwks_unreachable')))).to.deep.equal({ status: 'unverifiable' });
    const unexpected = new TypeError('bug');
    expect(await rejection(decideAccount('t', failingWith(unexpected)))).to.equal(unexpected);
  });

  it('says the JWKS is unreachable when the token cannot be verified, and insists on the interceptor', async () => {
    const input = withUser({ accessToken: 'tok' });
    createAccountInterceptor(failingWith(new RideApiUnavailable('whatever the verifier said'))).process(input);
    const error = await rejection(requireAccount(input, 'order_car'));
    expect(error).to.be.instanceOf(RideApiUnavailable).and.to.have.property('reason', 'jwks_unreachable');

    const bare = await rejection(requireAccount(withUser({ accessToken: 'tok' }), 'order_car'));
    expect(bare).to.be.instanceOf(Error).and.to.have.property('message', 'AccountInterceptor is not registered');
  });
});
