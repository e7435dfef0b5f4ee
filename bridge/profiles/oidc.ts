/**
 * A standards-following authorization server (RFC 6749 JSON answers, client_secret_basic, refresh tokens that are
 * not rotated) — e.g. the local stack's oidc-provider server. Also the default profile.
 */
import type { ProviderProfile } from './profile.js';
import { readRfc6749Answer } from './rfc6749.js';

export const profile: ProviderProfile = {
  name: 'oidc',
  quirk: 'none: standard RFC 6749 JSON, HTTP Basic client authentication, PKCE S256',
  clientAuthentication: 'client_secret_basic',
  issuesRefreshTokens: true,
  rotatesRefreshTokens: false,
  upstreamPkce: true,
  readTokenAnswer: readRfc6749Answer,
};
