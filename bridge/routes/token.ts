/**
 * POST /token — Alexa's access-token URI: form-encoded, client authenticated, grants `authorization_code` and
 * `refresh_token`, answered in RFC 6749 JSON with `Cache-Control: no-store`.
 *
 * Error mapping, chosen so that Alexa only ever unlinks a user when the upstream really refused the grant:
 * - the client's own mistakes → 400/401 with the RFC 6749 code (invalid_request, invalid_client, invalid_grant…);
 * - the upstream refused the grant (invalid_grant) or the scope (invalid_scope) → the same 400;
 * - the upstream refused the BRIDGE (invalid_client, unauthorized_client, invalid_request,
 *   unsupported_grant_type: wrong upstream secret, a misconfigured profile) → 503 temporarily_unavailable, logged
 *   as an error. Passing invalid_client on would tell Alexa its own secret is wrong, and a refused refresh would
 *   unlink every user over an operator's mistake that is fixed in minutes; a 503 keeps the links until it is fixed;
 * - upstream down, slow, 5xx, 429 or garbage → 503 temporarily_unavailable with Retry-After, never invalid_grant.
 */
import type { BridgeContext } from '../context.js';
import { authenticateClient } from '../client-auth.js';
import { openCode } from '../codes.js';
import { safeEqual, s256 } from '../keys.js';
import type { TokenAnswer } from '../links.js';
import { json, oauthError, temporarilyUnavailable } from '../http/responses.js';
import type { BridgeRequest, BridgeResponse } from '../http/types.js';
import type { UpstreamResult } from '../profiles/profile.js';

/** RFC 7636 §4.1. */
const VERIFIER = /^[A-Za-z0-9._~-]{43,128}$/;
const SINGLE_VALUED = ['grant_type', 'code', 'redirect_uri', 'refresh_token', 'code_verifier', 'client_id', 'client_secret'];

type Log = (outcome: string, fields?: Record<string, string | number>, level?: 'info' | 'error') => void;

export async function token(req: BridgeRequest, ctx: BridgeContext): Promise<BridgeResponse> {
  const { config, logger } = ctx;
  let grant = 'unknown';
  const log: Log = (outcome, fields = {}, level = 'info') => logger[level]('bridge.token', { profile: config.profile.name, grant, outcome, ...fields });

  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded') {
    log('refused', { error: 'invalid_request', reason: 'not form-encoded' });
    return oauthError(400, 'invalid_request');
  }
  const form = new URLSearchParams(req.body);
  if (SINGLE_VALUED.some((name) => form.getAll(name).length > 1)) {
    log('refused', { error: 'invalid_request', reason: 'repeated parameter' });
    return oauthError(400, 'invalid_request');
  }

  const client = authenticateClient(req.headers.authorization, form, config.alexa);
  if (!client.ok) {
    log('refused', { error: client.error, reason: client.reason });
    if (client.error === 'invalid_client') {
      return oauthError(401, 'invalid_client', client.basic ? { 'www-authenticate': 'Basic realm="bridge", charset="UTF-8"' } : {});
    }
    return oauthError(400, client.error);
  }

  grant = form.get('grant_type') ?? 'missing';
  if (grant === 'authorization_code') return codeGrant(form, client.clientId, ctx, log);
  if (grant === 'refresh_token') return refreshGrant(form, client.clientId, ctx, log);
  log('refused', { error: grant === 'missing' ? 'invalid_request' : 'unsupported_grant_type' });
  return oauthError(400, grant === 'missing' ? 'invalid_request' : 'unsupported_grant_type');
}

