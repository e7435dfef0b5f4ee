/**
 * What the bridge's rate limits count and how many (the reasons are at the top of rate-limits.ts), and the one
 * interface every counter store implements. A leaf module: the stores (rate-limits-sqlite.ts, -dynamodb.ts) need it
 * without importing the limits that load them.
 */
import { RateLimiterMemory, type RateLimiterAbstract } from './rate-limiter-parts.js';

export interface Limit {
  points: number;
  windowSeconds: number;
}

export interface RateLimitPolicy {
  /** GET /authorize and /callback, each request, per client address. */
  pagesPerAddress: Limit;
  /** Failed client authentication at /token, per client address; once spent, the address gets 429 for everything at /token. */
  tokenAuthFailuresPerAddress: Limit;
  /** Failed client authentication at /token naming the client, over all addresses; past it, failures are 429. */
  tokenAuthFailuresPerClient: Limit;
}

export const RATE_LIMITS: RateLimitPolicy = {
  pagesPerAddress: { points: 60, windowSeconds: 60 },
  tokenAuthFailuresPerAddress: { points: 20, windowSeconds: 600 },
  tokenAuthFailuresPerClient: { points: 200, windowSeconds: 600 },
};

/** Builds one counter (a limit under a key prefix) on whatever store the limits live in. */
export type LimiterFactory = (prefix: string, limit: Limit) => RateLimiterAbstract;

export const memoryLimiters: LimiterFactory = (keyPrefix, { points, windowSeconds }) => new RateLimiterMemory({ keyPrefix, points, duration: windowSeconds });
