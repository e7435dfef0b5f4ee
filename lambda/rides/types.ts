/**
 * The Ride Hailer API contract, shared by the skill's client (lambda/rides) and the local resource server
 * (local/ride-api). Every route needs `Authorization: Bearer <access token>`.
 *
 *   GET    /v1/me             scope basic_profile → 200 Profile
 *   POST   /v1/rides          scope order_car, body OrderRideBody, header Idempotency-Key (required)
 *                                                → 201 Ride (first time), 200 Ride (same key replayed, same ride)
 *                                                → 409 ApiError `ride_already_active` with `ride` (one active ride per user)
 *                                                → 422 ApiError `idempotency_key_reused` (same key, different body)
 *   GET    /v1/rides/current  scope order_car   → 200 Ride | 404 ApiError `no_active_ride`
 *   DELETE /v1/rides/current  scope order_car   → 200 Ride (status `cancelled`) | 404 ApiError `no_active_ride`
 *
 * 401 and 403 carry an RFC 6750 `WWW-Authenticate: Bearer realm="ride-hailer", error="invalid_token" | "insufficient_scope", …`
 * header (403 names the missing `scope`) and an ApiError body. 400 is `invalid_request` for a malformed body.
 */

export interface Profile {
  id: string;
  name: string;
  email: string;
}

export type RideStatus = 'on_the_way' | 'arrived' | 'cancelled';

export interface Ride {
  id: string;
  status: RideStatus;
  /** Minutes until the car reaches the pick-up point; 0 once it has arrived. */
  etaMinutes: number;
  destination: string;
}

export interface OrderRideBody {
  /** 1 to DESTINATION_MAX_LENGTH characters, as the user said it. */
  destination: string;
}

/** The longest destination the API accepts, in characters (Unicode code points, not UTF-16 units). */
export const DESTINATION_MAX_LENGTH = 100;

/** Trimmed and cut to DESTINATION_MAX_LENGTH code points, never through the middle of a surrogate pair. */
export function clampDestination(text: string): string {
  return Array.from(text.trim()).slice(0, DESTINATION_MAX_LENGTH).join('').trim();
}

/** How many characters (code points) the API counts in a destination. */
export function destinationLength(text: string): number {
  return Array.from(text).length;
}

export interface ApiError {
  error: string;
  error_description?: string;
  /** Present on 409 `ride_already_active`. */
  ride?: Ride;
}
