import type { RequestHandler } from 'ask-sdk-core';
import type { IntentRequest } from 'ask-sdk-model';
import { requireAccount } from '../account/account.js';
import { Scope } from '../account/scopes.js';
import { recordOutcome } from '../interceptors/request-log.js';
import type { RideClient } from '../rides/client.js';
import { messages } from '../speech/index.js';
import { isIntent } from './intent.js';

/** Cancelling is confirmed first (Dialog.ConfirmIntent); Alexa then sends the intent again, CONFIRMED or DENIED. */
export function cancelRideHandler(rides: RideClient): RequestHandler {
  return {
    canHandle: (input) => isIntent(input, 'CancelRideIntent'),
    async handle(input) {
      const say = messages(input);
      const account = await requireAccount(input, Scope.orderCar);
      const confirmation = (input.requestEnvelope.request as IntentRequest).intent.confirmationStatus;
      const done = (outcome: string, speech: string) => {
        recordOutcome(input, outcome);
        return input.responseBuilder.speak(speech).withShouldEndSession(true).getResponse();
      };

      if (confirmation === 'DENIED') return done('cancel_declined', say.cancelKept);
      if (confirmation === 'CONFIRMED') {
        const cancelled = await rides.cancelRide(account.token);
        return cancelled ? done('ride_cancelled', say.rideCancelled(cancelled)) : done('no_active_ride', say.noActiveRide);
      }
      const ride = await rides.currentRide(account.token);
      if (!ride) return done('no_active_ride', say.noActiveRide);
      recordOutcome(input, 'cancel_confirmation_asked');
      return input.responseBuilder.speak(say.confirmCancel(ride)).reprompt(say.confirmCancel(ride)).addConfirmIntentDirective().getResponse();
    },
  };
}
