import { getSlot, type HandlerInput, type RequestHandler } from 'ask-sdk-core';
import type { Slot } from 'ask-sdk-model';
import { requireAccount } from '../account/account.js';
import { Scope } from '../account/scopes.js';
import { recordOutcome } from '../interceptors/request-log.js';
import { RideAlreadyActive, type RideClient } from '../rides/client.js';
import { clampDestination } from '../rides/types.js';
import { messages } from '../speech/index.js';
import { isIntent } from './intent.js';

export function orderRideHandler(rides: RideClient): RequestHandler {
  return {
    canHandle: (input) => isIntent(input, 'OrderRideIntent'),
    async handle(input) {
      const say = messages(input);
      // Linking first: a user who must link anyway should not be asked for a destination.
      const account = await requireAccount(input, Scope.orderCar);
      const destination = destinationOf(getSlot(input.requestEnvelope, 'destination'));
      if (destination === undefined) {
        recordOutcome(input, 'destination_elicited');
        return input.responseBuilder.speak(say.askDestination).reprompt(say.askDestination).addElicitSlotDirective('destination').getResponse();
      }
      try {
        const ride = await rides.orderRide(account.token, destination, await idempotencyKey(input));
        recordOutcome(input, 'ride_ordered');
        return input.responseBuilder.speak(say.rideOrdered(ride)).withShouldEndSession(true).getResponse();
      } catch (error) {
        if (!(error instanceof RideAlreadyActive)) throw error;
        recordOutcome(input, 'ride_already_active');
        return input.responseBuilder.speak(say.rideAlreadyActive(error.ride)).withShouldEndSession(true).getResponse();
      }
    },
  };
}

/**
 * Alexa re-sends a request it got no answer to with the same request ID; deriving the key from it makes the API
 * answer that retry with the ride it already ordered instead of ordering a second one.
 */
export async function idempotencyKey(input: HandlerInput): Promise<string> {
  const { createHash } = await import('node:crypto'); // loaded on the first order, not in every cold start
  return createHash('sha256').update(input.requestEnvelope.request.requestId).digest('base64url');
}

/** The canonical value when entity resolution matched one of our destinations, otherwise what the user said. */
function destinationOf(slot: Slot | null): string | undefined {
  const resolved = slot?.resolutions?.resolutionsPerAuthority?.find((a) => a.status.code === 'ER_SUCCESS_MATCH')?.values[0]?.value.name;
  const value = clampDestination(resolved ?? slot?.value ?? '');
  return value ? value : undefined;
}
