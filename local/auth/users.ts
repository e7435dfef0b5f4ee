import { randomUUID } from 'node:crypto';
import type { DatabaseSync } from 'node:sqlite';
import { isAcceptableEmail, isAcceptableName, neutraliseName } from './input.js';
import { hashPassword, spendVerificationTime, verifyPassword } from './passwords.js';

/** A Ride Hailer account as other parts of the local stack see it. `id` is the `sub` of its tokens. */
export interface User {
  id: string;
  name: string;
  email: string;
}

export interface NewUser {
  name: string;
  email: string;
  password: string;
}

/** Raised by `create` when the email already has an account. */
export class EmailTakenError extends Error {
  constructor() {
    super('an account with this email already exists');
    this.name = 'EmailTakenError';
  }
}

/** Raised by `create` for an email or name the sign-up page would refuse. */
export class InvalidUserError extends Error {
  constructor(readonly field: 'email' | 'name') {
    super(`invalid ${field}`);
    this.name = 'InvalidUserError';
  }
}

export interface UserDirectory {
  /** The account behind a token's `sub`; used by the local Ride Hailer API for GET /v1/me. */
  findById(id: string): Promise<User | undefined>;
  findByEmail(email: string): Promise<User | undefined>;
  /** The account if email and password match, else undefined (same timing for unknown emails). */
  authenticate(email: string, password: string): Promise<User | undefined>;
  /** Creates an account; throws EmailTakenError when the email is in use. */
  create(user: NewUser): Promise<User>;
  /** Creates an account whose password was hashed earlier (a confirmed sign-up); throws EmailTakenError too. */
  createWithPasswordHash(user: { name: string; email: string; passwordHash: string }): Promise<User>;
  setPassword(id: string, password: string): Promise<void>;
}

/** Emails are matched without surrounding spaces and case-insensitively: the usual typing slips on a phone. */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

interface UserRow {
  id: string;
  name: string;
  email: string;
  password_hash: string;
}

const toUser = ({ id, name, email }: UserRow): User => ({ id, name, email });

export class SqliteUserDirectory implements UserDirectory {
  constructor(private readonly db: DatabaseSync) {}

  async findById(id: string): Promise<User | undefined> {
    const row = this.db.prepare('SELECT * FROM users WHERE id = ?').get(id) as UserRow | undefined;
    return row && toUser(row);
  }

  async findByEmail(email: string): Promise<User | undefined> {
    const row = this.rowByEmail(email);
    return row && toUser(row);
  }

  async authenticate(email: string, password: string): Promise<User | undefined> {
    const row = this.rowByEmail(email);
    if (!row) {
      await spendVerificationTime(password);
      return undefined;
    }
    return (await verifyPassword(password, row.password_hash)) ? toUser(row) : undefined;
  }

  async create({ name, email, password }: NewUser): Promise<User> {
    return this.createWithPasswordHash({ name, email, passwordHash: await hashPassword(password) });
  }

  async createWithPasswordHash({ name, email, passwordHash }: { name: string; email: string; passwordHash: string }): Promise<User> {
    // Every way in (the pages, the stack's seeding, tests) gets the same checks: no control or format characters
    // in an address, no bidi overrides in a name.
    const user: User = { id: randomUUID(), name: neutraliseName(name), email: normalizeEmail(email) };
    if (!isAcceptableEmail(user.email)) throw new InvalidUserError('email');
    if (!isAcceptableName(user.name)) throw new InvalidUserError('name');
    const inserted = this.db
      .prepare('INSERT OR IGNORE INTO users (id, email, name, password_hash, created_at) VALUES (?, ?, ?, ?, ?)')
      .run(user.id, user.email, user.name, passwordHash, Date.now());
    if (inserted.changes === 0) throw new EmailTakenError();
    return user;
  }

  async setPassword(id: string, password: string): Promise<void> {
    this.db.prepare('UPDATE users SET password_hash = ? WHERE id = ?').run(await hashPassword(password), id);
  }

  private rowByEmail(email: string): UserRow | undefined {
    return this.db.prepare('SELECT * FROM users WHERE email = ?').get(normalizeEmail(email)) as UserRow | undefined;
  }
}
