/**
 * The default store: embedded SQLite (node:sqlite). One file may be shared by several bridge processes on one
 * host (WAL, busy timeout); the single-use insert and the conditional replace are single statements, so SQLite's
 * own locking makes them atomic.
 */
import { closeSync, fchmodSync, fstatSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import type { BridgeStore, LinkRecord } from './store.js';

/** Purge expired rows at most this often, piggybacking on writes. */
const PURGE_EVERY_MS = 10 * 60 * 1000;

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
  private readonly statements: Record<'useOnce' | 'insertLink' | 'getLink' | 'replaceLink' | 'purgeUsed' | 'purgeLinks', StatementSync>;
  private lastPurge = 0;

  constructor(path: string) {
    if (path !== ':memory:') createPrivately(path);
    this.db = new DatabaseSync(path);
    this.db.exec(`
      PRAGMA journal_mode = WAL;
      PRAGMA busy_timeout = 2000;
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
      insertLink: this.db.prepare('INSERT INTO bridge_links (id, version, expires_at, record) VALUES (?, ?, ?, ?)'),
      getLink: this.db.prepare('SELECT record FROM bridge_links WHERE id = ? AND expires_at > ?'),
      replaceLink: this.db.prepare('UPDATE bridge_links SET version = ?, expires_at = ?, record = ? WHERE id = ? AND version = ?'),
      purgeUsed: this.db.prepare('DELETE FROM bridge_used_once WHERE expires_at <= ?'),
      purgeLinks: this.db.prepare('DELETE FROM bridge_links WHERE expires_at <= ?'),
    };
  }

  async useOnce(key: string, expiresAt: number): Promise<boolean> {
    this.purgeNowAndThen();
    return Number(this.statements.useOnce.run(key, expiresAt).changes) === 1;
  }

  async createLink(link: LinkRecord): Promise<void> {
    this.statements.insertLink.run(link.id, link.version, link.expiresAt, JSON.stringify(link));
  }

  async getLink(id: string, nowMs: number): Promise<LinkRecord | undefined> {
    const row = this.statements.getLink.get(id, nowMs) as { record: string } | undefined;
    return row === undefined ? undefined : (JSON.parse(row.record) as LinkRecord);
  }

  async replaceLink(link: LinkRecord, expectedVersion: number): Promise<boolean> {
    const result = this.statements.replaceLink.run(link.version, link.expiresAt, JSON.stringify(link), link.id, expectedVersion);
    return Number(result.changes) === 1;
  }

  async purgeExpired(nowMs: number): Promise<void> {
    this.statements.purgeUsed.run(nowMs);
    this.statements.purgeLinks.run(nowMs);
  }

  async close(): Promise<void> {
    if (this.db.isOpen) this.db.close();
  }

  private purgeNowAndThen(): void {
    const now = Date.now();
    if (now - this.lastPurge < PURGE_EVERY_MS) return;
    this.lastPurge = now;
    this.statements.purgeUsed.run(now);
    this.statements.purgeLinks.run(now);
  }
}
