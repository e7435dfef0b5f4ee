/**
 * The default store: embedded SQLite (node:sqlite). One file may be shared by several bridge processes on one
 * host (WAL, busy timeout); the single-use insert and the conditional replace are single statements, so SQLite's
 * own locking makes them atomic.
 *
 * Opening, by any number of processes in any order, at once: the busy timeout is set when the connection opens,
 * before the first statement (it used to be set only after the switch to WAL). Switching a fresh file to WAL needs
 * an exclusive lock, and where two connections would wait for each other SQLite answers SQLITE_BUSY at once without
 * running the busy handler — so the switch is retried after a short random pause, within the busy timeout. Both
 * once made about one start in six fail with `database is locked` when processes started at the same moment on a
 * fresh file (test/bridge/sqlite-store.test.ts). `CREATE TABLE IF NOT EXISTS` is idempotent.
 */
import { closeSync, fchmodSync, fstatSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import type { Logger } from '../../common/logging.js';
import type { BridgeStore, LinkRecord } from './store.js';

/** Purge expired rows at most this often, piggybacking on writes. */
export const PURGE_EVERY_MS = 10 * 60 * 1000;
/** How long a statement waits for another process's lock before failing. */
const BUSY_TIMEOUT_MS = 2000;

export interface SqliteStoreOptions {
  /** Epoch milliseconds: the bridge's clock, so the purge and the reads agree on what has expired. */
  now?: () => number;
  /** Told (warn) of each retry of the switch to WAL: several processes opening one fresh file at once. */
  logger?: Logger;
}

const SQLITE_BUSY = 5;
const isBusy = (error: unknown) => (error as { errcode?: unknown } | null)?.errcode === SQLITE_BUSY;
/** Blocks the thread: only ever while opening the store, for a few milliseconds. */
const pause = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/** See the top of this file. Once a file is in WAL mode (persistent), this only reads the mode. */
function switchToWal(db: DatabaseSync, logger: Logger | undefined): void {
  const giveUpAt = Date.now() + BUSY_TIMEOUT_MS;
  for (let attempt = 1; ; attempt += 1) {
    try {
      db.exec('PRAGMA journal_mode = WAL');
      return;
    } catch (error) {
      if (!isBusy(error) || Date.now() >= giveUpAt) throw error;
      logger?.warn('bridge.store_busy', { step: 'wal', attempt });
      pause(5 + Math.floor(Math.random() * 20));
    }
  }
}

/**
 * The file holds sealed tokens and keyed hashes: readable by the bridge's user only. Created (or tightened) to 0600
 * before SQLite opens it, because SQLite gives its -wal and -shm files the database file's mode.
 */
function createPrivately(path: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const fd = openSync(path, 'a', 0o600);
  try {
    if ((fstatSync(fd).mode & 0o077) !== 0) fchmodSync(fd, 0o600);
  } finally {
    closeSync(fd);
  }
}

export class SqliteBridgeStore implements BridgeStore {
  /** The database, also holding the rate limits' counters (bridge/rate-limits-sqlite.ts). */
  readonly db: DatabaseSync;
  private readonly statements: Record<'useOnce' | 'insertLink' | 'getLink' | 'replaceLink' | 'leaseLink' | 'purgeUsed' | 'purgeLinks', StatementSync>;
  private readonly now: () => number;
  /** When the last purge ran (epoch ms); minus infinity before the first, so the first write purges. */
  private lastPurge = Number.NEGATIVE_INFINITY;
  /** A file may be opened by other processes too; `:memory:` is this connection's alone. */
  readonly shared: boolean;

  constructor(path: string, options: SqliteStoreOptions = {}) {
    this.shared = path !== ':memory:';
    this.now = options.now ?? Date.now;
    if (this.shared) createPrivately(path);
    this.db = new DatabaseSync(path, { timeout: BUSY_TIMEOUT_MS });
    switchToWal(this.db, options.logger);
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS bridge_used_once (key TEXT PRIMARY KEY, expires_at INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS bridge_links (
        id TEXT PRIMARY KEY,
        version INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        record TEXT NOT NULL
      );
    `);
    this.statements = {
      useOnce: this.db.prepare('INSERT INTO bridge_used_once (key, expires_at) VALUES (?, ?) ON CONFLICT (key) DO NOTHING'),
      insertLink: this.db.prepare(
        `INSERT INTO bridge_links (id, version, expires_at, record) VALUES (?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET version = excluded.version, expires_at = excluded.expires_at, record = excluded.record
         WHERE bridge_links.expires_at <= ?`,
      ),
      getLink: this.db.prepare('SELECT record FROM bridge_links WHERE id = ? AND expires_at > ?'),
      replaceLink: this.db.prepare('UPDATE bridge_links SET version = ?, expires_at = ?, record = ? WHERE id = ? AND version = ?'),
      // The record's copy of the version moves with the column (SET reads the row as it was before the update).
      leaseLink: this.db.prepare(
        `UPDATE bridge_links SET version = version + 1, record = json_set(record, '$.version', version + 1, '$.leaseUntil', ?)
         WHERE id = ? AND expires_at > ?
           AND coalesce(json_extract(record, '$.leaseUntil'), 0) <= ? AND coalesce(json_extract(record, '$.lastAnswerUntil'), 0) <= ?
         RETURNING record`,
      ),
      purgeUsed: this.db.prepare('DELETE FROM bridge_used_once WHERE expires_at <= ?'),
      purgeLinks: this.db.prepare('DELETE FROM bridge_links WHERE expires_at <= ?'),
    };
  }

  async useOnce(key: string, expiresAt: number): Promise<boolean> {
    this.purgeNowAndThen();
    return Number(this.statements.useOnce.run(key, expiresAt).changes) === 1;
  }

  async createLink(link: LinkRecord, nowMs = Number.MIN_SAFE_INTEGER): Promise<boolean> {
    return Number(this.statements.insertLink.run(link.id, link.version, link.expiresAt, JSON.stringify(link), nowMs).changes) === 1;
  }

  async getLink(id: string, nowMs: number): Promise<LinkRecord | undefined> {
    const row = this.statements.getLink.get(id, nowMs) as { record: string } | undefined;
    return row === undefined ? undefined : (JSON.parse(row.record) as LinkRecord);
  }

  async replaceLink(link: LinkRecord, expectedVersion: number): Promise<boolean> {
    const result = this.statements.replaceLink.run(link.version, link.expiresAt, JSON.stringify(link), link.id, expectedVersion);
    return Number(result.changes) === 1;
  }

  async leaseLink(id: string, nowMs: number, leaseUntil: number): Promise<LinkRecord | undefined> {
    const row = this.statements.leaseLink.get(leaseUntil, id, nowMs, nowMs, nowMs) as { record: string } | undefined;
    return row === undefined ? undefined : (JSON.parse(row.record) as LinkRecord);
  }

  async close(): Promise<void> {
    if (this.db.isOpen) this.db.close();
  }

  private purgeNowAndThen(): void {
    const now = this.now();
    if (now - this.lastPurge < PURGE_EVERY_MS) return;
    this.lastPurge = now;
    this.statements.purgeUsed.run(now);
    this.statements.purgeLinks.run(now);
  }
}
