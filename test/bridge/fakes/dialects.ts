/**
 * How each fake upstream authorization server speaks: the success and error bodies of its token endpoint, how it
 * wants the client authenticated, and its refresh-token policy. The server itself (`upstream.ts`) is shared; a
 * dialect is only data plus renderers, each built from the provider's documented format (sources beside each one).
 *
 * What a dialect does not model: consent screens, signed requests, per-scope resource checks.
 */

/** What the fake has just issued, in neutral form; a dialect renders it in its provider's format. */
export interface Issued {
  accessToken: string;
  refreshToken?: string;
  /** Seconds; undefined when the provider's tokens do not expire (github). */
  expiresIn?: number;
  scope: string;
  user: string;
  /** The fake's clock, ms since the epoch. */
  issuedAt: number;
}

/** The provider-neutral reasons the fake refuses a token request; the dialect renders them its own way. */
export type FakeErrorKind =
  | 'invalid_grant' // code unknown/spent/expired, refresh token unknown/rotated/revoked, redirect_uri mismatch
  | 'invalid_client' // wrong client id or secret, or the wrong client authentication style
  | 'invalid_request' // a missing parameter (e.g. withings' action)
  | 'unsupported_grant_type'
  | 'rate_limited';

export interface Reply {
  status: number;
  headers?: Record<string, string>;
  body: string;
}

export interface TokenRequestContext {
  grant: string;
  /** Lower-cased request headers. */
  headers: Readonly<Record<string, string | undefined>>;
}

export interface Dialect {
  name: string;
  /** Token-endpoint client authentication the provider accepts. */
  clientAuth: 'basic' | 'post' | 'either';
  /**
   * Whether the provider supports PKCE S256 (RFC 7636): then a code issued for a `code_challenge` is exchanged only
   * with its `code_verifier`, and a verifier for a code issued without a challenge is refused (RFC 9700 §2.1.1).
   */
  pkce: boolean;
  /** Form fields every token request must carry (withings: action=requesttoken). */
  requiredTokenParams?: Readonly<Record<string, string>>;
  /** Access-token lifetime in seconds; undefined = never expires. */
  accessTokenLifetime?: number;
  /** Whether this grant (by its granted scope) gets a refresh token at all. */
  issuesRefreshToken(scope: string, authorizeQuery: URLSearchParams): boolean;
  /**
   * none: no new refresh token on refresh (the old one stays); fresh: a new one each time, the old one stays valid
   * (azure); rotate: a new one each time, the old one dies (fitbit, withings); rotate-reuse-detection: as rotate, and
   * presenting a rotated-away one revokes the whole family (auth0).
   */
  rotation: 'none' | 'fresh' | 'rotate' | 'rotate-reuse-detection';
  /** The scope the fake grants from the authorization request (slack: user_scope; others: scope). */
  grantedScope(authorizeQuery: URLSearchParams): string;
  /** Prefixes, for realism in logs. */
  accessTokenPrefix: string;
  refreshTokenPrefix: string;
  success(issued: Issued, context: TokenRequestContext): Reply;
  error(kind: FakeErrorKind, context: TokenRequestContext): Reply;
}

const json = (status: number, value: unknown, headers: Record<string, string> = {}): Reply => ({
  status,
  headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
  body: JSON.stringify(value),
});

const scopeOf = (query: URLSearchParams) => query.get('scope') ?? '';
const hasScope = (scope: string, wanted: string) => scope.split(/[\s,]+/).includes(wanted);

/**
 * GitHub OAuth apps. Docs: "Authorizing OAuth apps" (docs.github.com/en/apps/oauth-apps/building-oauth-apps/
 * authorizing-oauth-apps): "By default, the response takes the following form:
 * access_token=gho_…&scope=repo%2Cgist&token_type=bearer"; JSON with `Accept: application/json`. Errors:
 * "Troubleshooting OAuth app access token request errors" — `bad_verification_code`, `incorrect_client_credentials`,
 * `redirect_uri_mismatch`, answered with HTTP 200 (modelcontextprotocol/typescript-sdk#759 shows the 200). OAuth-app
 * tokens do not expire and come without a refresh token. Client credentials go in the body.
 */
