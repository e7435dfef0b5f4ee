/**
 * Salesforce web server flow. The answer has no `expires_in` (only `issued_at`, ms, as a string: the session lasts
 * the org's session timeout); a refresh token comes only when the `refresh_token` (or `offline_access`) scope was
 * granted, and a refresh answers no new one. A few error codes are Salesforce's own (`invalid_client_id`,
 * `inactive_user`, `rate_limit_exceeded`, …).
 *
 * Sources: help.salesforce.com "OAuth 2.0 Web Server Flow for Web App Integration" and "OAuth 2.0 Refresh Token
 * Flow"; jsforce `TokenResponse` type; googleworkspace/apps-script-oauth2#10 and jsforce/jsforce#1656 (no
 * expires_in, refresh token only with the scope).
 *
 * Settings: the profile does not add scopes itself. BRIDGE_UPSTREAM_SCOPES must add `refresh_token` for every link
 * (e.g. `*=refresh_token api`), or Alexa gets no refresh token and the user must relink when the session ends.
 * No expires_in goes to Alexa: set the skill's defaultTokenExpirationInSeconds to the org's session timeout (2 h by
 * default). `issued_at` is not turned into a lifetime: without the org's timeout it says nothing about the end.
 */
import type { ProviderProfile, UpstreamRefusal, UpstreamResult } from './profile.js';
import { classifyStatus, mappedError, parseJsonObject, refusalFromCode, tokensFromFields, unavailable } from './rfc6749.js';

/** Salesforce's own error codes → RFC 6749; `rate_limit_exceeded` is deliberately absent (it is not a dead grant). */
const ERRORS: Readonly<Record<string, UpstreamRefusal['error']>> = {
  invalid_client_id: 'invalid_client',
  invalid_client_credentials: 'invalid_client',
  redirect_uri_mismatch: 'invalid_grant',
  inactive_user: 'invalid_grant',
  inactive_org: 'invalid_grant',
  invalid_app_access: 'invalid_grant',
  unsupported_response_type: 'invalid_request',
};

export function readSalesforceAnswer(answer: { status: number; body: string }): UpstreamResult {
  const statusClass = classifyStatus(answer.status);
  if (statusClass === 'unavailable') return unavailable(`upstream answered ${answer.status}`);
  const fields = parseJsonObject(answer.body);
  if (fields === undefined) return unavailable(`upstream answered ${answer.status} with a body that is not a JSON object`);
  if (statusClass === 'refusal') {
    // Labels are the table's own codes; the error_description is never kept (provider text).
    const mapped = mappedError(ERRORS, fields.error);
    if (mapped !== undefined) return { kind: 'refused', error: mapped, detail: `salesforce: ${String(fields.error)}` };
    return refusalFromCode(fields.error);
  }
  return tokensFromFields(fields);
}

export const profile: ProviderProfile = {
  name: 'salesforce',
  quirk: 'no expires_in (only issued_at); refresh token only with the refresh_token scope; own error codes',
  clientAuthentication: 'client_secret_post',
  issuesRefreshTokens: true,
  rotatesRefreshTokens: false,
  // help.salesforce.com web server flow: code_challenge / code_verifier (S256)
  upstreamPkce: true,
  readTokenAnswer: (answer) => readSalesforceAnswer(answer),
};
