import type { DatabaseSync } from 'node:sqlite';
import type { Adapter, AnyObject } from 'oidc-provider';

/** Models whose rows belong to a grant and are removed together when the grant is revoked. */
const GRANTABLE = new Set([
  'AccessToken',
  'AuthorizationCode',
  'RefreshToken',
  'DeviceCode',
  'BackchannelAuthenticationRequest',
  'PreAuthorizedCode',
]);

/** Where each model keeps the account it belongs to. */
const ACCOUNT_PATH: Record<string, string> = { Grant: '$.accountId', Session: '$.accountId', Interaction: '$.session.accountId' };

/**
 * IDs of the stored grants, sessions or interactions of an account. oidc-provider's Adapter interface has no
 * lookup by account, and a password reset needs one; the rows are then removed through oidc-provider's own models.
 * A scan (no index): resets are rare.
 */
export function storedIdsOfAccount(db: DatabaseSync, model: 'Grant' | 'Session' | 'Interaction', accountId: string): string[] {
  const rows = db
    .prepare(`SELECT id FROM oidc_store WHERE model = ? AND json_extract(payload, ?) = ?`)
    .all(model, ACCOUNT_PATH[model]!, accountId) as { id: string }[];
  return rows.map((row) => row.id);
}

/**
 * oidc-provider storage adapter on node:sqlite. One table keyed by (model, id); expiry is checked on read
 * (with the same clock oidc-provider uses, Date.now) and expired rows are swept opportunistically.
 */
export class SqliteAdapter implements Adapter {
  constructor(
    private readonly db: DatabaseSync,
    private readonly model: string,
  ) {}

  /** oidc-provider's `adapter` option: a factory called once per model name. */
  static factory(db: DatabaseSync): (model: string) => SqliteAdapter {
    return (model) => new SqliteAdapter(db, model);
  }

  async upsert(id: string, payload: AnyObject, expiresIn?: number): Promise<void> {
    const expiresAt = typeof expiresIn === 'number' ? Date.now() + expiresIn * 1000 : null;
    this.db
      .prepare(
        `INSERT INTO oidc_store (model, id, payload, grant_id, user_code, uid, expires_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (model, id) DO UPDATE SET payload = excluded.payload, grant_id = excluded.grant_id,
           user_code = excluded.user_code, uid = excluded.uid, expires_at = excluded.expires_at`,
      )
      .run(
        this.model,
        id,
        JSON.stringify(payload),
        GRANTABLE.has(this.model) ? (payload.grantId ?? null) : null,
        payload.userCode ?? null,
        payload.uid ?? null,
        expiresAt,
      );
  }

  async find(id: string): Promise<AnyObject | undefined> {
    return this.first('id = ?', id);
  }

  async findByUid(uid: string): Promise<AnyObject | undefined> {
    return this.first('uid = ?', uid);
  }

  async findByUserCode(userCode: string): Promise<AnyObject | undefined> {
    return this.first('user_code = ?', userCode);
  }

  async consume(id: string): Promise<void> {
    this.db
      .prepare(
        `UPDATE oidc_store SET payload = json_set(payload, '$.consumed', ?) WHERE model = ? AND id = ?`,
      )
      .run(Math.floor(Date.now() / 1000), this.model, id);
  }

  async destroy(id: string): Promise<void> {
    this.db.prepare('DELETE FROM oidc_store WHERE model = ? AND id = ?').run(this.model, id);
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    this.db.prepare('DELETE FROM oidc_store WHERE model = ? AND grant_id = ?').run(this.model, grantId);
  }

  private first(where: string, value: string): AnyObject | undefined {
    const row = this.db
      .prepare(`SELECT payload, expires_at FROM oidc_store WHERE model = ? AND ${where}`)
      .get(this.model, value) as { payload: string; expires_at: number | null } | undefined;
    if (!row) return undefined;
    if (row.expires_at !== null && row.expires_at <= Date.now()) {
      this.sweepExpired();
      return undefined;
    }
    return JSON.parse(row.payload) as AnyObject;
  }

  private sweepExpired(): void {
    this.db.prepare('DELETE FROM oidc_store WHERE expires_at IS NOT NULL AND expires_at <= ?').run(Date.now());
  }
}