export const github: Dialect = {
  name: 'github',
  clientAuth: 'post',
  pkce: true, // github.blog changelog 2025-07-14: S256 only, optional
  accessTokenLifetime: undefined,
  issuesRefreshToken: () => false,
  rotation: 'none',
  grantedScope: scopeOf,
  accessTokenPrefix: 'gho_',
  refreshTokenPrefix: 'ghr_',
  success(issued, { headers }) {
    const fields = { access_token: issued.accessToken, scope: issued.scope.split(/\s+/).join(','), token_type: 'bearer' };
    return githubAnswer(fields, headers);
  },
  error(kind, { headers }) {
    const fields: Record<string, string> | undefined =
      kind === 'invalid_client'
        ? { error: 'incorrect_client_credentials', error_description: 'The client_id and/or client_secret passed are incorrect.', error_uri: '/apps/managing-oauth-apps/troubleshooting-oauth-app-access-token-request-errors/#incorrect-client-credentials' }
        : kind === 'unsupported_grant_type'
          ? { error: 'unsupported_grant_type', error_description: 'The grant type is not supported.' }
          : kind === 'rate_limited'
            ? undefined
            : { error: 'bad_verification_code', error_description: 'The code passed is incorrect or expired.', error_uri: '/apps/managing-oauth-apps/troubleshooting-oauth-app-access-token-request-errors/#bad-verification-code' };
    if (!fields) return { status: 429, headers: { 'content-type': 'text/plain', 'retry-after': '60' }, body: 'rate limited' };
    return githubAnswer(fields, headers);
  },
};

