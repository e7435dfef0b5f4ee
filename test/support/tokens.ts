/** An in-test issuer: an ES256 key pair, its JWKS, and access tokens signed the way the local authorization server signs them. */
import { createLocalJWKSet, exportJWK, generateKeyPair, SignJWT, type JWK, type JWTPayload } from 'jose';
import type { TokenVerificationConfig } from '../../lambda/config.js';

export const TEST_ISSUER = 'https://auth.test';
export const TEST_AUDIENCE = 'https://api.ride-hailer.example';

export interface TestIssuer {
  jwks: { keys: JWK[] };
  keys: ReturnType<typeof createLocalJWKSet>;
  config: Extract<TokenVerificationConfig, { mode: 'jwt' }>;
  /** A valid access token unless `claims`/`header` say otherwise. */
  token(claims?: JWTPayload & { scope?: string }, header?: { typ?: string; kid?: string; /** null: no `exp` claim at all. */ expiresIn?: string | number | null }): Promise<string>;
}

export async function createTestIssuer(kid = 'test-key-1'): Promise<TestIssuer> {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const jwk = { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' };
  const jwks = { keys: [jwk] };
  return {
    jwks,
    keys: createLocalJWKSet(jwks),
    config: {
      mode: 'jwt',
      issuer: TEST_ISSUER,
      audience: TEST_AUDIENCE,
      jwksUrl: new URL(`${TEST_ISSUER}/jwks`),
      algorithms: ['ES256'],
      tokenType: 'at+jwt',
      clockToleranceSeconds: 5,
    },
    async token(claims = {}, header = {}) {
      const jwt = new SignJWT({ iss: TEST_ISSUER, aud: TEST_AUDIENCE, sub: 'user-ann', scope: 'basic_profile order_car', client_id: 'alexa-ride-hailer', ...claims })
        .setProtectedHeader({ alg: 'ES256', typ: header.typ ?? 'at+jwt', kid: header.kid ?? kid })
        .setIssuedAt();
      if (header.expiresIn !== null) jwt.setExpirationTime(header.expiresIn ?? '1h');
      return jwt.sign(privateKey);
    },
  };
}
