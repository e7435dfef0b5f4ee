/**
 * Ride Hailer's API as the handlers need it: its routes, and what its answers mean (404 = no ride, 409 = a ride is
 * already on its way). Every answer's shape is checked here, once, by hand: four small shapes, and the skill's cold
 * start would pay for a schema library on every linked request. An answer of the wrong shape is the API being
 * unavailable (`malformed_response`), never a guess. Transport, budget, retries and the meaning of 401/403/5xx are api/json-client.ts's job, so
 * this is the one module to replace (with rides/types.ts) when the skill talks to another API.
 */
import { Scope } from '../account/scopes.js';
import { ApiStatusError, createJsonApiClient, type JsonApiClientOptions } from '../api/json-client.js';
import { ApiUnavailable } from '../errors.js';
import type { ApiError, Profile, Ride } from './types.js';

export interface RideClient {
  me(token: string): Promise<Profile>;
  /** Orders a ride; the same idempotency key always yields the same ride. */
  orderRide(token: string, destination: string, idempotencyKey: string): Promise<Ride>;
  /** The active ride, or undefined when there is none. */
  currentRide(token: string): Promise<Ride | undefined>;
  /** Cancels the active ride and returns it, or undefined when there was none. */
  cancelRide(token: string): Promise<Ride | undefined>;
  /** Starts loading the HTTP client early (a request carries a token, so a call is likely); optional for fakes. */
  warmUp?(): void;
}

export type RideClientOptions = Omit<JsonApiClientOptions, 'userAgent'>;

/** The user already has a ride on the way; ordering a second one is refused by the API (409). */
export class RideAlreadyActive extends Error {
  override name = 'RideAlreadyActive';
  constructor(readonly ride: Ride) {
    super('a ride is already active');
  }
}

export function createRideClient(options: RideClientOptions): RideClient {
  const api = createJsonApiClient({ ...options, userAgent: 'ride-hailer-skill' });
  return {
    me: async (token) => expectProfile(await api.call({ method: 'GET', path: 'v1/me', token, scope: Scope.basicProfile })),
    async orderRide(token, destination, idempotencyKey) {
      try {
        return expectRide(await api.call({ method: 'POST', path: 'v1/rides', token, scope: Scope.orderCar, json: { destination }, idempotencyKey }));
      } catch (error) {
        if (!(error instanceof ApiStatusError) || error.status !== 409) throw error;
        // The contract's 409 names the ride on its way; a 409 that does not is an API we cannot trust right now.
        const body = error.body as Partial<ApiError>;
        if (body.error !== 'ride_already_active' || !isRide(body.ride)) throw new ApiUnavailable('malformed_response');
        throw new RideAlreadyActive(body.ride);
      }
    },
    currentRide: (token) => noRideOn404(api.call({ method: 'GET', path: 'v1/rides/current', token, scope: Scope.orderCar })),
    cancelRide: (token) => noRideOn404(api.call({ method: 'DELETE', path: 'v1/rides/current', token, scope: Scope.orderCar })),
    warmUp: () => api.warmUp(),
  };
}

/** 404 `no_active_ride` means there is none; any other 404 (a proxy's, a wrong base URL's) is not an answer. */
async function noRideOn404(answer: Promise<unknown>): Promise<Ride | undefined> {
  try {
    return expectRide(await answer);
  } catch (error) {
    if (!(error instanceof ApiStatusError) || error.status !== 404) throw error;
    if ((error.body as Partial<ApiError>).error !== 'no_active_ride') throw new ApiUnavailable('malformed_response');
    return undefined;
  }
}

function isRide(value: unknown): value is Ride {
  const ride = value as Ride | undefined;
  return typeof ride?.id === 'string' && typeof ride.status === 'string' && typeof ride.etaMinutes === 'number' && typeof ride.destination === 'string';
}

function expectRide(value: unknown): Ride {
  if (!isRide(value)) throw new ApiUnavailable('malformed_response');
  return value;
}

function expectProfile(value: unknown): Profile {
  const profile = value as Profile | undefined;
  if (typeof profile?.id !== 'string' || typeof profile.name !== 'string' || typeof profile.email !== 'string') {
    throw new ApiUnavailable('malformed_response');
  }
  return profile;
}
