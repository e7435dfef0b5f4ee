/**
 * The Ride Hailer API client. It turns every HTTP outcome into either a value or one of the typed failures in
 * ../errors.ts, so handlers never look at status codes.
 *
 * Budget: Alexa gives the whole skill 8 s; one API call, retries included, gets `totalBudgetMs` (3 s by default).
 * Each attempt may use a bit under half of it, so a hung first attempt still leaves room for one retry. The retry
 * covers network errors, 5xx and 429 (honouring Retry-After only when it fits in what is left of the budget).
 * POST is retried too: it always carries an Idempotency-Key, so the API answers a repeat with the same ride.
 *
 * got (and with it node:http/https) is loaded on first use rather than at start-up: requests that never reach the
 * API (an unlinked launch, help, stop) should not pay for loading it in a cold Lambda.
 */
import type { Got, RequestError } from 'got';
import { Scope, type ScopeName } from '../account/scopes.js';
import { AccountLinkRequired, RideAlreadyActive, RideApiUnavailable, ScopeMissing } from '../errors.js';
import type { ApiError, Profile, Ride } from './types.js';

export interface RideClient {
  me(token: string): Promise<Profile>;
  /** Orders a ride; the same idempotency key always yields the same ride. */
  orderRide(token: string, destination: string, idempotencyKey: string): Promise<Ride>;
  /** The active ride, or undefined when there is none. */
  currentRide(token: string): Promise<Ride | undefined>;
  /** Cancels the active ride and returns it, or undefined when there was none. */
  cancelRide(token: string): Promise<Ride | undefined>;
}

export interface RideClientOptions {
  baseUrl: URL;
  totalBudgetMs: number;
}

const RETRYABLE_STATUS = [429, 500, 502, 503, 504];
/** The shortest attempt worth starting: below this a retry cannot succeed within the budget anyway. */
const MIN_ATTEMPT_MS = 150;

export function createRideClient({ baseUrl, totalBudgetMs }: RideClientOptions): RideClient {
  const attemptTimeoutMs = Math.floor(totalBudgetMs * 0.45);
  let client: Promise<Got> | undefined;

  const load = (): Promise<Got> =>
    (client ??= Promise.all([import('got'), import('node:http'), import('node:https')]).then(([{ default: got }, http, https]) =>
      got.extend({
        prefixUrl: baseUrl.href.replace(/\/?$/, '/'),
        agent: { http: new http.Agent({ keepAlive: true }), https: new https.Agent({ keepAlive: true }) },
        responseType: 'json',
        timeout: { request: attemptTimeoutMs },
        retry: {
          limit: 1,
          methods: ['GET', 'POST', 'DELETE'],
          statusCodes: RETRYABLE_STATUS,
          backoffLimit: 200,
          noise: 0,
          maxRetryAfter: totalBudgetMs,
          // Only retry when the wait plus a useful attempt still fit before this call's deadline.
          calculateDelay: ({ computedValue, error }) => (Date.now() + computedValue + MIN_ATTEMPT_MS <= deadlineOf(error.options) ? computedValue : 0),
        },
        hooks: {
          // The retry gets what is left of the budget, never more than a first attempt.
          beforeRetry: [(error) => void (error.options.timeout = { request: Math.max(MIN_ATTEMPT_MS, Math.min(attemptTimeoutMs, deadlineOf(error.options) - Date.now())) })],
        },
        headers: { accept: 'application/json', 'user-agent': 'ride-hailer-skill' },
      }),
    ));

  async function call<T>(method: 'GET' | 'POST' | 'DELETE', path: string, token: string, scope: ScopeName, extra: { json?: unknown; headers?: Record<string, string> } = {}): Promise<T> {
    const got = await load();
    try {
      // Everything per call is in these few options; the rest was normalised once by got.extend above.
      const response = await got<T>(path, {
        method,
        headers: { authorization: `Bearer ${token}`, ...extra.headers },
        ...(extra.json === undefined ? {} : { json: extra.json }),
        context: { deadline: Date.now() + totalBudgetMs },
      });
      return response.body;
    } catch (error) {
      throw translate(error as RequestError, scope);
    }
  }

  return {
    me: async (token) => expectProfile(await call<unknown>('GET', 'v1/me', token, Scope.basicProfile)),
    orderRide: async (token, destination, idempotencyKey) =>
      expectRide(await call<unknown>('POST', 'v1/rides', token, Scope.orderCar, { json: { destination }, headers: { 'idempotency-key': idempotencyKey } })),
    currentRide: (token) => absentOn404(call<unknown>('GET', 'v1/rides/current', token, Scope.orderCar)),
    cancelRide: (token) => absentOn404(call<unknown>('DELETE', 'v1/rides/current', token, Scope.orderCar)),
  };
}

const deadlineOf = (options: { context: Record<string, unknown> }) => options.context.deadline as number;

class NoActiveRide extends Error {}

async function absentOn404(request: Promise<unknown>): Promise<Ride | undefined> {
  try {
    return expectRide(await request);
  } catch (error) {
    if (error instanceof NoActiveRide) return undefined;
    throw error;
  }
}

/** HTTP outcome → typed failure. The API's own error text is never passed on: it is not ours to speak or log. */
function translate(error: RequestError, scope: ScopeName): Error {
  // Only an HTTPError is a complete answer; a timeout or reset can carry a response whose body never arrived.
  const status = error.name === 'HTTPError' ? error.response?.statusCode : undefined;
  if (status === undefined) {
    return new RideApiUnavailable(error.name === 'ParseError' ? 'malformed_response' : (error.code ?? error.name));
  }
  if (status === 401) return new AccountLinkRequired('token_rejected');
  if (status === 403) return new ScopeMissing(scopeNamedIn(error.response?.headers['www-authenticate']) ?? scope);
  if (status === 404) return new NoActiveRide();
  if (status === 409) {
    const ride = (error.response?.body as ApiError | undefined)?.ride;
    if (isRide(ride)) return new RideAlreadyActive(ride);
  }
  if (status >= 500 || status === 429) return new RideApiUnavailable(`status_${status}`);
  return new Error(`ride api answered ${status}`);
}

/** RFC 6750: `WWW-Authenticate: Bearer error="insufficient_scope", scope="order_car"`. */
function scopeNamedIn(header: string | undefined): ScopeName | undefined {
  const named = header?.match(/scope="([^"]*)"/)?.[1]?.split(' ');
  return named?.find((s): s is ScopeName => s === Scope.orderCar || s === Scope.basicProfile);
}

function isRide(value: unknown): value is Ride {
  const ride = value as Ride | undefined;
  return typeof ride?.id === 'string' && typeof ride.status === 'string' && typeof ride.etaMinutes === 'number' && typeof ride.destination === 'string';
}

function expectRide(value: unknown): Ride {
  if (!isRide(value)) throw new RideApiUnavailable('malformed_response');
  return value;
}

function expectProfile(value: unknown): Profile {
  const profile = value as Profile | undefined;
  if (typeof profile?.id !== 'string' || typeof profile.name !== 'string' || typeof profile.email !== 'string') {
    throw new RideApiUnavailable('malformed_response');
  }
  return profile;
}
