/**
 * One journey per profile THROUGH THE BRIDGE against a fake upstream speaking that provider's dialect
 * (test/bridge/fakes): link (bridge /authorize → fake /authorize → bridge /callback → bridge code → bridge /token),
 * a linked request (the access token works on the fake's /me), refresh (with rotation where the provider rotates:
 * Alexa's bridge refresh token never changes, the fake sees the newest upstream token next time), expiry (the fake
 * refuses an expired token, a refresh brings a working one), the provider refusing the grant (→ invalid_grant) and
 * the provider failing in its own way (→ 503, the link survives).
 *
 * The bridge and the fake share one hand-moved clock.
 */
import { expect } from 'chai';
import { dialects, type DialectName } from '../fakes/dialects.js';
import { startFakeUpstream, type Fault, type FakeUpstream } from '../fakes/upstream.js';
import { CODE_REDIRECT, IMPLICIT_REDIRECT, callbackUrl, exchangeCode, get, refresh, startAuthorization, startTestBridge, type TestBridge } from '../helpers.js';

interface Case {
  profile: DialectName;
  env: Record<string, string>;
  /** What the fake's /authorize must have been asked (beyond client_id, redirect_uri, state). */
  authorizeQuery: Record<string, string | null>;
  /** The fake sees the client authenticate this way. */
  clientAuth: 'basic' | 'post';
  /** Form fields every upstream token request must carry. */
  tokenParams?: Record<string, string>;
  tokenHeaders?: Record<string, string>;
  refreshes: boolean;
  rotates: boolean;
  /** Seconds Alexa is told (undefined: no expires_in is passed on). */
  expiresIn: number | undefined;
  /** Seconds after which the fake refuses the access token (undefined: never). */
  lifetime: number | undefined;
  audience?: string;
}

const CASES: Case[] = [
  {
    profile: 'github',
    env: { BRIDGE_UPSTREAM_SCOPES: 'basic_profile=read:user,order_car=repo' },
    authorizeQuery: { scope: 'read:user repo' },
    clientAuth: 'post',
    tokenHeaders: { accept: 'application/json' },
    refreshes: false,
    rotates: false,
    expiresIn: undefined,
    lifetime: undefined,
  },
  {
    profile: 'slack',
    env: { BRIDGE_UPSTREAM_USER_SCOPES: 'identity.basic users:read', BRIDGE_UPSTREAM_SCOPES: 'basic_profile=,order_car=' },
    authorizeQuery: { user_scope: 'identity.basic,users:read', scope: null },
    clientAuth: 'basic',
    refreshes: true,
    rotates: false,
    expiresIn: 43200,
    lifetime: 43200,
  },
  {
    profile: 'azure',
    env: { BRIDGE_UPSTREAM_RESOURCE: 'https://service.contoso.com/', BRIDGE_UPSTREAM_SCOPES: 'basic_profile=openid,order_car=' },
    authorizeQuery: { resource: 'https://service.contoso.com/', scope: 'openid' },
    clientAuth: 'post',
    tokenParams: { resource: 'https://service.contoso.com/' },
    refreshes: true,
    rotates: true,
    expiresIn: 3599,
    lifetime: 3599,
  },
  {
    profile: 'withings',
    env: { BRIDGE_UPSTREAM_SCOPES: 'basic_profile=user.info,order_car=user.metrics' },
    authorizeQuery: { scope: 'user.info,user.metrics', code_challenge: null },
    clientAuth: 'post',
    tokenParams: { action: 'requesttoken' },
    refreshes: true,
    rotates: true,
    expiresIn: 10800,
    lifetime: 10800,
  },
  {
    profile: 'salesforce',
    env: { BRIDGE_UPSTREAM_SCOPES: 'basic_profile=api,order_car=,*=refresh_token' },
    authorizeQuery: { scope: 'api refresh_token' },
    clientAuth: 'post',
    refreshes: true,
    rotates: false,
    expiresIn: undefined,
    lifetime: 7200,
  },
  {
    profile: 'fitbit',
    env: { BRIDGE_UPSTREAM_SCOPES: 'basic_profile=profile,order_car=activity' },
    authorizeQuery: { scope: 'profile activity' },
    clientAuth: 'basic',
    refreshes: true,
    rotates: true,
    expiresIn: 28800,
    lifetime: 28800,
  },
  {
    profile: 'auth0',
    env: { BRIDGE_UPSTREAM_AUDIENCE: 'https://api.ride-hailer.example', BRIDGE_UPSTREAM_SCOPES: 'basic_profile=openid,order_car=rides:write,*=offline_access' },
    authorizeQuery: { audience: 'https://api.ride-hailer.example', scope: 'openid rides:write offline_access' },
    clientAuth: 'post',
    refreshes: true,
    rotates: true,
    expiresIn: 86400,
    lifetime: 86400,
    audience: 'https://api.ride-hailer.example',
  },
];

