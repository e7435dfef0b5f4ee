/**
 * Withings. Every token request carries `action=requesttoken`; client_id and client_secret go in the body; the answer
 * is wrapped as `{"status":0,"body":{access_token,…}}` with HTTP 200, and errors are HTTP 200 too, with a non-RFC
 * numeric `status`. A refresh answers a new refresh token and the old one stops working.
 *
 * Which statuses mean what (the API reference's "Response status" table, mirrored in vangorra/python_withings_api
 * withings_api/const.py):
 * - 0: success.
 * - 503 "Invalid Params": what a spent/unknown code or refresh token gets (`{"status":503,"error":"Invalid Params:
 *   invalid code"}`, home-assistant/home-assistant.io#34285; jaroslawhartman/withings-sync#41 for refreshes) →
 *   `invalid_grant` (`invalid_client` when the message names the client).
 * - 100, 101, 102, 200, 401 "Authentication failed" → `invalid_client`.
 * - the other "Invalid Params" statuses (201–511 in that table) → `invalid_request`.
 * - 601 "Too many requests", 522 timeout, 524 bad state, the "An error occurred" family, 214/277/2553/2554/2555
 *   ("unauthorized" / "unknown action" / "unknown error") and any status not listed → unavailable: none of them
 *   says the grant is dead.
 *
 * Guesses: the mapping of 503 assumes the bridge's requests are otherwise well-formed (they are: fixed parameters),
 * so an invalid parameter can only be the code or the refresh token. PKCE upstream is turned off because Withings
 * documents none and answers unknown parameters with "Invalid Params", which would read as a dead grant.
 */
import { isJsonObject } from '../../common/json.js';
import type { ProviderProfile, UpstreamRefusal, UpstreamResult } from './profile.js';
import { parseJsonObject, tokensFromFields, unavailable } from './rfc6749.js';

const AUTH_FAILED = new Set([100, 101, 102, 200, 401]);
/** "Invalid Params" statuses of the reference table, 503 excepted (read apart). */
const INVALID_PARAMS = new Set([
  201, 202, 203, 204, 205, 206, 207, 208, 209, 210, 211, 212, 213, 216, 217, 218, 220, 221, 223, 225, 227, 228, 229, 230, 234, 235, 236, 238, 240,
  241, 242, 243, 244, 245, 246, 247, 248, 249, 250, 251, 252, 254, 260, 261, 262, 263, 264, 265, 266, 267, 271, 272, 275, 276, 283, 284, 285, 286,
  287, 288, 290, 293, 294, 295, 297, 300, 301, 302, 303, 304, 321, 323, 324, 325, 326, 327, 328, 329, 330, 331, 332, 333, 334, 335, 336, 337, 338,
  339, 340, 341, 342, 343, 344, 345, 346, 347, 348, 349, 350, 351, 352, 353, 380, 381, 382, 400, 501, 502, 504, 505, 506, 509, 510, 511, 523, 532,
  3017, 3018, 3019,
]);

/**
 * The log's label for a status: its number, never Withings' `error` text (which has quoted the refresh token it
 * refused). Numbers longer than the table's are not labelled by value.
 */
const label = (status: number) => (status < 100_000 ? `withings status ${status}` : 'withings status outside the table');

function refusal(status: number, message: string): UpstreamRefusal | undefined {
  // The message only chooses between two refusals; it is never kept.
  const detail = label(status);
  if (status === 503) return { kind: 'refused', error: /client/i.test(message) ? 'invalid_client' : 'invalid_grant', detail };
  if (AUTH_FAILED.has(status)) return { kind: 'refused', error: 'invalid_client', detail };
  if (INVALID_PARAMS.has(status)) return { kind: 'refused', error: 'invalid_request', detail };
  return undefined;
}

export function readWithingsAnswer(answer: { status: number; body: string }): UpstreamResult {
  if (answer.status !== 200) return unavailable(`upstream answered ${answer.status}`);
  const envelope = parseJsonObject(answer.body);
  if (envelope === undefined) return unavailable('upstream answered 200 with a body that is not a JSON object');
  const status = typeof envelope.status === 'number' ? envelope.status : typeof envelope.status === 'string' && /^\d+$/.test(envelope.status) ? Number(envelope.status) : undefined;
  if (status === undefined) return unavailable('withings answer has no numeric status');
  if (status === 0) {
    if (!isJsonObject(envelope.body)) return unavailable('withings status 0 without a body object');
    return tokensFromFields(envelope.body);
  }
  const message = typeof envelope.error === 'string' ? envelope.error : '';
  return refusal(status, message) ?? unavailable(label(status));
}

export const profile: ProviderProfile = {
  name: 'withings',
  quirk: 'action=requesttoken on every token request; answer wrapped in {status, body}; errors are HTTP 200 with numeric statuses',
  clientAuthentication: 'client_secret_post',
  issuesRefreshTokens: true,
  rotatesRefreshTokens: true,
  scopeSeparator: ',',
  upstreamPkce: false,
  tokenRequestParams: () => ({ action: 'requesttoken' }),
  readTokenAnswer: (answer) => readWithingsAnswer(answer),
};
