import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { expect } from 'chai';
import { createRemoteJWKSet, decodeJwt, jwtVerify } from 'jose';
import { DEMO } from '../../local/demo.js';
import { startAuthServer, type AuthServer } from '../../local/auth/server.js';
import {
  authServerForSuite,
  CALLBACK,
  DEMO_LOGIN,
  exchangeCode,
  link,
  obtainCode,
  pkcePair,
  refresh,
  tokenRequest,
} from './helpers.js';

const DAY_MS = 24 * 60 * 60 * 1000;

/** Moves oidc-provider's (and the SQLite adapter's) clock forward while `body` runs. */
async function withClockAdvancedBy<T>(ms: number, body: () => Promise<T>): Promise<T> {
  const realNow = Date.now;
  Date.now = () => realNow() + ms;
  try {
    return await body();
  } finally {
    Date.now = realNow;
  }
}

describe('authorization server: OAuth 2.0 protocol for Alexa', () => {
  const suite = authServerForSuite();

  it('exchanges a code with HTTP Basic client authentication, without PKCE', async () => {
    const answer = await exchangeCode(suite.server, await obtainCode(suite.server), { scheme: 'basic' });
    expect(answer.status).to.equal(200);
    expect(answer.body).to.include({ token_type: 'Bearer', expires_in: 3600, scope: 'basic_profile order_car' });
    expect(answer.body.access_token).to.be.a('string');
    expect(answer.body.refresh_token).to.be.a('string');
  });

  it('exchanges a code with the client credentials in the request body', async () => {
    const answer = await exchangeCode(suite.server, await obtainCode(suite.server), { scheme: 'post' });
    expect(answer.status).to.equal(200);
    expect(answer.body.access_token).to.be.a('string');
    expect(answer.body.refresh_token).to.be.a('string');
  });

  it('accepts PKCE S256 when the client sends it', async () => {
    const { verifier, challenge } = pkcePair();
    const code = await obtainCode(suite.server, { codeChallenge: challenge });
    const answer = await exchangeCode(suite.server, code, {}, { code_verifier: verifier });
    expect(answer.status).to.equal(200);
    expect(answer.body.access_token).to.be.a('string');
  });

  it('refuses a PKCE code with a wrong or missing code_verifier', async () => {
    const { challenge } = pkcePair();
    const wrong = await exchangeCode(suite.server, await obtainCode(suite.server, { codeChallenge: challenge }), {}, {
      code_verifier: pkcePair().verifier,
    });
    expect(wrong.status).to.equal(400);
    expect(wrong.body.error).to.equal('invalid_grant');
    const missing = await exchangeCode(suite.server, await obtainCode(suite.server, { codeChallenge: challenge }));
    expect(missing.body.error).to.equal('invalid_grant');
  });

  it('issues a refresh token although offline_access was never requested', async () => {
    const tokens = await link(suite.server, { scope: 'order_car' });
    expect(String(tokens.scope).split(' ')).to.not.include('offline_access');
    expect(tokens.refresh_token).to.be.a('string').and.have.length.greaterThan(20);
    const refreshed = await refresh(suite.server, String(tokens.refresh_token));
    expect(refreshed.status).to.equal(200);
    expect(refreshed.body.scope).to.equal('order_car');
  });

  it('keeps an old refresh token working after it has been used (no rotation)', async () => {
    const tokens = await link(suite.server);
    const first = await refresh(suite.server, String(tokens.refresh_token));
    const second = await refresh(suite.server, String(tokens.refresh_token), { scheme: 'post' });
    expect(first.status).to.equal(200);
    expect(second.status).to.equal(200);
    expect(second.body.access_token).to.not.equal(first.body.access_token);
    if (first.body.refresh_token !== undefined) expect(first.body.refresh_token).to.equal(tokens.refresh_token);
  });

  it('issues ES256 at+jwt access tokens for the Ride Hailer API, verifiable against the JWKS', async () => {
    const tokens = await link(suite.server);
    const jwks = createRemoteJWKSet(new URL(suite.server.jwksUrl));
    const { payload, protectedHeader } = await jwtVerify(String(tokens.access_token), jwks, {
      issuer: suite.server.url,
      audience: DEMO.apiAudience,
      typ: 'at+jwt',
      algorithms: ['ES256'],
    });
    expect(protectedHeader).to.include({ alg: 'ES256', typ: 'at+jwt' });
    expect(payload.scope).to.equal('basic_profile order_car');
    expect(payload.client_id).to.equal(DEMO.clientId);
    const demoUser = await suite.server.users.findByEmail(DEMO.user.email);
    expect(payload.sub).to.equal(demoUser?.id);
    expect((payload.exp ?? 0) - (payload.iat ?? 0)).to.equal(3600).and.be.at.least(360);
  });

  it('never issues an ID token, also when openid is requested', async () => {
    const tokens = await link(suite.server, { scope: 'openid order_car' });
    expect(tokens).to.not.have.property('id_token');
    expect(tokens.scope).to.equal('order_car');
  });

  it('publishes discovery metadata and a JWKS with the ES256 public key only', async () => {
    const discovery = (await (await fetch(`${suite.server.url}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
    expect(discovery).to.include({
      issuer: suite.server.url,
      authorization_endpoint: suite.server.authorizationUrl,
      token_endpoint: suite.server.tokenUrl,
      revocation_endpoint: suite.server.revocationUrl,
      jwks_uri: suite.server.jwksUrl,
    });
    expect(discovery.scopes_supported).to.deep.equal(['basic_profile', 'order_car']);
    expect(discovery.response_types_supported).to.deep.equal(['code']);
    expect(discovery.token_endpoint_auth_methods_supported).to.have.members(['client_secret_basic', 'client_secret_post']);
    const { keys } = (await (await fetch(suite.server.jwksUrl)).json()) as { keys: Record<string, unknown>[] };
    expect(keys).to.have.length(1);
    expect(keys[0]).to.include({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' });
    expect(keys[0]).to.not.have.property('d');
  });

  it('makes refresh fail with invalid_grant once the refresh token is revoked', async () => {
    const tokens = await link(suite.server);
    const revocation = await fetch(suite.server.revocationUrl, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${DEMO.clientId}:${DEMO.clientSecret}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ token: String(tokens.refresh_token), token_type_hint: 'refresh_token' }),
    });
    expect(revocation.status).to.equal(200);
    const answer = await refresh(suite.server, String(tokens.refresh_token));
    expect(answer.status).to.equal(400);
    expect(answer.body.error).to.equal('invalid_grant');
  });

  it('refreshes after 14 idle days, when the login session has long expired', async () => {
    const tokens = await link(suite.server);
    const later = await withClockAdvancedBy(15 * DAY_MS, () => refresh(suite.server, String(tokens.refresh_token)));
    expect(later.status).to.equal(200);
    const { iat } = decodeJwt(String(later.body.access_token));
    expect((iat ?? 0) * 1000).to.be.greaterThan(Date.now() + 14 * DAY_MS); // the fake clock was in effect
  });

  it('lets the refresh token expire after its configured lifetime (365 days by default)', async () => {
    const tokens = await link(suite.server);
    const expired = await withClockAdvancedBy(366 * DAY_MS, () => refresh(suite.server, String(tokens.refresh_token)));
    expect(expired.status).to.equal(400);
    expect(expired.body.error).to.equal('invalid_grant');
  });

  it('never writes tokens, the client secret or passwords to its log', async () => {
    const tokens = await link(suite.server);
    const refreshed = await refresh(suite.server, String(tokens.refresh_token));
    const log = suite.logged.lines.join('\n');
    expect(suite.logged.lines.length).to.be.greaterThan(0);
    for (const secret of [
      String(tokens.access_token),
      String(tokens.refresh_token),
      String(refreshed.body.access_token),
      DEMO.clientSecret,
      DEMO_LOGIN.password,
    ]) {
      expect(log).to.not.include(secret);
    }
  });
});

describe('authorization server: lifetimes and sessions', () => {
  let dir: string;
  let server: AuthServer;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'auth-session-'));
    server = await startAuthServer({
      databaseFile: join(dir, 'auth.sqlite'),
      extraRedirectUris: [CALLBACK],
      accessTokenTtlSeconds: 420,
      log: () => {},
    });
  });
  after(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('sets the access-token lifetime from accessTokenTtlSeconds', async () => {
    const tokens = await link(server);
    expect(tokens.expires_in).to.equal(420);
    const { exp, iat } = decodeJwt(String(tokens.access_token));
    expect((exp ?? 0) - (iat ?? 0)).to.equal(420);
  });

  it('refreshes after the login session is gone', async () => {
    const tokens = await link(server);
    const db = new DatabaseSync(join(dir, 'auth.sqlite'));
    try {
      const removed = db.prepare("DELETE FROM oidc_store WHERE model = 'Session'").run();
      expect(Number(removed.changes)).to.be.greaterThan(0);
    } finally {
      db.close();
    }
    const answer = await refresh(server, String(tokens.refresh_token));
    expect(answer.status).to.equal(200);
  });

  it('refuses a client_credentials or password grant (only code and refresh_token)', async () => {
    const answer = await tokenRequest(server, { grant_type: 'client_credentials' });
    expect(answer.status).to.equal(400);
    expect(answer.body.error).to.be.oneOf(['unsupported_grant_type', 'unauthorized_client']);
  });
});