/** Past the bridge's repeated-answer window (links.ts REPEAT_ANSWER_S), so the next refresh goes upstream. */
const PAST_REPEAT_WINDOW_S = 31;

async function me(fake: FakeUpstream, accessToken: string): Promise<number> {
  const response = await fetch(fake.meUrl, { headers: { authorization: `Bearer ${accessToken}` } });
  await response.arrayBuffer();
  return response.status;
}

async function link(t: TestBridge, fake: FakeUpstream) {
  const upstream = await startAuthorization(t.bridge);
  expect(upstream.origin + upstream.pathname).to.equal(fake.authorizeUrl);
  const approved = await get(upstream.href);
  expect(approved.status, approved.text).to.equal(302);
  const back = await get(callbackUrl(t.bridge, new URL(approved.location!)));
  expect(back.status, back.text).to.equal(302);
  const alexa = new URL(back.location!);
  expect(alexa.origin + alexa.pathname).to.equal(CODE_REDIRECT);
  const code = alexa.searchParams.get('code');
  expect(code, alexa.href).to.be.a('string');
  const exchanged = await exchangeCode(t.bridge, code!);
  expect(exchanged.status, exchanged.text).to.equal(200);
  return { upstream, exchanged };
}

const lastRefreshRequest = (fake: FakeUpstream) => fake.tokenRequests.filter((r) => r.grant === 'refresh_token').at(-1);
const issuedRefreshTokens = (fake: FakeUpstream) => fake.events.flatMap((e) => (e.type === 'issued' && e.refreshToken ? [e.refreshToken] : []));

