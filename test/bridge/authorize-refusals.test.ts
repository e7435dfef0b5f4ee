/**
 * Every refusal at /authorize, named: before the redirect URI is trusted, a page (status, title, message) and a
 * `refused_page` log line with the reason; after, a redirect back to Alexa with the RFC 6749 error and the state, and
 * a `refused_redirect` line with the error and the reason.
 */
import { expect } from 'chai';
import { authorizeUrl, CODE_REDIRECT, get, IMPLICIT_REDIRECT, pkcePair, startTestBridge, withOneLogLine, type TestBridge } from './helpers.js';

describe('bridge /authorize: refusals', () => {
  let t: TestBridge;
  before(async () => {
    t = await startTestBridge({});
  });
  after(() => t?.close());

  /** The answer and the fields of the one bridge.authorize line it logged. */
  async function attempt(url: string) {
    const { result: answer, logged } = await withOneLogLine(t, 'bridge.authorize', () => get(url));
    const { profile: _profile, ...rest } = logged;
    return { answer, logged: rest };
  }

  const pages: Array<[string, () => string, string, string, string]> = [
    ['a repeated parameter', () => `${authorizeUrl(t.bridge)}&state=again`, 'repeated parameter', 'Invalid request', 'The request repeats a parameter.'],
    ['an unknown client', () => authorizeUrl(t.bridge, { clientId: 'someone-else' }), 'unknown client_id', 'Unknown client', 'This link request does not come from a known client.'],
    ['an unregistered redirect URI', () => authorizeUrl(t.bridge, { redirectUri: 'https://evil.example/api/skill/link/X' }), 'redirect_uri not registered', 'Invalid redirect', 'The address to return to is not registered for this skill.'],
  ];
  for (const [name, url, reason, title, message] of pages) {
    it(`answers ${name} with a page, never a redirect`, async () => {
      const { answer, logged } = await attempt(url());
      expect(answer.status).to.equal(400);
      expect(answer.location).to.equal(null);
      expect(answer.text).to.contain(`<title>${title}</title>`).and.contain(message);
      expect(logged).to.deep.equal({ outcome: 'refused_page', reason });
    });
  }

  // Each single-valued parameter on its own, repeated with the same value, in an otherwise valid request.
  for (const name of ['client_id', 'redirect_uri', 'response_type', 'state', 'scope', 'code_challenge', 'code_challenge_method']) {
    it(`answers a repeated ${name} (even with equal values) with the page, never a redirect`, async () => {
      const url = new URL(authorizeUrl(t.bridge, { codeChallenge: pkcePair().challenge }));
      url.searchParams.append(name, url.searchParams.get(name)!);
      const { answer, logged } = await attempt(url.href);
      expect(answer.status).to.equal(400);
      expect(answer.location).to.equal(null);
      expect(logged).to.deep.equal({ outcome: 'refused_page', reason: 'repeated parameter' });
    });
  }

  const redirects: Array<[string, () => string, string, string, string]> = [
    ['no response_type', () => authorizeUrl(t.bridge, { responseType: 'id_token' }), CODE_REDIRECT, 'unsupported_response_type', 'response_type is neither code nor token'],
    ['token to a code-grant URI', () => authorizeUrl(t.bridge, { responseType: 'token' }), CODE_REDIRECT, 'unsupported_response_type', 'response_type token with a redirect URI of the code form'],
    ['code to the implicit URI', () => authorizeUrl(t.bridge, { redirectUri: IMPLICIT_REDIRECT }), IMPLICIT_REDIRECT, 'unsupported_response_type', 'response_type code with a redirect URI of the token form'],
    ['a plain code challenge', () => authorizeUrl(t.bridge, { codeChallenge: 'x'.repeat(43), codeChallengeMethod: 'plain' }), CODE_REDIRECT, 'invalid_request', 'code_challenge_method other than S256'],
    ['a challenge without a method', () => authorizeUrl(t.bridge, { codeChallenge: 'x'.repeat(43), codeChallengeMethod: null }), CODE_REDIRECT, 'invalid_request', 'code_challenge_method other than S256'],
    ['a malformed S256 challenge', () => authorizeUrl(t.bridge, { codeChallenge: 'too-short' }), CODE_REDIRECT, 'invalid_request', 'malformed code_challenge'],
    ['a state too long', () => authorizeUrl(t.bridge, { state: 's'.repeat(2049) }), CODE_REDIRECT, 'invalid_request', 'state too long'],
  ];
  for (const [name, url, redirectUri, error, reason] of redirects) {
    it(`sends ${name} back to Alexa as ${error}, with the state`, async () => {
      const { answer, logged } = await attempt(url());
      expect(answer.status).to.equal(302);
      expect(answer.location!.startsWith(redirectUri), answer.location!).to.equal(true);
      const location = new URL(answer.location!);
      const params = new URLSearchParams(redirectUri === IMPLICIT_REDIRECT ? location.hash.slice(1) : location.search);
      expect(params.get('error')).to.equal(error);
      expect(params.get('state')).to.be.a('string').and.not.equal('');
      expect(logged).to.deep.equal({ outcome: 'refused_redirect', error, reason });
    });
  }

  it('sends a missing state back as invalid_request', async () => {
    const url = new URL(authorizeUrl(t.bridge));
    url.searchParams.delete('state');
    const { answer, logged } = await attempt(url.href);
    expect(new URL(answer.location!).searchParams.get('error')).to.equal('invalid_request');
    expect(logged).to.deep.equal({ outcome: 'refused_redirect', error: 'invalid_request', reason: 'state missing' });
  });
});
