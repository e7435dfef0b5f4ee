/**
 * Each profile's reader, answer by answer, with the exact result: the refusal and its fixed label, or `unavailable`
 * and its fixed reason (the labels are what the bridge logs: never the provider's words, issue 16 item 10). The
 * documented answers are in samples.test.ts; these are the edges between them.
 */
import { expect } from 'chai';
import { readAuth0Answer } from '../../../bridge/profiles/auth0.js';
import { profile as azure, readAzureAnswer } from '../../../bridge/profiles/azure.js';
import { readFitbitAnswer } from '../../../bridge/profiles/fitbit.js';
import { readGithubAnswer } from '../../../bridge/profiles/github.js';
import type { UpstreamResult } from '../../../bridge/profiles/profile.js';
import { readSalesforceAnswer } from '../../../bridge/profiles/salesforce.js';
import { profile as slack, readSlackAnswer } from '../../../bridge/profiles/slack.js';
import { readWithingsAnswer } from '../../../bridge/profiles/withings.js';

const raw = (status: number, body: unknown, contentType = 'application/json') => ({ status, headers: { 'content-type': contentType }, body: typeof body === 'string' ? body : JSON.stringify(body) });
const unavailable = (reason: string): UpstreamResult => ({ kind: 'unavailable', reason });
const settings = (extra: Record<string, string | undefined>) => ({ upstreamClientId: 'c', extra });

