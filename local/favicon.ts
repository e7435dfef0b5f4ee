/**
 * The local stack's icon, served by the simulator (console, linking end pages) and the authorization server (login
 * pages), so no page of the journey logs a 404 for /favicon.ico in the browser's console. An SVG: one small file,
 * sharp at every size, and allowed by each page's `img-src 'self'`.
 */
import type { Request, Response } from 'express';

export const FAVICON_SVG = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64"><rect width="64" height="64" rx="14" fill="#0b63ce"/><path d="M14 38l5-13a4 4 0 0 1 4-3h18a4 4 0 0 1 4 3l5 13v9a2 2 0 0 1-2 2h-4a2 2 0 0 1-2-2v-3H22v3a2 2 0 0 1-2 2h-4a2 2 0 0 1-2-2z" fill="#fff"/><circle cx="21" cy="39" r="3" fill="#0b63ce"/><circle cx="43" cy="39" r="3" fill="#0b63ce"/><path d="M20 34l3-8h18l3 8z" fill="#0b63ce" opacity=".35"/></svg>`;

/** The paths browsers ask for: the one the pages link, and the default they try on pages that link none. */
export const FAVICON_PATHS = ['/favicon.svg', '/favicon.ico'];

export function sendFavicon(_req: Request, res: Response): void {
  res.set({ 'content-type': 'image/svg+xml', 'cache-control': 'public, max-age=86400', 'x-content-type-options': 'nosniff' }).send(FAVICON_SVG);
}
