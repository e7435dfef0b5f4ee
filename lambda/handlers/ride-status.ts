import type { RequestHandler } from 'ask-sdk-core';
import { requireAccount } from '../account/account.js';
import { Scope } from '../account/scopes.js';
import { recordOutcome } from '../interceptors/request-log.js';
import type { RideClient } from '../rides/client.js';
import { messages } from '../speech/index.js';
import { isIntent } from './intent.js';

export function rideStatusHandler(rides: RideClient): RequestHandler {
  return {
    canHandle: (input) => isIntent(input, 'RideStatusIntent'),
    async handle(input) {
      const say = messages(input);
      const account = await requireAccount(input, Scope.orderCar);
      const ride = await rides.currentRide(account.token);
      recordOutcome(input, ride ? 'ride_status' : 'no_active_ride');
      return input.responseBuilder.speak(ride ? say.rideStatus(ride) : say.noActiveRide).withShouldEndSession(true).getResponse();
    },
  };
}
