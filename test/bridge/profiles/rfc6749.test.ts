/**
 * bridge/profiles/rfc6749.ts, the readers every profile composes, one rule at a time: which statuses say what, how a
 * body becomes fields, which lifetimes count, which tokens are usable, which error codes refuse — and the fixed
 * reason each `unavailable` carries into the log (never the provider's words).
 */
import { expect } from 'chai';
import { classifyStatus, parseBodyFields, readRfc6749Answer, readSeconds, refusalFromCode, tokensFromFields } from '../../../bridge/profiles/rfc6749.js';

const answer = (status: number, body: string, contentType?: string) => ({ status, headers: contentType === undefined ? {} : { 'content-type': contentType }, body });

describe('bridge profiles: the RFC 6749 readers', () => {
  it('classifies statuses: 2xx success, 400/401 refusal, everything else unavailable', () => {
    expect([199, 200, 204, 299, 300, 302, 400, 401, 403, 404, 429, 500].map(classifyStatus)).to.deep.equal([
      'unavailable', 'success', 'success', 'success', 'unavailable', 'unavailable', 'refusal', 'refusal', 'unavailable', 'unavailable', 'unavailable', 'unavailable',
    ]);
  });

  it('reads a body as JSON first, as a form only when the content type says so, and nothing else', () => {
    expect(parseBodyFields(answer(200, '{"a":1}'))).to.deep.equal({ a: 1 });
    expect(parseBodyFields(answer(200, 'a=1&b=two', 'application/x-www-form-urlencoded; charset=utf-8'))).to.deep.equal({ a: '1', b: 'two' });
    expect(parseBodyFields(answer(200, 'a=1', 'Text/Plain'))).to.deep.equal({ a: '1' });
    expect(parseBodyFields(answer(200, '', 'application/x-www-form-urlencoded')), 'an empty form').to.equal(undefined);
    expect(parseBodyFields(answer(200, 'a=1', 'text/html'))).to.equal(undefined);
    expect(parseBodyFields(answer(200, 'a=1'))).to.equal(undefined);
  });

  it('reads lifetimes in whole seconds from numbers or numeric strings; anything else is no lifetime', () => {
    expect([3599, '3599', ' 60 ', 1.9, 0, '0'].map(readSeconds)).to.deep.equal([3599, 3599, 60, 1, 0, 0]);
    expect([-5, '-5', '', ' ', 'soon', Number.NaN, Number.POSITIVE_INFINITY, 'Infinity', null, true, {}].map(readSeconds)).to.deep.equal(Array(11).fill(undefined));
  });

  it('takes tokens only with a non-empty access_token and a Bearer (or absent) token_type; empty optional fields are left out', () => {
    expect(tokensFromFields({ access_token: 'at', token_type: 'BEARER', expires_in: '60', refresh_token: 'rt', scope: 'a b' })).to.deep.equal({ kind: 'tokens', accessToken: 'at', expiresIn: 60, refreshToken: 'rt', scope: 'a b' });
    expect(tokensFromFields({ access_token: 'at', refresh_token: '', scope: '', expires_in: 'never' })).to.deep.equal({ kind: 'tokens', accessToken: 'at' });
    for (const fields of [{}, { access_token: '' }, { access_token: 42 }]) expect(tokensFromFields(fields)).to.deep.equal({ kind: 'unavailable', reason: 'answer has no access_token' });
    for (const tokenType of ['mac', 'DPoP', 42]) {
      expect(tokensFromFields({ access_token: 'at', token_type: tokenType })).to.deep.equal({ kind: 'unavailable', reason: 'answer has a token_type other than Bearer' });
    }
  });

  it('refuses only with one of RFC 6749’s error codes, keeping a detail when given; any other code is unavailable', () => {
    expect(refusalFromCode('invalid_grant')).to.deep.equal({ kind: 'refused', error: 'invalid_grant' });
    expect(refusalFromCode('invalid_client', 'status 401')).to.deep.equal({ kind: 'refused', error: 'invalid_client', detail: 'status 401' });
    expect(refusalFromCode('invalid_token')).to.deep.equal({ kind: 'unavailable', reason: 'unrecognised error code in refusal' });
    expect(refusalFromCode('constructor')).to.deep.equal({ kind: 'unavailable', reason: 'unrecognised error code in refusal' });
    for (const code of [undefined, 42, null]) expect(refusalFromCode(code)).to.deep.equal({ kind: 'unavailable', reason: 'refusal without an error code' });
  });

  it('the whole reading, with its fixed reasons', () => {
    expect(readRfc6749Answer(answer(200, '{"access_token":"at","token_type":"Bearer"}'))).to.deep.equal({ kind: 'tokens', accessToken: 'at' });
    expect(readRfc6749Answer(answer(400, '{"error":"invalid_grant","error_description":"the token rt-123 is revoked"}'))).to.deep.equal({ kind: 'refused', error: 'invalid_grant' });
    expect(readRfc6749Answer(answer(500, '{"error":"invalid_grant"}'))).to.deep.equal({ kind: 'unavailable', reason: 'upstream answered 500' });
    expect(readRfc6749Answer(answer(200, '<html>down</html>', 'text/html'))).to.deep.equal({ kind: 'unavailable', reason: 'upstream answered 200 with a body that is not a JSON object' });
    expect(readRfc6749Answer(answer(401, '[]'))).to.deep.equal({ kind: 'unavailable', reason: 'upstream answered 401 with a body that is not a JSON object' });
  });
});
