/**
 * Alexa's redirect URIs, and the simulator's paths that stand in for them locally: a leaf module (nothing but
 * ./demo.ts), shared by the authorization server, the simulator, the stack's bridge and
 * `npm run deploy -- --bridge --local` (which must not load the stack to know them).
 */
import { DEMO } from './demo.js';

/** The simulator's redirect target for the code grant. */
export const CALLBACK_PATH = '/link/callback';
/** Alexa's redirect page for the implicit grant; the token comes in the fragment, which never reaches a server. */
export const IMPLICIT_CALLBACK_PATH = '/spa/skill/account-linking-status.html';

const ALEXA_HOSTS = ['pitangui.amazon.com', 'layla.amazon.com', 'alexa.amazon.co.jp', 'alexa.amazon.com'];

/** Alexa's redirect URLs for the authorization-code grant, one per region, for a vendor ID. */
export function alexaRedirectUris(vendorId: string): string[] {
  return ALEXA_HOSTS.map((host) => `https://${host}/api/skill/link/${encodeURIComponent(vendorId)}`);
}

/** Alexa's redirect URLs for the implicit grant, one per region, for a vendor ID. */
export function alexaImplicitRedirectUris(vendorId: string): string[] {
  return ALEXA_HOSTS.map((host) => `https://${host}${IMPLICIT_CALLBACK_PATH}?vendorId=${encodeURIComponent(vendorId)}`);
}

/** Where a bridge of the local stack may send Alexa back: the simulator's pages, and Alexa's own URLs for the demo vendor. */
export function localBridgeRedirectUris(simulatorOrigin: string): string[] {
  return [
    `${simulatorOrigin}${CALLBACK_PATH}`,
    `${simulatorOrigin}${IMPLICIT_CALLBACK_PATH}?vendorId=${encodeURIComponent(DEMO.vendorId)}`,
    ...alexaRedirectUris(DEMO.vendorId),
    ...alexaImplicitRedirectUris(DEMO.vendorId),
  ];
}
