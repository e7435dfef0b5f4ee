/**
 * What happened to the link during a request: Alexa refreshes an expiring access token silently and drops the link
 * when the refresh is refused. Testers want to see both, so the console and `npm run dialog` compare the stored link
 * before and after each exchange and say so in one line.
 */
import { createHash } from 'node:crypto';
import type { StoredLink } from './token-store.js';

export type LinkChange = 'refreshed' | 'dropped' | 'expired' | 'linked';

/**
 * What is compared: which access token (by a fingerprint, so the snapshot can travel from npm start's simulator to
 * a CLI without the token), since when the account is linked, and whether the link can be refreshed.
 */
export interface LinkSnapshot {
  tokenId: string;
  linkedAt: string;
  expiresAt: string;
  refreshable: boolean;
}

export function snapshotOf(link: StoredLink | undefined): LinkSnapshot | undefined {
  if (!link) return undefined;
  return {
    tokenId: createHash('sha256').update(link.accessToken).digest('base64url').slice(0, 16),
    linkedAt: link.linkedAt,
    expiresAt: link.expiresAt,
    refreshable: link.refreshToken !== undefined,
  };
}

export function linkChange(before: LinkSnapshot | undefined, after: LinkSnapshot | undefined): LinkChange | undefined {
  // A link without a refresh token (the implicit grant) only ever ends because its access token expired.
  if (before && !after) return before.refreshable ? 'dropped' : 'expired';
  if (!before && after) return 'linked';
  if (before && after && before.tokenId !== after.tokenId) return before.linkedAt === after.linkedAt ? 'refreshed' : 'linked';
  return undefined;
}

export function describeLinkChange(change: LinkChange, after: { expiresAt: string } | undefined, german = false): string {
  switch (change) {
    case 'refreshed':
      return german
        ? `Zugriffstoken erneuert (Refresh-Token); gültig bis ${after?.expiresAt ?? '?'}`
        : `access token refreshed with the refresh token; valid until ${after?.expiresAt ?? '?'}`;
    case 'dropped':
      return german
        ? 'Die Verknüpfung wurde entfernt: der Autorisierungsserver hat die Erneuerung abgelehnt'
        : 'link dropped: the authorization server refused the refresh, as Alexa then unlinks the account';
    case 'expired':
      return german
        ? 'Die Verknüpfung ist abgelaufen: ohne Refresh-Token (Implicit Grant) geht die Anfrage ohne Zugriffstoken, also neu verknüpfen'
        : 'link expired: the implicit grant has no refresh token, so the request goes without an access token and the account must be linked again';
    case 'linked':
      return german ? 'Konto verknüpft' : 'account linked';
  }
}
