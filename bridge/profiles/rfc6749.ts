/**
 * Reusable pieces for reading an upstream token endpoint's answer (RFC 6749 §5.1 / §5.2). Not a profile itself:
 * profiles compose these (a provider that wraps its answer, nests the token or spells errors its own way reads
 * its format first, then hands the fields to `tokensFromFields` / `refusalFromCode`).
 *
 * Everything here is pure and never throws: whatever cannot be understood is `unavailable`, because "refused"
 * makes Alexa unlink the user and must only ever come from an answer that clearly says so.
 */
import { parseJsonObject } from '../../common/json.js';
import type { TokenGrant, UpstreamAnswer, UpstreamRefusal, UpstreamResult, UpstreamTokens, UpstreamUnavailable } from './profile.js';

/** The error codes of RFC 6749 §5.2 that an UpstreamRefusal may carry. */
export const TOKEN_ERROR_CODES: readonly UpstreamRefusal['error'][] = [
  'invalid_request',
  'invalid_client',
  'invalid_grant',
  'unauthorized_client',
  'unsupported_grant_type',
  'invalid_scope',
];

/**
 * What an HTTP status alone says about a token answer:
 * - `success`: 2xx, read the body for tokens;
 * - `refusal`: 400 or 401, the RFC 6749 statuses of an error answer — read the body for the error code;
 * - `unavailable`: everything else (5xx, 429, 3xx, 403/404/…): says nothing about the grant.
 */
export type StatusClass = 'success' | 'refusal' | 'unavailable';

export function classifyStatus(status: number): StatusClass {
  if (status >= 200 && status < 300) return 'success';
  if (status === 400 || status === 401) return 'refusal';
  return 'unavailable';
}

export function unavailable(reason: string): UpstreamUnavailable {
  return { kind: 'unavailable', reason };
}

/** Parses a body as a JSON object; undefined for anything else (arrays, HTML, truncated text). */
export { parseJsonObject };

/** Parses an `application/x-www-form-urlencoded` body (GitHub without `Accept: application/json`). */
export function parseFormBody(body: string): Record<string, string> {
  return Object.fromEntries(new URLSearchParams(body));
}

/**
 * The body as fields: JSON when it is a JSON object, form-encoded when the content type says so; undefined otherwise.
 */
export function parseBodyFields(answer: UpstreamAnswer): Record<string, unknown> | undefined {
  const json = parseJsonObject(answer.body);
  if (json !== undefined) return json;
  const type = answer.headers['content-type'] ?? '';
  if (/application\/x-www-form-urlencoded|text\/plain/i.test(type)) {
    const fields = parseFormBody(answer.body);
    return Object.keys(fields).length > 0 ? fields : undefined;
  }
  return undefined;
}

/**
 * A lifetime in whole seconds from a number or a numeric string (Azure AD sends `"3599"`); undefined when absent
 * or unusable (negative, not a number), so Alexa falls back to its default expiration.
 */
export function readSeconds(value: unknown): number | undefined {
  const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : Number.NaN;
  return Number.isFinite(n) && n >= 0 ? Math.floor(n) : undefined;
}

const nonEmptyString = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);

/**
 * RFC 6749 §5.1 fields → tokens. Needs a non-empty `access_token`; a `token_type` other than Bearer is refused as
 * unusable (Alexa only sends Bearer tokens), an absent one is accepted (several providers omit it).
 */
export function tokensFromFields(fields: Record<string, unknown>): UpstreamTokens | UpstreamUnavailable {
  const accessToken = nonEmptyString(fields.access_token);
  if (accessToken === undefined) return unavailable('answer has no access_token');
  const tokenType = fields.token_type;
  if (tokenType !== undefined && (typeof tokenType !== 'string' || tokenType.toLowerCase() !== 'bearer')) {
    return unavailable('answer has a token_type other than Bearer');
  }
  const tokens: UpstreamTokens = { kind: 'tokens', accessToken };
  const expiresIn = readSeconds(fields.expires_in);
  if (expiresIn !== undefined) tokens.expiresIn = expiresIn;
  const refreshToken = nonEmptyString(fields.refresh_token);
  if (refreshToken !== undefined) tokens.refreshToken = refreshToken;
  const scope = nonEmptyString(fields.scope);
  if (scope !== undefined) tokens.scope = scope;
  return tokens;
}

/**
 * A provider's own error name → its RFC 6749 code, from the profile's table only: an inherited property
 * (`constructor`, `toString`) is no entry, so an answer naming one is not read as a refusal.
 */
export function mappedError(table: Readonly<Record<string, UpstreamRefusal['error']>>, name: unknown): UpstreamRefusal['error'] | undefined {
  return typeof name === 'string' && Object.hasOwn(table, name) ? table[name] : undefined;
}

/**
 * An error code → refusal when it is one of RFC 6749's; anything else is `unavailable` (an unknown code says
 * nothing certain about the grant, and a wrong "refused" unlinks the user). `detail` stays in the bridge's log.
 */
export function refusalFromCode(code: unknown, detail?: string): UpstreamRefusal | UpstreamUnavailable {
  if (typeof code === 'string' && (TOKEN_ERROR_CODES as readonly string[]).includes(code)) {
    return detail === undefined ? { kind: 'refused', error: code as UpstreamRefusal['error'] } : { kind: 'refused', error: code as UpstreamRefusal['error'], detail };
  }
  return unavailable(typeof code === 'string' ? `unrecognised error code in refusal` : 'refusal without an error code');
}

/**
 * The whole standard reading of a token answer: 2xx with RFC 6749 JSON → tokens; 400/401 with an RFC 6749
 * `error` → refused; anything else → unavailable. The `oidc` profile is exactly this.
 */
export function readRfc6749Answer(answer: UpstreamAnswer, _grant?: TokenGrant): UpstreamResult {
  const statusClass = classifyStatus(answer.status);
  if (statusClass === 'unavailable') return unavailable(`upstream answered ${answer.status}`);
  const fields = parseBodyFields(answer);
  if (fields === undefined) return unavailable(`upstream answered ${answer.status} with a body that is not a JSON object`);
  if (statusClass === 'success') return tokensFromFields(fields);
  // The error code only: an error_description is provider text and may quote the token it refuses.
  return refusalFromCode(fields.error);
}