async function codeGrant(form: URLSearchParams, clientId: string, ctx: BridgeContext, log: Log): Promise<BridgeResponse> {
  const sealed = form.get('code');
  if (sealed === null || sealed === '') return refuse(log, 400, 'invalid_request', 'code missing');
  const code = await openCode(ctx.keys.code, sealed, ctx.now());
  if (code === undefined) return refuse(log, 400, 'invalid_grant', 'code invalid or expired');
  if (code.clientId !== clientId) return refuse(log, 400, 'invalid_grant', 'code issued to another client');
  if (form.get('redirect_uri') !== code.redirectUri) return refuse(log, 400, 'invalid_grant', 'redirect_uri differs from the authorization request');
  const verifier = form.get('code_verifier');
  // RFC 9700 §2.1.1: a verifier for a code issued without a challenge is a downgrade (an attacker who stripped the
  // challenge from the authorization request), not a harmless extra.
  if (code.codeChallenge === undefined && verifier !== null) return refuse(log, 400, 'invalid_grant', 'code_verifier for a code issued without code_challenge');
  if (code.codeChallenge !== undefined) {
    if (verifier === null) return refuse(log, 400, 'invalid_grant', 'code_verifier missing');
    if (!VERIFIER.test(verifier) || !safeEqual(s256(verifier), code.codeChallenge)) return refuse(log, 400, 'invalid_grant', 'code_verifier does not match');
  }
  // Redeemed only after every check, so a request that fails them cannot burn the user's code; then exactly once.
  if (!(await ctx.store.useOnce(`code:${code.jti}`, code.exp * 1000))) {
    // RFC 6749 §4.1.2: a replayed code revokes what it issued. Whoever takes the `code-linked` marker first decides:
    // the first redemption takes it once its link is stored, so a replay that finds it taken revokes that link, and
    // one that takes it first leaves the first redemption to find it taken and revoke its own link.
    if (!(await ctx.store.useOnce(`code-linked:${code.jti}`, code.exp * 1000))) {
      const revoked = await ctx.links.revokeFromCode(code.jti);
      return refuse(log, 400, 'invalid_grant', revoked ? 'code already used: the link it issued is revoked' : 'code already used');
    }
    return refuse(log, 400, 'invalid_grant', 'code already used');
  }

  const result = await ctx.upstream.token('authorization_code', {
    code: code.upstreamCode,
    redirect_uri: ctx.config.callbackUrl,
    ...(code.upstreamVerifier === undefined ? {} : { code_verifier: code.upstreamVerifier }),
  });
  if (result.kind !== 'tokens') return upstreamFailure(result, log);

  const answer: TokenAnswer = { access_token: result.accessToken, token_type: 'Bearer' };
  if (result.expiresIn !== undefined) answer.expires_in = result.expiresIn;
  if (result.refreshToken !== undefined && ctx.config.profile.issuesRefreshTokens) {
    try {
      answer.refresh_token = await ctx.links.create(clientId, result.refreshToken, code.jti);
    } catch (error) {
      // The upstream code is spent; without a stored link Alexa must not get a refresh token that leads nowhere.
      ctx.logger.error('bridge.store_write_failed', { step: 'link', errorName: error instanceof Error ? error.name : typeof error });
      return temporarilyUnavailable();
    }
    if (!(await ctx.store.useOnce(`code-linked:${code.jti}`, code.exp * 1000))) {
      await ctx.links.revokeFromCode(code.jti);
      return refuse(log, 400, 'invalid_grant', 'code replayed while it was redeemed: the link is revoked');
    }
  }
  log('issued', { refresh: answer.refresh_token === undefined ? 'none' : 'bridge' });
  return json(200, answer);
}

async function refreshGrant(form: URLSearchParams, clientId: string, ctx: BridgeContext, log: Log): Promise<BridgeResponse> {
  const bridgeToken = form.get('refresh_token');
  if (bridgeToken === null || bridgeToken === '') return refuse(log, 400, 'invalid_request', 'refresh_token missing');
  if (!bridgeToken.startsWith('brt_') || bridgeToken.length > 100) return refuse(log, 400, 'invalid_grant', 'not a bridge refresh token');
  const outcome = await ctx.links.refresh(bridgeToken, clientId);
  if (outcome.kind === 'tokens') {
    log('issued', { source: outcome.source });
    return json(200, outcome.answer);
  }
  // The bridge's own refusal (no such link, another client's) is logged as the bridge's: the upstream was not asked.
  if (outcome.kind === 'refused' && outcome.by === 'bridge') return refuse(log, 400, outcome.error, outcome.reason);
  return upstreamFailure(outcome, log);
}

function refuse(log: Log, status: number, error: string, reason: string): BridgeResponse {
  log('refused', { error, reason });
  return oauthError(status, error);
}

/** See the top of this file. The upstream's own words never reach Alexa; `reason` is the bridge's own text. */
function upstreamFailure(result: Exclude<UpstreamResult, { kind: 'tokens' }>, log: Log): BridgeResponse {
  if (result.kind === 'unavailable') {
    log('upstream_unavailable', { reason: result.reason.slice(0, 120) });
    return temporarilyUnavailable();
  }
  if (result.error === 'invalid_grant' || result.error === 'invalid_scope') {
    // Not even the upstream's `detail` is logged: free text from a provider may quote the token it refuses.
    log('upstream_refused', { error: result.error });
    return oauthError(400, result.error);
  }
  log('upstream_refused_bridge', { error: result.error, reason: 'the upstream refused the bridge itself: check BRIDGE_UPSTREAM_CLIENT_ID/SECRET and the profile' }, 'error');
  return temporarilyUnavailable();
}
