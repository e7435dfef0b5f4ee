/**
 * GET /authorize — Alexa's authorization URI. An unknown client or a redirect URI that is not exactly one of the
 * configured ones gets a 400 page and is never redirected anywhere (that is how open redirectors and code theft
 * start). Everything else Alexa asked for is sealed into the upstream `state`, and the browser goes upstream.
 */
import { randomBytes } from 'node:crypto';
import { mapScopes } from '../config.js';
import type { BridgeContext } from '../context.js';
import { alexaRedirect, redirectUriGrant } from '../alexa-redirect.js';
import { s256 } from '../keys.js';
import { errorPage, redirect } from '../http/responses.js';
import type { BridgeRequest, BridgeResponse } from '../http/types.js';
import { sealState } from '../state.js';

/** RFC 7636 §4.2: an S256 challenge is a base64url SHA-256, 43 characters. */
const S256_CHALLENGE = /^[A-Za-z0-9_-]{43}$/;
const SINGLE_VALUED = ['client_id', 'redirect_uri', 'response_type', 'state', 'scope', 'code_challenge', 'code_challenge_method'];

export async function authorize(req: BridgeRequest, ctx: BridgeContext): Promise<BridgeResponse> {
  const { config, logger } = ctx;
  const q = req.query;
  const log = (outcome: string, fields: Record<string, string | boolean> = {}) =>
    logger.info('bridge.authorize', { profile: config.profile.name, outcome, ...fields });

  // RFC 6749 §3.1: parameters must not repeat; with two redirect_uri values there is no telling which one to trust.
  if (SINGLE_VALUED.some((name) => q.getAll(name).length > 1)) {
    log('refused_page', { reason: 'repeated parameter' });
    return errorPage(400, 'Invalid request', 'The request repeats a parameter.');
  }
  const clientId = q.get('client_id');
  if (clientId !== config.alexa.clientId) {
    log('refused_page', { reason: 'unknown client_id' });
    return errorPage(400, 'Unknown client', 'This link request does not come from a known client.');
  }
  const redirectUri = q.get('redirect_uri');
  if (redirectUri === null || !config.alexa.redirectUris.includes(redirectUri)) {
    log('refused_page', { reason: 'redirect_uri not registered' });
    return errorPage(400, 'Invalid redirect', 'The address to return to is not registered for this skill.');
  }

  // From here on the redirect URI is trusted: problems go back to Alexa as OAuth errors.
  const responseTypeParam = q.get('response_type');
  const responseType = responseTypeParam === 'code' || responseTypeParam === 'token' ? responseTypeParam : undefined;
  const alexaState = q.get('state');
  // Errors go back in the form the URI takes (config.ts admits only URIs of one of the two forms).
  const uriGrant = redirectUriGrant(redirectUri) ?? 'code';
  const back = (error: string, reason: string) => {
    log('refused_redirect', { reason, error });
    return redirect(alexaRedirect(redirectUri, uriGrant, { error, state: alexaState ?? undefined }));
  };
  if (responseType === undefined) return back('unsupported_response_type', 'response_type is neither code nor token');
  // The implicit grant only to an implicit-form URI, the code grant only to a code-form URI: a bridge configured
  // without an implicit URI never runs an implicit exchange.
  if (responseType !== uriGrant) return back('unsupported_response_type', `response_type ${responseType} with a redirect URI of the ${uriGrant} form`);
  if (alexaState === null || alexaState === '') return back('invalid_request', 'state missing');
  if (alexaState.length > 2048) return back('invalid_request', 'state too long');

  // Alexa's PKCE, for the code grant only (the implicit grant has no token request to present a verifier at).
  const codeChallenge = responseType === 'code' ? (q.get('code_challenge') ?? undefined) : undefined;
  if (codeChallenge !== undefined) {
    // Absent method means `plain` (RFC 7636 §4.3), which gives no protection against a stolen code: refused.
    if (q.get('code_challenge_method') !== 'S256') return back('invalid_request', 'code_challenge_method other than S256');
    if (!S256_CHALLENGE.test(codeChallenge)) return back('invalid_request', 'malformed code_challenge');
  }

  const upstreamVerifier = config.profile.upstreamPkce === false ? undefined : randomBytes(32).toString('base64url');
  const scope = q.get('scope') ?? '';
  const state = await sealState(
    ctx.keys.state,
    {
      alexaState,
      redirectUri,
      responseType,
      scope,
      clientId,
      ...(codeChallenge === undefined ? {} : { codeChallenge }),
      ...(upstreamVerifier === undefined ? {} : { upstreamVerifier }),
    },
    ctx.now(),
  );

  const upstream = new URL(config.upstream.authorizationUrl);
  // The profile's extras first, so they can never override the parameters the flow depends on.
  for (const [name, value] of Object.entries(config.profile.authorizationParams?.(config.profileSettings) ?? {})) upstream.searchParams.set(name, value);
  upstream.searchParams.set('response_type', 'code');
  upstream.searchParams.set('client_id', config.upstream.clientId);
  upstream.searchParams.set('redirect_uri', config.callbackUrl);
  const scopes = mapScopes(scope, config.upstream.scopeMap);
  if (scopes.length > 0) upstream.searchParams.set('scope', scopes.join(config.profile.scopeSeparator ?? ' '));
  else upstream.searchParams.delete('scope');
  upstream.searchParams.set('state', state);
  if (upstreamVerifier !== undefined) {
    upstream.searchParams.set('code_challenge', s256(upstreamVerifier));
    upstream.searchParams.set('code_challenge_method', 'S256');
  }
  log('redirected_upstream', { responseType, alexaPkce: codeChallenge !== undefined });
  return redirect(upstream.href);
}
