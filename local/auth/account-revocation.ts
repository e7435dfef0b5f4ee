import type { DatabaseSync } from 'node:sqlite';
import type Provider from 'oidc-provider';
import { storedIdsOfAccount } from './sqlite-adapter.js';

export interface RevokedAccess {
  grants: number;
  sessions: number;
}

/**
 * Ends everything that lets anyone act as the account without its new password: every grant with its refresh
 * tokens and authorization codes (so a link made by whoever knew the old password stops working at its next
 * refresh), every sign-in session and every sign-in in progress. Access tokens are JWTs checked without a lookup:
 * those already issued run out within their hour.
 */
export async function revokeAccountAccess(provider: Provider, db: DatabaseSync, accountId: string): Promise<RevokedAccess> {
  const grants = storedIdsOfAccount(db, 'Grant', accountId);
  for (const grantId of grants) {
    // What oidc-provider's own revocation does for a grant (lib/helpers/revoke.js), for every grant of the account.
    await Promise.all([provider.AccessToken, provider.RefreshToken, provider.AuthorizationCode].map((model) => model.revokeByGrantId(grantId)));
    await provider.Grant.adapter.destroy(grantId);
  }
  const sessions = storedIdsOfAccount(db, 'Session', accountId);
  for (const id of sessions) await provider.Session.adapter.destroy(id);
  for (const id of storedIdsOfAccount(db, 'Interaction', accountId)) await provider.Interaction.adapter.destroy(id);
  return { grants: grants.length, sessions: sessions.length };
}
