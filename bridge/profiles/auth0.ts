/**
 * Auth0. Without an `audience` on /authorize, Auth0 issues an opaque access token good only for /userinfo, not a JWT
 * for the API: the audience is a required setting. Refresh tokens come only with the `offline_access` scope and,
 * with rotation on, each refresh answers a new one; presenting an already-rotated one (outside the overlap period)
 * revokes the whole family — which is why the bridge must never send the same refresh token twice. Refusals use
 * HTTP 403 (`invalid_grant`, "Unknown or invalid refresh token.") where RFC 6749 says 400.
 *
 * Sources: auth0.com/docs "Call Your API Using the Authorization Code Flow" (audience, offline_access, answer
 * fields), "Refresh Token Rotation" (reuse detection, overlap period), Authentication API errors (403 invalid_grant,
 * 401 access_denied "Unauthorized", 429 too_many_requests); pilcrowonpaper/arctic#315, auth0/docs#5001.
 *
 * Settings: BRIDGE_UPSTREAM_AUDIENCE (required). BRIDGE_UPSTREAM_SCOPES must add `offline_access` for every link
 * (`*=offline_access`), or Alexa gets no refresh token.
 */
import type { ProfileSettings, ProviderProfile, UpstreamRefusal, UpstreamResult } from './profile.js';
import { classifyStatus, parseJsonObject, refusalFromCode, tokensFromFields, unavailable } from './rfc6749.js';

export function readAuth0Answer(answer: { status: number; body: string }): UpstreamResult {
  // 403 is a refusal at Auth0 (when its body says so); 429 and 5xx never are.
  const statusClass = answer.status === 403 ? 'refusal' : classifyStatus(answer.status);
  if (statusClass === 'unavailable') return unavailable(`upstream answered ${answer.status}`);
  const fields = parseJsonObject(answer.body);
  if (fields === undefined) return unavailable(`upstream answered ${answer.status} with a body that is not a JSON object`);
  if (statusClass === 'success') return tokensFromFields(fields);
  // access_denied: a wrong client secret (401 "Unauthorized") or a rule/action denying the user (403). The
  // error_description is never kept: provider text may quote what it refuses.
  if (fields.error === 'access_denied') {
    const error: UpstreamRefusal['error'] = answer.status === 401 ? 'invalid_client' : 'invalid_grant';
    return { kind: 'refused', error, detail: `auth0: access_denied (${answer.status})` };
  }
  return refusalFromCode(fields.error);
}

export const profile: ProviderProfile = {
  name: 'auth0',
  quirk: 'needs audience for an API access token; rotating refresh tokens with reuse detection; refusals as HTTP 403',
  clientAuthentication: 'client_secret_post',
  issuesRefreshTokens: true,
  rotatesRefreshTokens: true,
  // auth0.com/docs "Authorization Code Flow with PKCE"
  upstreamPkce: true,
  authorizationParams: (settings: ProfileSettings) => ({ audience: settings.extra.BRIDGE_UPSTREAM_AUDIENCE ?? '' }),
  readTokenAnswer: (answer) => readAuth0Answer(answer),
  requiredSettings: ['BRIDGE_UPSTREAM_AUDIENCE'],
};
