import { expect } from 'chai';
import { decodeJwt } from 'jose';
import { DEMO } from '../../local/demo.js';
import { startAuthServer, type AuthServer } from '../../local/auth/server.js';
import { completeLoginHeadlessly } from '../../local/auth/headless-login.js';
import { CALLBACK, DEMO_LOGIN, FormClient, authorizeUrl, exchangeCode, link, obtainCode, refresh } from './helpers.js';

const OTHER_CLIENT = {
  clientId: 'other-client',
  clientSecret: 'other-client-secret',
  redirectUris: [CALLBACK],
  name: 'Other',
};
const ALEXA_URI = `https://pitangui.amazon.com/api/skill/link/${DEMO.vendorId}`;

describe('authorization server: attacks are refused', () => {
  let server: AuthServer;

  before(async () => {
    server = await startAuthServer({ extraRedirectUris: [CALLBACK], additionalClients: [OTHER_CLIENT], log: () => {} });
  });
  after(async () => {
    await server.close();
  });

  it('refuses a replayed authorization code and revokes the tokens issued from it', async () => {
    const code = await obtainCode(server);
    const first = await exchangeCode(server, code);
    expect(first.status).to.equal(200);
    const replay = await exchangeCode(server, code);
    expect(replay.status).to.equal(400);
    expect(replay.body.error).to.equal('invalid_grant');
    const afterReplay = await refresh(server, String(first.body.refresh_token));
    expect(afterReplay.status).to.equal(400);
    expect(afterReplay.body.error).to.equal('invalid_grant');
  });

  it('accepts each of Alexa’s registered redirect URLs for the configured vendor ID', async () => {
    for (const host of ['pitangui.amazon.com', 'layla.amazon.com', 'alexa.amazon.co.jp', 'alexa.amazon.com']) {
      const response = await fetch(authorizeUrl(server, { redirectUri: `https://${host}/api/skill/link/${DEMO.vendorId}` }), {
        redirect: 'manual',
      });
      expect(response.status, host).to.equal(303);
      expect(response.headers.get('location'), host).to.match(/^\/interaction\//);
    }
  });

  for (const evil of [
    'https://evil.example/api/skill/link/M1LOCALDEMO',
    'https://pitangui.amazon.com/api/skill/link/OTHERVENDOR',
    `${ALEXA_URI}/extra`,
    `${ALEXA_URI}?next=https://evil.example`,
    `${ALEXA_URI}#fragment`,
    'https://pitangui.amazon.com.evil.com/api/skill/link/M1LOCALDEMO',
    'https://evil@pitangui.amazon.com/api/skill/link/M1LOCALDEMO',
    'https://pitangui.amazon.com@evil.example/api/skill/link/M1LOCALDEMO',
    'http://pitangui.amazon.com/api/skill/link/M1LOCALDEMO',
    'https://pitangui.amazon.com:8443/api/skill/link/M1LOCALDEMO',
    `${CALLBACK}/../evil`,
  ]) {
    it(`shows an error page and does not redirect to the unregistered ${evil}`, async () => {
      const response = await fetch(authorizeUrl(server, { redirectUri: evil }), { redirect: 'manual' });
      expect(response.status).to.equal(400);
      expect(response.headers.get('location')).to.equal(null);
      const page = await response.text();
      expect(page).to.include('not registered');
      expect(page).to.include('invalid_redirect_uri');
    });
  }

  it('refuses a code exchanged with a redirect_uri other than the one it was issued for', async () => {
    const code = await obtainCode(server);
    const answer = await exchangeCode(server, code, {}, { redirect_uri: ALEXA_URI });
    expect(answer.status).to.equal(400);
    expect(answer.body.error).to.equal('invalid_grant');
  });

  it('refuses a wrong client secret with 401 invalid_client, in a Basic header or in the body', async () => {
    for (const scheme of ['basic', 'post'] as const) {
      const code = await obtainCode(server);
      const answer = await exchangeCode(server, code, { scheme, clientSecret: 'not-the-secret' });
      expect(answer.status, scheme).to.equal(401);
      expect(answer.body.error, scheme).to.equal('invalid_client');
    }
  });

  it('refuses a refresh with a wrong client secret with 401 invalid_client', async () => {
    const tokens = await link(server);
    const answer = await refresh(server, String(tokens.refresh_token), { clientSecret: 'guess' });
    expect(answer.status).to.equal(401);
    expect(answer.body.error).to.equal('invalid_client');
  });

  it('refuses a code presented by another client', async () => {
    const code = await obtainCode(server);
    const answer = await exchangeCode(server, code, {
      clientId: OTHER_CLIENT.clientId,
      clientSecret: OTHER_CLIENT.clientSecret,
    });
    expect(answer.status).to.equal(400);
    expect(answer.body.error).to.equal('invalid_grant');
    // …and the rightful client can still use it: the attempt did not consume the code.
    expect((await exchangeCode(server, code)).status).to.equal(200);
  });

  it('refuses a refresh token presented by another client', async () => {
    const tokens = await link(server);
    const answer = await refresh(server, String(tokens.refresh_token), {
      clientId: OTHER_CLIENT.clientId,
      clientSecret: OTHER_CLIENT.clientSecret,
    });
    expect(answer.body.error).to.equal('invalid_grant');
  });

  it('never grants unknown scopes (admin, everything, openid)', async () => {
    for (const [scope, granted] of [
      ['basic_profile admin', 'basic_profile'],
      ['openid order_car everything', 'order_car'],
    ] as const) {
      const tokens = await link(server, { scope });
      expect(tokens.scope, scope).to.equal(granted);
      expect(decodeJwt(String(tokens.access_token)).scope, scope).to.equal(granted);
      expect(tokens, scope).to.not.have.property('id_token');
    }
  });

  it('answers a request for nothing but unknown scopes with access_denied to the client', async () => {
    const redirect = await completeLoginHeadlessly(authorizeUrl(server, { scope: 'admin', state: 's-1' }), DEMO_LOGIN);
    expect(redirect.origin + redirect.pathname).to.equal(CALLBACK);
    expect(redirect.searchParams.get('error')).to.equal('access_denied');
    expect(redirect.searchParams.get('state')).to.equal('s-1');
    expect(redirect.searchParams.has('code')).to.equal(false);
  });

  it('never grants scopes that were not requested, also not on refresh', async () => {
    const tokens = await link(server, { scope: 'basic_profile' });
    expect(decodeJwt(String(tokens.access_token)).scope).to.equal('basic_profile');
    const widened = await fetch(server.tokenUrl, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`${DEMO.clientId}:${DEMO.clientSecret}`).toString('base64')}` },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: String(tokens.refresh_token), scope: 'order_car' }),
    });
    expect(widened.status).to.equal(400);
    expect(((await widened.json()) as { error: string }).error).to.equal('invalid_scope');
  });

  it('refuses an authorization request without state, on an error page instead of a redirect', async () => {
    const response = await fetch(authorizeUrl(server, { state: null }), { redirect: 'manual' });
    expect(response.status).to.equal(400);
    expect(response.headers.get('location')).to.equal(null);
    expect(await response.text()).to.include('the state parameter is missing');
  });

  it('refuses an unknown client on an error page', async () => {
    const response = await fetch(authorizeUrl(server, { clientId: 'nobody' }), { redirect: 'manual' });
    expect(response.status).to.equal(400);
    expect(response.headers.get('location')).to.equal(null);
  });

  it('refuses a login form posted without the CSRF token of its interaction', async () => {
    const browser = new FormClient();
    const loginPage = await browser.open(authorizeUrl(server));
    expect(loginPage.status).to.equal(200);
    const forged = await browser.open(`${loginPage.url.href}/login`, {
      csrf: 'forged',
      email: DEMO.user.email,
      password: DEMO.user.password,
    });
    expect(forged.status).to.equal(403);
    expect(forged.redirect).to.equal(undefined);
  });

  it('refuses a login post for an interaction that belongs to another browser', async () => {
    const victim = new FormClient();
    const attacker = new FormClient();
    const victimPage = await victim.open(authorizeUrl(server));
    const attackerPage = await attacker.open(authorizeUrl(server));
    const csrf = /name="csrf" value="([^"]+)"/.exec(attackerPage.text)?.[1] ?? '';
    // The attacker's interaction and token, posted from the victim's browser (no attacker cookie there).
    const crossed = await victim.open(`${attackerPage.url.href}/login`, {
      csrf,
      email: DEMO.user.email,
      password: DEMO.user.password,
    });
    expect(victimPage.status).to.equal(200);
    expect(crossed.status).to.equal(400);
    expect(crossed.redirect).to.equal(undefined);
  });
});
