/**
 * What a trusted access-token verifier is expected to refuse or allow, from the configuration an operator writes:
 * `typ` (RFC 9068 §4, RFC 8725 §3.11) required as at+jwt unless relaxed, `aud` as an array, a `crit` header, and a
 * flood of unknown `kid`s against jose's JWKS cooldown, counted at a loopback issuer.
 * Tokens are signed by hand (node:crypto), so headers jose would refuse to produce can be made.
 */
import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import { createTokenVerifier } from '../../lambda/account/token-verifier.js';
import { loadSkillConfig, type TokenVerificationConfig } from '../../lambda/config.js';
import { AccountLinkRequired } from '../../lambda/errors.js';
import { createMemoryLogger } from '../../common/logging.js';
import { productionDeps } from '../../lambda/skill.js';
import { rejection } from '../support/rejection.js';

const ISSUER = 'https://tenant.auth.test/';
const AUDIENCE = 'https://api.ride-hailer.example';
const KID = 'k1';

describe('token verifier: typ, aud, crit and unknown kids', () => {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  let jwksServer: Server;
  let jwksFetches = 0;
  let jwksUrl: string;

  before(async () => {
    const jwks = JSON.stringify({ keys: [{ ...publicKey.export({ format: 'jwk' }), kid: KID, alg: 'ES256', use: 'sig' }] });
    jwksServer = createServer((_req, res) => {
      jwksFetches++;
      res.setHeader('content-type', 'application/json');
      res.end(jwks);
    });
    await new Promise<void>((resolve) => jwksServer.listen(0, '127.0.0.1', resolve));
    jwksUrl = `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}/jwks`;
  });
  after(async () => {
    jwksServer.closeAllConnections();
    await new Promise((resolve) => jwksServer.close(resolve));
  });

  /** Auth0-style settings (no OAUTH_TOKEN_TYPE unless given). */
  const env = (extra: Record<string, string> = {}) => ({
    ALEXA_SKILL_ID: 'amzn1.ask.skill.test',
    RIDE_API_URL: 'http://127.0.0.1:9',
    OAUTH_JWKS_URL: jwksUrl,
    OAUTH_ISSUER: ISSUER,
    OAUTH_AUDIENCE: AUDIENCE,
    OAUTH_ALGORITHMS: 'ES256',
    ...extra,
  });
  const tokensFrom = (extra: Record<string, string> = {}) => loadSkillConfig(env(extra)).tokens as Extract<TokenVerificationConfig, { mode: 'jwt' }>;

  function token(header: Record<string, unknown> = {}, claims: Record<string, unknown> = {}, key: KeyObject = privateKey): string {
    const now = Math.floor(Date.now() / 1000);
    const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const input = `${encode({ alg: 'ES256', typ: 'at+jwt', kid: KID, ...header })}.${encode({ iss: ISSUER, aud: AUDIENCE, sub: 'ann', iat: now, exp: now + 3600, ...claims })}`;
    return `${input}.${sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' }).toString('base64url')}`;
  }

  async function outcome(config: TokenVerificationConfig, jwt: string): Promise<string> {
    try {
      await createTokenVerifier(config).verify(jwt);
      return 'accepted';
    } catch (error) {
      return error instanceof AccountLinkRequired ? error.problem : String(error);
    }
  }

  describe('typ', () => {
    it('requires at+jwt by default: a typ JWT token (an ID token, say) does not pass as an access token', async () => {
      const config = tokensFrom();
      expect(config.tokenType).to.equal('at+jwt');
      expect(await outcome(config, token({ typ: 'JWT' }))).to.equal('token_invalid');
      expect(await outcome(config, token({ typ: undefined }))).to.equal('token_invalid');
      expect(await outcome(config, token())).to.equal('accepted');
      expect(await outcome(config, token({ typ: 'application/at+jwt' }))).to.equal('accepted');
    });

    it('OAUTH_TOKEN_TYPE=any accepts any typ, and says so at start', async () => {
      const config = tokensFrom({ OAUTH_TOKEN_TYPE: 'any' });
      expect(config.tokenType).to.equal(undefined);
      expect(await outcome(config, token({ typ: 'JWT' }))).to.equal('accepted');
      const logger = createMemoryLogger('warn');
      productionDeps(loadSkillConfig(env({ OAUTH_TOKEN_TYPE: 'ANY' })), logger);
      expect(logger.lines.map((line) => JSON.parse(line).event)).to.deep.equal(['oauth_token_type_relaxed']);
    });

    it('OAUTH_TOKEN_TYPE=JWT requires that type instead, with the same warning; the default warns about nothing', async () => {
      const config = tokensFrom({ OAUTH_TOKEN_TYPE: 'JWT' });
      expect(await outcome(config, token({ typ: 'JWT' }))).to.equal('accepted');
      expect(await outcome(config, token())).to.equal('token_invalid');
      const relaxed = createMemoryLogger('warn');
      productionDeps(loadSkillConfig(env({ OAUTH_TOKEN_TYPE: 'JWT' })), relaxed);
      expect(relaxed.lines.join('\n')).to.contain('oauth_token_type_relaxed');
      const strict = createMemoryLogger('warn');
      productionDeps(loadSkillConfig(env()), strict);
      expect(strict.lines).to.deep.equal([]);
    });
  });

  it('accepts aud as an array that contains our audience, and refuses one that does not', async () => {
    const config = tokensFrom();
    expect(await outcome(config, token({}, { aud: ['https://other.example', AUDIENCE] }))).to.equal('accepted');
    expect(await outcome(config, token({}, { aud: ['https://other.example'] }))).to.equal('token_invalid');
    expect(await outcome(config, token({}, { aud: [] }))).to.equal('token_invalid');
  });

  it('refuses a crit header naming an extension it does not understand, and a malformed crit', async () => {
    const config = tokensFrom();
    expect(await outcome(config, token({ crit: ['urn:example:unknown'], 'urn:example:unknown': true }))).to.equal('token_invalid');
    expect(await outcome(config, token({ crit: ['exp'] }))).to.equal('token_invalid');
    expect(await outcome(config, token({ crit: [] }))).to.equal('token_invalid');
  });

  it('fetches the JWKS once for a flood of 200 tokens with unknown kids (jose cooldown), all refused', async () => {
    const verifier = createTokenVerifier(tokensFrom());
    jwksFetches = 0;
    expect((await verifier.verify(token())).subject).to.equal('ann');
    const forged = await Promise.all(Array.from({ length: 200 }, (_, i) => rejection(verifier.verify(token({ kid: `forged-${i}` })))));
    expect(forged.every((error) => error instanceof AccountLinkRequired && error.problem === 'token_invalid')).to.equal(true);
    expect(jwksFetches).to.equal(1);
  });

  it('with no valid token first, a concurrent flood of unknown kids still costs a single JWKS fetch', async () => {
    const verifier = createTokenVerifier(tokensFrom());
    jwksFetches = 0;
    await Promise.all(Array.from({ length: 100 }, (_, i) => rejection(verifier.verify(token({ kid: `forged-${i}` })))));
    expect(jwksFetches).to.equal(1);
  });
});
