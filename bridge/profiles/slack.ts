/**
 * Slack `oauth.v2.access`. The user token the bridge needs is nested in `authed_user{access_token, token_type:"user",
 * expires_in, refresh_token}` after the code grant, and at the top level (token_type "user") after a refresh; every
 * error is HTTP 200 `{"ok":false,"error":"invalid_code"}`; user scopes are asked for with `user_scope`, comma-separated.
 *
 * Sources: docs.slack.dev/reference/methods/oauth.v2.access (samples and error list, mirrored in slack-ruby/
 * slack-api-ref methods/oauth/oauth.v2.access.json); @slack/web-api `OauthV2AccessResponse` and @slack/oauth
 * `OAuthV2TokenRefreshResponse` types; Slack's rate-limit docs (`ratelimited` with HTTP 429 and Retry-After).
 * Refresh tokens exist only when the app has token rotation turned on.
 *
 * Settings: BRIDGE_UPSTREAM_USER_SCOPES (required): the user scopes, sent as `user_scope`. The standard `scope`
 * parameter carries bot scopes; map Alexa's scopes to none (`BRIDGE_UPSTREAM_SCOPES=<alexa scope>=`) unless the
 * app also wants a bot token.
 */
import { isJsonObject } from '../../common/json.js';
import type { ProfileSettings, ProviderProfile, UpstreamRefusal, UpstreamResult } from './profile.js';
import { mappedError, parseJsonObject, tokensFromFields, unavailable } from './rfc6749.js';

/** Slack's error names that say the grant or the client is dead → RFC 6749. Everything else leaves the link alone. */
const ERRORS: Readonly<Record<string, UpstreamRefusal['error']>> = {
  invalid_code: 'invalid_grant',
  code_already_used: 'invalid_grant',
  code_expired: 'invalid_grant',
  invalid_refresh_token: 'invalid_grant',
  bad_redirect_uri: 'invalid_grant',
  invalid_client_id: 'invalid_client',
  bad_client_secret: 'invalid_client',
  invalid_grant_type: 'unsupported_grant_type',
  no_scopes: 'invalid_scope',
};

export function readSlackAnswer(answer: { status: number; body: string }): UpstreamResult {
  // Slack answers everything, errors included, with 200; any other status is the transport talking (429 = ratelimited).
  if (answer.status !== 200) return unavailable(`upstream answered ${answer.status}`);
  const fields = parseJsonObject(answer.body);
  if (fields === undefined) return unavailable('upstream answered 200 with a body that is not a JSON object');
  if (fields.ok !== true) {
    // Only a string names an entry (mappedError) or is `ratelimited`; anything else is an unrecognised name.
    const name = fields.error;
    const error = mappedError(ERRORS, name);
    // Labels are the table's own names (and `ratelimited`); any other name is not repeated: it may be anything.
    if (error !== undefined) return { kind: 'refused', error, detail: `slack: ${String(name)}` };
    return unavailable(name === 'ratelimited' ? 'slack: ratelimited' : 'slack: unrecognised error name');
  }
  // The user token: nested after the code grant, top level (token_type "user") after a refresh.
  const user = isJsonObject(fields.authed_user) && typeof fields.authed_user.access_token === 'string' ? fields.authed_user : fields.token_type === 'user' ? fields : undefined;
  if (user === undefined) return unavailable('slack answered no user token (are user scopes asked for in BRIDGE_UPSTREAM_USER_SCOPES?)');
  const tokens = tokensFromFields({ access_token: user.access_token, expires_in: user.expires_in, refresh_token: user.refresh_token, scope: user.scope });
  if (tokens.kind === 'tokens' && tokens.scope !== undefined) tokens.scope = tokens.scope.split(',').filter((s) => s !== '').join(' ');
  return tokens;
}

export const profile: ProviderProfile = {
  name: 'slack',
  quirk: 'oauth.v2.access: user token nested in authed_user; errors are HTTP 200 {ok:false,error}; user scopes go in user_scope',
  clientAuthentication: 'client_secret_basic',
  issuesRefreshTokens: true,
  rotatesRefreshTokens: false,
  // docs.slack.dev "Using PKCE": checked once the app has PKCE enabled (which makes it a public client)
  upstreamPkce: true,
  scopeSeparator: ',',
  authorizationParams: (settings: ProfileSettings) => ({ user_scope: (settings.extra.BRIDGE_UPSTREAM_USER_SCOPES ?? '').split(/[\s,]+/).filter((s) => s !== '').join(',') }),
  readTokenAnswer: (answer) => readSlackAnswer(answer),
  requiredSettings: ['BRIDGE_UPSTREAM_USER_SCOPES'],
};
