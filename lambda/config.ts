/**
 * Environment → typed, validated configuration.
 *
 * Problems are reported as one ConfigError naming every variable at fault (with what is wrong with each), so a
 * misconfigured deployment says so at start-up in one readable line instead of failing at the first user request —
 * and is fixed in one round. The skill's variables hold no secrets (the account-linking secret lives at Amazon), so
 * a problem may quote the value it found.
 */
import { ConfigError, ConfigReader, httpUrl, integer, oneOf, optional, required, type Env } from '../common/env.js';
import { LOG_LEVELS, type LogLevel } from '../common/logging.js';

export { ConfigError } from '../common/env.js';

export { LOG_LEVELS, type LogLevel } from '../common/logging.js';

/** Asymmetric algorithms only: `none` and the HMAC family make no sense for tokens verified with published keys. */
const ALLOWED_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'];

/** How access tokens are checked before the resource server sees them. */
export type TokenVerificationConfig =
  | {
      mode: 'jwt';
      issuer: string;
      audience: string;
      jwksUrl: URL;
      algorithms: string[];
      /**
       * Required `typ` header: `at+jwt` (RFC 9068 §4) unless OAUTH_TOKEN_TYPE names another, or undefined when
       * OAUTH_TOKEN_TYPE=any — then an ID token or any other JWT from the same issuer and audience passes too.
       */
      tokenType: string | undefined;
      clockToleranceSeconds: number;
    }
  /** Opaque tokens (e.g. Login with Amazon): nothing to verify locally, the resource server decides. */
  | { mode: 'opaque' };

export interface SkillConfig {
  /**
   * The skill ID requests must carry. Optional on Lambda, where the ASK trigger's permission (its EventSourceToken
   * is the skill ID) already keeps other skills out and the ID only exists after the first deploy; checked here too
   * when set. Required by the self-hosted endpoint, which anyone can reach.
   */
  skillId: string | undefined;
  rideApi: {
    baseUrl: URL;
    /** Everything one API call may take, retries included; Alexa itself gives the skill 8 s. */
    totalBudgetMs: number;
  };
  tokens: TokenVerificationConfig;
  logLevel: LogLevel;
}

export interface ServerConfig extends SkillConfig {
  skillId: string;
  host: string;
  port: number;
  verification: {
    /** Signature + timestamp verification of Alexa requests. Only an explicit `off` disables it. */
    enabled: boolean;
    /** PEM file with extra trusted CA certificates (the local stack's test CA); Node's roots are always trusted. */
    extraCaFile: string | undefined;
    bodyLimitBytes: number;
    /**
     * LOCAL STACK ONLY: fetch signing certificates from this origin (same path) instead of s3.amazonaws.com.
     * The header's URL is still checked in full and the chain must still end at a trusted root.
     */
    certificateMirrorUrl?: URL | undefined;
    /** Budget for downloading one signing certificate chain. */
    certificateDownloadTimeoutMs?: number;
  };
}


export interface SkillConfigOptions {
  /** `optional` on Lambda (see SkillConfig.skillId); default `required`. */
  skillId?: 'required' | 'optional';
}

export function loadSkillConfig(env: Env = process.env, options: SkillConfigOptions = {}): SkillConfig {
  const reader = new ConfigReader();
  const config = readSkillConfig(env, reader, options.skillId ?? 'required');
  reader.done();
  return config;
}

export function loadServerConfig(env: Env = process.env): ServerConfig {
  const reader = new ConfigReader();
  const skill = readSkillConfig(env, reader, 'required');
  const verify = reader.read(() => oneOf(env, 'ALEXA_VERIFY_REQUESTS', ['on', 'off'] as const, 'on'));
  const config: ServerConfig = {
    ...skill,
    skillId: skill.skillId as string, // read as required: done() throws below before an unset one is seen
    host: optional(env, 'HOST') ?? '127.0.0.1',
    port: reader.read(() => integer(env, 'PORT', 3000, { min: 0, max: 65535 })),
    verification: {
      enabled: verify === 'on',
      extraCaFile: optional(env, 'ALEXA_EXTRA_CA_FILE'),
      bodyLimitBytes: reader.read(() => integer(env, 'ALEXA_BODY_LIMIT_BYTES', 256 * 1024, { min: 1024, max: 10 * 1024 * 1024 })),
      certificateMirrorUrl: reader.read(() => optionalHttpUrl(env, 'ALEXA_CERT_MIRROR_URL')),
      certificateDownloadTimeoutMs: reader.read(() => integer(env, 'ALEXA_CERT_DOWNLOAD_TIMEOUT_MS', 2000, { min: 100, max: 6000 })),
    },
  };
  reader.done();
  return config;
}

function readSkillConfig(env: Env, reader: ConfigReader, skillId: 'required' | 'optional'): SkillConfig {
  return {
    skillId: reader.read(() => (skillId === 'required' ? required(env, 'ALEXA_SKILL_ID') : optional(env, 'ALEXA_SKILL_ID'))),
    rideApi: {
      baseUrl: reader.read(() => httpUrl('RIDE_API_URL', required(env, 'RIDE_API_URL'))),
      totalBudgetMs: reader.read(() => integer(env, 'RIDE_API_BUDGET_MS', 3000, { min: 100, max: 7000 })),
    },
    tokens: tokenVerification(env, reader),
    logLevel: reader.read(() => oneOf(env, 'LOG_LEVEL', LOG_LEVELS, 'info')),
  };
}

function tokenVerification(env: Env, reader: ConfigReader): TokenVerificationConfig {
  const jwks = optional(env, 'OAUTH_JWKS_URL');
  if (jwks === undefined) return { mode: 'opaque' };
  return {
    mode: 'jwt',
    jwksUrl: reader.read(() => httpUrl('OAUTH_JWKS_URL', jwks)),
    issuer: reader.read(() => required(env, 'OAUTH_ISSUER', 'it is needed when OAUTH_JWKS_URL is set')),
    audience: reader.read(() => required(env, 'OAUTH_AUDIENCE', 'it is needed when OAUTH_JWKS_URL is set')),
    algorithms: reader.read(() => algorithms(env)),
    tokenType: reader.read(() => tokenType(env)),
    clockToleranceSeconds: reader.read(() => integer(env, 'OAUTH_CLOCK_TOLERANCE_S', 10, { min: 0, max: 300 })),
  };
}

function algorithms(env: Env): string[] {
  const algorithms = (optional(env, 'OAUTH_ALGORITHMS') ?? 'RS256,ES256').split(',').map((a) => a.trim());
  for (const alg of algorithms) {
    if (!ALLOWED_ALGORITHMS.includes(alg)) {
      throw new ConfigError('OAUTH_ALGORITHMS', `"${alg}" is not an allowed asymmetric algorithm (${ALLOWED_ALGORITHMS.join(', ')})`);
    }
  }
  return algorithms;
}

/** RFC 9068's `at+jwt` unless the deployment relaxes it (RFC 8725 §3.11: tokens of different kinds must not be confused). */
export const ACCESS_TOKEN_TYPE = 'at+jwt';

function tokenType(env: Env): string | undefined {
  const value = optional(env, 'OAUTH_TOKEN_TYPE') ?? ACCESS_TOKEN_TYPE;
  if (value.toLowerCase() === 'any') return undefined;
  if (!/^[\x21-\x7e]+$/.test(value)) throw new ConfigError('OAUTH_TOKEN_TYPE', `"${value}" is not a media type such as at+jwt (or "any")`);
  return value;
}

function optionalHttpUrl(env: Env, name: string): URL | undefined {
  const value = optional(env, name);
  return value === undefined ? undefined : httpUrl(name, value);
}
