/**
 * Client authentication at the token endpoint (RFC 6749 §2.3.1): HTTP Basic with form-encoded ID and secret, or
 * both in the body — one method per request, never both. Secrets are compared in constant time.
 */
import { safeEqual } from './keys.js';

export type ClientAuthResult =
  | { ok: true; clientId: string }
  | { ok: false; error: 'invalid_request'; reason: string }
  /** `basic`: the client tried HTTP Basic, so the 401 carries the Basic challenge (RFC 6749 §5.2). */
  | { ok: false; error: 'invalid_client'; reason: string; basic: boolean };

/** Form decoding, as §2.3.1 asks of the Basic credentials: `+` is a space, then percent-decoding. */
function formDecode(value: string): string | undefined {
  try {
    return decodeURIComponent(value.replace(/\+/g, ' '));
  } catch {
    return undefined;
  }
}

function parseBasic(header: string): { id: string; secret: string } | undefined {
  const match = /^Basic\s+([A-Za-z0-9+/=._~-]+)\s*$/i.exec(header);
  if (!match) return undefined;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  const id = formDecode(decoded.slice(0, colon));
  const secret = formDecode(decoded.slice(colon + 1));
  return id === undefined || secret === undefined ? undefined : { id, secret };
}

export function authenticateClient(
  authorization: string | undefined,
  form: URLSearchParams,
  expected: { clientId: string; clientSecret: string },
): ClientAuthResult {
  const bodyId = form.get('client_id');
  const bodySecret = form.get('client_secret');
  const viaBasic = authorization !== undefined && authorization !== '';
  let id: string;
  let secret: string;
  if (viaBasic) {
    if (bodySecret !== null) return { ok: false, error: 'invalid_request', reason: 'client credentials both in the header and in the body' };
    const basic = parseBasic(authorization);
    if (basic === undefined) return { ok: false, error: 'invalid_client', reason: 'malformed Authorization header', basic: true };
    // A client_id in the body next to Basic is tolerated only when it names the same client.
    if (bodyId !== null && bodyId !== basic.id) return { ok: false, error: 'invalid_request', reason: 'client_id in the body differs from the header' };
    ({ id, secret } = basic);
  } else {
    if (bodyId === null || bodySecret === null) return { ok: false, error: 'invalid_client', reason: 'no client credentials', basic: false };
    id = bodyId;
    secret = bodySecret;
  }
  // Both compared, always: no early exit that would tell an unknown client from a wrong secret by timing.
  const idOk = safeEqual(id, expected.clientId);
  const secretOk = safeEqual(secret, expected.clientSecret);
  if (!(idOk && secretOk)) return { ok: false, error: 'invalid_client', reason: 'unknown client or wrong secret', basic: viaBasic };
  return { ok: true, clientId: id };
}
