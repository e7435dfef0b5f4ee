/**
 * The words linking state is written in, shared by the linker (linking.ts), its OAuth client (oauth-client.ts) and
 * the store that keeps its state (token-store.ts): a leaf, so none imports another for them, and
 * a new error code is known to all at once.
 */

export type AccessTokenScheme = 'HTTP_BASIC' | 'REQUEST_BODY_CREDENTIALS';
/** accountLinking.json's `type`. */
export type GrantType = 'AUTH_CODE' | 'IMPLICIT';
/**
 * Whom Alexa talks to: the authorization server itself, the bridge in front of it (bridge/, run by npm start), or
 * the bridge deployed to the local Alexa cloud (npm run deploy -- --bridge --local, behind its Function URL).
 */
export type LinkRoute = 'direct' | 'bridge' | 'deployed-bridge';

/**
 * Why linking failed:
 * - state_mismatch: the redirect's `state` is missing, unknown or already used (possibly forged): refused;
 * - access_denied: the user declined on the consent page;
 * - authorization_error: any other error redirect, or a redirect without a code;
 * - token_request_failed: the token endpoint answered with an error status;
 * - token_endpoint_unreachable: it could not be reached or did not answer within the timeout;
 * - invalid_token_response: it answered 2xx but not with a usable token response.
 */
export const LINKING_ERROR_CODES = [
  'state_mismatch',
  'access_denied',
  'authorization_error',
  'token_request_failed',
  'token_endpoint_unreachable',
  'invalid_token_response',
] as const;

export type LinkingErrorCode = (typeof LINKING_ERROR_CODES)[number];

export class LinkingError extends Error {
  override name = 'LinkingError';
  constructor(
    readonly code: LinkingErrorCode,
    message: string,
    readonly details: { status?: number; oauthError?: string } = {},
  ) {
    super(message);
  }
}
