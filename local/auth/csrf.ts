import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * CSRF tokens for the sign-in forms: an HMAC of what the form is for (the interaction uid, or a reset
 * token), keyed by a server secret. A forged cross-site POST cannot know it; the interaction itself is also
 * bound to its SameSite cookie by oidc-provider.
 */
export class CsrfTokens {
  constructor(private readonly key: Buffer) {}

  tokenFor(purpose: string): string {
    return createHmac('sha256', this.key).update(purpose).digest('base64url');
  }

  verify(purpose: string, token: unknown): boolean {
    if (typeof token !== 'string') return false;
    const expected = Buffer.from(this.tokenFor(purpose));
    const actual = Buffer.from(token);
    return actual.length === expected.length && timingSafeEqual(actual, expected);
  }
}
