/**
 * What happened to the link during a request: Alexa refreshes an expiring access token silently and drops the link
 * when the refresh is refused. Testers want to see both, so the console and `npm run dialog` compare the stored link
 * before and after each exchange and say so in one line.
 */
import type { StoredLink } from './token-store.js';

export type LinkChange = 'refreshed' | 'dropped' | 'expired' | 'linked';

export function linkChange(before: StoredLink | undefined, after: StoredLink | undefined): LinkChange | undefined {
  // A link without a refresh token (the implicit grant) only ever ends because its access token expired.
  if (before && !after) return before.refreshToken === undefined ? 'expired' : 'dropped';
  if (!before && after) return 'linked';
  if (before && after && before.accessToken !== after.accessToken) return before.linkedAt === after.linkedAt ? 'refreshed' : 'linked';
  return undefined;
}

export function describeLinkChange(change: LinkChange, after: StoredLink | undefined, german = false): string {
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
