/**
 * Each profile over its provider's DOCUMENTED answers (literal bodies, source named beside each) and its request
 * shape: client authentication, extra token-request fields and headers, authorization parameters, settings.
 */
import { expect } from 'chai';
import { profile as auth0 } from '../../../bridge/profiles/auth0.js';
import { profile as azure } from '../../../bridge/profiles/azure.js';
import { profile as fitbit } from '../../../bridge/profiles/fitbit.js';
import { profile as github } from '../../../bridge/profiles/github.js';
import { profile as salesforce } from '../../../bridge/profiles/salesforce.js';
import { profile as slack } from '../../../bridge/profiles/slack.js';
import { profile as withings } from '../../../bridge/profiles/withings.js';
import { json, raw, settings } from './helpers.js';

const CODE = 'authorization_code' as const;
const REFRESH = 'refresh_token' as const;

describe('bridge profiles: documented answers and request shape', () => {
  describe('github', () => {
    it('reads the default form-encoded answer (docs.github.com "Authorizing OAuth apps", step 2 response)', () => {
      const answer = raw(200, 'access_token=gho_16C7e42F292c6912E7710c838347Ae178B4a&scope=repo%2Cgist&token_type=bearer', 'application/x-www-form-urlencoded; charset=utf-8');
      expect(github.readTokenAnswer(answer, CODE)).to.deep.equal({ kind: 'tokens', accessToken: 'gho_16C7e42F292c6912E7710c838347Ae178B4a', scope: 'repo gist' });
    });

    it('reads the form-encoded answer even when GitHub labels it text/html', () => {
      const answer = raw(200, 'access_token=gho_abc&scope=&token_type=bearer', 'text/html; charset=utf-8');
      expect(github.readTokenAnswer(answer, CODE)).to.deep.include({ kind: 'tokens', accessToken: 'gho_abc' });
    });

    it('reads the JSON answer (same page, "Accept: application/json")', () => {
      const answer = json(200, { access_token: 'gho_16C7e42F292c6912E7710c838347Ae178B4a', scope: 'repo,gist', token_type: 'bearer' });
      const result = github.readTokenAnswer(answer, CODE);
      expect(result).to.deep.equal({ kind: 'tokens', accessToken: 'gho_16C7e42F292c6912E7710c838347Ae178B4a', scope: 'repo gist' });
    });

    it('reads a GitHub App expiring user token with its refresh token (docs "Refreshing user access tokens")', () => {
      const answer = json(200, { access_token: 'ghu_16C7e42F292c6912E7710c838347Ae178B4a', expires_in: 28800, refresh_token: 'ghr_1B4a2e77838347a7E420ce178F2E7c6912E169246c34E1ccbF66C46812d16D5B1A9Dc86A1498', refresh_token_expires_in: 15811200, scope: '', token_type: 'bearer' });
      expect(github.readTokenAnswer(answer, REFRESH)).to.deep.include({ kind: 'tokens', expiresIn: 28800, refreshToken: 'ghr_1B4a2e77838347a7E420ce178F2E7c6912E169246c34E1ccbF66C46812d16D5B1A9Dc86A1498' });
    });

    // docs.github.com "Troubleshooting OAuth app access token request errors" (bodies literal); status 200 per
    // modelcontextprotocol/typescript-sdk#759.
    const errors: [string, string, string][] = [
      ['bad_verification_code', 'The code passed is incorrect or expired.', 'invalid_grant'],
      ['incorrect_client_credentials', 'The client_id and/or client_secret passed are incorrect.', 'invalid_client'],
      ['redirect_uri_mismatch', 'The redirect_uri MUST match the registered callback URL for this application.', 'invalid_grant'],
      ['unverified_user_email', 'The user must have a verified primary email.', 'invalid_grant'],
      ['bad_refresh_token', 'The refresh token passed is incorrect or expired.', 'invalid_grant'],
    ];
    for (const [code, description, rfc] of errors) {
      it(`maps ${code} (HTTP 200, JSON and form-encoded) to ${rfc}`, () => {
        const body = { error: code, error_description: description, error_uri: '/apps/managing-oauth-apps/troubleshooting-oauth-app-access-token-request-errors/' };
        expect(github.readTokenAnswer(json(200, body), CODE)).to.deep.include({ kind: 'refused', error: rfc });
        expect(github.readTokenAnswer(raw(200, new URLSearchParams(body).toString(), 'application/x-www-form-urlencoded'), CODE)).to.deep.include({ kind: 'refused', error: rfc });
      });
    }

    it('leaves an unknown GitHub error name as unavailable', () => {
      expect(github.readTokenAnswer(json(200, { error: 'something_new' }), REFRESH).kind).to.equal('unavailable');
    });

    it('asks for JSON, authenticates in the body, declares no refresh tokens', () => {
      expect(github.tokenRequestHeaders).to.deep.equal({ Accept: 'application/json' });
      expect(github.clientAuthentication).to.equal('client_secret_post');
      expect(github.issuesRefreshTokens).to.equal(false);
      expect(github.rotatesRefreshTokens).to.equal(false);
      expect(github.requiredSettings ?? []).to.deep.equal([]);
    });
  });

  describe('slack', () => {
    // docs.slack.dev oauth.v2.access, sample 2 (token rotation on), via slack-ruby/slack-api-ref oauth.v2.access.json.
    const rotating = {
      ok: true,
      access_token: 'xoxe.xoxb-1-..',
      token_type: 'bot',
      scope: 'commands,incoming-webhook',
      bot_user_id: 'U0KRQLJ9H',
      app_id: 'A0KRD7HC3',
      expires_in: 43200,
      refresh_token: 'xoxe-1-...',
      team: { name: 'Slack Softball Team', id: 'T9TK3CUKW' },
      enterprise: { name: 'slack-sports', id: 'E12345678' },
      authed_user: { id: 'U1234', scope: 'chat:write', access_token: 'xoxe.xoxp-1234', expires_in: 43200, refresh_token: 'xoxe-1-...', token_type: 'user' },
    };

    it('takes the USER token from authed_user, not the bot token at the top level (documented sample 2)', () => {
      expect(slack.readTokenAnswer(json(200, rotating), CODE)).to.deep.equal({ kind: 'tokens', accessToken: 'xoxe.xoxp-1234', expiresIn: 43200, refreshToken: 'xoxe-1-...', scope: 'chat:write' });
    });

    it('reads a user-only install without rotation (documented sample 3): no expiry, no refresh token', () => {
      const body = { ok: true, app_id: 'A0118NQPZZC', authed_user: { id: 'U065VRX1T0', scope: 'identity.basic,identity.email,identity.avatar,identity.team', access_token: 'xoxp-yoda-yoda-yoda', token_type: 'user' }, team: { id: 'T024BE7LD' }, enterprise: null, is_enterprise_install: false };
      expect(slack.readTokenAnswer(json(200, body), CODE)).to.deep.equal({ kind: 'tokens', accessToken: 'xoxp-yoda-yoda-yoda', scope: 'identity.basic identity.email identity.avatar identity.team' });
    });

    it('reads a refresh answer, where the user token is at the top level (@slack/oauth OAuthV2TokenRefreshResponse)', () => {
      const body = { ok: true, app_id: 'A0KRD7HC3', access_token: 'xoxe.xoxp-1-new', token_type: 'user', scope: 'chat:write', expires_in: 43200, refresh_token: 'xoxe-1-new', team: { id: 'T9TK3CUKW', name: 'Slack Softball Team' }, enterprise: null, is_enterprise_install: false };
      expect(slack.readTokenAnswer(json(200, body), REFRESH)).to.deep.equal({ kind: 'tokens', accessToken: 'xoxe.xoxp-1-new', expiresIn: 43200, refreshToken: 'xoxe-1-new', scope: 'chat:write' });
    });

    it('refuses to pass on a bot-only answer as the user’s token (documented sample 1 without authed_user.access_token)', () => {
      const body = { ok: true, access_token: 'xoxb-17653672481-19874698323-pdFZKVeTuE8sk7oOcBrzbqgy', token_type: 'bot', scope: 'commands,incoming-webhook', bot_user_id: 'U0KRQLJ9H', app_id: 'A0KRD7HC3', team: { name: 'Slack Softball Team', id: 'T9TK3CUKW' }, authed_user: { id: 'U1234' } };
      expect(slack.readTokenAnswer(json(200, body), CODE).kind).to.equal('unavailable');
    });

    // Error names from the documented error table; all arrive as HTTP 200 `{"ok":false,"error":…}`.
    const errors: [string, string][] = [
      ['invalid_code', 'invalid_grant'],
      ['code_already_used', 'invalid_grant'],
      ['invalid_refresh_token', 'invalid_grant'],
      ['bad_redirect_uri', 'invalid_grant'],
      ['invalid_client_id', 'invalid_client'],
      ['bad_client_secret', 'invalid_client'],
      ['invalid_grant_type', 'unsupported_grant_type'],
    ];
    for (const [name, rfc] of errors) {
      it(`maps {"ok":false,"error":"${name}"} to ${rfc}`, () => {
        expect(slack.readTokenAnswer(json(200, { ok: false, error: name }), REFRESH)).to.deep.equal({ kind: 'refused', error: rfc, detail: `slack: ${name}` });
      });
    }
    for (const name of ['ratelimited', 'internal_error', 'fatal_error', 'service_unavailable', 'request_timeout', 'team_added_to_org', 'accesslimited', 'invalid_arguments', 'something_new']) {
      it(`keeps the link on {"ok":false,"error":"${name}"} (unavailable)`, () => {
        expect(slack.readTokenAnswer(json(200, { ok: false, error: name }), REFRESH).kind).to.equal('unavailable');
      });
    }

    it('sends user scopes as user_scope (comma-separated), Basic client auth, and needs BRIDGE_UPSTREAM_USER_SCOPES', () => {
      expect(slack.authorizationParams!(settings({ BRIDGE_UPSTREAM_USER_SCOPES: 'identity.basic users:read, chat:write' }))).to.deep.equal({ user_scope: 'identity.basic,users:read,chat:write' });
      expect(slack.requiredSettings).to.deep.equal(['BRIDGE_UPSTREAM_USER_SCOPES']);
      expect(slack.scopeSeparator).to.equal(',');
      expect(slack.clientAuthentication).to.equal('client_secret_basic');
    });
  });

  describe('azure', () => {
    // Microsoft docs, v1 "OAuth 2.0 code grant flow", successful response (lifetimes as strings).
    const v1 = {
      access_token: 'eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiIsIng1dCI6Ik5HVEZ2ZEstZnl0aEV1Q...',
      token_type: 'Bearer',
      expires_in: '3600',
      expires_on: '1388444763',
      resource: 'https://service.contoso.com/',
      refresh_token: 'AwABAAAAvPM1KaPlrEqdFSBzjqfTGAMxZGUTdM0t4B4...',
      scope: 'https%3A%2F%2Fgraph.microsoft.com%2Fmail.read',
      id_token: 'eyJ0eXAiOiJKV1QiLCJhbGciOiJub25lIn0.eyJhdWQiOiIyZDRkMTFhMi1mODE0LTQ2YTctOD...',
    };

    it('reads the v1 answer with string lifetimes as numbers', () => {
      expect(azure.readTokenAnswer(json(200, v1), CODE)).to.deep.equal({ kind: 'tokens', accessToken: v1.access_token, expiresIn: 3600, refreshToken: v1.refresh_token, scope: v1.scope });
    });

    it('reads ext_expires_in / expires_on without taking them for expires_in', () => {
      const body = { token_type: 'Bearer', expires_in: '3599', ext_expires_in: '3599', expires_on: '1593598464', not_before: '1593594564', resource: '00000003-0000-0000-c000-000000000000', access_token: 'eyJ0e', refresh_token: 'AQABAAAA' };
      expect(azure.readTokenAnswer(json(200, body), REFRESH)).to.deep.include({ kind: 'tokens', expiresIn: 3599 });
    });

    // Microsoft docs, v1 error response sample (HTTP 400).
    it('maps AADSTS70000 invalid_grant to invalid_grant', () => {
      const body = { error: 'invalid_grant', error_description: 'AADSTS70000: Transmission data parser failure: Authorization Code is malformed or invalid.\r\nTrace ID: 0000aaaa-11bb-cccc-dd22-eeeeee333333\r\nCorrelation ID: aaaa0000-bb11-2222-33cc-444444dddddd\r\nTimestamp: 2016-01-09 02:02:12Z', error_codes: [70000], timestamp: '2016-01-09 02:02:12Z', trace_id: '0000aaaa-11bb-cccc-dd22-eeeeee333333', correlation_id: 'aaaa0000-bb11-2222-33cc-444444dddddd' };
      expect(azure.readTokenAnswer(json(400, body), CODE)).to.deep.include({ kind: 'refused', error: 'invalid_grant' });
    });

    it('maps interaction_required (MFA / conditional access now needed) to invalid_grant', () => {
      const body = { error: 'interaction_required', error_description: 'AADSTS50076: Due to a configuration change made by your administrator, or because you moved to a new location, you must use multi-factor authentication.', error_codes: [50076] };
      expect(azure.readTokenAnswer(json(400, body), REFRESH)).to.deep.equal({ kind: 'refused', error: 'invalid_grant', detail: 'azure: interaction_required' });
    });

    it('keeps the link on temporarily_unavailable (even with a 400)', () => {
      const body = { error: 'temporarily_unavailable', error_description: 'AADSTS90033: A transient error has occurred. Please try again.', error_codes: [90033] };
      expect(azure.readTokenAnswer(json(400, body), REFRESH).kind).to.equal('unavailable');
    });

    it('maps invalid_client (AADSTS7000215, 401) to invalid_client', () => {
      expect(azure.readTokenAnswer(json(401, { error: 'invalid_client', error_description: 'AADSTS7000215: Invalid client secret provided.', error_codes: [7000215] }), CODE)).to.deep.include({ kind: 'refused', error: 'invalid_client' });
    });

    it('sends BRIDGE_UPSTREAM_RESOURCE as `resource` on /authorize and every token request, nothing when unset', () => {
      const with_ = settings({ BRIDGE_UPSTREAM_RESOURCE: 'https://service.contoso.com/' });
      expect(azure.authorizationParams!(with_)).to.deep.equal({ resource: 'https://service.contoso.com/' });
      expect(azure.tokenRequestParams!(REFRESH, with_)).to.deep.equal({ resource: 'https://service.contoso.com/' });
      expect(azure.authorizationParams!(settings())).to.deep.equal({});
      expect(azure.tokenRequestParams!(CODE, settings())).to.deep.equal({});
      expect(azure.rotatesRefreshTokens).to.equal(true);
    });
  });

  describe('withings', () => {
    // developer.withings.com "OAuth2 - Get your access token" response; same shape in withings-node-oauth2's README.
    it('unwraps {status:0, body:{…}}', () => {
      const body = { status: 0, body: { userid: '363', access_token: 'a075f8c14fb8df40b08ebc8508533dc332a6910a', refresh_token: 'f631236f02b991810feb774765b6ae8e6c6839ca', expires_in: 10800, scope: 'user.info,user.metrics', csrf_token: 'PACnnxwHTaBQOzF7bQqwFUUotIuvtzSM', token_type: 'Bearer' } };
      expect(withings.readTokenAnswer(json(200, body), CODE)).to.deep.equal({ kind: 'tokens', accessToken: 'a075f8c14fb8df40b08ebc8508533dc332a6910a', expiresIn: 10800, refreshToken: 'f631236f02b991810feb774765b6ae8e6c6839ca', scope: 'user.info,user.metrics' });
    });

    it('does not take a top-level access_token outside the envelope', () => {
      expect(withings.readTokenAnswer(json(200, { access_token: 'x', token_type: 'Bearer' }), CODE).kind).to.equal('unavailable');
      expect(withings.readTokenAnswer(json(200, { status: 0 }), CODE).kind).to.equal('unavailable');
    });

    // home-assistant/home-assistant.io#34285: "Invalid token: {'status': 503, 'error': 'Invalid Params: invalid code'}".
    it('maps status 503 "Invalid Params: invalid code" (HTTP 200) to invalid_grant', () => {
      expect(withings.readTokenAnswer(json(200, { status: 503, error: 'Invalid Params: invalid code' }), CODE)).to.deep.include({ kind: 'refused', error: 'invalid_grant' });
      expect(withings.readTokenAnswer(json(200, { status: 503, body: {}, error: 'Invalid Params: invalid refresh_token' }), REFRESH)).to.deep.include({ kind: 'refused', error: 'invalid_grant' });
    });

    it('maps 503 naming the client to invalid_client, and "Authentication failed" (100/101/102/200/401) to invalid_client', () => {
      expect(withings.readTokenAnswer(json(200, { status: 503, error: 'Invalid Params: invalid client_id' }), CODE)).to.deep.include({ kind: 'refused', error: 'invalid_client' });
      for (const status of [100, 101, 102, 200, 401]) expect(withings.readTokenAnswer(json(200, { status, error: 'Authentication failed' }), REFRESH), String(status)).to.deep.include({ kind: 'refused', error: 'invalid_client' });
    });

    it('maps another "Invalid Params" status (293) to invalid_request', () => {
      expect(withings.readTokenAnswer(json(200, { status: 293, error: 'Invalid Params' }), CODE)).to.deep.include({ kind: 'refused', error: 'invalid_request' });
    });

    // Status table: 601 too many requests, 522 timeout, 524 bad state, 2554 unknown action, 2555 unknown error,
    // 215 / 9000 "an error occurred"; and a status the table does not list.
    for (const status of [601, 522, 524, 2554, 2555, 215, 9000, 12345]) {
      it(`keeps the link on status ${status} (unavailable)`, () => {
        expect(withings.readTokenAnswer(json(200, { status, body: {}, error: 'whatever' }), REFRESH).kind).to.equal('unavailable');
      });
    }

    it('adds action=requesttoken to every token request, body client auth, comma scopes, no upstream PKCE', () => {
      expect(withings.tokenRequestParams!(CODE, settings())).to.deep.equal({ action: 'requesttoken' });
      expect(withings.tokenRequestParams!(REFRESH, settings())).to.deep.equal({ action: 'requesttoken' });
      expect(withings.clientAuthentication).to.equal('client_secret_post');
      expect(withings.scopeSeparator).to.equal(',');
      expect(withings.upstreamPkce).to.equal(false);
      expect(withings.rotatesRefreshTokens).to.equal(true);
    });
  });

  describe('salesforce', () => {
    // help.salesforce.com web server flow response sample (also in the jsforce TokenResponse type): no expires_in.
    const answer = {
      access_token: '00DB0000000TfcR!AQQAQFhoK8vTMg_rKA.esrJ2bCs.OOIjJgl.9Cx6O7KqjZmHMLOyVb.U61BU9tm4xRusf7d3fD1P9oefzqS6i9sJMPWj48IK',
      signature: 'd/SxeYBxH0GSVko0HMgcUxuZy0PA2cDDz1u7g7JtDHw=',
      scope: 'web openid api id refresh_token',
      instance_url: 'https://yourInstance.salesforce.com',
      id: 'https://yourInstance.salesforce.com/id/00DB0000000TfcRMAS/005B0000005Bk90IAC',
      token_type: 'Bearer',
      issued_at: '1558553873237',
      refresh_token: '5Aep861KIwKdekr90I4iHdtDgWwRoG7O_6uHrgJ.yVtMS0UaGxRYypbQd_yqmTpaa_hy4Xe4kr79gf8M9JDb3Cd',
    };

    it('reads the answer without expires_in: no expiry passed on, issued_at not mistaken for one', () => {
      expect(salesforce.readTokenAnswer(json(200, answer), CODE)).to.deep.equal({ kind: 'tokens', accessToken: answer.access_token, refreshToken: answer.refresh_token, scope: answer.scope });
    });

    it('reads a refresh answer, which carries no refresh token', () => {
      const { refresh_token: _dropped, ...refreshAnswer } = answer;
      const result = salesforce.readTokenAnswer(json(200, refreshAnswer), REFRESH);
      expect(result).to.deep.include({ kind: 'tokens', accessToken: answer.access_token });
      expect(result).not.to.have.property('refreshToken');
    });

    const errors: [string, string, string | undefined][] = [
      ['invalid_grant', 'expired access/refresh token', 'invalid_grant'],
      ['invalid_grant', 'expired authorization code', 'invalid_grant'],
      ['invalid_grant', 'authentication failure', 'invalid_grant'],
      ['invalid_client_id', 'client identifier invalid', 'invalid_client'],
      ['invalid_client', 'invalid client credentials', 'invalid_client'],
      ['redirect_uri_mismatch', 'redirect_uri must match configuration', 'invalid_grant'],
      ['inactive_user', 'user is inactive', 'invalid_grant'],
      ['inactive_org', 'organization is locked, closed, or suspended', 'invalid_grant'],
      ['unsupported_grant_type', 'grant type not supported', 'unsupported_grant_type'],
      ['rate_limit_exceeded', 'number of login attempts exceeded', undefined],
    ];
    for (const [code, description, rfc] of errors) {
      it(`maps HTTP 400 ${code} ("${description}") to ${rfc ?? 'unavailable'}`, () => {
        const result = salesforce.readTokenAnswer(json(400, { error: code, error_description: description }), REFRESH);
        if (rfc === undefined) expect(result.kind).to.equal('unavailable');
        else expect(result).to.deep.include({ kind: 'refused', error: rfc });
      });
    }

    it('body client auth; no scope or setting of its own (BRIDGE_UPSTREAM_SCOPES must add refresh_token)', () => {
      expect(salesforce.clientAuthentication).to.equal('client_secret_post');
      expect(salesforce.authorizationParams).to.equal(undefined);
      expect(salesforce.requiredSettings ?? []).to.deep.equal([]);
      expect(salesforce.rotatesRefreshTokens).to.equal(false);
    });
  });

  describe('fitbit', () => {
    // dev.fitbit.com "OAuth2 Token" / "Refresh Token" response sample.
    it('reads the token answer', () => {
      const body = { access_token: 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIyMlJCWFEiLCJ2ZXIiOiIxLjAiLCJpc3MiOiJGaXRiaXQifQ.sig', expires_in: 28800, refresh_token: 'c643a63c072f0f05478e9d18b991db80ef6061e4f8e6c822d83fed53e5fafdd7', scope: 'social nutrition profile settings sleep activity heartrate weight location', token_type: 'Bearer', user_id: 'GGNJL9' };
      expect(fitbit.readTokenAnswer(json(200, body), REFRESH)).to.deep.equal({ kind: 'tokens', accessToken: body.access_token, expiresIn: 28800, refreshToken: body.refresh_token, scope: body.scope });
    });

    // Literal body from home-assistant/core#141223 (HTTP 400).
    it('maps {"errors":[{"errorType":"invalid_grant",…}],"success":false} to invalid_grant, without the token in the detail', () => {
      const body = '{\n  "errors": [{\n    "errorType": "invalid_grant",\n    "message": "Refresh token invalid: c643a63c072f. Visit https://dev.fitbit.com/docs/oauth2 for more information on the Fitbit Web API authorization process."\n  }],\n  "success": false\n}';
      const result = fitbit.readTokenAnswer(json(400, body), REFRESH);
      expect(result).to.deep.include({ kind: 'refused', error: 'invalid_grant' });
      expect(JSON.stringify(result)).not.to.include('c643a63c072f');
    });

    // lukasolson/fitbit-node#7 (HTTP 400) and dev.fitbit.com "Error Handling" (401 invalid_client).
    it('maps invalid_request and invalid_client errorTypes', () => {
      const missing = { errors: [{ errorType: 'invalid_request', message: 'Missing parameters: refresh_token Visit https://dev.fitbit.com/docs/oauth2 for more information on the Fitbit Web API authorization process.' }], success: false };
      expect(fitbit.readTokenAnswer(json(400, missing), REFRESH)).to.deep.include({ kind: 'refused', error: 'invalid_request' });
      const client = { errors: [{ errorType: 'invalid_client', message: 'Invalid authorization header. Client id invalid.' }], success: false };
      expect(fitbit.readTokenAnswer(json(401, client), CODE)).to.deep.include({ kind: 'refused', error: 'invalid_client' });
    });

    it('keeps the link on errorType "system" and on an unknown errorType', () => {
      expect(fitbit.readTokenAnswer(json(400, { errors: [{ errorType: 'system', message: 'Internal error' }], success: false }), REFRESH).kind).to.equal('unavailable');
      expect(fitbit.readTokenAnswer(json(400, { errors: [{ errorType: 'brand_new' }], success: false }), REFRESH).kind).to.equal('unavailable');
      expect(fitbit.readTokenAnswer(json(400, { errors: [], success: false }), REFRESH).kind).to.equal('unavailable');
    });

    it('reads a plain RFC 6749 error too', () => {
      expect(fitbit.readTokenAnswer(json(400, { error: 'invalid_grant' }), REFRESH)).to.deep.include({ kind: 'refused', error: 'invalid_grant' });
    });

    it('uses HTTP Basic and declares rotation', () => {
      expect(fitbit.clientAuthentication).to.equal('client_secret_basic');
      expect(fitbit.rotatesRefreshTokens).to.equal(true);
      expect(fitbit.issuesRefreshTokens).to.equal(true);
    });
  });

  describe('auth0', () => {
    // auth0.com/docs "Call Your API Using the Authorization Code Flow", response sample.
    it('reads the token answer', () => {
      const body = { access_token: 'eyJz93a...k4laUWw', refresh_token: 'GEbRxBN...edjnXbL', id_token: 'eyJ0XAi...4faeEoQ', token_type: 'Bearer', expires_in: 86400 };
      expect(auth0.readTokenAnswer(json(200, body), CODE)).to.deep.equal({ kind: 'tokens', accessToken: 'eyJz93a...k4laUWw', refreshToken: 'GEbRxBN...edjnXbL', expiresIn: 86400 });
    });

    // Auth0 Authentication API: a rotated-away / revoked refresh token is HTTP 403 invalid_grant.
    it('maps HTTP 403 invalid_grant ("Unknown or invalid refresh token.") to invalid_grant', () => {
      expect(auth0.readTokenAnswer(json(403, { error: 'invalid_grant', error_description: 'Unknown or invalid refresh token.' }), REFRESH)).to.deep.equal({ kind: 'refused', error: 'invalid_grant' });
      expect(auth0.readTokenAnswer(json(403, { error: 'invalid_grant', error_description: 'Invalid authorization code' }), CODE)).to.deep.include({ kind: 'refused', error: 'invalid_grant' });
    });

    it('maps 401 access_denied "Unauthorized" (wrong secret) to invalid_client, 403 access_denied (a rule) to invalid_grant', () => {
      expect(auth0.readTokenAnswer(json(401, { error: 'access_denied', error_description: 'Unauthorized' }), CODE)).to.deep.include({ kind: 'refused', error: 'invalid_client' });
      expect(auth0.readTokenAnswer(json(403, { error: 'access_denied', error_description: 'user is blocked' }), REFRESH)).to.deep.include({ kind: 'refused', error: 'invalid_grant' });
    });

    it('maps 403 unauthorized_client to unauthorized_client', () => {
      expect(auth0.readTokenAnswer(json(403, { error: 'unauthorized_client', error_description: 'Grant type not allowed for the client.' }), REFRESH)).to.deep.include({ kind: 'refused', error: 'unauthorized_client' });
    });

    it('keeps the link on 429 too_many_requests', () => {
      expect(auth0.readTokenAnswer(json(429, { error: 'too_many_requests', error_description: 'Global limit has been reached' }), REFRESH).kind).to.equal('unavailable');
    });

    it('requires BRIDGE_UPSTREAM_AUDIENCE and sends it as `audience`; declares rotation', () => {
      expect(auth0.requiredSettings).to.deep.equal(['BRIDGE_UPSTREAM_AUDIENCE']);
      expect(auth0.authorizationParams!(settings({ BRIDGE_UPSTREAM_AUDIENCE: 'https://api.example.com' }))).to.deep.equal({ audience: 'https://api.example.com' });
      expect(auth0.rotatesRefreshTokens).to.equal(true);
    });
  });
});
