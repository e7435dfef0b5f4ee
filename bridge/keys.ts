/**
 * One master key (BRIDGE_KEY), one derived key per purpose (HKDF-SHA256, RFC 5869), so a value sealed for one job
 * can never be opened as another: a state cannot be replayed as a code, a stored token cannot be passed off as either.
 *
 * Sealed values are compact JWEs (`dir` + A256GCM): authenticated encryption with a standard, inspectable format.
 *
 * Key rotation: BRIDGE_PREVIOUS_KEYS lists master keys that still open what they sealed (states, codes, stored
 * tokens, answers) while everything new is sealed under BRIDGE_KEY. Every JWE names its master key in the `kid`
 * header: a short value derived from the key (HKDF, its own purpose), which identifies it without revealing it.
 */
import { createHash, createHmac, createSecretKey, hkdfSync, timingSafeEqual, type KeyObject, type webcrypto } from 'node:crypto';
import { CompactEncrypt, compactDecrypt, decodeProtectedHeader } from 'jose';

export type KeyPurpose = 'state' | 'code' | 'stored-token' | 'refresh-token-id' | 'key-id';

/** One purpose's key under one master key. */
export interface PurposeKey {
  /** The master key's ID (the JWE `kid`), the same for every purpose. */
  kid: string;
  key: Uint8Array;
}

/** One purpose's keys: `current` seals, and opens together with `previous` (newest first). */
export interface PurposeKeys {
  current: PurposeKey;
  previous: readonly PurposeKey[];
}

export interface BridgeKeys {
  state: PurposeKeys;
  code: PurposeKeys;
  storedToken: PurposeKeys;
  refreshTokenId: PurposeKeys;
}

function derive(master: Uint8Array, purpose: KeyPurpose, length = 32): Uint8Array {
  return new Uint8Array(hkdfSync('sha256', master, new Uint8Array(0), `ride-hailer bridge ${purpose} v1`, length));
}

/** 48 bits: tells a handful of keys apart, says nothing usable about the key. */
export const keyId = (master: Uint8Array): string => Buffer.from(derive(master, 'key-id', 6)).toString('base64url');

/** The per-purpose keys of the current master key and of the previous ones (BRIDGE_PREVIOUS_KEYS, newest first). */
export function deriveKeys(master: Uint8Array, previousMasters: readonly Uint8Array[] = []): BridgeKeys {
  const purpose = (name: KeyPurpose): PurposeKeys => {
    const of = (key: Uint8Array): PurposeKey => ({ kid: keyId(key), key: derive(key, name) });
    return { current: of(master), previous: previousMasters.map(of) };
  };
  return { state: purpose('state'), code: purpose('code'), storedToken: purpose('stored-token'), refreshTokenId: purpose('refresh-token-id') };
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/*
 * Each purpose key in the form its user takes without converting it on every call, made on first use and kept
 * (a refresh seals or opens a token and hashes the bridge token, issue 17 §3):
 * - jose imports raw bytes into Web Crypto again on every seal and open; a CryptoKey it uses as it is;
 * - createHmac given raw bytes first asks whether they are a KeyObject, then a CryptoKey, each by throwing and
 *   catching an exception inside Node: tens of microseconds a call on a server's deep async stacks. A KeyObject
 *   passes the first check.
 */
const aesKeys = new WeakMap<PurposeKey, webcrypto.CryptoKey>();
const hmacKeys = new WeakMap<PurposeKey, KeyObject>();

function aesKey(purposeKey: PurposeKey): webcrypto.CryptoKey {
  let key = aesKeys.get(purposeKey);
  if (key === undefined) {
    key = createSecretKey(purposeKey.key).toCryptoKey('AES-GCM', false, ['encrypt', 'decrypt']);
    aesKeys.set(purposeKey, key);
  }
  return key;
}

function hmacKey(purposeKey: PurposeKey): KeyObject {
  let key = hmacKeys.get(purposeKey);
  if (key === undefined) {
    key = createSecretKey(purposeKey.key);
    hmacKeys.set(purposeKey, key);
  }
  return key;
}

/** Encrypts a JSON value under the current key; `typ` names the purpose in the protected header (authenticated, checked on open). */
export async function seal(keys: PurposeKeys, typ: string, value: unknown): Promise<string> {
  const { kid } = keys.current;
  return new CompactEncrypt(encoder.encode(JSON.stringify(value))).setProtectedHeader({ alg: 'dir', enc: 'A256GCM', typ, kid }).encrypt(aesKey(keys.current));
}

/**
 * Opens a sealed value with the key its `kid` names (current or previous); a value without `kid` (sealed before key
 * IDs existed) is tried with each. Undefined when it was tampered with, sealed with an unknown key, or for another purpose.
 */
export async function unseal(keys: PurposeKeys, typ: string, sealed: string): Promise<unknown> {
  if (typeof sealed !== 'string' || sealed.length > 8192) return undefined;
  let kid: unknown;
  try {
    kid = decodeProtectedHeader(sealed).kid;
  } catch {
    return undefined;
  }
  const all = [keys.current, ...keys.previous];
  const candidates = kid === undefined ? all : all.filter((k) => k.kid === kid);
  for (const candidate of candidates) {
    try {
      const { plaintext, protectedHeader } = await compactDecrypt(sealed, aesKey(candidate), { keyManagementAlgorithms: ['dir'], contentEncryptionAlgorithms: ['A256GCM'] });
      if (protectedHeader.typ !== typ) return undefined;
      return JSON.parse(decoder.decode(plaintext));
    } catch {
      // not this key (or not a JWE at all): try the next
    }
  }
  return undefined;
}

/** The store's key for a bridge refresh token: a keyed hash, so a leaked store cannot be used to look tokens up. */
export function refreshTokenId(key: PurposeKey, refreshToken: string): string {
  return createHmac('sha256', hmacKey(key)).update(refreshToken).digest('base64url');
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
