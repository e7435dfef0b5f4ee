/** The account panel's view of the stored link: never a token, only what a tester needs to know about it. */
import { decodeJwt } from 'jose';
import type { StoredLink } from '../token-store.js';

export interface AccountView {
  linked: boolean;
  /** The token's `sub` when it is a JWT (read, not verified: the skill and the API verify it). */
  subject?: string;
  scopes: string[];
  expiresAt?: string;
  expired?: boolean;
  grant?: 'code' | 'implicit';
  route?: 'direct' | 'bridge' | 'deployed-bridge';
  refreshable?: boolean;
  linkedAt?: string;
}

export function accountView(link: StoredLink | undefined, now: Date): AccountView {
  if (!link) return { linked: false, scopes: [] };
  const view: AccountView = {
    linked: true,
    scopes: link.scope ? link.scope.split(' ').filter(Boolean) : [],
    expiresAt: link.expiresAt,
    expired: Date.parse(link.expiresAt) <= now.getTime(),
    grant: link.grant === 'IMPLICIT' ? 'implicit' : 'code',
    route: link.route ?? 'direct',
    refreshable: link.refreshToken !== undefined,
    linkedAt: link.linkedAt,
  };
  try {
    const { sub } = decodeJwt(link.accessToken);
    if (typeof sub === 'string') view.subject = sub;
  } catch {
    // An opaque token: nothing to show.
  }
  return view;
}
