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

  it('names every missing or malformed variable at once, each with its problem, in one line', () => {
    const error = problem({ ALEXA_SKILL_ID: ' ', RIDE_API_BUDGET_MS: 'lots', OAUTH_JWKS_URL: 'keys', LOG_LEVEL: 'loud', PORT: '-1' });
    expect(error.variables).to.deep.equal(['ALEXA_SKILL_ID', 'RIDE_API_URL', 'RIDE_API_BUDGET_MS', 'OAUTH_JWKS_URL', 'OAUTH_ISSUER', 'OAUTH_AUDIENCE', 'LOG_LEVEL', 'PORT']);
    expect(error.variable).to.equal('ALEXA_SKILL_ID');
    expect(error.message).to.not.contain('\n');
    expect(error.message).to.equal(
      [
        'ALEXA_SKILL_ID: not set (it is required)',
        'RIDE_API_URL: not set (it is required)',
        'RIDE_API_BUDGET_MS: "lots" must be a whole number from 100 to 7000',
        'OAUTH_JWKS_URL: "keys" is not an absolute URL',
        'OAUTH_ISSUER: not set (it is needed when OAUTH_JWKS_URL is set)',
        'OAUTH_AUDIENCE: not set (it is needed when OAUTH_JWKS_URL is set)',
        'LOG_LEVEL: "loud" must be one of debug, info, warn, error, silent',
        'PORT: "-1" must be a whole number from 0 to 65535',
      ].join('; '),
    );
  });

  it('lets Lambda go without ALEXA_SKILL_ID (the ASK trigger checks the skill), never the self-hosted endpoint', () => {
    expect(loadSkillConfig({ RIDE_API_URL: 'https://api.example.com' }, { skillId: 'optional' }).skillId).to.equal(undefined);
    expect(loadSkillConfig(BASE, { skillId: 'optional' }).skillId).to.equal('amzn1.ask.skill.x');
    expect(() => loadSkillConfig({ RIDE_API_URL: 'https://api.example.com' })).to.throw(ConfigError, 'ALEXA_SKILL_ID: not set');
    expect(problem({ RIDE_API_URL: 'https://api.example.com' }).variables).to.deep.equal(['ALEXA_SKILL_ID']);
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

describe('configuration from the environment: defaults, ranges and spellings', () => {
  it('gives the server its defaults when only the two required variables are set', () => {
    const config = loadServerConfig(BASE);
    expect(config.host).to.equal('127.0.0.1');
    expect(config.port).to.equal(3000);
    expect(config.verification).to.deep.equal({
      enabled: true,
      extraCaFile: undefined,
      bodyLimitBytes: 256 * 1024,
      certificateMirrorUrl: undefined,
      certificateDownloadTimeoutMs: 2000,
    });
  });

  it('reads every server setting, trimmed', () => {
    const config = loadServerConfig({
      ...BASE,
      HOST: ' 0.0.0.0 ',
      PORT: '8443',
      ALEXA_VERIFY_REQUESTS: ' on ',
      ALEXA_EXTRA_CA_FILE: ' /etc/ca.pem ',
      ALEXA_BODY_LIMIT_BYTES: '4096',
      ALEXA_CERT_MIRROR_URL: 'http://127.0.0.1:4000',
      ALEXA_CERT_DOWNLOAD_TIMEOUT_MS: '500',
      LOG_LEVEL: 'WARN',
      RIDE_API_BUDGET_MS: '1500',
    });
    expect(config).to.include({ host: '0.0.0.0', port: 8443, logLevel: 'warn' });
    expect(config.rideApi.totalBudgetMs).to.equal(1500);
    expect(config.verification).to.include({ enabled: true, extraCaFile: '/etc/ca.pem', bodyLimitBytes: 4096, certificateDownloadTimeoutMs: 500 });
    expect(config.verification.certificateMirrorUrl?.href).to.equal('http://127.0.0.1:4000/');
  });

  it('treats a blank variable as unset, and a blank required one as missing', () => {
    expect(loadServerConfig({ ...BASE, HOST: '   ', PORT: '', LOG_LEVEL: ' ' })).to.include({ host: '127.0.0.1', port: 3000, logLevel: 'info' });
    expect(problem({ ...BASE, ALEXA_SKILL_ID: '  ' }).message).to.equal('ALEXA_SKILL_ID: not set (it is required)');
  });

  it('refuses a certificate mirror that is not an http(s) URL', () => {
    expect(problem({ ...BASE, ALEXA_CERT_MIRROR_URL: 'file:///etc/passwd' }).message).to.equal('ALEXA_CERT_MIRROR_URL: "file:///etc/passwd" must be an http(s) URL');
    expect(problem({ ...BASE, ALEXA_CERT_MIRROR_URL: 'mirror' }).variable).to.equal('ALEXA_CERT_MIRROR_URL');
  });

  it('accepts http and https API URLs', () => {
    expect(loadSkillConfig({ ...BASE, RIDE_API_URL: 'http://127.0.0.1:9000/api/' }).rideApi.baseUrl.href).to.equal('http://127.0.0.1:9000/api/');
  });

  const ranges: [variable: string, min: number, max: number][] = [
    ['RIDE_API_BUDGET_MS', 100, 7000],
    ['PORT', 0, 65535],
    ['ALEXA_BODY_LIMIT_BYTES', 1024, 10 * 1024 * 1024],
    ['ALEXA_CERT_DOWNLOAD_TIMEOUT_MS', 100, 6000],
  ];
  for (const [variable, min, max] of ranges) {
    it(`accepts ${variable} from ${min} to ${max} inclusive and nothing outside or fractional`, () => {
      for (const accepted of [min, max]) expect(() => loadServerConfig({ ...BASE, [variable]: String(accepted) }), String(accepted)).not.to.throw();
      for (const refused of [min - 1, max + 1, min + 0.5]) {
        expect(problem({ ...BASE, [variable]: String(refused) }).message).to.equal(`${variable}: "${refused}" must be a whole number from ${min} to ${max}`);
      }
    });
  }

  it('accepts OAUTH_CLOCK_TOLERANCE_S from 0 to 300', () => {
    const jwt = { ...BASE, OAUTH_JWKS_URL: 'https://auth/jwks', OAUTH_ISSUER: 'https://auth', OAUTH_AUDIENCE: 'https://api' };
    for (const [raw, seconds] of [['0', 0], ['300', 300]] as const) {
      const tokens = loadSkillConfig({ ...jwt, OAUTH_CLOCK_TOLERANCE_S: raw }).tokens;
      expect(tokens.mode === 'jwt' && tokens.clockToleranceSeconds).to.equal(seconds);
    }
    for (const raw of ['-1', '301']) expect(problem({ ...jwt, OAUTH_CLOCK_TOLERANCE_S: raw }).variable).to.equal('OAUTH_CLOCK_TOLERANCE_S');
  });

  it('reads ALEXA_VERIFY_REQUESTS as exactly on or off, any case', () => {
    expect(loadServerConfig({ ...BASE, ALEXA_VERIFY_REQUESTS: 'On' }).verification.enabled).to.equal(true);
    expect(loadServerConfig({ ...BASE, ALEXA_VERIFY_REQUESTS: 'off' }).verification.enabled).to.equal(false);
    expect(problem({ ...BASE, ALEXA_VERIFY_REQUESTS: 'false' }).message).to.equal('ALEXA_VERIFY_REQUESTS: "false" must be one of on, off');
  });

  describe('JWT access tokens', () => {
    const jwt = { ...BASE, OAUTH_JWKS_URL: 'https://auth.example.com/jwks', OAUTH_ISSUER: 'https://auth', OAUTH_AUDIENCE: 'https://api' };
    const tokens = (env: Record<string, string>) => {
      const config = loadSkillConfig({ ...jwt, ...env }).tokens;
      if (config.mode !== 'jwt') throw new Error('expected JWT verification');
      return config;
    };

    it('defaults to at+jwt, RS256 and ES256, with the JWKS URL parsed', () => {
      const config = tokens({});
      expect(config.tokenType).to.equal('at+jwt');
      expect(config.jwksUrl.href).to.equal('https://auth.example.com/jwks');
      expect(config.algorithms).to.deep.equal(['RS256', 'ES256']);
    });

    it('reads a comma-separated algorithm list, spaces around the names allowed', () => {
      expect(tokens({ OAUTH_ALGORITHMS: 'PS256, EdDSA ,ES384' }).algorithms).to.deep.equal(['PS256', 'EdDSA', 'ES384']);
    });

    it('refuses a disallowed algorithm anywhere in the list, naming it and the allowed ones', () => {
      expect(problem({ ...jwt, OAUTH_ALGORITHMS: 'RS256,HS512' }).message).to.equal(
        'OAUTH_ALGORITHMS: "HS512" is not an allowed asymmetric algorithm (RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, ES512, EdDSA, Ed25519)',
      );
    });

    it('relaxes the typ check only for "any" (any case), and refuses a token type with spaces or control characters', () => {
      expect(tokens({ OAUTH_TOKEN_TYPE: 'any' }).tokenType).to.equal(undefined);
      expect(tokens({ OAUTH_TOKEN_TYPE: 'ANY' }).tokenType).to.equal(undefined);
      expect(tokens({ OAUTH_TOKEN_TYPE: 'JWT' }).tokenType).to.equal('JWT');
      expect(tokens({ OAUTH_TOKEN_TYPE: 'application/at+jwt' }).tokenType).to.equal('application/at+jwt');
      for (const value of ['at jwt', 'at+jwt\u00e9', 'x\u0001']) {
        expect(problem({ ...jwt, OAUTH_TOKEN_TYPE: value }).message).to.equal(`OAUTH_TOKEN_TYPE: "${value}" is not a media type such as at+jwt (or "any")`);
      }
    });

    it('says why issuer and audience are needed, and refuses a JWKS URL that is not http(s)', () => {
      expect(problem({ ...BASE, OAUTH_JWKS_URL: 'https://auth/jwks', OAUTH_ISSUER: 'https://auth' }).message).to.equal(
        'OAUTH_AUDIENCE: not set (it is needed when OAUTH_JWKS_URL is set)',
      );
      expect(problem({ ...jwt, OAUTH_JWKS_URL: 'ftp://auth/jwks' }).variable).to.equal('OAUTH_JWKS_URL');
    });
  });

  it('ConfigError names the variable and is an Error called ConfigError', () => {
    const error = problem({ ...BASE, PORT: 'x' });
    expect(error).to.be.instanceOf(Error);
    expect(error.name).to.equal('ConfigError');
    expect(error.variable).to.equal('PORT');
  });
});
