/**
 * Calls to a resource API on the user's behalf: JSON over HTTP with `Authorization: Bearer <access token>`, within a
 * time budget, with every outcome turned into a value or one of the typed failures in ../errors.ts. Nothing here
 * knows Ride Hailer: rides/client.ts names the routes and what their answers mean. Pointing the skill at another API
 * means replacing that module, not this one.
 *
 * Budget: Alexa gives the whole skill 8 s; one API call, retries included, gets `totalBudgetMs` (3 s by default).
 * Each attempt may use a bit under half of it, so a hung first attempt still leaves room for one retry. The retry
 * covers network errors, 5xx and 429 (honouring Retry-After only when it fits in what is left of the budget).
 * POST and PATCH are retried only when the call carries an idempotency key (sent as `Idempotency-Key`), so a retry
 * can never create a second ride, order or payment.
 *
 * got is loaded on first use rather than at start-up: requests that never reach the
 * API (an unlinked launch, help, stop) should not pay for loading it in a cold Lambda. `warmUp()` starts that load
 * early, as soon as a request carries a token.
 */
import type { Got, RequestError } from 'got';
import { isJsonObject } from '../../common/json.js';
import { isScopeName, type ScopeName } from '../account/scopes.js';
import { AccountLinkRequired, ApiUnavailable, ScopeMissing } from '../errors.js';

export interface JsonApiClientOptions {
  baseUrl: URL;
  totalBudgetMs: number;
  /** Sent as User-Agent, so the API's logs can tell the skill's calls apart. */
  userAgent?: string;
}

export interface ApiCall {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Relative to the base URL, without a leading slash. */
  path: string;
  token: string;
  /** The scope this call needs: named in ScopeMissing when the API answers 403 without naming one. */
  scope: ScopeName;
  json?: unknown;
  /** Makes a POST or PATCH safe to retry: the API answers a repeat with what it did the first time. */
  idempotencyKey?: string;
}

export interface JsonApiClient {
  /** The parsed JSON body of a 2xx answer; 401, 403 and outages become typed failures; any other status an ApiStatusError. */
  call(request: ApiCall): Promise<unknown>;
  /** Starts loading the HTTP client without waiting for it. */
  warmUp(): void;
}

/** The API answered with a status only the caller can give meaning to (e.g. 404 "no ride", 409 "already active"). */
export class ApiStatusError extends Error {
  override name = 'ApiStatusError';
  constructor(
    readonly status: number,
    /** The parsed JSON object of the answer, for the caller to read; never logged or spoken as it is. */
    readonly body: Record<string, unknown>,
  ) {
    super(`api answered ${status}`);
  }
}

const RETRYABLE_STATUS = [429, 500, 502, 503, 504];
/** The share of the budget one attempt may use: under half, so a hung first attempt still leaves room for a retry. */
const ATTEMPT_SHARE = 0.45;
/** The shortest attempt worth starting: below this a retry cannot succeed within the budget anyway. */
const MIN_ATTEMPT_MS = 150;
/** Upper bound of got's exponential backoff before the one retry: short, because the budget is counted in seconds. */
const MAX_BACKOFF_MS = 200;

export function createJsonApiClient({ baseUrl, totalBudgetMs, userAgent = 'alexa-skill' }: JsonApiClientOptions): JsonApiClient {
  const attemptTimeoutMs = Math.floor(totalBudgetMs * ATTEMPT_SHARE);
  let client: Promise<Got> | undefined;

  const load = (): Promise<Got> =>
    (client ??= import('got').then(({ default: got }) =>
      got.extend({
        // Connections are kept alive by Node's global agents (the default since Node 19), which got uses.
        prefixUrl: baseUrl.href,
        responseType: 'json',
        timeout: { request: attemptTimeoutMs },
        retry: {
          limit: 1,
          methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
          statusCodes: RETRYABLE_STATUS,
          backoffLimit: MAX_BACKOFF_MS,
          noise: 0,
          maxRetryAfter: totalBudgetMs,
          // Only retry what is safe to repeat, and only when the wait plus a useful attempt fit before the deadline.
          calculateDelay: ({ computedValue, error }) =>
            isRepeatable(error.options) && Date.now() + computedValue + MIN_ATTEMPT_MS <= deadlineOf(error.options) ? computedValue : 0,
        },
        hooks: {
          // The retry gets what is left of the budget, never more than a first attempt.
          beforeRetry: [(error) => void (error.options.timeout = { request: Math.max(MIN_ATTEMPT_MS, Math.min(attemptTimeoutMs, deadlineOf(error.options) - Date.now())) })],
        },
        headers: { accept: 'application/json', 'user-agent': userAgent },
      }),
    ));

  return {
    async call({ method, path, token, scope, json, idempotencyKey }) {
      const got = await load();
      try {
        // Everything per call is in these few options; the rest was normalised once by got.extend above. got leaves
        // out a header whose value is undefined, and sends no body when `json` is undefined.
        const response = await got<unknown>(path, {
          method,
          headers: { authorization: `Bearer ${token}`, 'idempotency-key': idempotencyKey },
          json,
          context: { deadline: Date.now() + totalBudgetMs },
        });
        return response.body;
      } catch (error) {
        throw translate(error as RequestError, scope);
      }
    },
    warmUp() {
      // Once: every later request with a token would only re-attach a handler to the same promise. A failed load
      // is reported by the call that needs the client; nobody waits for this one.
      if (client === undefined) load().catch(() => {});
    },
  };
}

const deadlineOf = (options: { context: Record<string, unknown> }) => options.context.deadline as number;

const isRepeatable = (options: { method: string; headers: Record<string, unknown> }) =>
  options.method === 'GET' || options.method === 'PUT' || options.method === 'DELETE' || options.headers['idempotency-key'] !== undefined;

/** HTTP outcome → typed failure. The API's own error text is never passed on: it is not ours to speak or log. */
function translate(error: RequestError, scope: ScopeName): Error {
  // Only an HTTPError is a complete answer (and always has its response); a timeout or reset can carry a response
  // whose body never arrived.
  const response = error.name === 'HTTPError' ? error.response : undefined;
  if (response === undefined) {
    return new ApiUnavailable(error.name === 'ParseError' ? 'malformed_response' : (error.code ?? error.name));
  }
  const status = response.statusCode;
  if (status === 401) return new AccountLinkRequired('token_rejected');
  if (status === 403) return new ScopeMissing(scopeNamedIn(response.headers['www-authenticate']) ?? scope);
  if (status >= 500 || status === 429) return new ApiUnavailable(`status_${status}`);
  // got leaves an error answer's body as text when it is not JSON: an API that cannot say what went wrong is as
  // good as unavailable, whatever its status (a proxy's HTML 404, a truncated 409).
  const body = response.body;
  if (!isJsonObject(body)) return new ApiUnavailable('malformed_response');
  return new ApiStatusError(status, body);
}

/** RFC 6750: `WWW-Authenticate: Bearer error="insufficient_scope", scope="order_car"`; only scopes we know count. */
function scopeNamedIn(header: string | undefined): ScopeName | undefined {
  // The group takes part in every match, so [1] is there whenever the match is.
  return header?.match(/scope="([^"]*)"/)?.[1]!.split(' ').find(isScopeName);
}
