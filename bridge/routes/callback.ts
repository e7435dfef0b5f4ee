/**
 * GET /callback — where the upstream sends the browser back. The sealed state says where Alexa wants to go; a
 * state that is forged, tampered with, expired or already used gets a page and no redirect.
 *
 * Code grant: the upstream code is wrapped into the bridge's own code (bound to Alexa's client, redirect URI and
 * PKCE challenge). Implicit grant: the bridge exchanges the code itself and puts the access token into the
 * fragment; a refresh token the upstream may issue is dropped, never handed out or kept.
 */
import type { BridgeContext } from '../context.js';
import { alexaRedirect, passOnAuthorizationError, redirectUriGrant } from '../alexa-redirect.js';
import { sealCode } from '../codes.js';
import { errorPage, redirect } from '../http/responses.js';
import type { BridgeRequest, BridgeResponse } from '../http/types.js';
import { openState } from '../state.js';

export async function callback(req: BridgeRequest, ctx: BridgeContext): Promise<BridgeResponse> {
  const { config, logger, store, keys } = ctx;
  const log = (outcome: string, fields: Record<string, string> = {}) =>
    logger.info('bridge.callback', { profile: config.profile.name, outcome, ...fields });

  const sealed = req.query.getAll('state');
  const state = sealed.length === 1 ? await openState(keys.state, sealed[0]!, ctx.now()) : undefined;
  if (state === undefined) {
    log('refused_page', { reason: 'state missing, invalid or expired' });
    return errorPage(400, 'Link request expired', 'This sign-in could not be matched to a link request, or it took too long.');
  }
  // A state lives 30 minutes: what it carries is checked against the configuration of NOW, so a client or redirect
  // URI removed from it stops working at once rather than when the last state minted before goes stale.
  if (state.clientId !== config.alexa.clientId || !config.alexa.redirectUris.includes(state.redirectUri) || redirectUriGrant(state.redirectUri) !== state.responseType) {
    log('refused_page', { reason: 'client or redirect URI of the state no longer configured' });
    return errorPage(400, 'Link request no longer valid', 'This skill is no longer set up to receive this sign-in.');
  }
  if (!(await store.useOnce(`state:${state.jti}`, state.exp * 1000))) {
    log('refused_page', { reason: 'state replayed' });
    return errorPage(400, 'Link request already used', 'This sign-in has already been completed.');
  }
  // Order as in Amazon's examples: `?code=…&state=…`, `#state=…&access_token=…&token_type=Bearer`.
  const back = (params: Record<string, string | number | undefined>) =>
    redirect(
      alexaRedirect(
        state.redirectUri,
        state.responseType,
        state.responseType === 'token' ? { state: state.alexaState, ...params } : { ...params, state: state.alexaState },
      ),
    );

  const upstreamError = req.query.get('error');
  if (upstreamError !== null) {
    const error = passOnAuthorizationError(upstreamError);
    log('upstream_error', { error, responseType: state.responseType });
    return back({ error });
  }
  const upstreamCode = req.query.get('code');
  if (upstreamCode === null || upstreamCode === '') {
    log('upstream_error', { error: 'server_error', reason: 'neither code nor error' });
    return back({ error: 'server_error' });
  }

  if (state.responseType === 'code') {
    const code = await sealCode(
      keys.code,
      {
        upstreamCode,
        redirectUri: state.redirectUri,
        clientId: state.clientId,
        scope: state.scope,
        ...(state.codeChallenge === undefined ? {} : { codeChallenge: state.codeChallenge }),
        ...(state.upstreamVerifier === undefined ? {} : { upstreamVerifier: state.upstreamVerifier }),
      },
      ctx.now(),
    );
    log('code_issued');
    return back({ code });
  }

  // Implicit grant: the exchange happens here, once (an upstream code is single-use; never retried).
  const result = await ctx.upstream.token('authorization_code', {
    code: upstreamCode,
    redirect_uri: config.callbackUrl,
    ...(state.upstreamVerifier === undefined ? {} : { code_verifier: state.upstreamVerifier }),
  });
  if (result.kind === 'refused') {
    log('exchange_refused', { error: result.error });
    return back({ error: 'server_error' });
  }
  if (result.kind === 'unavailable') {
    log('exchange_unavailable', { reason: result.reason });
    return back({ error: 'temporarily_unavailable' });
  }
  log('token_issued', { responseType: 'token' });
  return back({ access_token: result.accessToken, token_type: 'Bearer', expires_in: result.expiresIn });
}
