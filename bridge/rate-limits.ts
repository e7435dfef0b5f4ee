/**
 * Rate limits on /authorize, /callback and /token (rate-limiter-flexible), counted where the store is, so every
 * instance sees the same counts: in the SQLite store's database (its table `bridge_rate_limits`) or in a DynamoDB
 * table beside the store's (BRIDGE_DYNAMODB_RATE_LIMIT_TABLE, bridge/deploy/dynamodb-table.json); in memory only for
 * a store of another kind (tests).
 *
 * What counts, and why (docs/bridge.md, "Limits"):
 * - /authorize and /callback: every request, per client address (RATE_LIMITS.pagesPerAddress). These are a
 *   person's browser: one linking is one of each. The limit stops floods that make the bridge seal states and write
 *   single-use markers, without ever being reached by people linking, even many behind one NAT.
 * - /token: only failed client authentication (401 invalid_client), per client address
 *   (tokenAuthFailuresPerAddress). Alexa refreshes every user's token from a few Amazon addresses, so counting
 *   refreshes per address would lock out Alexa's normal traffic; Alexa never fails client authentication unless the
 *   secret is misconfigured (then nothing works anyway). Once an address has spent its failures, *every* /token
 *   request from it gets 429 until the window ends, before its credentials are looked at, so it cannot go on
 *   guessing. Checking costs one read per address and second on each instance (an address read as open is not
 *   read again for CLEAR_FOR_MS); the count is written only on a failure.
 * - /token, per client ID: failed authentications naming the client, over all addresses
 *   (tokenAuthFailuresPerClient) — guessing spread over many addresses. Past the budget, failures are answered 429
 *   and logged as a warning; a request with the right secret is still served: a limit that refused the client
 *   itself would let anyone lock Alexa out by sending wrong secrets from a few addresses. (Nothing is limited per
 *   client ID at /authorize for the same reason: client_id is public, so such a limit would be a switch anyone could
 *   flip to stop all linking.)
 * The decision for a failure is atomic (the store's counter is incremented and read in one step), so parallel
 * requests cannot slip past the count; requests already in flight when an address crosses its limit have their
 * credentials checked before they are refused. If the limiter's store fails, the request is let through and the
 * failure logged: a rate limit must not turn a store hiccup into refused refreshes.
 */
import { LRUCache } from 'lru-cache';
import { monotonicMs } from '../common/clock.js';
import { RateLimiterRes, type RateLimiterAbstract } from './rate-limiter-parts.js';
import type { Logger } from '../common/logging.js';
import type { BridgeConfig } from './config.js';
import { oauthError, errorPage } from './http/responses.js';
import type { BridgeRequest, BridgeResponse } from './http/types.js';
import { memoryLimiters, RATE_LIMITS, type LimiterFactory, type RateLimitPolicy } from './rate-limit-policy.js';
import type { BridgeStore } from './store/store.js';

type Route = (req: BridgeRequest) => Promise<BridgeResponse>;

export class RateLimits {
  private readonly pages: RateLimiterAbstract;
  private readonly failuresByAddress: RateLimiterAbstract;
  private readonly failuresByClient: RateLimiterAbstract;
  /** Addresses known to be shut at /token, each for as long as the store said: a flood is refused without a store read. */
  private readonly shut: LRUCache<string, true>;
  /**
   * Addresses read as open, for CLEAR_FOR_MS: Alexa's few addresses send many refreshes a second, and one read per
   * address and second is enough. The price: an address shut by failures on *another* instance may go on there for
   * up to CLEAR_FOR_MS (on this instance its own failures shut it at once).
   */
  private readonly open: LRUCache<string, true>;

  /** `clock` (milliseconds, any origin) times the two caches above; tests move it. */
  constructor(
    private readonly config: Pick<BridgeConfig, 'alexa'>,
    private readonly logger: Logger,
    limiters: LimiterFactory = memoryLimiters,
    private readonly policy: RateLimitPolicy = RATE_LIMITS,
    clock: { now(): number } = { now: monotonicMs },
  ) {
    // ttlResolution 0: the clock is read on every check, never a value lru-cache keeps for a millisecond with a timer.
    this.shut = new LRUCache({ max: REMEMBERED_ADDRESSES, ttlResolution: 0, perf: clock });
    this.open = new LRUCache({ max: REMEMBERED_ADDRESSES, ttl: CLEAR_FOR_MS, ttlResolution: 0, perf: clock });
    this.pages = limiters('pages', policy.pagesPerAddress);
    this.failuresByAddress = limiters('token_fail_addr', policy.tokenAuthFailuresPerAddress);
    this.failuresByClient = limiters('token_fail_client', policy.tokenAuthFailuresPerClient);
  }

  /** Runs `route` for `req` from `address` within the limits of its path. */
  async apply(req: BridgeRequest, address: string, route: Route): Promise<BridgeResponse> {
    if (req.path === '/authorize' || req.path === '/callback') return this.page(req, address, route);
    if (req.path === '/token') return this.token(req, address, route);
    return route(req);
  }

  private async page(req: BridgeRequest, address: string, route: Route): Promise<BridgeResponse> {
    const refused = await this.take(this.pages, address, 'pages');
    if (refused === undefined) return route(req);
    this.logger.warn('bridge.rate_limited', { path: req.path, limit: 'pagesPerAddress' });
    const page = errorPage(429, 'Too many requests', 'Too many requests came from your network. Please wait a minute.');
    return { ...page, headers: { ...page.headers, 'retry-after': String(refused) } };
  }

