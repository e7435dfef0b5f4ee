/**
 * Building the redirect back to Alexa. Parameters are appended to the redirect URI exactly as Alexa sent it (its own
 * query, e.g. `?vendorId=…`, is kept byte for byte): in the query for the code grant, in the fragment for the
 * implicit grant (`…?vendorId=X#state=…&access_token=…&token_type=Bearer`).
 */
import { isLoopbackHost } from '../common/loopback.js';

/**
 * Which grant a redirect URI of Alexa's serves, by its form: `…/api/skill/link/<vendorId>` (no query) takes the code
 * grant's `?code=…`; `…/spa/skill/account-linking-status.html?vendorId=<vendorId>` takes the implicit grant's
 * `#access_token=…`. Undefined for anything else. An implicit answer sent to a code-grant URI would put an access
 * token where no one expects one (and let a state minted by an attacker turn a stolen provider code into a token),
 * so each response_type goes only to the URI of its own form.
 *
 * One exception, for the offline stack: on a loopback host (127.0.0.0/8, localhost, [::1]) any other URI is a code-grant
 * URI (the Alexa simulator's `/link/callback` stands in for Alexa's). Loopback is never a browser's way to a victim.
 */
export function redirectUriGrant(uri: string): 'code' | 'token' | undefined {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return undefined;
  }
  if (/^\/api\/skill\/link\/[^/]+$/.test(url.pathname) && url.search === '') return 'code';
  if (url.pathname === '/spa/skill/account-linking-status.html' && /^\?vendorId=[^&=]+$/.test(url.search)) return 'token';
  if (isLoopbackHost(url.hostname) && url.pathname !== '/spa/skill/account-linking-status.html') return 'code';
  return undefined;
}

/** Percent-encoding (`%20`, never `+`), so the fragment reads the same in any parser. */
export function formatParams(params: Record<string, string | number | undefined>): string {
  return Object.entries(params)
    .filter((entry): entry is [string, string | number] => entry[1] !== undefined)
    .map(([key, value]) => `${encodeURIComponent(key)}=${encodeURIComponent(String(value))}`)
    .join('&');
}

export function alexaRedirect(redirectUri: string, responseType: 'code' | 'token', params: Record<string, string | number | undefined>): string {
  const encoded = formatParams(params);
  if (responseType === 'token') return `${redirectUri}#${encoded}`;
  return `${redirectUri}${redirectUri.includes('?') ? '&' : '?'}${encoded}`;
}

/**
 * The RFC 6749 §4.1.2.1 error codes passed on from the upstream's error redirect. Not invalid_request and
 * unauthorized_client: those concern the bridge's request to the upstream, not Alexa's, so Alexa gets server_error.
 */
const AUTHORIZATION_ERRORS = new Set([
  'access_denied',
  'unsupported_response_type',
  'invalid_scope',
  'server_error',
  'temporarily_unavailable',
]);

/** The upstream's `error` as Alexa may see it: an RFC 6749 code, else `server_error`. Never its description. */
export function passOnAuthorizationError(error: string): string {
  return AUTHORIZATION_ERRORS.has(error) ? error : 'server_error';
}
