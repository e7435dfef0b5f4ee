/**
 * Where the skill finds the user's token and how it turns the verifier's verdict into an account state — the
 * decisions every account-gated handler rests on, checked here without the ASK SDK's dispatch around them.
 */
import { expect } from 'chai';
import type { HandlerInput } from 'ask-sdk-core';
import type { RequestEnvelope } from 'ask-sdk-model';
import { accessTokenOf, createAccountInterceptor, judgeToken, requireAccount } from '../../lambda/account/account.js';
import type { TokenVerifier } from '../../lambda/account/token-verifier.js';
import { AccountLinkRequired, IssuerUnavailable } from '../../lambda/errors.js';
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

  it("judges a token without throwing (for SkillAccountLinked): linked, rejected with its problem, unverifiable — and passes on anything else", async () => {
    expect(await judgeToken(undefined, failingWith(new Error('never called')))).to.deep.equal({ status: 'unlinked' });
    const account = { token: 't', subject: 's', scopes: new Set(['order_car']) };
    expect(await judgeToken('t', { verify: async () => account })).to.deep.equal({ status: 'linked', account });
    expect(await judgeToken('t', failingWith(new AccountLinkRequired('token_expired')))).to.deep.equal({ status: 'rejected', problem: 'token_expired' });
    expect(await judgeToken('t', failingWith(new IssuerUnavailable('jwks_unreachable')))).to.deep.equal({ status: 'unverifiable' });
    const unexpected = new TypeError('bug');
    expect(await rejection(judgeToken('t', failingWith(unexpected)))).to.equal(unexpected);
  });

  it("passes the verifier's typed failure through unchanged, and insists on the interceptor", async () => {
    const input = withUser({ accessToken: 'tok' });
    const unavailable = new IssuerUnavailable('jwks_unreachable');
    createAccountInterceptor(failingWith(unavailable)).process(input);
    expect(await rejection(requireAccount(input, 'order_car'))).to.equal(unavailable);

    const bare = await rejection(requireAccount(withUser({ accessToken: 'tok' }), 'order_car'));
    expect(bare).to.be.instanceOf(Error).and.to.have.property('message', 'AccountInterceptor is not registered');
  });
});

describe('account: verified once per request', () => {
  const countingVerifier = (scopes: string[]) => {
    const calls: string[] = [];
    const verifier: TokenVerifier = {
      verify: async (token) => {
        calls.push(token);
        return { token, subject: 'ann', scopes: new Set(scopes) };
      },
    };
    return { verifier, calls };
  };

  it('starts verifying as soon as a token is seen, once, and tells the caller a token was seen', async () => {
    const { verifier, calls } = countingVerifier(['order_car', 'basic_profile']);
    let seen = 0;
    const input = withUser({ accessToken: 'tok' });
    createAccountInterceptor(verifier, () => (seen += 1)).process(input);
    expect(calls, 'before any handler asks').to.deep.equal(['tok']);
    expect(seen).to.equal(1);
    expect((await requireAccount(input, 'order_car')).subject).to.equal('ann');
    expect((await requireAccount(input, 'basic_profile')).subject).to.equal('ann');
    expect(calls, 'the second handler call reuses the verification').to.deep.equal(['tok']);
  });

  it('needs no verifier and warms nothing up without a token: the handler that asks is told to link', async () => {
    const { verifier, calls } = countingVerifier([]);
    let seen = 0;
    const input = withUser({});
    createAccountInterceptor(verifier, () => (seen += 1)).process(input);
    const error = await rejection(requireAccount(input, 'order_car'));
    expect(error).to.be.instanceOf(AccountLinkRequired).and.to.have.property('problem', 'not_linked');
    expect(calls).to.deep.equal([]);
    expect(seen).to.equal(0);
  });

  it('names the missing scope when the token lacks it, and accepts any scope for an opaque token', async () => {
    const limited = withUser({ accessToken: 'tok' });
    createAccountInterceptor(countingVerifier(['basic_profile']).verifier).process(limited);
    expect(await rejection(requireAccount(limited, 'order_car'))).to.have.property('scope', 'order_car');
    const opaque = withUser({ accessToken: 'tok' });
    createAccountInterceptor({ verify: async (token) => ({ token, subject: undefined, scopes: undefined }) }).process(opaque);
    expect((await requireAccount(opaque, 'order_car')).token).to.equal('tok');
  });

  it('leaves no unhandled rejection when no handler asks for a token that failed verification', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      createAccountInterceptor(failingWith(new AccountLinkRequired('token_expired'))).process(withUser({ accessToken: 'tok' }));
      await new Promise((resolve) => setImmediate(resolve));
      expect(unhandled).to.deep.equal([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});