describe('bridge profiles: journeys through the bridge against fake upstreams', () => {
  for (const c of CASES) {
    describe(c.profile, () => {
      let fake: FakeUpstream;
      let t: TestBridge;

      beforeEach(async () => {
        fake = await startFakeUpstream({ dialect: c.profile, ...(c.audience ? { audience: c.audience } : {}) });
        t = await startTestBridge(
          {
            BRIDGE_PROFILE: c.profile,
            BRIDGE_UPSTREAM_AUTHORIZATION_URL: fake.authorizeUrl,
            BRIDGE_UPSTREAM_TOKEN_URL: fake.tokenUrl,
            BRIDGE_UPSTREAM_CLIENT_ID: fake.clientId,
            BRIDGE_UPSTREAM_CLIENT_SECRET: fake.clientSecret,
            BRIDGE_UPSTREAM_BUDGET_MS: '400',
            ...c.env,
          },
          { now: () => fake.clock.now() },
        );
      });
      afterEach(async () => {
        await t?.close();
        await fake?.close();
      });

      it('links in the provider’s dialect, and the access token works on the provider’s API', async () => {
        const { upstream, exchanged } = await link(t, fake);
        for (const [name, value] of Object.entries(c.authorizeQuery)) expect(upstream.searchParams.get(name), name).to.equal(value);

        const [codeRequest] = fake.tokenRequests;
        expect(codeRequest!.grant).to.equal('authorization_code');
        expect(codeRequest!.clientAuth).to.equal(c.clientAuth);
        expect(codeRequest!.answeredStatus).to.equal(200);
        for (const [name, value] of Object.entries(c.tokenParams ?? {})) expect(codeRequest!.params[name], name).to.equal(value);
        for (const [name, value] of Object.entries(c.tokenHeaders ?? {})) expect(codeRequest!.headers[name], name).to.equal(value);
        expect(fake.events.filter((e) => e.type === 'refused'), 'the fake refused something').to.deep.equal([]);

        expect(exchanged.body.token_type).to.equal('Bearer');
        expect(exchanged.body.expires_in).to.equal(c.expiresIn);
        if (c.refreshes) expect(exchanged.body.refresh_token).to.match(/^brt_/);
        else expect(exchanged.body).not.to.have.property('refresh_token');
        expect(await me(fake, exchanged.body.access_token as string)).to.equal(200);
      });

      if (dialects[c.profile].pkce) {
        it('refuses a provider code stolen from another sign-in and replayed under a state the attacker minted (PKCE)', async () => {
          // The victim's sign-in: the provider sends the browser back with a code bound to the victim's challenge.
          const victim = await startAuthorization(t.bridge, { state: 'victim-state' });
          expect(victim.searchParams.get('code_challenge_method')).to.equal('S256');
          const approved = await get(victim.href);
          const stolen = new URL(approved.location!).searchParams.get('code')!;
          const replay = async (params: { responseType?: string; redirectUri?: string }) => {
            const attacker = await startAuthorization(t.bridge, { state: 'attacker-state', ...params });
            return get(`${t.bridge.url}/callback?code=${encodeURIComponent(stolen)}&state=${encodeURIComponent(attacker.searchParams.get('state')!)}`);
          };
          // Code grant: the bridge code wraps the stolen code, but its exchange carries the attacker's verifier.
          const viaCode = await replay({});
          expect(viaCode.status, viaCode.text).to.equal(302);
          const exchanged = await exchangeCode(t.bridge, new URL(viaCode.location!).searchParams.get('code')!);
          expect(exchanged.status, exchanged.text).to.equal(400);
          expect(exchanged.body).to.deep.equal({ error: 'invalid_grant' });
          // Implicit grant: the bridge exchanges at once, is refused, and the fragment carries no token.
          const viaImplicit = await replay({ responseType: 'token', redirectUri: IMPLICIT_REDIRECT });
          expect(viaImplicit.status, viaImplicit.text).to.equal(302);
          const fragment = new URLSearchParams(new URL(viaImplicit.location!).hash.slice(1));
          expect(fragment.has('access_token')).to.equal(false);
          expect(fragment.get('error')).to.equal('server_error');
          expect(fake.events.filter((e) => e.type === 'issued')).to.deep.equal([]);
          expect(fake.events.filter((e) => e.type === 'refused').map((e) => e.type === 'refused' && e.kind)).to.deep.equal(['invalid_grant', 'invalid_grant']);
        });
      }

      if (!c.refreshes) {
        it('gives Alexa no refresh token, and the token keeps working (it never expires)', async () => {
          const { exchanged } = await link(t, fake);
          fake.clock.advance(365 * 86_400);
          expect(await me(fake, exchanged.body.access_token as string)).to.equal(200);
          expect(fake.tokenRequests.map((r) => r.grant)).to.deep.equal(['authorization_code']);
        });
        return;
      }

      it(`refreshes ${c.rotates ? 'through rotations: Alexa keeps one bridge token, the fake sees the newest upstream token each time' : 'with the same upstream token'}`, async () => {
        const { exchanged } = await link(t, fake);
        const bridgeToken = exchanged.body.refresh_token as string;
        const seen: string[] = [];
        for (let round = 0; round < 3; round += 1) {
          fake.clock.advance(PAST_REPEAT_WINDOW_S);
          const issuedBefore = issuedRefreshTokens(fake);
          const refreshed = await refresh(t.bridge, bridgeToken);
          expect(refreshed.status, refreshed.text).to.equal(200);
          expect(refreshed.body.refresh_token, 'Alexa’s refresh token changed').to.equal(bridgeToken);
          expect(refreshed.body.access_token).not.to.equal(exchanged.body.access_token);
          expect(await me(fake, refreshed.body.access_token as string)).to.equal(200);
          const presented = lastRefreshRequest(fake)!.params.refresh_token!;
          seen.push(presented);
          // The bridge presents the upstream token the fake issued last.
          expect(presented).to.equal(issuedBefore.at(-1));
          for (const [name, value] of Object.entries(c.tokenParams ?? {})) expect(lastRefreshRequest(fake)!.params[name], name).to.equal(value);
          expect(lastRefreshRequest(fake)!.clientAuth).to.equal(c.clientAuth);
        }
        expect(new Set(seen).size, `distinct upstream refresh tokens presented: ${seen.join(', ')}`).to.equal(c.rotates ? 3 : 1);
        expect(fake.events.filter((e) => e.type === 'refused' || e.type === 'reuse-detected')).to.deep.equal([]);
      });

      it('after the access token expires at the provider, a refresh brings a working one', async () => {
        const { exchanged } = await link(t, fake);
        fake.clock.advance(c.lifetime! + 1);
        expect(await me(fake, exchanged.body.access_token as string)).to.equal(401);
        const refreshed = await refresh(t.bridge, exchanged.body.refresh_token as string);
        expect(refreshed.status, refreshed.text).to.equal(200);
        expect(refreshed.body.expires_in).to.equal(c.expiresIn);
        expect(await me(fake, refreshed.body.access_token as string)).to.equal(200);
      });

      it('passes the provider’s refusal of a dead grant on to Alexa as invalid_grant', async () => {
        const { exchanged } = await link(t, fake);
        fake.revokeAllRefreshTokens();
        fake.clock.advance(PAST_REPEAT_WINDOW_S);
        const refused = await refresh(t.bridge, exchanged.body.refresh_token as string);
        expect(refused.status, refused.text).to.equal(400);
        expect(refused.body.error).to.equal('invalid_grant');
        expect(fake.events.at(-1)).to.deep.include({ type: 'refused', kind: 'invalid_grant' });
      });

      const faults: Fault[] = ['rate-limited', '500', '503', 'html-200', 'garbage', 'empty', 'down', 'hang'];
      it(`keeps the link through the provider’s own failures (${faults.join(', ')}): 503 to Alexa, then a normal refresh`, async () => {
        const { exchanged } = await link(t, fake);
        const bridgeToken = exchanged.body.refresh_token as string;
        for (const fault of faults) {
          fake.fault = fault;
          fake.clock.advance(PAST_REPEAT_WINDOW_S);
          const failed = await refresh(t.bridge, bridgeToken);
          expect(failed.status, `${fault}: ${failed.text}`).to.equal(503);
          expect(failed.body.error, fault).to.equal('temporarily_unavailable');
        }
        fake.fault = undefined;
        fake.clock.advance(PAST_REPEAT_WINDOW_S);
        const recovered = await refresh(t.bridge, bridgeToken);
        expect(recovered.status, recovered.text).to.equal(200);
        expect(await me(fake, recovered.body.access_token as string)).to.equal(200);
        expect(fake.events.filter((e) => e.type === 'reuse-detected')).to.deep.equal([]);
      });

      if (c.profile === 'auth0') {
        it('two concurrent refreshes and a retry after a lost answer never trigger reuse detection', async () => {
          const { exchanged } = await link(t, fake);
          const bridgeToken = exchanged.body.refresh_token as string;
          fake.tokenDelayMs = 150;
          const [first, second] = await Promise.all([refresh(t.bridge, bridgeToken), refresh(t.bridge, bridgeToken)]);
          expect(first.status, first.text).to.equal(200);
          expect(second.status, second.text).to.equal(200);
          expect(second.body.access_token).to.equal(first.body.access_token);
          // Alexa retries as if the answer were lost: answered again without spending the rotated token twice.
          const retried = await refresh(t.bridge, bridgeToken);
          expect(retried.status, retried.text).to.equal(200);
          expect(fake.tokenRequests.filter((r) => r.grant === 'refresh_token')).to.have.length(1);
          expect(fake.events.filter((e) => e.type === 'reuse-detected')).to.deep.equal([]);
          // And the family is still alive upstream.
          fake.tokenDelayMs = 0;
          fake.clock.advance(PAST_REPEAT_WINDOW_S);
          const later = await refresh(t.bridge, bridgeToken);
          expect(later.status, later.text).to.equal(200);
          expect(await me(fake, later.body.access_token as string)).to.equal(200);
        });

        it('the fake really detects reuse: presenting a rotated-away token revokes the family (control)', async () => {
          const { exchanged } = await link(t, fake);
          const original = issuedRefreshTokens(fake)[0]!;
          const refreshed = await refresh(t.bridge, exchanged.body.refresh_token as string);
          expect(refreshed.status).to.equal(200);
          const rotated = issuedRefreshTokens(fake).at(-1)!;
          // Present the rotated-away upstream token directly, as a thief would.
          const thief = await fetch(fake.tokenUrl, {
            method: 'POST',
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
            body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: original, client_id: fake.clientId, client_secret: fake.clientSecret }),
          });
          expect(thief.status).to.equal(403);
          expect(await thief.json()).to.deep.equal({ error: 'invalid_grant', error_description: 'Unknown or invalid refresh token.' });
          expect(fake.refreshTokenState(rotated)).to.equal('revoked');
          fake.clock.advance(PAST_REPEAT_WINDOW_S);
          const after = await refresh(t.bridge, exchanged.body.refresh_token as string);
          expect(after.status).to.equal(400);
          expect(after.body.error).to.equal('invalid_grant');
        });

        it('without the audience, Auth0’s access token does not work on the API (why the setting is required)', async () => {
          const plain = await startFakeUpstream({ dialect: 'auth0', audience: 'https://api.ride-hailer.example' });
          try {
            const sansAudience = new URL(plain.authorizeUrl);
            sansAudience.search = new URLSearchParams({ response_type: 'code', client_id: plain.clientId, redirect_uri: 'http://127.0.0.1:9/cb', scope: 'openid offline_access', state: 's' }).toString();
            const approved = await get(sansAudience.href);
            const code = new URL(approved.location!).searchParams.get('code')!;
            const answer = await fetch(plain.tokenUrl, {
              method: 'POST',
              headers: { 'content-type': 'application/x-www-form-urlencoded' },
              body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: 'http://127.0.0.1:9/cb', client_id: plain.clientId, client_secret: plain.clientSecret }),
            });
            const body = (await answer.json()) as { access_token: string };
            expect(await me(plain, body.access_token)).to.equal(401);
          } finally {
            await plain.close();
          }
        });
      }
    });
  }
});
