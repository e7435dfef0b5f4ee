/**
 * Login with Amazon, the part the ASK CLI uses: `POST /auth/o2/token` with the refresh_token grant (what the CLI
 * sends for ASK_REFRESH_TOKEN, as JSON; form encoding is accepted too, as LWA does) → a bearer access token that
 * the SMAPI routes accept. A configured fixed access token stands in for ASK_ACCESS_TOKEN, which skips LWA.
 *
 * The LWA client (client_id/client_secret — the CLI's built-in one unless ASK_LWA_CLIENT_ID is set) is not checked:
 * the cloud trusts whoever holds a refresh token it knows. Issued access tokens live in memory only; after a
 * restart the CLI simply refreshes again (it does so on every command with ASK_REFRESH_TOKEN).
 */

/** Access tokens held at once: far more than the CLI asks for within their hour (it refreshes once per command). */
const MAX_ISSUED_TOKENS = 10_000;
import { randomBytes, timingSafeEqual } from 'node:crypto';
import express, { Router } from 'express';
import { LRUCache } from 'lru-cache';
import { noteCall } from './log.js';

export interface LwaOptions {
  /** Refresh tokens the token endpoint accepts. */
  refreshTokens: readonly string[];
  /** An access token accepted without going through LWA (ASK_ACCESS_TOKEN). */
  fixedAccessTokens: readonly string[];
  accessTokenTtlSeconds: number;
  now: () => number;
}

export interface TokenAuthority {
  isValidAccessToken(token: string): boolean;
  router: Router;
}

export function createLwa(options: LwaOptions): TokenAuthority {
  // Each issued token for accessTokenTtlSeconds on the cloud's clock (still valid at exactly that age, as lru-cache
  // counts); least recently used dropped past the bound, so a long-running cloud does not collect them.
  const issued = new LRUCache<string, true>({
    max: MAX_ISSUED_TOKENS,
    ttl: options.accessTokenTtlSeconds * 1000,
    ttlResolution: 0,
    perf: { now: options.now },
  });

  const isValidAccessToken = (token: string): boolean =>
    options.fixedAccessTokens.some((fixed) => sameSecret(fixed, token)) || issued.has(token);

  const router = Router();
  router.post('/auth/o2/token', express.json({ limit: '64kb' }), express.urlencoded({ extended: false, limit: '64kb' }), (req, res) => {
    noteCall(res, { api: 'lwa', operation: 'token' });
    const body = (req.body ?? {}) as Record<string, unknown>;
    const grantType = body.grant_type;
    if (grantType !== 'refresh_token') {
      noteCall(res, { outcome: 'unsupported_grant_type' });
      res.status(400).json({
        error: 'unsupported_grant_type',
        error_description: `grant_type ${JSON.stringify(grantType ?? null)} is not supported here; the local cloud issues access tokens for the refresh_token grant only`,
      });
      return;
    }
    const refreshToken = body.refresh_token;
    if (typeof refreshToken !== 'string' || !options.refreshTokens.some((known) => sameSecret(known, refreshToken))) {
      noteCall(res, { outcome: 'invalid_grant' });
      res.status(400).json({ error: 'invalid_grant', error_description: 'The request has an invalid grant parameter : refresh_token' });
      return;
    }
    const accessToken = `Atza|${randomBytes(32).toString('base64url')}`;
    issued.set(accessToken, true);
    res.set('Cache-Control', 'no-store').json({
      access_token: accessToken,
      refresh_token: refreshToken,
      token_type: 'bearer',
      expires_in: options.accessTokenTtlSeconds,
    });
  });

  return { isValidAccessToken, router };
}

function sameSecret(expected: string, given: string): boolean {
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}