describe('bridge profiles: each reader’s exact results and labels', () => {
  it('github', () => {
    expect(readGithubAnswer(raw(502, 'x'))).to.deep.equal(unavailable('upstream answered 502'));
    expect(readGithubAnswer(raw(200, '<html>no</html>', 'text/html'))).to.deep.equal(unavailable('upstream answered 200 with a body that is neither JSON nor a form'));
    // A form however labelled, spaces around it trimmed; anything that only starts or ends like one is not.
    expect(readGithubAnswer(raw(200, '  access_token=gho_x&token_type=bearer&scope=repo%2C%2Cgist \n', 'text/html'))).to.deep.equal({ kind: 'tokens', accessToken: 'gho_x', scope: 'repo gist' });
    for (const body of ['<p>access_token=a</p>', 'access_token=a <b>', 'x&access_token=a', 'a=b&c d=e', '=a', 'access_token']) {
      expect(readGithubAnswer(raw(200, body, 'text/html')), body).to.deep.equal(unavailable('upstream answered 200 with a body that is neither JSON nor a form'));
    }
    expect(readGithubAnswer(raw(200, 'error=bad_verification_code&error_description=The+code+abc+is+wrong', 'text/html'))).to.deep.equal({ kind: 'refused', error: 'invalid_grant', detail: 'github: bad_verification_code' });
    expect(readGithubAnswer(raw(200, { error: 'some_new_error', error_description: 'token abc' }))).to.deep.equal(unavailable('github: unrecognised error name'));
    expect(readGithubAnswer(raw(200, { error: 42 }))).to.deep.equal(unavailable('github: unrecognised error name'));
    for (const inherited of ['constructor', 'toString', '__proto__']) expect(readGithubAnswer(raw(200, { error: inherited }))).to.deep.equal(unavailable('github: unrecognised error name'));
    expect(readGithubAnswer(raw(200, { error: ['bad_verification_code'] })), 'a list is no error name').to.deep.equal(unavailable('github: unrecognised error name'));
    expect(readGithubAnswer(raw(401, { message: 'Bad credentials' }))).to.deep.equal(unavailable('upstream answered 401 without an error code'));
    expect(readGithubAnswer(raw(200, { access_token: 'gho_y', scope: '' }))).to.deep.equal({ kind: 'tokens', accessToken: 'gho_y' });
  });

  it('slack', () => {
    expect(readSlackAnswer(raw(429, { ok: false, error: 'ratelimited' }))).to.deep.equal(unavailable('upstream answered 429'));
    expect(readSlackAnswer(raw(200, 'nope'))).to.deep.equal(unavailable('upstream answered 200 with a body that is not a JSON object'));
    expect(readSlackAnswer(raw(200, { ok: false, error: 'invalid_refresh_token' }))).to.deep.equal({ kind: 'refused', error: 'invalid_grant', detail: 'slack: invalid_refresh_token' });
    expect(readSlackAnswer(raw(200, { ok: false, error: 'ratelimited' }))).to.deep.equal(unavailable('slack: ratelimited'));
    expect(readSlackAnswer(raw(200, { ok: false, error: 'token abc was wrong' }))).to.deep.equal(unavailable('slack: unrecognised error name'));
    expect(readSlackAnswer(raw(200, { ok: false, error: ['ratelimited'] }))).to.deep.equal(unavailable('slack: unrecognised error name'));
    for (const inherited of ['constructor', 'hasOwnProperty']) expect(readSlackAnswer(raw(200, { ok: false, error: inherited }))).to.deep.equal(unavailable('slack: unrecognised error name'));
    expect(readSlackAnswer(raw(200, { ok: 'true', authed_user: { access_token: 'xoxp' } }))).to.deep.equal(unavailable('slack: unrecognised error name'));
    const noUser = unavailable('slack answered no user token (are user scopes asked for in BRIDGE_UPSTREAM_USER_SCOPES?)');
    expect(readSlackAnswer(raw(200, { ok: true, access_token: 'xoxb-bot', token_type: 'bot' }))).to.deep.equal(noUser);
    expect(readSlackAnswer(raw(200, { ok: true, authed_user: { access_token: 42 }, token_type: 'bot' }))).to.deep.equal(noUser);
    expect(readSlackAnswer(raw(200, { ok: true, authed_user: { access_token: 'xoxp-1', scope: 'users:read,,chat:write' } }))).to.deep.equal({ kind: 'tokens', accessToken: 'xoxp-1', scope: 'users:read chat:write' });
    expect(readSlackAnswer(raw(200, { ok: true, token_type: 'user', access_token: 'xoxp-2', refresh_token: 'xoxe-1', expires_in: 43200 }))).to.deep.equal({ kind: 'tokens', accessToken: 'xoxp-2', refreshToken: 'xoxe-1', expiresIn: 43200 });
    expect(slack.authorizationParams!(settings({ BRIDGE_UPSTREAM_USER_SCOPES: ' users:read  chat:write,,im:history ' }))).to.deep.equal({ user_scope: 'users:read,chat:write,im:history' });
    expect(slack.authorizationParams!(settings({}))).to.deep.equal({ user_scope: '' });
  });

  it('withings', () => {
    expect(readWithingsAnswer(raw(500, { status: 0 }))).to.deep.equal(unavailable('upstream answered 500'));
    expect(readWithingsAnswer(raw(200, 'nope'))).to.deep.equal(unavailable('upstream answered 200 with a body that is not a JSON object'));
    const noStatus = unavailable('withings answer has no numeric status');
    for (const status of [undefined, '5x', '-1', ' 0', true, null]) expect(readWithingsAnswer(raw(200, { status, body: {} })), String(status)).to.deep.equal(noStatus);
    expect(readWithingsAnswer(raw(200, { status: '0', body: { access_token: 'a', expires_in: 10800 } }))).to.deep.equal({ kind: 'tokens', accessToken: 'a', expiresIn: 10800 });
    expect(readWithingsAnswer(raw(200, { status: '503', error: 'Invalid Params: invalid code' }))).to.deep.equal({ kind: 'refused', error: 'invalid_grant', detail: 'withings status 503' });
    expect(readWithingsAnswer(raw(200, { status: 503, error: 'Invalid Params: client id' }))).to.deep.equal({ kind: 'refused', error: 'invalid_client', detail: 'withings status 503' });
    expect(readWithingsAnswer(raw(200, { status: 503, error: 42 }))).to.deep.equal({ kind: 'refused', error: 'invalid_grant', detail: 'withings status 503' });
    expect(readWithingsAnswer(raw(200, { status: 503, error: ['Invalid client'] })), 'only a string message is read').to.deep.equal({ kind: 'refused', error: 'invalid_grant', detail: 'withings status 503' });
    expect(readWithingsAnswer(raw(200, { status: [503] }))).to.deep.equal(unavailable('withings answer has no numeric status'));
    expect(readWithingsAnswer(raw(200, { status: 0, body: 'x' }))).to.deep.equal(unavailable('withings status 0 without a body object'));
    expect(readWithingsAnswer(raw(200, { status: 601, error: 'Too many requests for rt-abc' }))).to.deep.equal(unavailable('withings status 601'));
    expect(readWithingsAnswer(raw(200, { status: 99_999 }))).to.deep.equal(unavailable('withings status 99999'));
    expect(readWithingsAnswer(raw(200, { status: 100_000 }))).to.deep.equal(unavailable('withings status outside the table'));
    expect(readWithingsAnswer(raw(200, { status: '1234567890123' }))).to.deep.equal(unavailable('withings status outside the table'));
  });

  it('fitbit', () => {
    expect(readFitbitAnswer(raw(503, 'x'))).to.deep.equal(unavailable('upstream answered 503'));
    expect(readFitbitAnswer(raw(400, 'x'))).to.deep.equal(unavailable('upstream answered 400 with a body that is not a JSON object'));
    expect(readFitbitAnswer(raw(400, { errors: [{ errorType: 'expired_token', message: 'Access token expired: abc' }], success: false }))).to.deep.equal({ kind: 'refused', error: 'invalid_grant', detail: 'fitbit expired_token' });
    expect(readFitbitAnswer(raw(400, { errors: [{ errorType: 'system' }] }))).to.deep.equal(unavailable('fitbit errorType system'));
    expect(readFitbitAnswer(raw(400, { errors: [{ errorType: 'surprise' }] }))).to.deep.equal(unavailable('fitbit: unrecognised errorType'));
    expect(readFitbitAnswer(raw(400, { errors: [{ errorType: 42 }] }))).to.deep.equal(unavailable('fitbit: unrecognised errorType'));
    expect(readFitbitAnswer(raw(400, { errors: [{ errorType: 'constructor' }] }))).to.deep.equal(unavailable('fitbit: unrecognised errorType'));
    // Not Fitbit's shape: read as RFC 6749 (errors empty, null or not an array).
    for (const errors of [[], [null], 'invalid_grant', [42]]) {
      expect(readFitbitAnswer(raw(400, { errors, error: 'invalid_grant' })), JSON.stringify(errors)).to.deep.equal({ kind: 'refused', error: 'invalid_grant' });
    }
  });

  it('azure', () => {
    expect(readAzureAnswer(raw(400, { error: 'interaction_required', error_description: 'AADSTS50076 for user x' }))).to.deep.equal({ kind: 'refused', error: 'invalid_grant', detail: 'azure: interaction_required' });
    expect(readAzureAnswer(raw(401, { error: 'login_required' }))).to.deep.equal({ kind: 'refused', error: 'invalid_grant', detail: 'azure: login_required' });
    // Only a 400/401 whose standard reading says nothing is looked at again; other statuses keep their reading.
    expect(readAzureAnswer(raw(500, { error: 'interaction_required' }))).to.deep.equal(unavailable('upstream answered 500'));
    expect(readAzureAnswer(raw(200, { error: 'consent_required' }))).to.deep.equal(unavailable('answer has no access_token'));
    expect(readAzureAnswer(raw(400, { error: 'temporarily_unavailable' }))).to.deep.equal(unavailable('unrecognised error code in refusal'));
    expect(readAzureAnswer(raw(400, { error: 42 }))).to.deep.equal(unavailable('refusal without an error code'));
    expect(readAzureAnswer(raw(400, 'not json'))).to.deep.equal(unavailable('upstream answered 400 with a body that is not a JSON object'));
    expect(azure.tokenRequestParams!('refresh_token', settings({ BRIDGE_UPSTREAM_RESOURCE: ' https://graph.microsoft.com ' }))).to.deep.equal({ resource: 'https://graph.microsoft.com' });
    expect(azure.tokenRequestParams!('refresh_token', settings({ BRIDGE_UPSTREAM_RESOURCE: '  ' }))).to.deep.equal({});
    expect(azure.authorizationParams!(settings({}))).to.deep.equal({});
  });

  it('auth0', () => {
    expect(readAuth0Answer(raw(429, { error: 'too_many_requests' }))).to.deep.equal(unavailable('upstream answered 429'));
    expect(readAuth0Answer(raw(403, 'Forbidden'))).to.deep.equal(unavailable('upstream answered 403 with a body that is not a JSON object'));
    expect(readAuth0Answer(raw(403, { error: 'access_denied', error_description: 'denied for rt-1' }))).to.deep.equal({ kind: 'refused', error: 'invalid_grant', detail: 'auth0: access_denied (403)' });
    expect(readAuth0Answer(raw(401, { error: 'access_denied' }))).to.deep.equal({ kind: 'refused', error: 'invalid_client', detail: 'auth0: access_denied (401)' });
    expect(readAuth0Answer(raw(403, { error: 'invalid_grant' }))).to.deep.equal({ kind: 'refused', error: 'invalid_grant' });
  });

  it('salesforce', () => {
    expect(readSalesforceAnswer(raw(503, 'x'))).to.deep.equal(unavailable('upstream answered 503'));
    expect(readSalesforceAnswer(raw(400, 'x'))).to.deep.equal(unavailable('upstream answered 400 with a body that is not a JSON object'));
    expect(readSalesforceAnswer(raw(400, { error: 'inactive_user', error_description: 'user x' }))).to.deep.equal({ kind: 'refused', error: 'invalid_grant', detail: 'salesforce: inactive_user' });
    expect(readSalesforceAnswer(raw(400, { error: 'invalid_grant' }))).to.deep.equal({ kind: 'refused', error: 'invalid_grant' });
    expect(readSalesforceAnswer(raw(400, { error: 'rate_limit_exceeded' }))).to.deep.equal(unavailable('unrecognised error code in refusal'));
    expect(readSalesforceAnswer(raw(400, { error: 42 }))).to.deep.equal(unavailable('refusal without an error code'));
    expect(readSalesforceAnswer(raw(400, { error: 'constructor' }))).to.deep.equal(unavailable('unrecognised error code in refusal'));
  });
});
