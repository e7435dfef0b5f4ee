/**
 * The upstream `state`: everything the bridge must remember between /authorize and /callback, sealed into one
 * short-lived JWE instead of a server-side session. Only its `jti` touches the store, once, when the callback
 * redeems it (a replayed state is refused).
 */
import { randomBytes } from 'node:crypto';
import { seal, unseal, type PurposeKeys } from './keys.js';

const TYP = 'bridge-state';
/** Long enough for a user to sign up or recover a password on the upstream's pages. */
export const STATE_LIFETIME_S = 30 * 60;

export interface AuthorizationState {
  jti: string;
  /** Expiry, epoch seconds. */
  exp: number;
  /** Alexa's own `state`, given back unchanged. */
  alexaState: string;
  redirectUri: string;
  responseType: 'code' | 'token';
  /** Alexa's scopes as it sent them (space-separated). */
  scope: string;
  clientId: string;
  /** Alexa's PKCE challenge (S256), carried on into the bridge code. */
  codeChallenge?: string;
  /** The bridge's own PKCE verifier towards the upstream. */
  upstreamVerifier?: string;
}

export const newId = () => randomBytes(16).toString('base64url');

export function sealState(keys: PurposeKeys, fields: Omit<AuthorizationState, 'jti' | 'exp'>, nowMs: number): Promise<string> {
  const state: AuthorizationState = { ...fields, jti: newId(), exp: Math.floor(nowMs / 1000) + STATE_LIFETIME_S };
  return seal(keys, TYP, state);
}

/** The state, or undefined when it is forged, tampered with, expired or not a state at all. */
export async function openState(keys: PurposeKeys, sealed: string, nowMs: number): Promise<AuthorizationState | undefined> {
  const value = (await unseal(keys, TYP, sealed)) as Partial<AuthorizationState> | undefined;
  if (value === undefined || typeof value.jti !== 'string' || typeof value.exp !== 'number') return undefined;
  if (value.exp * 1000 <= nowMs) return undefined;
  return value as AuthorizationState;
}
