/**
 * The bridge's own authorization code, handed to Alexa instead of the upstream's: a short-lived JWE that wraps the
 * upstream code and binds it to Alexa's client, redirect URI and PKCE challenge. Self-contained, so the only store
 * writes are the single-use redemption of its `jti` at the token endpoint and, once a link is stored, the
 * `code-linked` marker that lets a replay of the code revoke that link (routes/token.ts).
 */
import { seal, unseal, type PurposeKeys } from './keys.js';
import { newId } from './state.js';

const TYP = 'bridge-code';
/** Alexa exchanges the code right away; the upstream's own code usually lives about a minute too. */
export const CODE_LIFETIME_S = 120;

export interface BridgeCode {
  jti: string;
  exp: number;
  upstreamCode: string;
  redirectUri: string;
  clientId: string;
  scope: string;
  codeChallenge?: string;
  upstreamVerifier?: string;
}

export function sealCode(keys: PurposeKeys, fields: Omit<BridgeCode, 'jti' | 'exp'>, nowMs: number): Promise<string> {
  const code: BridgeCode = { ...fields, jti: newId(), exp: Math.floor(nowMs / 1000) + CODE_LIFETIME_S };
  return seal(keys, TYP, code);
}

export async function openCode(keys: PurposeKeys, sealed: string, nowMs: number): Promise<BridgeCode | undefined> {
  const value = (await unseal(keys, TYP, sealed)) as Partial<BridgeCode> | undefined;
  if (value === undefined || typeof value.jti !== 'string' || typeof value.exp !== 'number' || typeof value.upstreamCode !== 'string') return undefined;
  if (value.exp * 1000 <= nowMs) return undefined;
  return value as BridgeCode;
}
