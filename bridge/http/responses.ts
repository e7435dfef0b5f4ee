/**
 * Every answer the bridge writes. Pages and redirects carry `Cache-Control: no-store` (they hold codes, tokens or
 * a state) and `Referrer-Policy: no-referrer` (so the next page never learns the URL); pages also forbid framing
 * and scripts. Error pages escape everything they print.
 */
import { html, htmlDocument } from '../../common/html.js';
import type { BridgeResponse } from './types.js';

const NO_STORE = { 'cache-control': 'no-store', pragma: 'no-cache', 'referrer-policy': 'no-referrer' };

export function json(status: number, body: unknown, headers: Record<string, string> = {}): BridgeResponse {
  return { status, headers: { 'content-type': 'application/json; charset=utf-8', ...NO_STORE, ...headers }, body: JSON.stringify(body) };
}

/** An RFC 6749 error answer of the token endpoint. */
export function oauthError(status: number, error: string, headers: Record<string, string> = {}): BridgeResponse {
  return json(status, { error }, headers);
}

/** The seconds Alexa is asked to wait after a temporarily_unavailable. */
export const RETRY_AFTER_S = 30;

export function temporarilyUnavailable(): BridgeResponse {
  return oauthError(503, 'temporarily_unavailable', { 'retry-after': String(RETRY_AFTER_S) });
}

export function redirect(location: string): BridgeResponse {
  return { status: 302, headers: { location, ...NO_STORE }, body: '' };
}

/** A small, self-contained error page (no redirect anywhere: the request could not be trusted to say where). */
export function errorPage(status: number, title: string, message: string): BridgeResponse {
  const body = htmlDocument({
    lang: 'en',
    title,
    head: html`<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem;line-height:1.5}</style>`,
    body: html`<h1>${title}</h1><p>${message}</p>
<p>Please go back to the Alexa app and start linking again.</p>`,
  });
  return {
    status,
    headers: {
      'content-type': 'text/html; charset=utf-8',
      ...NO_STORE,
      'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'DENY',
    },
    body,
  };
}
