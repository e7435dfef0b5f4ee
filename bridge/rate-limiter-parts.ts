/**
 * The parts of rate-limiter-flexible the bridge uses, each from its own file. The package's index requires every
 * limiter it has (Redis, Mongo, MySQL, Postgres, Memcache, Etcd, Prisma, Drizzle, Valkey, a cluster master that loads
 * node:cluster, …): 71 kB of the Lambda bundle's entry, parsed and run at every cold start, for the few kB below.
 * The package has no `exports` map, so its files are importable as they are; the types are the package's own.
 * Each file is the very module the index re-exports, so `instanceof RateLimiterRes` holds whichever path built it.
 * The two stores' limiters are imported the same way by the modules that use them (rate-limits-sqlite.ts,
 * rate-limits-dynamodb.ts), which are loaded only for their store.
 */
import type * as Flexible from 'rate-limiter-flexible';
import memory from 'rate-limiter-flexible/lib/RateLimiterMemory.js';
import res from 'rate-limiter-flexible/lib/RateLimiterRes.js';

export type { RateLimiterAbstract } from 'rate-limiter-flexible';
export type RateLimiterRes = Flexible.RateLimiterRes;
export const RateLimiterRes = res as typeof Flexible.RateLimiterRes;
export const RateLimiterMemory = memory as typeof Flexible.RateLimiterMemory;
