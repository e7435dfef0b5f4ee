/**
 * The user's account state, decided once per request and asked for only by handlers that need it.
 *
 * The AccountInterceptor attaches a memoised resolver to the request attributes; the first handler that calls
 * requireAccount() triggers verification, later calls in the same request reuse the answer. Public handlers (help,
 * stop, fallback, session end) never call it, so they work the same for linked and unlinked users.
 */
import type { HandlerInput, RequestInterceptor } from 'ask-sdk-core';
import { AccountLinkRequired, RideApiUnavailable, ScopeMissing, type LinkProblem } from '../errors.js';
import type { ScopeName } from './scopes.js';
import type { TokenVerifier, VerifiedToken } from './token-verifier.js';

export type LinkedAccount = VerifiedToken;

export type AccountState =
  | { status: 'unlinked' }
  | { status: 'linked'; account: LinkedAccount }
  | { status: 'rejected'; problem: LinkProblem }
  | { status: 'unverifiable' };

const ACCOUNT = 'account';

/** Where Alexa puts the token: on every request type, in session or not. */
export function accessTokenOf(input: HandlerInput): string | undefined {
  const token = input.requestEnvelope.context?.System?.user?.accessToken;
  return typeof token === 'string' && token.length > 0 ? token : undefined;
}

export async function decideAccount(token: string | undefined, verifier: TokenVerifier): Promise<AccountState> {
  if (token === undefined) return { status: 'unlinked' };
  try {
    return { status: 'linked', account: await verifier.verify(token) };
  } catch (error) {
    if (error instanceof AccountLinkRequired) return { status: 'rejected', problem: error.problem };
    if (error instanceof RideApiUnavailable) return { status: 'unverifiable' };
    throw error;
  }
}

export function createAccountInterceptor(verifier: TokenVerifier): RequestInterceptor {
  return {
    process(input) {
      let decided: Promise<AccountState> | undefined;
      input.attributesManager.getRequestAttributes()[ACCOUNT] = () => (decided ??= decideAccount(accessTokenOf(input), verifier));
    },
  };
}

/**
 * The linked account, with `scope` granted — or a typed failure the error handler turns into the right answer:
 * AccountLinkRequired (LinkAccount card), ScopeMissing (names the permission, card), RideApiUnavailable.
 * Opaque tokens carry no readable scopes; then the API's 403 decides instead.
 */
export async function requireAccount(input: HandlerInput, scope: ScopeName): Promise<LinkedAccount> {
  const resolve = input.attributesManager.getRequestAttributes()[ACCOUNT] as (() => Promise<AccountState>) | undefined;
  if (!resolve) throw new Error('AccountInterceptor is not registered');
  const state = await resolve();
  switch (state.status) {
    case 'unlinked':
      throw new AccountLinkRequired('not_linked');
    case 'rejected':
      throw new AccountLinkRequired(state.problem);
    case 'unverifiable':
      throw new RideApiUnavailable('jwks_unreachable');
    case 'linked':
      if (state.account.scopes !== undefined && !state.account.scopes.has(scope)) throw new ScopeMissing(scope);
      return state.account;
  }
}
