/**
 * One master key (BRIDGE_KEY), one derived key per purpose (HKDF-SHA256, RFC 5869), so a value sealed for one job
 * can never be opened as another: a state cannot be replayed as a code, a stored token cannot be passed off as either.
 *
 * Sealed values are compact JWEs (`dir` + A256GCM): authenticated encryption with a standard, inspectable format.
 */
import { createHash, createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import { CompactEncrypt, compactDecrypt } from 'jose';

export type KeyPurpose = 'state' | 'code' | 'stored-token' | 'refresh-token-id';

export interface BridgeKeys {
  state: Uint8Array;
  code: Uint8Array;
  storedToken: Uint8Array;
  refreshTokenId: Uint8Array;
}

function derive(master: Uint8Array, purpose: KeyPurpose): Uint8Array {
  return new Uint8Array(hkdfSync('sha256', master, new Uint8Array(0), `ride-hailer bridge ${purpose} v1`, 32));
}

export function deriveKeys(master: Uint8Array): BridgeKeys {
  return {
    state: derive(master, 'state'),
    code: derive(master, 'code'),
    storedToken: derive(master, 'stored-token'),
    refreshTokenId: derive(master, 'refresh-token-id'),
  };
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Encrypts a JSON value; `typ` names the purpose in the protected header (authenticated, checked on open). */
export async function seal(key: Uint8Array, typ: string, value: unknown): Promise<string> {
  return new CompactEncrypt(encoder.encode(JSON.stringify(value))).setProtectedHeader({ alg: 'dir', enc: 'A256GCM', typ }).encrypt(key);
}

/** Opens a sealed value; undefined when it was tampered with, sealed with another key, or for another purpose. */
export async function unseal(key: Uint8Array, typ: string, sealed: string): Promise<unknown> {
  if (typeof sealed !== 'string' || sealed.length > 8192) return undefined;
  try {
    const { plaintext, protectedHeader } = await compactDecrypt(sealed, key, { keyManagementAlgorithms: ['dir'], contentEncryptionAlgorithms: ['A256GCM'] });
    if (protectedHeader.typ !== typ) return undefined;
    return JSON.parse(decoder.decode(plaintext));
  } catch {
    return undefined;
  }
}

/** The store's key for a bridge refresh token: a keyed hash, so a leaked store cannot be used to look tokens up. */
export function refreshTokenId(key: Uint8Array, refreshToken: string): string {
  return createHmac('sha256', key).update(refreshToken).digest('base64url');
}

/** Constant-time string equality (hashes first, so unequal lengths take the same time). */
export function safeEqual(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb);
}

export function s256(verifier: string): string {
  return createHash('sha256').update(verifier).digest('base64url');
}
