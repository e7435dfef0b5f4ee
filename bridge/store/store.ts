/**
 * What the bridge keeps: single-use markers (states and codes already redeemed) and links (a bridge refresh token →
 * the upstream refresh token behind it). Implemented by sqlite.ts (one host) and dynamodb.ts (any number of
 * instances), both held to test/bridge/store-contract.test.ts. Deliberately small: two
 * primitives carry all the concurrency — an atomic "first use wins" insert and a version-conditional replace
 * (DynamoDB: `attribute_not_exists(pk)` and `#version = :expected` condition expressions). Every item has an
 * expiry (epoch ms; DynamoDB: a TTL attribute) and reads treat an expired item as absent.
 */

export interface LinkRecord {
  /** Keyed hash of the bridge refresh token Alexa holds (the token itself is never stored). */
  id: string;
  /** Incremented by every change; the condition of every replace. */
  version: number;
  /** The Alexa client the link was issued to. */
  clientId: string;
  /** The newest upstream refresh token, sealed (encrypted with a key derived from BRIDGE_KEY). */
  upstreamRefreshToken: string;
  /** The upstream refresh token it replaced, sealed, kept until `previousUntil` (epoch ms). */
  previousUpstreamRefreshToken?: string;
  previousUntil?: number;
  /**
   * The answer Alexa got from the last rotating refresh (sealed), served again until `lastAnswerUntil` instead of
   * spending the newest upstream token a second time.
   */
  lastAnswer?: string;
  lastAnswerUntil?: number;
  /** Set once the upstream was seen rotating this link's token, even if the profile does not say it rotates. */
  rotates?: boolean;
  /** Set while one caller is spending the upstream refresh token (epoch ms); others wait for its answer. */
  leaseUntil?: number;
  /** When the link may be forgotten (epoch ms); pushed forward as Alexa keeps using it. */
  expiresAt: number;
}

export interface BridgeStore {
  /**
   * Whether other processes may use the same data (a SQLite file, a DynamoDB table). Then in-process single flight
   * is not enough and every spend of an upstream refresh token takes a lease in the store (bridge/links.ts).
   */
  readonly shared: boolean;
  /** Marks `key` as used. True for the first caller only, atomically, even across processes. */
  useOnce(key: string, expiresAt: number): Promise<boolean>;
  /**
   * Stores a new link; false (nothing written) when its id is taken. A new link's id is a fresh random token's hash,
   * so it is never taken. With `nowMs`, a row expired at `nowMs` does not count as taken and is replaced: a link
   * moved between keys may come back to an id it once had (bridge/links.ts, key rotation).
   */
  createLink(link: LinkRecord, nowMs?: number): Promise<boolean>;
  /** The link, or undefined when absent or expired at `nowMs`. */
  getLink(id: string, nowMs: number): Promise<LinkRecord | undefined>;
  /** Replaces the link only if the stored version is still `expectedVersion`; false when someone else changed it. */
  replaceLink(link: LinkRecord, expectedVersion: number): Promise<boolean>;
  /**
   * Takes a free link's lease in one step (a refresh's usual case, one store call instead of a read and a replace):
   * when the link exists, has not expired at `nowMs`, and holds neither a lease nor an answer to repeat
   * (`leaseUntil`, `lastAnswerUntil` absent or not after `nowMs`), its version is incremented and `leaseUntil` set,
   * atomically, and the record so changed is returned. Otherwise nothing changes and the answer is undefined: the
   * caller reads the link to see why.
   */
  leaseLink(id: string, nowMs: number, leaseUntil: number): Promise<LinkRecord | undefined>;
  close(): Promise<void>;
}
