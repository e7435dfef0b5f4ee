import { createHash, randomBytes } from 'node:crypto';
import type { DatabaseSync } from 'node:sqlite';

const RESET_TTL_MS = 30 * 60 * 1000;

export interface PendingReset {
  userId: string;
  /** The sign-in interaction the user came from, so they can continue linking after the reset. */
  interactionUid: string | undefined;
}

// Only a hash of each reset token is stored: reading the database does not let anyone reset a password.
const hashToken = (token: string) => createHash('sha256').update(token).digest('base64url');

/** Single-use, 30-minute password-reset tokens. */
export class PasswordResets {
  constructor(private readonly db: DatabaseSync) {}

  issue(userId: string, interactionUid?: string): string {
    const token = randomBytes(32).toString('base64url');
    this.db
      .prepare('INSERT INTO password_resets (token_hash, user_id, interaction_uid, expires_at) VALUES (?, ?, ?, ?)')
      .run(hashToken(token), userId, interactionUid ?? null, Date.now() + RESET_TTL_MS);
    return token;
  }

  find(token: string): PendingReset | undefined {
    this.db.prepare('DELETE FROM password_resets WHERE expires_at <= ?').run(Date.now());
    const row = this.db
      .prepare('SELECT user_id, interaction_uid FROM password_resets WHERE token_hash = ?')
      .get(hashToken(token)) as { user_id: string; interaction_uid: string | null } | undefined;
    return row && { userId: row.user_id, interactionUid: row.interaction_uid ?? undefined };
  }

  /** Invalidates every reset link of the account (after a reset: the other links must not work any more). */
  revokeAll(userId: string): void {
    this.db.prepare('DELETE FROM password_resets WHERE user_id = ?').run(userId);
  }

  /** Removes the token; returns what it was for, or undefined if it was unknown, used or expired. */
  redeem(token: string): PendingReset | undefined {
    const pending = this.find(token);
    if (pending) this.db.prepare('DELETE FROM password_resets WHERE token_hash = ?').run(hashToken(token));
    return pending;
  }
}