function githubAnswer(fields: Record<string, string>, headers: TokenRequestContext['headers']): Reply {
  if ((headers.accept ?? '').includes('application/json')) return json(200, fields);
  return { status: 200, headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' }, body: new URLSearchParams(fields).toString() };
}

/**
 * Slack `oauth.v2.access`. Success samples and the error list: slack-ruby/slack-api-ref methods/oauth/oauth.v2.access.json
 * (mirrors docs.slack.dev/reference/methods/oauth.v2.access): the user token is in `authed_user{access_token,
 * token_type:"user", expires_in, refresh_token}` when token rotation is on; errors are HTTP 200 `{"ok":false,
 * "error":"invalid_code"}` etc. A refresh (grant_type=refresh_token) answers at the top level
 * (@slack/oauth `OAuthV2TokenRefreshResponse`: access_token, refresh_token, expires_in, token_type). `ratelimited`
 * comes with HTTP 429 and Retry-After (Slack's rate-limit docs). User scopes are asked with `user_scope`.
 */
export const slack: Dialect = {
  name: 'slack',
  clientAuth: 'either',
  pkce: true, // docs.slack.dev "Using PKCE": optional arguments once the app enables PKCE
  accessTokenLifetime: 43200,
  issuesRefreshToken: () => true,
  rotation: 'none',
  grantedScope: (query) => query.get('user_scope') ?? '',
  accessTokenPrefix: 'xoxe.xoxp-1-',
  refreshTokenPrefix: 'xoxe-1-',
  success(issued, { grant }) {
    const team = { name: 'Fake Softball Team', id: 'T9TK3CUKW' };
    if (grant === 'refresh_token') {
      return json(200, { ok: true, app_id: 'A0KRD7HC3', access_token: issued.accessToken, token_type: 'user', scope: issued.scope, expires_in: issued.expiresIn, refresh_token: issued.refreshToken, team, enterprise: null, is_enterprise_install: false });
    }
    return json(200, {
      ok: true,
      app_id: 'A0KRD7HC3',
      authed_user: { id: issued.user, scope: issued.scope, access_token: issued.accessToken, token_type: 'user', expires_in: issued.expiresIn, refresh_token: issued.refreshToken },
      team,
      enterprise: null,
      is_enterprise_install: false,
    });
  },
  error(kind, { grant }) {
    if (kind === 'rate_limited') return json(429, { ok: false, error: 'ratelimited' }, { 'retry-after': '30' });
    const error =
      kind === 'invalid_client' ? 'invalid_client_id' : kind === 'unsupported_grant_type' ? 'invalid_grant_type' : kind === 'invalid_request' ? 'invalid_arguments' : grant === 'refresh_token' ? 'invalid_refresh_token' : 'invalid_code';
    return json(200, { ok: false, error });
  },
};

/**
 * Microsoft identity platform v1 (Azure AD). Docs: "Authorize access to Azure AD web applications using the OAuth 2.0
 * code grant flow" (v1): `expires_in`, `ext_expires_in`, `expires_on`, `not_before` are strings; the issue trail is
 * MicrosoftDocs/azure-docs#54997, openid/AppAuth-iOS#228, ramosbugs/oauth2-rs#326. Errors are RFC 6749 with
 * AADSTS codes, HTTP 400/401. A refresh answers a new refresh token; the old one stays valid until it expires.
 */
export const azure: Dialect = {
  name: 'azure',
  clientAuth: 'either',
  pkce: true, // Microsoft identity platform: code_challenge on /authorize, code_verifier on /token
  accessTokenLifetime: 3599,
  issuesRefreshToken: () => true,
  rotation: 'fresh',
  grantedScope: scopeOf,
  accessTokenPrefix: 'eyJ0eXAiOiJKV1Qi.',
  refreshTokenPrefix: 'AwABAAAA',
  success(issued) {
    const now = Math.floor(issued.issuedAt / 1000);
    return json(200, {
      token_type: 'Bearer',
      scope: issued.scope,
      expires_in: String(issued.expiresIn),
      ext_expires_in: String((issued.expiresIn ?? 0) + 3600),
      expires_on: String(now + (issued.expiresIn ?? 0)),
      not_before: String(now),
      resource: 'https://service.contoso.com/',
      access_token: issued.accessToken,
      refresh_token: issued.refreshToken,
    });
  },
  error(kind) {
    const base = { timestamp: '2016-01-09 02:02:12Z', trace_id: '8d78d1c4-7cf7-4c2c-a6c8-3b1b9a7e9f00', correlation_id: '3a4c2f3e-1234-4567-89ab-cdef01234567' };
    switch (kind) {
      case 'invalid_client':
        return json(401, { error: 'invalid_client', error_description: 'AADSTS7000215: Invalid client secret provided.', error_codes: [7000215], ...base });
      case 'rate_limited':
        return json(429, { error: 'temporarily_unavailable', error_description: 'AADSTS90033: A transient error has occurred. Please try again.', error_codes: [90033], ...base }, { 'retry-after': '5' });
      case 'unsupported_grant_type':
        return json(400, { error: 'unsupported_grant_type', error_description: 'AADSTS70003: The app requested an unsupported grant type.', error_codes: [70003], ...base });
      case 'invalid_request':
        return json(400, { error: 'invalid_request', error_description: "AADSTS900144: The request body must contain the following parameter: 'code'.", error_codes: [900144], ...base });
      default:
        return json(400, { error: 'invalid_grant', error_description: 'AADSTS70000: Transmission data parser failure: Authorization Code is malformed or invalid.', error_codes: [70000], ...base });
    }
  },
};

/**
 * Withings. Docs: developer.withings.com "OAuth2 - Get your access token" (POST /v2/oauth2 with `action=requesttoken`,
 * client_id and client_secret in the body), answer `{"status":0,"body":{"userid","access_token","refresh_token",
 * "scope","expires_in":10800,"token_type":"Bearer"}}` (same shape in qgriffith/withings-rs src/models/auth.rs and the
 * withings-node-oauth2 README). Errors are HTTP 200 with a non-zero `status`: `{"status":503,"error":"Invalid Params:
 * invalid code"}` is a real answer to a spent code (home-assistant/home-assistant.io#34285); 601 is "too many
 * requests", 2554/2555 "unknown action"/"unknown error" (status table in vangorra/python_withings_api const.py,
 * which mirrors the API reference's "Response status"). A refresh answers a new refresh token and the old one dies.
 */
export const withings: Dialect = {
  name: 'withings',
  clientAuth: 'post',
  pkce: false, // Withings documents no PKCE
  requiredTokenParams: { action: 'requesttoken' },
  accessTokenLifetime: 10800,
  issuesRefreshToken: () => true,
  rotation: 'rotate',
  grantedScope: scopeOf,
  accessTokenPrefix: 'a075f8c14fb8df40b08ebc8508533dc332a6910a',
  refreshTokenPrefix: 'f631236f02b991810feb774765b6ae8e6c6839ca',
  success(issued) {
    return json(200, { status: 0, body: { userid: issued.user, access_token: issued.accessToken, refresh_token: issued.refreshToken, scope: issued.scope, expires_in: issued.expiresIn, token_type: 'Bearer' } });
  },
  error(kind, { grant }) {
    switch (kind) {
      case 'rate_limited':
        return json(200, { status: 601, body: {}, error: 'Too Many Requests' });
      case 'invalid_request':
        return json(200, { status: 2554, body: {}, error: 'Unknown action' });
      case 'invalid_client':
        return json(200, { status: 503, body: {}, error: 'Invalid Params: invalid client_id' });
      case 'unsupported_grant_type':
        return json(200, { status: 503, body: {}, error: 'Invalid Params: grant_type' });
      default:
        return json(200, { status: 503, body: {}, error: grant === 'refresh_token' ? 'Invalid Params: invalid refresh_token' : 'Invalid Params: invalid code' });
    }
  },
};

/**
 * Salesforce web server flow. Docs: help.salesforce.com "OAuth 2.0 Web Server Flow for Web App Integration" and the
 * jsforce `TokenResponse` type: `access_token`, `refresh_token` (only with the `refresh_token`/`offline_access`
 * scope — googleworkspace/apps-script-oauth2#10, jsforce/jsforce#1656), `signature`, `scope`, `instance_url`, `id`,
 * `token_type`, `issued_at` (ms, as a string) and no `expires_in`: the session lasts the org's session timeout
 * (2 hours by default). A refresh answers no new refresh token. Errors: HTTP 400 `{"error":"invalid_grant",
 * "error_description":"expired access/refresh token"}`, `invalid_client_id`, `invalid_client`.
 */
export const salesforce: Dialect = {
  name: 'salesforce',
  clientAuth: 'either',
  pkce: true, // help.salesforce.com web server flow: code_challenge / code_verifier
  accessTokenLifetime: 7200,
  issuesRefreshToken: (scope) => hasScope(scope, 'refresh_token') || hasScope(scope, 'offline_access'),
  rotation: 'none',
  grantedScope: scopeOf,
  accessTokenPrefix: '00Dx0000000BV7z!AR8AQAxo9UfVkh8AlV0Gomt9Czx9LjHnSSpwBMmbRcgKFmxOtvxjTrKW1',
  refreshTokenPrefix: '5Aep861TSESvWeug_xvFHRBTTbf_YrTWgEyjBJrZv',
  success(issued, { grant }) {
    const fields: Record<string, string> = {
      access_token: issued.accessToken,
      signature: 'CMJ4l+CCaPQiKjoOEwEig9H4wqhpuLSk4J2urAe+fVg=',
      scope: issued.scope,
      instance_url: 'https://yourInstance.salesforce.com',
      id: 'https://login.salesforce.com/id/00Dx0000000BV7z/005x00000012Q9P',
      token_type: 'Bearer',
      issued_at: String(issued.issuedAt),
    };
    if (grant === 'authorization_code' && issued.refreshToken) fields.refresh_token = issued.refreshToken;
    return json(200, fields);
  },
  error(kind, { grant }) {
    switch (kind) {
      case 'invalid_client':
        return json(400, { error: 'invalid_client_id', error_description: 'client identifier invalid' });
      case 'rate_limited':
        return json(400, { error: 'rate_limit_exceeded', error_description: 'number of login attempts exceeded' });
      case 'unsupported_grant_type':
        return json(400, { error: 'unsupported_grant_type', error_description: 'grant type not supported' });
      case 'invalid_request':
        return json(400, { error: 'invalid_request', error_description: 'missing required code challenge' });
      default:
        return json(400, { error: 'invalid_grant', error_description: grant === 'refresh_token' ? 'expired access/refresh token' : 'expired authorization code' });
    }
  },
};

/**
 * Fitbit Web API. Docs: dev.fitbit.com "Authorization / OAuth2 Token" and "Refresh Token" (server apps must send
 * `Authorization: Basic base64(client_id:client_secret)`; answer `access_token`, `expires_in` 28800, `refresh_token`,
 * `scope`, `token_type`, `user_id`; each refresh issues a new refresh token and the old one is spent), "Error
 * Handling": `{"errors":[{"errorType":"invalid_grant","message":"Refresh token invalid: …"}],"success":false}`
 * (literal in home-assistant/core#141223, aarondcoleman/Fitbit.NET#320), HTTP 400 / 401 / 429.
 */
export const fitbit: Dialect = {
  name: 'fitbit',
  clientAuth: 'basic',
  pkce: true, // dev.fitbit.com "Authorization Code Grant Flow with PKCE" (recommended)
  accessTokenLifetime: 28800,
  issuesRefreshToken: () => true,
  rotation: 'rotate',
  grantedScope: scopeOf,
  accessTokenPrefix: 'eyJhbGciOiJIUzI1NiJ9.',
  refreshTokenPrefix: 'c643a63c072f0f05478e9d18b991db80ef6061e4f8e6c822d83fed53e5fafdd7',
  success(issued) {
    return json(200, { access_token: issued.accessToken, expires_in: issued.expiresIn, refresh_token: issued.refreshToken, scope: issued.scope, token_type: 'Bearer', user_id: issued.user });
  },
  error(kind, { grant }) {
    const errors = (errorType: string, message: string) => ({ errors: [{ errorType, message }], success: false });
    switch (kind) {
      case 'invalid_client':
        return json(401, errors('invalid_client', 'Invalid authorization header. Client id invalid. Visit https://dev.fitbit.com/docs/oauth2 for more information on the Fitbit Web API authorization process.'));
      case 'rate_limited':
        return json(429, errors('system', 'Too Many Requests'), { 'retry-after': '1800' });
      case 'unsupported_grant_type':
        return json(400, errors('unsupported_grant_type', 'Unsupported grant_type. Visit https://dev.fitbit.com/docs/oauth2 for more information on the Fitbit Web API authorization process.'));
      case 'invalid_request':
        return json(400, errors('invalid_request', 'Missing parameters: refresh_token Visit https://dev.fitbit.com/docs/oauth2 for more information on the Fitbit Web API authorization process.'));
      default:
        return json(
          400,
          grant === 'refresh_token'
            ? errors('invalid_grant', 'Refresh token invalid: xxxxxx. Visit https://dev.fitbit.com/docs/oauth2 for more information on the Fitbit Web API authorization process.')
            : errors('invalid_grant', 'Authorization code invalid: xxxxxx Visit https://dev.fitbit.com/docs/oauth2 for more information on the Fitbit Web API authorization process.'),
        );
    }
  },
};

/**
 * Auth0. Docs: auth0.com/docs "Call Your API Using the Authorization Code Flow" (`audience` on /authorize for an
 * access token to an API; `offline_access` scope for a refresh token; answer `access_token`, `refresh_token`,
 * `id_token`, `token_type`, `expires_in`), "Refresh Token Rotation" (each exchange returns a new refresh token; a
 * previously-used one, presented again outside the overlap period, revokes the whole family —
 * pilcrowonpaper/arctic#315, auth0/docs#5001). Errors: HTTP 403 `{"error":"invalid_grant","error_description":
 * "Unknown or invalid refresh token."}`, 401 `access_denied`/`invalid_client` "Unauthorized", 429
 * `too_many_requests`.
 */
export const auth0: Dialect = {
  name: 'auth0',
  clientAuth: 'either',
  pkce: true, // auth0.com/docs "Authorization Code Flow with PKCE"
  accessTokenLifetime: 86400,
  issuesRefreshToken: (scope) => hasScope(scope, 'offline_access'),
  rotation: 'rotate-reuse-detection',
  grantedScope: scopeOf,
  accessTokenPrefix: 'eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.',
  refreshTokenPrefix: 'v1.M',
  success(issued) {
    return json(200, { access_token: issued.accessToken, refresh_token: issued.refreshToken, id_token: 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhdXRoMHwxMjMifQ.sig', token_type: 'Bearer', expires_in: issued.expiresIn, scope: issued.scope });
  },
  error(kind, { grant }) {
    switch (kind) {
      case 'invalid_client':
        return json(401, { error: 'access_denied', error_description: 'Unauthorized' });
      case 'rate_limited':
        return json(429, { error: 'too_many_requests', error_description: 'Global limit has been reached' }, { 'retry-after': '10' });
      case 'unsupported_grant_type':
        return json(403, { error: 'unauthorized_client', error_description: 'Grant type not allowed for the client.' });
      case 'invalid_request':
        return json(400, { error: 'invalid_request', error_description: 'Missing required parameter: code' });
      default:
        return json(403, { error: 'invalid_grant', error_description: grant === 'refresh_token' ? 'Unknown or invalid refresh token.' : 'Invalid authorization code' });
    }
  },
};

/** A plain RFC 6749 server, for the core's tests if they want it (the `oidc` profile's counterpart). */
export const rfc6749: Dialect = {
  name: 'rfc6749',
  clientAuth: 'either',
  pkce: true,
  accessTokenLifetime: 3600,
  issuesRefreshToken: () => true,
  rotation: 'none',
  grantedScope: scopeOf,
  accessTokenPrefix: 'at-',
  refreshTokenPrefix: 'rt-',
  success(issued) {
    return json(200, { access_token: issued.accessToken, token_type: 'Bearer', expires_in: issued.expiresIn, refresh_token: issued.refreshToken, scope: issued.scope });
  },
  error(kind) {
    if (kind === 'rate_limited') return json(429, { error: 'temporarily_unavailable' }, { 'retry-after': '5' });
    return json(kind === 'invalid_client' ? 401 : 400, { error: kind });
  },
};

export const dialects = { github, slack, azure, withings, salesforce, fitbit, auth0, rfc6749 } as const;
export type DialectName = keyof typeof dialects;
