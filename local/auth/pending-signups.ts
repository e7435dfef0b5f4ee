import { createHash, randomBytes } from 'node:crypto';
import type { DatabaseSync } from 'node:sqlite';

const SIGNUP_TTL_MS = 60 * 60 * 1000;

export interface PendingSignUp {
  name: string;
  email: string;
  /** The scrypt hash of the chosen password; the password itself is never stored. */
  passwordHash: string;
  /** The sign-in interaction the user came from, so they can continue linking after confirming. */
  interactionUid: string | undefined;
}

interface Row {
  name: string;
  email: string;
  password_hash: string;
  interaction_uid: string | null;
}

// As for reset tokens, only a hash of each confirmation token is stored.
const hashToken = (token: string) => createHash('sha256').update(token).digest('base64url');

/**
 * Sign-ups waiting for their address to be confirmed: an account exists only once the owner of the mailbox has
 * followed the link. Single use, one hour.
 */
export class PendingSignUps {
  constructor(private readonly db: DatabaseSync) {}

  issue(signUp: PendingSignUp): string {
    const token = randomBytes(32).toString('base64url');
    this.db
      .prepare(
        'INSERT INTO pending_signups (token_hash, email, name, password_hash, interaction_uid, expires_at) VALUES (?, ?, ?, ?, ?, ?)',
      )
      .run(hashToken(token), signUp.email, signUp.name, signUp.passwordHash, signUp.interactionUid ?? null, Date.now() + SIGNUP_TTL_MS);
    return token;
  }

  find(token: string): PendingSignUp | undefined {
    this.db.prepare('DELETE FROM pending_signups WHERE expires_at <= ?').run(Date.now());
    const row = this.db
      .prepare('SELECT name, email, password_hash, interaction_uid FROM pending_signups WHERE token_hash = ?')
      .get(hashToken(token)) as Row | undefined;
    return (
      row && { name: row.name, email: row.email, passwordHash: row.password_hash, interactionUid: row.interaction_uid ?? undefined }
    );
  }

  /** Removes the token; returns the sign-up, or undefined if it was unknown, used or expired. */
  redeem(token: string): PendingSignUp | undefined {
    const pending = this.find(token);
    if (pending) this.db.prepare('DELETE FROM pending_signups WHERE token_hash = ?').run(hashToken(token));
    return pending;
  }
}
