import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync } from 'node:sqlite';

/**
 * Opens (and creates on first use) the authorization server's SQLite database: the oidc-provider store,
 * the users, password-reset tokens, sign-ups awaiting confirmation and the server's own secrets all live in this one file, so a developer
 * links once and stays linked across restarts. ':memory:' gives a throw-away database for tests.
 */
export function openAuthDatabase(file: string): DatabaseSync {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const db = new DatabaseSync(file);
  db.exec(`
    PRAGMA journal_mode = WAL;
    PRAGMA busy_timeout = 2000;
    CREATE TABLE IF NOT EXISTS oidc_store (
      model TEXT NOT NULL,
      id TEXT NOT NULL,
      payload TEXT NOT NULL,
      grant_id TEXT,
      user_code TEXT,
      uid TEXT,
      expires_at INTEGER,
      PRIMARY KEY (model, id)
    );
    CREATE INDEX IF NOT EXISTS oidc_store_grant ON oidc_store (grant_id);
    CREATE INDEX IF NOT EXISTS oidc_store_uid ON oidc_store (model, uid);
    CREATE INDEX IF NOT EXISTS oidc_store_user_code ON oidc_store (model, user_code);
    CREATE TABLE IF NOT EXISTS users (
      id TEXT PRIMARY KEY,
      email TEXT NOT NULL UNIQUE,
      name TEXT NOT NULL,
      password_hash TEXT NOT NULL,
      created_at INTEGER NOT NULL
    );
    CREATE TABLE IF NOT EXISTS password_resets (
      token_hash TEXT PRIMARY KEY,
      user_id TEXT NOT NULL,
      interaction_uid TEXT,
      expires_at INTEGER NOT NULL
    );
    CREATE TABLE IF NOT EXISTS pending_signups (
      token_hash TEXT PRIMARY KEY,
      email TEXT NOT NULL,
      name TEXT NOT NULL,
      password_hash TEXT NOT NULL,
      interaction_uid TEXT,
      expires_at INTEGER NOT NULL
    );
    CREATE TABLE IF NOT EXISTS server_secrets (
      name TEXT PRIMARY KEY,
      value TEXT NOT NULL
    );
  `);
  return db;
}

/** Returns the stored secret called `name`, creating and storing it with `create` the first time. */
export async function persistentSecret(
  db: DatabaseSync,
  name: string,
  create: () => Promise<string> | string,
): Promise<string> {
  const row = db.prepare('SELECT value FROM server_secrets WHERE name = ?').get(name) as { value: string } | undefined;
  if (row) return row.value;
  const value = await create();
  db.prepare('INSERT OR IGNORE INTO server_secrets (name, value) VALUES (?, ?)').run(name, value);
  // Re-read so two processes racing on a new file agree on one value.
  return (db.prepare('SELECT value FROM server_secrets WHERE name = ?').get(name) as { value: string }).value;
}
