/**
 * The user's account, verified at most once per request and asked for only by handlers that need it.
 *
 * The AccountInterceptor starts verifying the token as soon as a request carries one, while the SDK goes on to pick a
 * handler (in a cold Lambda that overlaps loading jose and fetching the issuer's keys with the dispatch), and leaves
 * that one promise in the request attributes. requireAccount() awaits it: the verifier's typed failures pass
 * through unchanged to the one error handler. Public handlers (help, stop, fallback, session end) never call it, so
 * they work the same for linked and unlinked users and never wait for the issuer.
 */
import type { HandlerInput, RequestInterceptor } from 'ask-sdk-core';
import { AccountLinkRequired, IssuerUnavailable, ScopeMissing, type LinkProblem } from '../errors.js';
import type { ScopeName } from './scopes.js';
import type { TokenVerifier, VerifiedToken } from './token-verifier.js';

const ACCOUNT = 'account';

/** Where Alexa puts the token: on every request type, in session or not. */
export function accessTokenOf(input: HandlerInput): string | undefined {
  const token = input.requestEnvelope.context?.System?.user?.accessToken;
  return typeof token === 'string' && token.length > 0 ? token : undefined;
}

/**
 * @param onTokenSeen called once per request that carries a token, e.g. to start loading the API client too.
 */
export function createAccountInterceptor(verifier: TokenVerifier, onTokenSeen: () => void = () => {}): RequestInterceptor {
  return {
    process(input) {
      const token = accessTokenOf(input);
      const account = token === undefined ? undefined : verifier.verify(token);
      // Observed by requireAccount when a handler needs the account; a public handler's request must not turn a
      // failed verification into an unhandled rejection.
      account?.catch(() => {});
      if (token !== undefined) onTokenSeen();
      input.attributesManager.getRequestAttributes()[ACCOUNT] = { account };
    },
  };
}

/**
 * The linked account, with `scope` granted — or a typed failure the error handler turns into the right answer:
 * AccountLinkRequired (LinkAccount card), ScopeMissing (names the permission, card), IssuerUnavailable.
 * Opaque tokens carry no readable scopes; then the API's 403 decides instead.
 */
export async function requireAccount(input: HandlerInput, scope: ScopeName): Promise<VerifiedToken> {
  const verification = input.attributesManager.getRequestAttributes()[ACCOUNT] as { account: Promise<VerifiedToken> | undefined } | undefined;
  if (verification === undefined) throw new Error('AccountInterceptor is not registered');
  if (verification.account === undefined) throw new AccountLinkRequired('not_linked');
  const account = await verification.account;
  if (account.scopes !== undefined && !account.scopes.has(scope)) throw new ScopeMissing(scope);
  return account;
}

/** The verdict on a token as a value, for the one place that must not fail on a bad token: the SkillAccountLinked event. */
export type TokenVerdict =
  | { status: 'unlinked' }
  | { status: 'linked'; account: VerifiedToken }
  | { status: 'rejected'; problem: LinkProblem }
  | { status: 'unverifiable' };

export async function judgeToken(token: string | undefined, verifier: TokenVerifier): Promise<TokenVerdict> {
  if (token === undefined) return { status: 'unlinked' };
  try {
    return { status: 'linked', account: await verifier.verify(token) };
  } catch (error) {
    if (error instanceof AccountLinkRequired) return { status: 'rejected', problem: error.problem };
    if (error instanceof IssuerUnavailable) return { status: 'unverifiable' };
    throw error;
  }
}
