/** What Alexa sees of an upstream's error redirect: an RFC 6749 §4.1.2.1 code that is Alexa's business, or server_error. */
import { expect } from 'chai';
import { alexaRedirect, formatParams, passOnAuthorizationError, redirectUriGrant } from '../../bridge/alexa-redirect.js';

describe('bridge: upstream authorization errors passed on to Alexa', () => {
  it('passes on the codes about the user or the server as they are', () => {
    for (const code of ['access_denied', 'unsupported_response_type', 'invalid_scope', 'server_error', 'temporarily_unavailable']) {
      expect(passOnAuthorizationError(code), code).to.equal(code);
    }
  });

  it('turns the codes about the bridge\'s own request, and anything unknown, into server_error', () => {
    for (const code of ['invalid_request', 'unauthorized_client', 'login_required', 'consent_required', '<script>', '']) {
      expect(passOnAuthorizationError(code), code).to.equal('server_error');
    }
  });

  it('tells a redirect URI’s grant by its form: code for …/api/skill/link/<vendor>, token for the status page with ?vendorId', () => {
    const cases: Array<[string, 'code' | 'token' | undefined]> = [
      ['https://pitangui.amazon.com/api/skill/link/M1ABC', 'code'],
      ['https://pitangui.amazon.com/api/skill/link/M1ABC?x=1', undefined],
      ['https://pitangui.amazon.com/api/skill/link/M1ABC/more', undefined],
      ['https://pitangui.amazon.com/api/skill/link/', undefined],
      ['https://pitangui.amazon.com/x/api/skill/link/M1ABC', undefined],
      ['https://layla.amazon.com/spa/skill/account-linking-status.html?vendorId=M1ABC', 'token'],
      ['https://layla.amazon.com/spa/skill/account-linking-status.html', undefined],
      ['https://layla.amazon.com/spa/skill/account-linking-status.html?vendorId=', undefined],
      ['https://layla.amazon.com/spa/skill/account-linking-status.html?vendorId=M1&x=1', undefined],
      ['https://layla.amazon.com/spa/skill/account-linking-status.html?x=1&vendorId=M1', undefined],
      ['https://layla.amazon.com/spa/skill/account-linking-status.html?x?vendorId=M1', undefined],
      ['https://layla.amazon.com/other/status.html?vendorId=M1', undefined],
      ['https://evil.example/callback', undefined],
      ['not a url', undefined],
      // Loopback (the offline stack's simulator): any other path is a code-grant URI, the status page never is.
      ['http://127.0.0.1:4000/link/callback', 'code'],
      ['http://localhost/link/callback?x=1', 'code'],
      ['http://localhost/link/callback?vendorId=M1', 'code'],
      ['http://127.0.0.1:4000/spa/skill/account-linking-status.html?vendorId=M1', 'token'],
      ['http://127.0.0.1:4000/spa/skill/account-linking-status.html?x=1', undefined],
    ];
    for (const [uri, grant] of cases) expect(redirectUriGrant(uri), uri).to.equal(grant);
  });

  it('appends parameters percent-encoded (never +), leaving out the undefined ones: to the query, or the fragment', () => {
    expect(formatParams({ state: 'a b&c', code: undefined, expires_in: 3600 })).to.equal('state=a%20b%26c&expires_in=3600');
    expect(alexaRedirect('https://a.example/api/skill/link/M1', 'code', { code: 'x', state: 's' })).to.equal('https://a.example/api/skill/link/M1?code=x&state=s');
    expect(alexaRedirect('http://127.0.0.1/cb?vendorId=V', 'code', { code: 'x' })).to.equal('http://127.0.0.1/cb?vendorId=V&code=x');
    expect(alexaRedirect('https://a.example/spa/skill/account-linking-status.html?vendorId=M1', 'token', { state: 's', access_token: 't' })).to.equal(
      'https://a.example/spa/skill/account-linking-status.html?vendorId=M1#state=s&access_token=t',
    );
  });
});
