import type { NextFunction, Request, Response } from 'express';

/**
 * The headers every answer of the authorization server carries, its own pages and oidc-provider's (error pages,
 * JSON endpoints, 404s) alike: no scripts and no framing at all (CSP, and X-Frame-Options for older browsers),
 * no content sniffing, no referrer. Set before any route runs, so no answer can leave without them.
 * No `form-action`: browsers apply it to the redirects after a form post too, and the consent form's answer
 * redirects to the client (Alexa's redirect URL on another origin).
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy':
    "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; base-uri 'none'; frame-ancestors 'none'",
  'X-Frame-Options': 'DENY',
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
};

export function securityHeaders(_req: Request, res: Response, next: NextFunction): void {
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);
  next();
}
