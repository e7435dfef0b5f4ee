import { expect } from 'chai';
import { ConfigError, loadServerConfig, loadSkillConfig } from '../../lambda/config.js';

const BASE = { ALEXA_SKILL_ID: 'amzn1.ask.skill.x', RIDE_API_URL: 'https://api.example.com' };

function problem(env: Record<string, string>): ConfigError {
  try {
    loadServerConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('configuration from the environment', () => {
  it('needs only the skill ID and the API URL, and then expects opaque tokens', () => {
    const config = loadSkillConfig(BASE);
    expect(config.skillId).to.equal('amzn1.ask.skill.x');
    expect(config.rideApi.baseUrl.href).to.equal('https://api.example.com/');
    expect(config.rideApi.totalBudgetMs).to.equal(3000);
    expect(config.tokens).to.deep.equal({ mode: 'opaque' });
    expect(config.logLevel).to.equal('info');
  });

  it('names the missing variable', () => {
    expect(problem({ RIDE_API_URL: 'https://x' }).variable).to.equal('ALEXA_SKILL_ID');
    expect(problem({ ALEXA_SKILL_ID: 'x' }).message).to.equal('RIDE_API_URL: not set (it is required)');
  });

  it('refuses malformed values with a message that says what is expected', () => {
    expect(problem({ ...BASE, RIDE_API_URL: 'not a url' }).message).to.match(/RIDE_API_URL: "not a url" is not an absolute URL/);
    expect(problem({ ...BASE, RIDE_API_URL: 'ftp://x' }).message).to.match(/must be an http\(s\) URL/);
    expect(problem({ ...BASE, PORT: 'eighty' }).message).to.match(/PORT: "eighty" must be a whole number/);
    expect(problem({ ...BASE, LOG_LEVEL: 'loud' }).message).to.match(/LOG_LEVEL: "loud" must be one of debug, info, warn, error, silent/);
    expect(problem({ ...BASE, ALEXA_VERIFY_REQUESTS: 'no' }).variable).to.equal('ALEXA_VERIFY_REQUESTS');
  });

  it('needs issuer and audience once a JWKS URL is set, and allows only asymmetric algorithms', () => {
    expect(problem({ ...BASE, OAUTH_JWKS_URL: 'https://auth/jwks' }).variable).to.equal('OAUTH_ISSUER');
    const jwt = { ...BASE, OAUTH_JWKS_URL: 'https://auth/jwks', OAUTH_ISSUER: 'https://auth', OAUTH_AUDIENCE: 'https://api' };
    for (const alg of ['none', 'HS256']) expect(problem({ ...jwt, OAUTH_ALGORITHMS: alg }).variable).to.equal('OAUTH_ALGORITHMS');
    const tokens = loadSkillConfig({ ...jwt, OAUTH_TOKEN_TYPE: 'at+jwt' }).tokens;
    expect(tokens).to.include({ mode: 'jwt', issuer: 'https://auth', audience: 'https://api', tokenType: 'at+jwt', clockToleranceSeconds: 10 });
    expect(tokens.mode === 'jwt' && tokens.algorithms).to.deep.equal(['RS256', 'ES256']);
  });

  it('keeps request verification on unless it is explicitly turned off', () => {
    expect(loadServerConfig(BASE).verification.enabled).to.equal(true);
    expect(loadServerConfig({ ...BASE, ALEXA_VERIFY_REQUESTS: '' }).verification.enabled).to.equal(true);
    expect(loadServerConfig({ ...BASE, ALEXA_VERIFY_REQUESTS: 'OFF' }).verification.enabled).to.equal(false);
    expect(loadServerConfig(BASE).verification.bodyLimitBytes).to.equal(256 * 1024);
  });
});
