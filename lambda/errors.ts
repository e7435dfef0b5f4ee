/**
 * The few failures a request can end in, whatever API the skill talks to. Handlers, the account check and the API
 * transport throw them; the one error handler (handlers/error-handler.ts) turns each into the right speech and card.
 * Messages are for logs and never contain a token or anything an API sent back. Failures that belong to one API's
 * domain (a ride already on its way) live next to that API's client (rides/client.ts).
 */
import type { ScopeName } from './account/scopes.js';

/** Why the user has to (re-)link: never linked, or the token we hold is no longer good. */
export type LinkProblem = 'not_linked' | 'token_invalid' | 'token_expired' | 'token_rejected';

/** The user must link (again): no token, a token that failed verification, or one the API refused (401). */
export class AccountLinkRequired extends Error {
  override name = 'AccountLinkRequired';
  constructor(readonly problem: LinkProblem) {
    super(`account link required: ${problem}`);
  }
}

/** The token is good but lacks a permission (local scope check, or the API answered 403 insufficient_scope). */
export class ScopeMissing extends Error {
  override name = 'ScopeMissing';
  constructor(readonly scope: ScopeName) {
    super(`scope missing: ${scope}`);
  }
}

/** The resource API did not answer usefully in time: network error, timeout, 5xx, 429, or a malformed body. */
export class ApiUnavailable extends Error {
  override name = 'ApiUnavailable';
  constructor(readonly reason: string) {
    super(`api unavailable: ${reason}`);
  }
}

/**
 * The token could not be checked because the issuer's keys (JWKS) could not be fetched or read. Our side's outage,
 * not the user's fault: it must not send them through linking again. The user hears the same answer as for
 * ApiUnavailable; the log tells the two apart.
 */
export class IssuerUnavailable extends Error {
  override name = 'IssuerUnavailable';
  constructor(readonly reason: string) {
    super(`issuer unavailable: ${reason}`);
  }
}
