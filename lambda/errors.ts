/**
 * The few failures a request can end in. Handlers and the Ride Hailer client throw them; the one error handler
 * (handlers/error-handler.ts) turns each into the right speech and card. Messages are for logs and never contain a
 * token or anything the API sent back.
 */
import type { ScopeName } from './account/scopes.js';
import type { Ride } from './rides/types.js';

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

/** The Ride Hailer API did not answer usefully in time: network error, timeout, 5xx, 429, or a malformed body. */
export class RideApiUnavailable extends Error {
  override name = 'RideApiUnavailable';
  constructor(readonly reason: string) {
    super(`ride api unavailable: ${reason}`);
  }
}

/** The user already has a ride on the way; ordering a second one is refused by the API (409). */
export class RideAlreadyActive extends Error {
  override name = 'RideAlreadyActive';
  constructor(readonly ride: Ride) {
    super('a ride is already active');
  }
}
