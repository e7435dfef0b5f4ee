/**
 * The bridge in front of the REAL local authorization server (oidc-provider, real login and consent pages driven
 * headlessly): the code grant with a refresh, with PKCE, the implicit grant, and what the log never contains.
 */
import { expect } from 'chai';
import { decodeJwt } from 'jose';
import type { AuthServer } from '../../local/auth/server.js';
import {
  authEnv,
  CODE_REDIRECT,
  exchangeCode,
  expectNoSecretsIn,
  IMPLICIT_REDIRECT,
  linkInBrowser,
  pkcePair,
  refresh,
  startTestBridge,
  startUpstreamAuthServer,
  BRIDGE_CLIENT,
  UPSTREAM_CLIENT,
  TEST_KEY,
  get,
  startAuthorization,
  type TestBridge,
} from './helpers.js';

describe('bridge: journeys through the real local authorization server', () => {
  let auth: AuthServer;
  let t: TestBridge;
  const authLog: string[] = [];

  before(async () => {
    auth = await startUpstreamAuthServer({ log: (line) => authLog.push(line) });
    t = await startTestBridge(authEnv(auth));
  });
  after(async () => {
    await t?.close();
    await auth?.close();
  });

  it('code grant: Alexa gets the bridge code with its state, exchanges it, then refreshes with the stable bridge token', async () => {
    const back = await linkInBrowser(t.bridge, { state: 'alexa state/with+symbols' });
    expect(back.origin + back.pathname).to.equal(CODE_REDIRECT);
    expect(back.searchParams.get('state')).to.equal('alexa state/with+symbols');
    const code = back.searchParams.get('code')!;
    expect(code).to.be.a('string').with.length.above(40);

    const exchanged = await exchangeCode(t.bridge, code);
    expect(exchanged.status, exchanged.text).to.equal(200);
    expect(exchanged.headers.get('cache-control')).to.equal('no-store');
    expect(exchanged.body.token_type).to.equal('Bearer');
    expect(exchanged.body.expires_in).to.be.a('number').above(360);
    const accessToken = exchanged.body.access_token as string;
    // The upstream's real token, for the Ride Hailer API.
    expect(decodeJwt(accessToken).aud).to.equal('https://api.ride-hailer.example');
    const bridgeRefresh = exchanged.body.refresh_token as string;
    expect(bridgeRefresh).to.match(/^brt_/);

    const refreshed = await refresh(t.bridge, bridgeRefresh);
    expect(refreshed.status, refreshed.text).to.equal(200);
    expect(refreshed.body.refresh_token).to.equal(bridgeRefresh);
    expect(refreshed.body.access_token).to.be.a('string').and.not.equal(accessToken);
    expect(decodeJwt(refreshed.body.access_token as string).sub).to.equal(decodeJwt(accessToken).sub);

    // A second refresh works too: the upstream token behind the link was kept.
    const again = await refresh(t.bridge, bridgeRefresh, { scheme: 'body' });
    expect(again.status, again.text).to.equal(200);
    expectNoSecretsIn(t.logger.lines, [code, accessToken, bridgeRefresh, refreshed.body.access_token as string, BRIDGE_CLIENT.clientSecret, UPSTREAM_CLIENT.clientSecret, TEST_KEY]);
  });

  it('code grant with PKCE S256: the right verifier links', async () => {
    const { verifier, challenge } = pkcePair();
    const back = await linkInBrowser(t.bridge, { codeChallenge: challenge });
    const exchanged = await exchangeCode(t.bridge, back.searchParams.get('code')!, { code_verifier: verifier });
    expect(exchanged.status, exchanged.text).to.equal(200);
    expect(exchanged.body.refresh_token).to.match(/^brt_/);
  });

  it('sends its own PKCE upstream and the upstream state is a JWE, not Alexa’s state', async () => {
    const upstream = await startAuthorization(t.bridge, { state: 'visible-alexa-state' });
    expect(upstream.searchParams.get('code_challenge_method')).to.equal('S256');
    expect(upstream.searchParams.get('redirect_uri')).to.equal('https://bridge.ride-hailer.example/callback');
    expect(upstream.searchParams.get('client_id')).to.equal(UPSTREAM_CLIENT.clientId);
    const state = upstream.searchParams.get('state')!;
    expect(state.split('.')).to.have.length(5);
    expect(state).not.to.contain('visible-alexa-state');
  });

  it('implicit grant: the token in the fragment after ?vendorId=…, state preserved, no refresh token', async () => {
    const back = await linkInBrowser(t.bridge, { responseType: 'token', redirectUri: IMPLICIT_REDIRECT, state: 'implicit-state' });
    expect(back.href.startsWith(`${IMPLICIT_REDIRECT}#`)).to.equal(true);
    expect(back.searchParams.get('vendorId')).to.equal('M1LOCALDEMO');
    const fragment = new URLSearchParams(back.hash.slice(1));
    expect(fragment.get('state')).to.equal('implicit-state');
    expect(fragment.get('token_type')).to.equal('Bearer');
    expect(Number(fragment.get('expires_in'))).to.be.above(360);
    expect(decodeJwt(fragment.get('access_token')!).aud).to.equal('https://api.ride-hailer.example');
    expect(fragment.has('refresh_token')).to.equal(false);
    expect(fragment.has('code')).to.equal(false);
    expect(back.hash.indexOf('state=')).to.equal(1); // `#state=…&access_token=…&token_type=Bearer`
    expectNoSecretsIn(t.logger.lines, [fragment.get('access_token')]);
  });

  it('passes the user’s refusal on as access_denied with Alexa’s state', async () => {
    const upstream = await startAuthorization(t.bridge, { state: 'deny-state' });
    const state = upstream.searchParams.get('state')!;
    const answer = await get(`${t.bridge.url}/callback?error=access_denied&error_description=${encodeURIComponent('user said no at 10.1.2.3')}&state=${encodeURIComponent(state)}`);
    expect(answer.status).to.equal(302);
    const back = new URL(answer.location!);
    expect(back.searchParams.get('error')).to.equal('access_denied');
    expect(back.searchParams.get('state')).to.equal('deny-state');
    expect(back.searchParams.has('error_description')).to.equal(false);
    expect(answer.location).not.to.contain('10.1.2.3');
  });

  it('logs one JSON line per step with the profile and the outcome, and no JWE', () => {
    const records = t.logger.lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    const steps = new Set(records.map((r) => r.event));
    expect(steps).to.include.members(['bridge.authorize', 'bridge.callback', 'bridge.token']);
    for (const record of records.filter((r) => String(r.event).startsWith('bridge.') && r.event !== 'bridge.listening')) {
      expect(record.profile, JSON.stringify(record)).to.equal('oidc');
      expect(record.outcome, JSON.stringify(record)).to.be.a('string');
    }
    // No compact JWE (five base64url parts) and no JWT (three) anywhere in the log.
    expect(t.logger.lines.join('\n')).not.to.match(/[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}/);
    expect(t.logger.lines.join('\n')).not.to.match(/eyJ[A-Za-z0-9_-]+\.eyJ/);
  });
});
