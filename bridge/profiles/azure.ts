/**
 * Microsoft identity platform v1 (Azure AD, and B2C): `expires_in`, `ext_expires_in` and `expires_on` arrive as
 * strings ("3599"); a refresh answers a new refresh token that should replace the old one. Errors are RFC 6749 JSON
 * with AADSTS codes; `interaction_required`-style codes (MFA or conditional access now needed) mean the refresh
 * token cannot be used silently any more.
 *
 * Sources: Microsoft docs "Authorize access to Azure AD web applications using the OAuth 2.0 code grant flow" (v1
 * sample answer with string lifetimes, `resource` parameter), MicrosoftDocs/azure-docs#54997, openid/AppAuth-iOS#228,
 * ramosbugs/oauth2-rs#326; "Microsoft identity platform refresh tokens" (each refresh returns a new refresh token).
 *
 * Settings: BRIDGE_UPSTREAM_RESOURCE (optional): the v1 `resource` (App ID URI of the API), sent on /authorize and
 * on every token request.
 */
import type { ProfileSettings, ProviderProfile, UpstreamResult } from './profile.js';
import { readRfc6749Answer } from './rfc6749.js';

/** v2-style codes that v1 and B2C may also send: the user must sign in again, so the grant is dead for Alexa. */
const NEEDS_USER = new Set(['interaction_required', 'consent_required', 'login_required']);

const resource = (settings: ProfileSettings): Record<string, string> => {
  const value = settings.extra.BRIDGE_UPSTREAM_RESOURCE?.trim();
  return value ? { resource: value } : {};
};

export function readAzureAnswer(answer: { status: number; headers: Readonly<Record<string, string | undefined>>; body: string }): UpstreamResult {
  // readSeconds in the shared reader already takes "3599" as 3599.
  const result = readRfc6749Answer(answer);
  if (result.kind === 'unavailable' && (answer.status === 400 || answer.status === 401)) {
    try {
      const error = (JSON.parse(answer.body) as { error?: unknown }).error;
      if (typeof error === 'string' && NEEDS_USER.has(error)) return { kind: 'refused', error: 'invalid_grant', detail: `azure: ${error}` };
    } catch {
      // not JSON: stays unavailable
    }
  }
  return result;
}

export const profile: ProviderProfile = {
  name: 'azure',
  quirk: 'v1 endpoint: expires_in / ext_expires_in / expires_on are strings; refresh answers a new refresh token',
  clientAuthentication: 'client_secret_post',
  issuesRefreshTokens: true,
  rotatesRefreshTokens: true,
  // Microsoft identity platform: code_challenge (S256) on /authorize, code_verifier on /token
  upstreamPkce: true,
  authorizationParams: resource,
  tokenRequestParams: (_grant, settings) => resource(settings),
  readTokenAnswer: (answer) => readAzureAnswer(answer),
};
