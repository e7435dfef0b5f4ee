/**
 * bridge/http/responses.ts: every answer the bridge writes — JSON never cached, pages that escape what they print and
 * allow no framing, scripts or referrer, redirects that carry no-store, the 503 Alexa retries after 30 s.
 */
import { expect } from 'chai';
import { errorPage, json, oauthError, redirect, RETRY_AFTER_S, temporarilyUnavailable } from '../../bridge/http/responses.js';

const NO_STORE = { 'cache-control': 'no-store', pragma: 'no-cache', 'referrer-policy': 'no-referrer' };

describe('bridge: the answers it writes', () => {
  it('JSON: the body serialised, no-store, extra headers added', () => {
    expect(json(200, { status: 'ok' }, { allow: 'GET' })).to.deep.equal({
      status: 200,
      headers: { 'content-type': 'application/json; charset=utf-8', ...NO_STORE, allow: 'GET' },
      body: '{"status":"ok"}',
    });
    expect(oauthError(400, 'invalid_request')).to.deep.equal({ status: 400, headers: { 'content-type': 'application/json; charset=utf-8', ...NO_STORE }, body: '{"error":"invalid_request"}' });
  });

  it('temporarily_unavailable: 503 with Retry-After 30', () => {
    expect(RETRY_AFTER_S).to.equal(30);
    const answer = temporarilyUnavailable();
    expect([answer.status, answer.body, answer.headers['retry-after'], answer.headers['cache-control']]).to.deep.equal([503, '{"error":"temporarily_unavailable"}', '30', 'no-store']);
  });

  it('a redirect: 302, the location as given, no-store and no-referrer, no body', () => {
    expect(redirect('https://x.example/a?b=1#c')).to.deep.equal({ status: 302, headers: { location: 'https://x.example/a?b=1#c', ...NO_STORE }, body: '' });
  });

  it('an error page: escaped title and message, no scripts, no framing, no sniffing, never cached', () => {
    const page = errorPage(400, 'Bad <title>', 'Say "no" & go');
    expect(page.status).to.equal(400);
    expect(page.headers).to.deep.equal({
      'content-type': 'text/html; charset=utf-8',
      ...NO_STORE,
      'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'DENY',
    });
    // The escaper itself (common/html.ts, shared with the local pages) is tested in test/unit/html.test.ts.
    expect(page.body).to.contain('<title>Bad &lt;title&gt;</title>').and.contain('<h1>Bad &lt;title&gt;</h1>').and.contain('<p>Say &quot;no&quot; &amp; go</p>');
    expect(page.body).to.contain('Please go back to the Alexa app and start linking again.').and.not.contain('<script');
  });
});
