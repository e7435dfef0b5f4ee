/**
 * Every SMAPI route needs an LWA access token. The ASK CLI sends it bare (`authorization: Atza|…`), other SMAPI
 * clients as `Bearer Atza|…`; both are accepted, as SMAPI does.
 */
import type { RequestHandler } from 'express';
import type { TokenAuthority } from '../lwa.js';
import { noteCall } from '../log.js';
import { SmapiError, sendSmapiError } from './errors.js';

export function requireAccessToken(authority: Pick<TokenAuthority, 'isValidAccessToken'>): RequestHandler {
  return (req, res, next) => {
    const header = req.get('authorization')?.trim();
    const token = header?.replace(/^Bearer\s+/i, '');
    if (!token || !authority.isValidAccessToken(token)) {
      noteCall(res, { api: 'smapi', outcome: header ? 'invalid_token' : 'no_token' });
      return sendSmapiError(res, new SmapiError(401, header ? 'Token is invalid or expired.' : 'Authorization header with an LWA access token is required.'));
    }
    next();
  };
}
