/**
 * Rides and idempotency keys in SQLite (node:sqlite). Statements are prepared once; ordering a ride is one
 * IMMEDIATE transaction, so duplicates of one Idempotency-Key — concurrent or not, even from another process on the
 * same file — yield exactly one ride.
 *
 * A ride stores when it was ordered and when the car arrives; its status and ETA are derived from the clock:
 * on_the_way while the arrival lies ahead, arrived after it, cancelled once cancelled. The user's "current" ride is
 * their latest one while it is on the way, or for ARRIVED_VISIBLE_MS after it arrived; only a ride on the way blocks
 * a new order.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { randomBytes } from 'node:crypto';
import { DatabaseSync } from 'node:sqlite';
import type { Ride, RideStatus } from '../../lambda/rides/types.js';

const MINUTE_MS = 60_000;
const ARRIVED_VISIBLE_MS = 15 * MINUTE_MS;

export type OrderOutcome =
  | { kind: 'created'; ride: Ride }
  | { kind: 'replayed'; ride: Ride }
  | { kind: 'already_active'; ride: Ride }
  | { kind: 'key_reused' };

export interface RideStore {
  /** Orders a ride for `userId` unless the key was used before or a ride is already on the way. */
  order(userId: string, idempotencyKey: string, destination: string): OrderOutcome;
  current(userId: string): Ride | undefined;
  /** Cancels the current ride; undefined when there is none. */
  cancelCurrent(userId: string): Ride | undefined;
  close(): void;
}

interface RideRow {
  seq: number;
  id: string;
  destination: string;
  ordered_at: number;
  arrives_at: number;
  cancelled_at: number | null;
}

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS rides (
    seq          INTEGER PRIMARY KEY,
    id           TEXT NOT NULL UNIQUE,
    user_id      TEXT NOT NULL,
    destination  TEXT NOT NULL,
    ordered_at   INTEGER NOT NULL,
    arrives_at   INTEGER NOT NULL,
    cancelled_at INTEGER
  );
  CREATE INDEX IF NOT EXISTS rides_by_user ON rides (user_id, seq);
  CREATE TABLE IF NOT EXISTS idempotency_keys (
    user_id     TEXT NOT NULL,
    key         TEXT NOT NULL,
    destination TEXT NOT NULL,
    ride_id     TEXT NOT NULL REFERENCES rides (id),
    PRIMARY KEY (user_id, key)
  ) WITHOUT ROWID;
`;

export function openRideStore(file: string, now: () => number): RideStore {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const db = new DatabaseSync(file, { timeout: 5000 });
  if (file !== ':memory:') db.exec('PRAGMA journal_mode = WAL');
  db.exec(SCHEMA);

  const latestRide = db.prepare(
    'SELECT seq, id, destination, ordered_at, arrives_at, cancelled_at FROM rides WHERE user_id = ? ORDER BY seq DESC LIMIT 1',
  );
  const rideById = db.prepare(
    'SELECT seq, id, destination, ordered_at, arrives_at, cancelled_at FROM rides WHERE id = ?',
  );
  const insertRide = db.prepare(
    'INSERT INTO rides (id, user_id, destination, ordered_at, arrives_at) VALUES (?, ?, ?, ?, ?)',
  );
  const cancelRide = db.prepare('UPDATE rides SET cancelled_at = ? WHERE seq = ?');
  const findKey = db.prepare('SELECT destination, ride_id FROM idempotency_keys WHERE user_id = ? AND key = ?');
  const insertKey = db.prepare('INSERT INTO idempotency_keys (user_id, key, destination, ride_id) VALUES (?, ?, ?, ?)');

  function transaction<T>(work: () => T): T {
    db.exec('BEGIN IMMEDIATE');
    try {
      const result = work();
      db.exec('COMMIT');
      return result;
    } catch (error) {
      db.exec('ROLLBACK');
      throw error;
    }
  }

  function currentRow(userId: string, at: number): RideRow | undefined {
    const row = latestRide.get(userId) as RideRow | undefined;
    if (row === undefined || row.cancelled_at !== null || at - row.arrives_at >= ARRIVED_VISIBLE_MS) return undefined;
    return row;
  }

  return {
    order(userId, idempotencyKey, destination) {
      return transaction((): OrderOutcome => {
        const at = now();
        const previous = findKey.get(userId, idempotencyKey) as { destination: string; ride_id: string } | undefined;
        if (previous !== undefined) {
          if (previous.destination !== destination) return { kind: 'key_reused' };
          return { kind: 'replayed', ride: toRide(rideById.get(previous.ride_id) as unknown as RideRow, at) };
        }
        const current = currentRow(userId, at);
        if (current !== undefined && current.arrives_at > at) {
          return { kind: 'already_active', ride: toRide(current, at) };
        }
        const id = `ride_${randomBytes(12).toString('base64url')}`;
        insertRide.run(id, userId, destination, at, at + initialEtaMinutes(id) * MINUTE_MS);
        insertKey.run(userId, idempotencyKey, destination, id);
        return { kind: 'created', ride: toRide(rideById.get(id) as unknown as RideRow, at) };
      });
    },

    current(userId) {
      const at = now();
      const row = currentRow(userId, at);
      return row && toRide(row, at);
    },

    cancelCurrent(userId) {
      return transaction(() => {
        const at = now();
        const row = currentRow(userId, at);
        if (row === undefined) return undefined;
        cancelRide.run(at, row.seq);
        return toRide({ ...row, cancelled_at: at }, at);
      });
    },

    close() {
      if (db.isOpen) db.close();
    },
  };
}

/** 3–9 minutes, derived from the (random) ride id so a replay or a restart reports the same ride the same way. */
export function initialEtaMinutes(rideId: string): number {
  let sum = 0;
  for (let i = 0; i < rideId.length; i++) sum += rideId.charCodeAt(i);
  return 3 + (sum % 7);
}

function toRide(row: RideRow, at: number): Ride {
  const ride = (status: RideStatus, etaMinutes: number): Ride => ({ id: row.id, status, etaMinutes, destination: row.destination });
  if (row.cancelled_at !== null) return ride('cancelled', 0);
  const remainingMs = row.arrives_at - Math.max(at, row.ordered_at);
  return remainingMs > 0 ? ride('on_the_way', Math.ceil(remainingMs / MINUTE_MS)) : ride('arrived', 0);
}
