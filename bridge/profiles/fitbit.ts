/**
 * Fitbit Web API. Errors are `{"errors":[{"errorType":"invalid_grant","message":"…"}],"success":false}` instead of
 * RFC 6749's `error`; server apps authenticate with HTTP Basic; every refresh answers a new refresh token and spends
 * the old one (rotation).
 *
 * Sources: dev.fitbit.com "Authorization" / "OAuth2 Token" / "Refresh Token" (Basic header for server apps, answer
 * fields, expires_in 28800) and "Error Handling" (errorType list, HTTP 400/401/429); the literal error body in
 * home-assistant/core#141223 and aarondcoleman/Fitbit.NET#320; orcasgit/django-fitbit#31 (rotation); requests-
 * oauthlib's fitbit compliance fix ("errors" list instead of a single "error").
 */
import type { ProviderProfile, UpstreamRefusal, UpstreamResult } from './profile.js';
import { classifyStatus, mappedError, parseJsonObject, refusalFromCode, tokensFromFields, unavailable } from './rfc6749.js';

/** Fitbit's errorType values that say the grant or the client is dead (or the request wrong) → RFC 6749. */
const ERROR_TYPES: Readonly<Record<string, UpstreamRefusal['error']>> = {
  invalid_grant: 'invalid_grant',
  // At the token endpoint the only token presented is the code or the refresh token.
  expired_token: 'invalid_grant',
  invalid_token: 'invalid_grant',
  invalid_client: 'invalid_client',
  invalid_request: 'invalid_request',
  missing_parameters: 'invalid_request',
  unsupported_grant_type: 'unsupported_grant_type',
  unauthorized_client: 'unauthorized_client',
  invalid_scope: 'invalid_scope',
};

export function readFitbitAnswer(answer: { status: number; body: string }): UpstreamResult {
  const statusClass = classifyStatus(answer.status);
  if (statusClass === 'unavailable') return unavailable(`upstream answered ${answer.status}`);
  const fields = parseJsonObject(answer.body);
  if (fields === undefined) return unavailable(`upstream answered ${answer.status} with a body that is not a JSON object`);
  if (statusClass === 'success') return tokensFromFields(fields);
  const first = Array.isArray(fields.errors) ? (fields.errors[0] as { errorType?: unknown; message?: unknown } | undefined) : undefined;
  if (typeof first === 'object' && first !== null) {
    // Only a string names an entry (mappedError); anything else reads as an unrecognised errorType.
    const type = first.errorType;
    const error = mappedError(ERROR_TYPES, type);
    // Labels are the table's own errorTypes; the message (which quotes the refused token) is never kept.
    if (error !== undefined) return { kind: 'refused', error, detail: `fitbit ${String(type)}` };
    return unavailable(type === 'system' ? 'fitbit errorType system' : 'fitbit: unrecognised errorType');
  }
  // Not Fitbit's usual shape: read it as RFC 6749 if it is that (the code only, never the description).
  return refusalFromCode(fields.error);
}

export const profile: ProviderProfile = {
  name: 'fitbit',
  quirk: 'errors as {"errors":[{"errorType":…}],"success":false}; rotating refresh tokens; HTTP Basic client auth',
  clientAuthentication: 'client_secret_basic',
  issuesRefreshTokens: true,
  rotatesRefreshTokens: true,
  // dev.fitbit.com "Authorization Code Grant Flow with PKCE", Fitbit's recommended flow
  upstreamPkce: true,
  readTokenAnswer: (answer) => readFitbitAnswer(answer),
};
