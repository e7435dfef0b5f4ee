/**
 * GitHub OAuth apps. The token endpoint answers form-encoded unless asked for JSON (`Accept: application/json`),
 * answers its errors with HTTP 200 and `error=bad_verification_code` etc., issues no refresh token and tokens that
 * do not expire. Client credentials go in the body.
 *
 * Sources: docs.github.com "Authorizing OAuth apps" (form-encoded by default, JSON on Accept; scopes space-delimited
 * in the authorize URL, comma-separated in the answer) and "Troubleshooting OAuth app access token request errors"
 * (`incorrect_client_credentials`, `redirect_uri_mismatch`, `bad_verification_code`, `unverified_user_email`);
 * modelcontextprotocol/typescript-sdk#759 (the errors arrive with status 200). GitHub Apps with expiring user tokens
 * do send `expires_in`/`refresh_token` (and `bad_refresh_token` on a dead one); they are read when present.
 */
import type { ProviderProfile, UpstreamRefusal, UpstreamResult } from './profile.js';
import { classifyStatus, mappedError, parseBodyFields, parseFormBody, tokensFromFields, unavailable } from './rfc6749.js';

/** GitHub's error names → RFC 6749; names not listed say nothing certain and leave the link alone. */
const ERRORS: Readonly<Record<string, UpstreamRefusal['error']>> = {
  bad_verification_code: 'invalid_grant',
  bad_refresh_token: 'invalid_grant',
  redirect_uri_mismatch: 'invalid_grant',
  unverified_user_email: 'invalid_grant',
  incorrect_client_credentials: 'invalid_client',
  unsupported_grant_type: 'unsupported_grant_type',
};

export function readGithubAnswer(answer: { status: number; headers: Readonly<Record<string, string | undefined>>; body: string }): UpstreamResult {
  const statusClass = classifyStatus(answer.status);
  if (statusClass === 'unavailable') return unavailable(`upstream answered ${answer.status}`);
  // JSON when GitHub honoured Accept; otherwise form-encoded, whatever the content type claims.
  let fields = parseBodyFields(answer);
  // A form: a first name, `=`, then anything without spaces or angle brackets (the further `&name=value` pairs
  // included: the value's character class already admits them).
  if (fields === undefined && /^[\w.%+-]+=[^\s<>]*$/.test(answer.body.trim())) fields = parseFormBody(answer.body.trim());
  if (fields === undefined) return unavailable(`upstream answered ${answer.status} with a body that is neither JSON nor a form`);
  if (fields.error !== undefined) {
    const error = mappedError(ERRORS, fields.error);
    // Labels are the table's own names; an error name not in it is not repeated (it may be anything, a token too).
    return error === undefined ? unavailable('github: unrecognised error name') : { kind: 'refused', error, detail: `github: ${String(fields.error)}` };
  }
  if (statusClass === 'refusal') return unavailable(`upstream answered ${answer.status} without an error code`);
  const tokens = tokensFromFields(fields);
  if (tokens.kind === 'tokens' && tokens.scope !== undefined) tokens.scope = tokens.scope.split(',').filter((s) => s !== '').join(' ');
  return tokens;
}

export const profile: ProviderProfile = {
  name: 'github',
  quirk: 'token answer form-encoded unless Accept: application/json; errors are HTTP 200 with error=…; no refresh token, tokens never expire',
  clientAuthentication: 'client_secret_post',
  issuesRefreshTokens: false,
  rotatesRefreshTokens: false,
  // github.blog changelog 2025-07-14 "PKCE support for OAuth and GitHub App authentication" (S256 only)
  upstreamPkce: true,
  scopeSeparator: ' ',
  tokenRequestHeaders: { Accept: 'application/json' },
  readTokenAnswer: (answer) => readGithubAnswer(answer),
};
