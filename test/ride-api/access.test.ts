import { expect } from 'chai';
import { SignJWT } from 'jose';
import { DEMO } from '../../local/demo.js';
import type { RideApi } from '../../local/ride-api/server.js';
import { ANN, call, startApi, startAuthority } from './helpers.js';
import type { Authority } from './helpers.js';

const base64url = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('ride API: access tokens', () => {
  let authority: Authority;
  let api: RideApi;

  before(async () => {
    authority = await startAuthority();
    ({ api } = await startApi(authority));
  });
  after(async () => {
    await api.close();
    await authority.close();
  });

  function expectInvalidToken(answer: { status: number; headers: Headers; json: any }) {
    expect(answer.status).to.equal(401);
    const challenge = answer.headers.get('www-authenticate') ?? '';
    expect(challenge).to.match(/^Bearer realm="ride-hailer", error="invalid_token", error_description="[^"\\]+"$/);
    expect(answer.json.error).to.equal('invalid_token');
    expect(answer.json.error_description).to.be.a('string').that.is.not.empty;
  }

  it('answers a request without a token with 401 and a challenge without an error attribute', async () => {
    const answer = await call(api.url, 'GET', '/v1/rides/current');
    expect(answer.status).to.equal(401);
    expect(answer.headers.get('www-authenticate')).to.equal('Bearer realm="ride-hailer"');
    expect(answer.json.error).to.equal('invalid_token');
  });

  it('treats another authentication scheme as no token at all', async () => {
    const answer = await call(api.url, 'GET', '/v1/me', { headers: { authorization: 'Basic YW5uOnB3' } });
    expect(answer.status).to.equal(401);
    expect(answer.headers.get('www-authenticate')).to.equal('Bearer realm="ride-hailer"');
  });

  it('refuses a Bearer header without a usable token', async () => {
    expectInvalidToken(await call(api.url, 'GET', '/v1/me', { headers: { authorization: 'Bearer ' } }));
    expectInvalidToken(await call(api.url, 'GET', '/v1/me', { headers: { authorization: 'Bearer a"b' } }));
  });

  it('accepts ES256 and RS256 tokens from the JWKS', async () => {
    for (const alg of ['ES256', 'RS256'] as const) {
      const answer = await call(api.url, 'GET', '/v1/me', { token: await authority.token({ alg }) });
      expect(answer.status, alg).to.equal(200);
      expect(answer.json).to.deep.equal(ANN);
    }
  });

  it('refuses an expired token', async () => {
    const answer = await call(api.url, 'GET', '/v1/me', { token: await authority.token({ expiresIn: -60 }) });
    expectInvalidToken(answer);
    expect(answer.json.error_description).to.match(/expired/);
  });

  it('tolerates a few seconds of clock skew on exp', async () => {
    const answer = await call(api.url, 'GET', '/v1/me', { token: await authority.token({ expiresIn: -2 }) });
    expect(answer.status).to.equal(200);
  });

  it('refuses a token that is not yet valid', async () => {
    const nbf = Math.floor(Date.now() / 1000) + 120;
    const answer = await call(api.url, 'GET', '/v1/me', { token: await authority.token({ extraClaims: { nbf } }) });
    expectInvalidToken(answer);
    expect(answer.json.error_description).to.match(/not valid yet/);
  });

  it('refuses a token without a subject', async () => {
    expectInvalidToken(await call(api.url, 'GET', '/v1/me', { token: await authority.token({ sub: '' }) }));
  });

  it('refuses a token for another audience', async () => {
    const answer = await call(api.url, 'GET', '/v1/me', { token: await authority.token({ aud: 'https://other.example' }) });
    expectInvalidToken(answer);
    expect(answer.json.error_description).to.match(/aud/);
  });

  it('refuses a token from another issuer', async () => {
    const answer = await call(api.url, 'GET', '/v1/me', { token: await authority.token({ iss: 'https://evil.example/' }) });
    expectInvalidToken(answer);
    expect(answer.json.error_description).to.match(/iss/);
  });

  it('refuses a token whose typ is not at+jwt, or missing', async () => {
    for (const typ of ['JWT', null]) {
      const answer = await call(api.url, 'GET', '/v1/me', { token: await authority.token({ typ }) });
      expectInvalidToken(answer);
      expect(answer.json.error_description).to.match(/at\+jwt/);
    }
  });

  it('refuses an unsigned (alg none) token', async () => {
    const now = Math.floor(Date.now() / 1000);
    const payload = { iss: authority.issuer, aud: DEMO.apiAudience, sub: ANN.id, scope: 'basic_profile', exp: now + 300 };
    const token = `${base64url({ alg: 'none', typ: 'at+jwt' })}.${base64url(payload)}.`;
    expectInvalidToken(await call(api.url, 'GET', '/v1/me', { token }));
  });

  it('refuses an HS256 token, whatever secret signed it', async () => {
    const token = await new SignJWT({ scope: 'basic_profile order_car' })
      .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt', kid: 'es-1' })
      .setIssuer(authority.issuer)
      .setAudience(DEMO.apiAudience)
      .setSubject(ANN.id)
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode('a-shared-secret-that-nobody-should-use'));
    const answer = await call(api.url, 'GET', '/v1/me', { token });
    expectInvalidToken(answer);
    expect(answer.json.error_description).to.match(/algorithm/);
  });

  it('refuses a token signed with a key the JWKS does not publish', async () => {
    const answer = await call(api.url, 'GET', '/v1/me', { token: await authority.token({ unknownKey: true }) });
    expectInvalidToken(answer);
  });

  it('refuses a token whose signature was tampered with', async () => {
    const token = await authority.token();
    const [header, payload] = token.split('.');
    const forgedPayload = base64url({ ...JSON.parse(Buffer.from(payload!, 'base64url').toString()), sub: 'user-bob' });
    const forged = `${header}.${forgedPayload}.${token.split('.')[2]}`;
    expectInvalidToken(await call(api.url, 'GET', '/v1/me', { token: forged }));
  });

  it('refuses garbage in place of a token', async () => {
    expectInvalidToken(await call(api.url, 'GET', '/v1/me', { token: 'not.a.jwt' }));
  });

  it('answers 403 insufficient_scope naming order_car when the token lacks it', async () => {
    const token = await authority.token({ scope: 'basic_profile' });
    for (const [method, path] of [
      ['GET', '/v1/rides/current'],
      ['DELETE', '/v1/rides/current'],
      ['POST', '/v1/rides'],
    ] as const) {
      const order = method === 'POST' ? { body: { destination: 'the airport' }, idempotencyKey: 'k' } : {};
      const answer = await call(api.url, method, path, { token, ...order });
      expect(answer.status, path).to.equal(403);
      expect(answer.headers.get('www-authenticate')).to.match(
        /^Bearer realm="ride-hailer", error="insufficient_scope", error_description="[^"]+", scope="order_car"$/,
      );
      expect(answer.json.error).to.equal('insufficient_scope');
    }
  });

  it('answers 403 naming basic_profile for /v1/me without it', async () => {
    const answer = await call(api.url, 'GET', '/v1/me', { token: await authority.token({ scope: 'order_car' }) });
    expect(answer.status).to.equal(403);
    expect(answer.headers.get('www-authenticate')).to.contain('scope="basic_profile"');
  });

  it('reads the scope claim as a space-separated list, not a substring', async () => {
    const answer = await call(api.url, 'GET', '/v1/rides/current', {
      token: await authority.token({ scope: 'basic_profile order_car_later' }),
    });
    expect(answer.status).to.equal(403);
  });

  it('fetches the JWKS once and reuses it across requests', async () => {
    const before = authority.jwksFetches();
    const token = await authority.token();
    for (let i = 0; i < 5; i++) expect((await call(api.url, 'GET', '/v1/me', { token })).status).to.equal(200);
    expect(authority.jwksFetches()).to.equal(before);
  });
});

describe('ride API: unreachable JWKS', () => {
  it('answers 503, not 401, when the signing keys cannot be fetched', async () => {
    const authority = await startAuthority();
    const { api } = await startApi(authority, { jwksUrl: 'http://127.0.0.1:9/jwks' });
    try {
      const answer = await call(api.url, 'GET', '/v1/me', { token: await authority.token() });
      expect(answer.status).to.equal(503);
      expect(answer.json.error).to.equal('temporarily_unavailable');
      expect(answer.text).not.to.match(/\bat .+:\d+:\d+/);
    } finally {
      await api.close();
      await authority.close();
    }
  });
});
