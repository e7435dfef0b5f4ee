/** The API routes of lambda/rides/types.ts: who am I, order a ride, where is it, cancel it. */
import express, { Router } from 'express';
import type { RequestHandler } from 'express';
import { Scope } from '../../lambda/account/scopes.js';
import { DESTINATION_MAX_LENGTH, destinationLength, type OrderRideBody, type Profile } from '../../lambda/rides/types.js';
import { accessOf, sendError, unauthorized } from './access.js';
import type { RideStore } from './store.js';

/** Visible ASCII, as idempotency keys are usually UUIDs or similar tokens. */
const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

export interface RouteOptions {
  store: RideStore;
  requireScope: (scope: string) => RequestHandler;
  profiles: (sub: string) => Promise<Profile | undefined>;
}

export function apiRoutes({ store, requireScope, profiles }: RouteOptions): Router {
  const router = Router();
  const jsonBody = express.json({ limit: '4kb' });

  router.get('/v1/me', requireScope(Scope.basicProfile), async (_req, res) => {
    const { subject } = accessOf(res);
    const profile = await profiles(subject);
    // A valid token for an account that is gone: 401 rather than 404, so the skill asks the user to link again.
    if (profile === undefined) {
      return unauthorized(res, 'invalid_token', 'The account behind this access token no longer exists.');
    }
    const body: Profile = { id: profile.id, name: profile.name, email: profile.email };
    res.json(body);
  });

  router.post('/v1/rides', requireScope(Scope.orderCar), jsonBody, (req, res) => {
    const key = req.get('Idempotency-Key');
    if (key === undefined || !IDEMPOTENCY_KEY.test(key)) {
      return invalidRequest(res, 'The Idempotency-Key header is required: 1 to 255 visible ASCII characters.');
    }
    const destination = destinationOf(req.body);
    if (destination === undefined) {
      return invalidRequest(
        res,
        `The body must be a JSON object with a destination string of 1 to ${DESTINATION_MAX_LENGTH} characters.`,
      );
    }
    const outcome = store.order(accessOf(res).subject, key, destination);
    switch (outcome.kind) {
      case 'created':
        return res.status(201).json(outcome.ride);
      case 'replayed':
        return res.status(200).json(outcome.ride);
      case 'already_active':
        return sendError(res, 409, {
          error: 'ride_already_active',
          error_description: 'A ride is already on the way; cancel it before ordering another.',
          ride: outcome.ride,
        });
      case 'key_reused':
        return sendError(res, 422, {
          error: 'idempotency_key_reused',
          error_description: 'This Idempotency-Key was already used for a different order.',
        });
    }
  });

  router.get('/v1/rides/current', requireScope(Scope.orderCar), (_req, res) => {
    const ride = store.current(accessOf(res).subject);
    if (ride === undefined) return noActiveRide(res);
    res.json(ride);
  });

  router.delete('/v1/rides/current', requireScope(Scope.orderCar), (_req, res) => {
    const ride = store.cancelCurrent(accessOf(res).subject);
    if (ride === undefined) return noActiveRide(res);
    res.json(ride);
  });

  return router;
}

/** The trimmed destination, or undefined when the body does not follow OrderRideBody. */
function destinationOf(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return undefined;
  const { destination } = body as Partial<Record<keyof OrderRideBody, unknown>>;
  if (typeof destination !== 'string') return undefined;
  const trimmed = destination.trim();
  const characters = destinationLength(trimmed);
  return characters >= 1 && characters <= DESTINATION_MAX_LENGTH ? trimmed : undefined;
}

function invalidRequest(res: express.Response, description: string): void {
  sendError(res, 400, { error: 'invalid_request', error_description: description });
}

function noActiveRide(res: express.Response): void {
  sendError(res, 404, { error: 'no_active_ride', error_description: 'There is no current ride.' });
}
