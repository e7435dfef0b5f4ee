/**
 * Attacks on the bridge: redirect URI variants and unknown clients (a 400 page, never a redirect), forged, expired
 * and replayed states, code replay and codes presented by someone else, client authentication, PKCE, and
 * upstream errors that must not leak. The upstream is a fake token endpoint; no login is needed to get a code.
 */
import { expect } from 'chai';
import { startFakeTokenEndpoint, type FakeTokenEndpoint } from './fake-token-endpoint.js';
import {
  authorizeUrl,
  BRIDGE_CLIENT,
  callbackUrl,
  CODE_REDIRECT,
  exchangeCode,
  get,
  pkcePair,
  startAuthorization,
  startTestBridge,
  tokenRequest,
  type AuthorizeParams,
  type TestBridge,
} from './helpers.js';

describe('bridge: attacks', () => {
  let upstream: FakeTokenEndpoint;
  let t: TestBridge;
  let clock = Date.now();

  before(async () => {
    upstream = await startFakeTokenEndpoint({ rotate: false });
    t = await startTestBridge(
      { BRIDGE_UPSTREAM_AUTHORIZATION_URL: upstream.authorizationUrl, BRIDGE_UPSTREAM_TOKEN_URL: upstream.tokenUrl },
      { now: () => clock },
    );
  });
  beforeEach(() => {
    clock = Date.now();
  });
  after(async () => {
    await t?.close();
    await upstream?.close();
  });

  /** /authorize → (the upstream "logs the user in") → /callback with a fake upstream code → the redirect to Alexa. */
  async function codeFor(params: AuthorizeParams = {}): Promise<string> {
    const up = await startAuthorization(t.bridge, params);
    const answer = await get(callbackUrl(t.bridge, new URL(`https://bridge.ride-hailer.example/callback?code=fake-code-1&state=${encodeURIComponent(up.searchParams.get('state')!)}`)));
    expect(answer.status, answer.text).to.equal(302);
    return new URL(answer.location!).searchParams.get('code')!;
  }

  function expectPage(answer: { status: number; location: string | null; headers: Headers; text: string }, status = 400) {
    expect(answer.status).to.equal(status);
    expect(answer.location).to.equal(null);
    expect(answer.headers.get('content-type')).to.match(/^text\/html/);
    expect(answer.headers.get('cache-control')).to.equal('no-store');
    expect(answer.headers.get('referrer-policy')).to.equal('no-referrer');
  }

  describe('redirect URI and client at /authorize', () => {
    const variants: Record<string, string> = {
      'another host': 'https://evil.example/api/skill/link/M1LOCALDEMO',
      'a look-alike host': 'https://pitangui.amazon.com.evil.example/api/skill/link/M1LOCALDEMO',
      'another path': 'https://pitangui.amazon.com/api/skill/link/OTHERVENDOR',
      'a trailing slash': `${CODE_REDIRECT}/`,
      'other case': CODE_REDIRECT.replace('pitangui', 'PITANGUI'),
      'another case in the path': CODE_REDIRECT.replace('link', 'LINK'),
      'an explicit port': CODE_REDIRECT.replace('amazon.com/', 'amazon.com:443/'),
      'another port': CODE_REDIRECT.replace('amazon.com/', 'amazon.com:8443/'),
      'http instead of https': CODE_REDIRECT.replace('https:', 'http:'),
      'an extra query': `${CODE_REDIRECT}?next=https://evil.example`,
      userinfo: CODE_REDIRECT.replace('https://', 'https://evil.example@'),
      'a fragment': `${CODE_REDIRECT}#x`,
      'percent-encoding': CODE_REDIRECT.replace('link', '%6cink'),
      'nothing at all': '',
    };
    for (const [name, redirectUri] of Object.entries(variants)) {
      it(`refuses a redirect_uri with ${name}: a 400 page, no Location`, async () => {
        const answer = await get(authorizeUrl(t.bridge, { redirectUri }));
        expectPage(answer);
        expect(answer.text).to.contain('not registered');
      });
    }

    it('refuses an unknown client_id with a page, even with a valid redirect URI', async () => {
      expectPage(await get(authorizeUrl(t.bridge, { clientId: 'someone-else' })));
    });

    it('refuses a repeated redirect_uri with a page', async () => {
      const url = `${authorizeUrl(t.bridge)}&redirect_uri=${encodeURIComponent('https://evil.example/')}`;
      expectPage(await get(url));
    });

    it('escapes what it prints and sets no-referrer and a CSP on pages', async () => {
      const answer = await get(authorizeUrl(t.bridge, { clientId: '<script>alert(1)</script>' }));
      expectPage(answer);
      expect(answer.text).not.to.contain('<script>');
      expect(answer.headers.get('content-security-policy')).to.contain("default-src 'none'");
    });

    it('refuses PKCE `plain` (and a challenge without method) with invalid_request back to Alexa', async () => {
      for (const method of ['plain', null]) {
        const answer = await get(authorizeUrl(t.bridge, { codeChallenge: pkcePair().challenge, codeChallengeMethod: method, state: 's1' }));
        expect(answer.status).to.equal(302);
        const back = new URL(answer.location!);
        expect(back.origin + back.pathname).to.equal(CODE_REDIRECT);
        expect(back.searchParams.get('error')).to.equal('invalid_request');
        expect(back.searchParams.get('state')).to.equal('s1');
      }
    });

    it('answers an unknown response_type with unsupported_response_type to the registered URI', async () => {
      const answer = await get(authorizeUrl(t.bridge, { responseType: 'id_token' }));
      expect(answer.status).to.equal(302);
      expect(new URL(answer.location!).searchParams.get('error')).to.equal('unsupported_response_type');
    });
  });

  describe('state at /callback', () => {
    it('refuses a tampered state with a page and no redirect', async () => {
      const up = await startAuthorization(t.bridge);
      const state = up.searchParams.get('state')!;
      const parts = state.split('.');
      const ct = parts[3]!;
      parts[3] = (ct[0] === 'A' ? 'B' : 'A') + ct.slice(1);
      expectPage(await get(`${t.bridge.url}/callback?code=fake-code-1&state=${parts.join('.')}`));
    });

    it('refuses a forged state (garbage, or missing)', async () => {
      expectPage(await get(`${t.bridge.url}/callback?code=fake-code-1&state=eyJhbGciOiJkaXIifQ..a.b.c`));
      expectPage(await get(`${t.bridge.url}/callback?code=fake-code-1`));
    });

    it('refuses an expired state', async () => {
      const up = await startAuthorization(t.bridge);
      clock += 31 * 60 * 1000;
      expectPage(await get(`${t.bridge.url}/callback?code=fake-code-1&state=${encodeURIComponent(up.searchParams.get('state')!)}`));
    });

    it('refuses a replayed state', async () => {
      const up = await startAuthorization(t.bridge);
      const url = `${t.bridge.url}/callback?code=fake-code-1&state=${encodeURIComponent(up.searchParams.get('state')!)}`;
      expect((await get(url)).status).to.equal(302);
      expectPage(await get(url));
    });

    it('passes on only RFC 6749 error codes from the upstream, never its description', async () => {
      for (const [sent, expected] of [
        ['invalid_scope', 'invalid_scope'],
        ['server_error', 'server_error'],
        ['database_on_fire', 'server_error'],
      ]) {
        const up = await startAuthorization(t.bridge, { state: 'err-state' });
        const answer = await get(`${t.bridge.url}/callback?error=${sent}&error_description=stack+at+db.internal:5432&error_uri=https://internal&state=${encodeURIComponent(up.searchParams.get('state')!)}`);
        const back = new URL(answer.location!);
        expect(back.searchParams.get('error')).to.equal(expected);
        expect(back.searchParams.get('state')).to.equal('err-state');
        expect(answer.location).not.to.contain('internal');
      }
    });
  });

  describe('codes at /token', () => {
    it('refuses a replayed code', async () => {
      const code = await codeFor();
      expect((await exchangeCode(t.bridge, code)).status).to.equal(200);
      const replay = await exchangeCode(t.bridge, code);
      expect(replay.status).to.equal(400);
      expect(replay.body).to.deep.equal({ error: 'invalid_grant' });
    });

    it('refuses a code presented with another redirect URI, then still honours the right one', async () => {
      const code = await codeFor();
      const other = await exchangeCode(t.bridge, code, { redirect_uri: 'https://layla.amazon.com/api/skill/link/M1LOCALDEMO' });
      expect(other.status).to.equal(400);
      expect(other.body.error).to.equal('invalid_grant');
      expect((await exchangeCode(t.bridge, code)).status).to.equal(200);
    });

    it('refuses a code presented by another client (wrong client id), and a forged or expired code', async () => {
      const code = await codeFor();
      const wrongClient = await exchangeCode(t.bridge, code, {}, { clientId: 'another-client' });
      expect(wrongClient.status).to.equal(401);
      expect(wrongClient.body.error).to.equal('invalid_client');
      expect((await exchangeCode(t.bridge, `${code.slice(0, -2)}xx`)).body.error).to.equal('invalid_grant');
      clock += 121_000;
      expect((await exchangeCode(t.bridge, code)).body.error).to.equal('invalid_grant');
    });

    it('refuses a wrong client secret (Basic and body) with 401 invalid_client', async () => {
      const code = await codeFor();
      const basic = await exchangeCode(t.bridge, code, {}, { clientSecret: 'wrong' });
      expect(basic.status).to.equal(401);
      expect(basic.body).to.deep.equal({ error: 'invalid_client' });
      expect(basic.headers.get('www-authenticate')).to.match(/^Basic/);
      const body = await exchangeCode(t.bridge, code, {}, { scheme: 'body', clientSecret: 'wrong' });
      expect(body.status).to.equal(401);
      // The code survived the failed attempts.
      expect((await exchangeCode(t.bridge, code, {}, { scheme: 'body' })).status).to.equal(200);
    });

    it('refuses client credentials in the header and the body at once, and none at all', async () => {
      const code = await codeFor();
      const both = await exchangeCode(t.bridge, code, {}, { scheme: 'both' });
      expect(both.status).to.equal(400);
      expect(both.body.error).to.equal('invalid_request');
      const none = await exchangeCode(t.bridge, code, {}, { scheme: 'none' });
      expect(none.status).to.equal(401);
    });

    it('PKCE: a missing verifier is invalid_grant, a wrong one too, the right one links', async () => {
      const { verifier, challenge } = pkcePair();
      const code = await codeFor({ codeChallenge: challenge });
      expect((await exchangeCode(t.bridge, code)).body.error).to.equal('invalid_grant');
      expect((await exchangeCode(t.bridge, code, { code_verifier: pkcePair().verifier })).body.error).to.equal('invalid_grant');
      const ok = await exchangeCode(t.bridge, code, { code_verifier: verifier });
      expect(ok.status, ok.text).to.equal(200);
    });

    it('passes an upstream refusal on as invalid_grant without its description', async () => {
      const up = await startAuthorization(t.bridge);
      const answer = await get(`${t.bridge.url}/callback?code=not-a-fake-code&state=${encodeURIComponent(up.searchParams.get('state')!)}`);
      const code = new URL(answer.location!).searchParams.get('code')!;
      const refused = await exchangeCode(t.bridge, code);
      expect(refused.status).to.equal(400);
      expect(refused.body).to.deep.equal({ error: 'invalid_grant' });
      expect(refused.text).not.to.contain('shard');
    });

    it('answers client mistakes with JSON errors, never a 500', async () => {
      const cases: [RequestInit, number][] = [
        [{ method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"grant_type":"refresh_token"}' }, 400],
        [{ method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'a'.repeat(20_000) }, 413],
        [{ method: 'GET' }, 405],
      ];
      for (const [init, status] of cases) {
        const response = await fetch(`${t.bridge.url}/token`, init);
        expect(response.status).to.equal(status);
        expect(await response.json()).to.have.property('error');
      }
      const unsupported = await tokenRequest(t.bridge, { grant_type: 'password', username: 'a', password: 'b' });
      expect(unsupported.body.error).to.equal('unsupported_grant_type');
      const notOurs = await tokenRequest(t.bridge, { grant_type: 'refresh_token', refresh_token: 'upstream-token-guess' });
      expect(notOurs.body.error).to.equal('invalid_grant');
      const health = await fetch(`${t.bridge.url}/healthz`);
      expect(await health.json()).to.deep.equal({ status: 'ok' });
    });
  });

  // In a describe of its own so that it runs after all the others.
  describe('the log', () => it('never held a code, a token, a secret or a JWE during these attacks', () => {
    const log = t.logger.lines.join('\n');
    expect(log).not.to.contain(BRIDGE_CLIENT.clientSecret);
    expect(log).not.to.match(/fake-(at|rt|code)/);
    expect(log).not.to.match(/[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}/);
    expect(log).not.to.contain('shard 7');
  }));
});