  private async token(req: BridgeRequest, address: string, route: Route): Promise<BridgeResponse> {
    const shutFor = await this.shutSeconds(address);
    if (shutFor !== undefined) {
      this.logger.warn('bridge.rate_limited', { path: req.path, limit: 'tokenAuthFailuresPerAddress' });
      return tooManyTokenRequests(shutFor);
    }
    const answer = await route(req);
    if (answer.status !== 401) return answer;
    // A failed client authentication: counted per address and per the client it named, both atomically.
    const [byAddress, byClient] = await Promise.all([
      this.take(this.failuresByAddress, address, 'token_fail_addr'),
      this.take(this.failuresByClient, this.claimedClient(req), 'token_fail_client'),
    ]);
    if (byAddress !== undefined) {
      this.shut.set(address, true, { ttl: byAddress * 1000 });
      this.open.delete(address);
    }
    const wait = Math.max(byAddress ?? 0, byClient ?? 0);
    if (wait === 0) return answer;
    this.logger.warn('bridge.rate_limited', { path: req.path, limit: byAddress !== undefined ? 'tokenAuthFailuresPerAddress' : 'tokenAuthFailuresPerClient' });
    return tooManyTokenRequests(wait);
  }

  /** Seconds an address stays shut at /token, or undefined when it may go on. */
  private async shutSeconds(address: string): Promise<number | undefined> {
    // lru-cache answers 0 for an address it does not hold, or holds no longer (its time is up).
    const shutForMs = this.shut.getRemainingTTL(address);
    if (shutForMs > 0) return Math.ceil(shutForMs / 1000);
    if (this.open.has(address)) return undefined;
    let res: RateLimiterRes | null;
    try {
      res = await this.failuresByAddress.get(address);
    } catch (error) {
      this.storeFailed('token_fail_addr', error);
      return undefined;
    }
    if (res === null || res.consumedPoints < this.policy.tokenAuthFailuresPerAddress.points) {
      this.open.set(address, true);
      return undefined;
    }
    // A ttl of 0 would mean "forever" to lru-cache; a window that has just ended shuts nothing.
    if (res.msBeforeNext > 0) this.shut.set(address, true, { ttl: res.msBeforeNext });
    return retryAfterSeconds(res);
  }

  /** Consumes one point; the seconds to wait when the limit is spent, undefined when within it (or the store failed). */
  private async take(limiter: RateLimiterAbstract, key: string, counter: string): Promise<number | undefined> {
    try {
      await limiter.consume(key);
      return undefined;
    } catch (error) {
      if (error instanceof RateLimiterRes) return retryAfterSeconds(error);
      this.storeFailed(counter, error);
      return undefined;
    }
  }

  /** The client a request named (Basic or body), as one of two keys: the configured client or any other. */
  private claimedClient(req: BridgeRequest): string {
    const basic = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(req.headers.authorization ?? '');
    let id: string | null = null;
    if (basic) {
      const decoded = Buffer.from(basic[1]!, 'base64').toString('utf8');
      id = decoded.includes(':') ? decoded.slice(0, decoded.indexOf(':')) : null;
      try {
        id = id === null ? null : decodeURIComponent(id.replace(/\+/g, ' '));
      } catch {
        id = null;
      }
    } else {
      id = new URLSearchParams(req.body).get('client_id');
    }
    // Only two keys: an attacker must not be able to fill the store with counters for made-up client IDs.
    return id === this.config.alexa.clientId ? 'configured' : 'other';
  }

  private storeFailed(counter: string, error: unknown): void {
    this.logger.error('bridge.rate_limit_store_failed', { counter, errorName: error instanceof Error ? error.name : typeof error });
  }
}

/** How long an address read as open at /token is not read again (see RateLimits.open). */
export const CLEAR_FOR_MS = 1000;

/** Addresses each of the two caches above holds at most (least recently used dropped first; the store still knows every count). */
const REMEMBERED_ADDRESSES = 10_000;

const retryAfterSeconds = (res: RateLimiterRes) => Math.max(1, Math.ceil(res.msBeforeNext / 1000));

/** 429 in RFC 6749 JSON with no-store and Retry-After. temporarily_unavailable: were it ever Alexa, it must not unlink. */
function tooManyTokenRequests(seconds: number): BridgeResponse {
  return oauthError(429, 'temporarily_unavailable', { 'retry-after': String(seconds) });
}

/**
 * The limits on the store the bridge uses (see the top of this file). Each backend is imported only when chosen,
 * like the stores themselves (bridge/store/open.ts).
 */
export async function openRateLimits(config: BridgeConfig, store: BridgeStore, logger: Logger): Promise<RateLimits> {
  if (config.store.kind === 'sqlite') {
    const { SqliteBridgeStore } = await import('./store/sqlite.js');
    if (store instanceof SqliteBridgeStore) {
      const { sqliteLimiters } = await import('./rate-limits-sqlite.js');
      return new RateLimits(config, logger, sqliteLimiters(store.db));
    }
  } else {
    const { DynamoDbBridgeStore } = await import('./store/dynamodb.js');
    if (store instanceof DynamoDbBridgeStore) {
      const { dynamoDbLimiters } = await import('./rate-limits-dynamodb.js');
      return new RateLimits(config, logger, dynamoDbLimiters(store.client, config.store.rateLimitTable));
    }
  }
  return new RateLimits(config, logger);
}
