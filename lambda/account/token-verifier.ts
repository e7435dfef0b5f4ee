/**
 * Local verification of the access token Alexa hands us, before the resource server ever sees it.
 *
 * JWT mode (the issuer publishes keys): jose checks signature, algorithm allow-list, iss, aud, exp/nbf and typ.
 * The JWKS is fetched once and cached by jose, which refetches (at most once per cooldown) when a token names an
 * unknown `kid`. Opaque mode (e.g. Login with Amazon): nothing can be checked here, the resource server decides.
 *
 * Alexa sends the same access token with every request for its whole lifetime, so a verified token is remembered
 * (bounded, and never past its `exp`): repeat requests skip the signature check, which is most of the CPU cost.
 *
 * jose is loaded on the first verification, not at start-up: a cold Lambda answering an unlinked user never needs it.
 * So is the cache of verified tokens (lru-cache): until the first verification there is nothing to remember.
 */
import type { JWTPayload, JWTVerifyGetKey, errors as JoseErrors, jwtVerify as JwtVerify } from 'jose';
import type { LRUCache } from 'lru-cache';
import type { TokenVerificationConfig } from '../config.js';
import { AccountLinkRequired, IssuerUnavailable } from '../errors.js';
import { fetchJwksWithGot } from './jwks-fetch.js';

export interface VerifiedToken {
  token: string;
  /** The user at the authorization server (`sub`); unknown for opaque tokens. */
  subject: string | undefined;
  /** Granted scopes; undefined when the token cannot be read locally (opaque), so only the API can judge. */
  scopes: ReadonlySet<string> | undefined;
}

export interface TokenVerifier {
  /** Resolves with what the token says, or rejects with AccountLinkRequired (bad token) or IssuerUnavailable (keys unreachable). */
  verify(token: string): Promise<VerifiedToken>;
}

export interface TokenVerifierOptions {
  /** Clock in milliseconds; tests move it. */
  now?: () => number;
  /** How many verified tokens to remember. */
  cacheSize?: number;
  /** Injected key set (tests, or a pre-fetched JWKS); defaults to jose's remote set for the configured URL. */
  keys?: JWTVerifyGetKey;
  /** Minimum time between two JWKS fetches (an unknown `kid` triggers one); jose's default is 30 s. */
  jwksCooldownMs?: number;
}

/**
 * A JWKS fetch comes before the API call on a cold start: 1.5 s for it plus the API's 3 s budget still leaves most of
 * Alexa's 8 s for everything else, and a healthy issuer answers in a fraction of that.
 */
const JWKS_TIMEOUT_MS = 1500;
/** jose's default: a token naming an unknown `kid` refetches the keys at most this often, so a flood of them costs one fetch. */
const JWKS_COOLDOWN_MS = 30_000;
/** Tokens remembered as verified: a few hundred bytes each, plenty for the users one container serves within an hour. */
const REMEMBERED_TOKENS = 1000;

export function createTokenVerifier(config: TokenVerificationConfig, options: TokenVerifierOptions = {}): TokenVerifier {
  if (config.mode === 'opaque') {
    return { verify: async (token) => ({ token, subject: undefined, scopes: undefined }) };
  }
  const now = options.now ?? Date.now;
  /** Least recently used dropped first; expiry is checked on each hit below (the answer differs: token_expired). */
  let remembered: LRUCache<string, VerifiedToken & { expiresAtMs: number }> | undefined;
  let jose: Promise<{ jwtVerify: typeof JwtVerify; errors: typeof JoseErrors; keys: JWTVerifyGetKey }> | undefined;
  const loadOnFirstUse = () =>
    (jose ??= Promise.all([import('./jose-parts.js'), import('lru-cache')]).then(([{ createRemoteJWKSet, customFetch, jwtVerify, errors }, { LRUCache }]) => {
      remembered = new LRUCache({ max: options.cacheSize ?? REMEMBERED_TOKENS });
      return {
        jwtVerify,
        errors,
        keys:
          options.keys ??
          createRemoteJWKSet(config.jwksUrl, {
            timeoutDuration: JWKS_TIMEOUT_MS,
            cooldownDuration: options.jwksCooldownMs ?? JWKS_COOLDOWN_MS,
            // Through got, which the API client loads anyway, not the global fetch (see jwks-fetch.ts).
            [customFetch]: fetchJwksWithGot(),
          }),
      };
    }));
  const toleranceMs = config.clockToleranceSeconds * 1000;

  return {
    async verify(token) {
      const known = remembered?.get(token);
      if (known) {
        if (now() < known.expiresAtMs + toleranceMs) return known;
        remembered!.delete(token);
        throw new AccountLinkRequired('token_expired');
      }
      const { jwtVerify, errors, keys } = await loadOnFirstUse();
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(token, keys, {
          issuer: config.issuer,
          audience: config.audience,
          algorithms: config.algorithms,
          clockTolerance: config.clockToleranceSeconds,
          currentDate: new Date(now()),
          requiredClaims: ['exp', 'sub'],
          ...(config.tokenType ? { typ: config.tokenType } : {}),
        }));
      } catch (error) {
        throw classify(error, errors);
      }
      const verified = {
        token,
        subject: payload.sub,
        scopes: readScopes(payload),
        expiresAtMs: (payload.exp as number) * 1000,
      };
      remembered!.set(token, verified);
      return verified;
    },
  };
}

/**
 * A token problem means re-linking; trouble reaching or reading the issuer's keys is our side's outage, not the
 * user's fault, and must not send them through linking again.
 */
function classify(error: unknown, errors: typeof JoseErrors): Error {
  if (error instanceof errors.JWTExpired) return new AccountLinkRequired('token_expired');
  const tokenIsBad = [
    errors.JWTClaimValidationFailed,
    errors.JWTInvalid,
    errors.JWSInvalid,
    errors.JWSSignatureVerificationFailed,
    errors.JWKSNoMatchingKey,
    errors.JWKSMultipleMatchingKeys,
    errors.JOSEAlgNotAllowed,
    errors.JOSENotSupported,
  ].some((type) => error instanceof type);
  // Everything else — a JWKS fetch that failed, timed out or returned garbage — is unavailability.
  return tokenIsBad ? new AccountLinkRequired('token_invalid') : new IssuerUnavailable('jwks_unreachable');
}

/** RFC 9068 `scope` (space-separated string); some issuers use `scp` (array). */
function readScopes(payload: JWTPayload): ReadonlySet<string> {
  if (typeof payload.scope === 'string') return new Set(payload.scope.split(' ').filter(Boolean));
  if (Array.isArray(payload.scp)) return new Set(payload.scp.filter((s): s is string => typeof s === 'string'));
  return new Set();
}
