/**
 * Who is calling, and may they: access-token verification (RFC 9068 JWT profile, keys from the authorization
 * server's JWKS) and the RFC 6750 answers for tokens that are missing, invalid or short of a scope.
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { createRemoteJWKSet, errors, jwtVerify } from 'jose';
import type { ApiError } from '../../lambda/rides/types.js';

export const REALM = 'ride-hailer';

/** Only the asymmetric algorithms our authorization server signs with; `none` and HMAC never verify. */
const ALGORITHMS = ['ES256', 'RS256'];
const CLOCK_TOLERANCE_SECONDS = 5;

export interface Access {
  subject: string;
  scopes: ReadonlySet<string>;
}

/** The token itself is at fault: 401 invalid_token, the client should get a new one (re-link). */
export class TokenRejected extends Error {
  override name = 'TokenRejected';
}

/** We could not check the token (JWKS unreachable or unusable): our problem, not the client's. */
export class KeysUnavailable extends Error {
  override name = 'KeysUnavailable';
}

export type VerifyAccessToken = (token: string) => Promise<Access>;

export interface VerifierOptions {
  issuer: string;
  audience: string;
  jwksUrl: string;
}

/** Builds the verifier once; jose caches the key set and refetches it (with a cooldown) for unknown key IDs. */
export function createAccessTokenVerifier({ issuer, audience, jwksUrl }: VerifierOptions): VerifyAccessToken {
  const keys = createRemoteJWKSet(new URL(jwksUrl), { timeoutDuration: 2000 });
  const options = {
    issuer,
    audience,
    algorithms: ALGORITHMS,
    typ: 'at+jwt',
    clockTolerance: CLOCK_TOLERANCE_SECONDS,
    requiredClaims: ['exp', 'sub'],
  };
  return async (token) => {
    try {
      const { payload } = await jwtVerify(token, keys, options);
      if (typeof payload.sub !== 'string' || payload.sub === '') throw new TokenRejected('The access token has no subject.');
      return { subject: payload.sub, scopes: parseScopes(payload.scope) };
    } catch (error) {
      throw error instanceof TokenRejected ? error : classify(error);
    }
  };
}

function parseScopes(claim: unknown): ReadonlySet<string> {
  return typeof claim === 'string' ? new Set(claim.split(' ').filter(Boolean)) : new Set();
}

/** Turns jose's precise errors into a short, header-safe description of what is wrong with the token. */
function classify(error: unknown): Error {
  if (error instanceof errors.JWTExpired) return new TokenRejected('The access token has expired.');
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'nbf') return new TokenRejected('The access token is not valid yet.');
    if (error.claim === 'typ') return new TokenRejected('The token is not an access token (typ must be at+jwt).');
    if (error.reason === 'missing') return new TokenRejected(`The access token has no ${error.claim} claim.`);
    return new TokenRejected(`The access token's ${error.claim} claim is not accepted here.`);
  }
  if (error instanceof errors.JOSEAlgNotAllowed || error instanceof errors.JOSENotSupported) {
    return new TokenRejected('The access token is signed with an algorithm this API does not accept.');
  }
  if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys) {
    return new TokenRejected('No signing key of the authorization server matches the access token.');
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) {
    return new TokenRejected('The access token signature does not verify.');
  }
  if (error instanceof errors.JWSInvalid || error instanceof errors.JWTInvalid) {
    return new TokenRejected('The access token is malformed.');
  }
  return new KeysUnavailable('The signing keys of the authorization server are unavailable.');
}

export interface AccessGuardOptions {
  verify: VerifyAccessToken;
  /** Fault switch: refuse every token as if it had been revoked. */
  refuseAllTokens: () => boolean;
}

/** Middleware factory: one guard per route, each demanding one scope. The verified access lands in res.locals. */
export function createAccessGuard({ verify, refuseAllTokens }: AccessGuardOptions) {
  return function requireScope(scope: string): RequestHandler {
    return async (req: Request, res: Response, next: NextFunction) => {
      const token = bearerToken(req.headers.authorization);
      if (token === undefined) return unauthorized(res, undefined, 'No access token was sent.');
      if (token === '') return unauthorized(res, 'invalid_token', 'The Authorization header is malformed.');
      if (refuseAllTokens()) return unauthorized(res, 'invalid_token', 'The access token was refused.');
      let access: Access;
      try {
        access = await verify(token);
      } catch (error) {
        if (error instanceof TokenRejected) return unauthorized(res, 'invalid_token', error.message);
        return next(error);
      }
      if (!access.scopes.has(scope)) {
        const description = `The access token does not grant the ${scope} scope.`;
        res.set('WWW-Authenticate', challenge('insufficient_scope', description, scope));
        return sendError(res, 403, { error: 'insufficient_scope', error_description: description });
      }
      res.locals.access = access;
      next();
    };
  };
}

export function accessOf(res: Response): Access {
  return res.locals.access as Access;
}

/**
 * `undefined`: no bearer credentials at all (no header, or another scheme).
 * `''`: the Bearer scheme without a usable token.
 */
function bearerToken(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const match = /^Bearer(?: +(.*))?$/i.exec(header.trim());
  if (match === null) return undefined;
  const token = match[1] ?? '';
  return /^[A-Za-z0-9\-._~+/]+=*$/.test(token) ? token : '';
}

/**
 * 401. Without bearer credentials RFC 6750 §3.1 says the challenge carries no error attribute; the body still
 * says `invalid_token` so clients have one code to switch on.
 */
export function unauthorized(res: Response, error: 'invalid_token' | undefined, description: string): void {
  res.set('WWW-Authenticate', error === undefined ? `Bearer realm="${REALM}"` : challenge(error, description));
  sendError(res, 401, { error: 'invalid_token', error_description: description });
}

function challenge(error: string, description: string, scope?: string): string {
  const attributes = [`realm="${REALM}"`, `error="${error}"`, `error_description="${headerSafe(description)}"`];
  if (scope !== undefined) attributes.push(`scope="${scope}"`);
  return `Bearer ${attributes.join(', ')}`;
}

/** RFC 6750 §3: error_description is limited to printable ASCII without `"` and `\`. */
function headerSafe(text: string): string {
  return text.replace(/[^\x20-\x21\x23-\x5b\x5d-\x7e]/g, '');
}

export function sendError(res: Response, status: number, body: ApiError): void {
  res.status(status).json(body);
}
