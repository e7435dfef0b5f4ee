/**
 * The rate limits' counters in the SQLite store's own database (one table, `bridge_rate_limits`), so every process
 * sharing the file shares the counts. rate-limiter-flexible speaks better-sqlite3; node:sqlite's DatabaseSync has
 * the same `prepare(sql).get/run` — only `transaction` is missing, and the limiter's one statement (an upsert with
 * RETURNING) is atomic on its own, so it runs as is.
 */
import type { DatabaseSync } from 'node:sqlite';
import type * as Flexible from 'rate-limiter-flexible';
import limiter from 'rate-limiter-flexible/lib/RateLimiterSQLite.js'; // its own file, not the package's index: bridge/rate-limiter-parts.ts
import type { LimiterFactory } from './rate-limit-policy.js';

const RateLimiterSQLite = limiter as typeof Flexible.RateLimiterSQLite;

const TABLE = 'bridge_rate_limits';
const PURGE_EVERY_MS = 5 * 60 * 1000;

export function sqliteLimiters(db: DatabaseSync): LimiterFactory {
  // Created here, at once, rather than by the limiter in the background (it refuses every call until then).
  db.exec(`CREATE TABLE IF NOT EXISTS ${TABLE} (key TEXT PRIMARY KEY, points INTEGER NOT NULL DEFAULT 0, expire INTEGER)`);
  const client = { prepare: (sql: string) => db.prepare(sql), transaction: <T>(fn: () => T) => fn };
  // Expired counters go every few minutes. Not the limiter's own timer: it would run on after the store is closed
  // and reject unhandled. This one stops with the database and never keeps the process alive.
  const purge = setInterval(() => {
    if (!db.isOpen) return clearInterval(purge);
    try {
      db.prepare(`DELETE FROM ${TABLE} WHERE expire < ?`).run(Date.now());
    } catch {
      // busy (another process writes): the next round deletes them
    }
  }, PURGE_EVERY_MS);
  purge.unref();
  return (keyPrefix, { points, windowSeconds }) =>
    new RateLimiterSQLite({
      storeClient: client,
      storeType: 'better-sqlite3',
      tableName: TABLE,
      tableCreated: true,
      keyPrefix,
      points,
      duration: windowSeconds,
    });
}
