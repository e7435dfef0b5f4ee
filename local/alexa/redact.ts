/**
 * Envelopes as testers may read them: the same JSON with every token shortened to its first characters and its
 * length (`eyJhbG…(812)`), so the JSON pane and `npm run dialog -- --json` show the shape without a usable credential.
 */

/** Fields that hold a bearer credential in Alexa's request envelopes (context.System.user / .apiAccessToken). */
const TOKEN_FIELDS = new Set(['accessToken', 'apiAccessToken', 'access_token', 'refresh_token', 'refreshToken', 'id_token']);

export function shortenToken(token: string): string {
  return token.length <= 8 ? '…' : `${token.slice(0, 6)}…(${token.length})`;
}

/** A deep copy of `value` with every token field shortened; anything else is kept as it is. */
export function redactEnvelope<T>(value: T): T {
  return walk(value) as T;
}

function walk(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(walk);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, field]) => [key, TOKEN_FIELDS.has(key) && typeof field === 'string' ? shortenToken(field) : walk(field)]),
  );
}
