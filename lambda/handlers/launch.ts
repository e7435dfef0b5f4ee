import { getRequestType, type RequestHandler } from 'ask-sdk-core';
import { requireAccount } from '../account/account.js';
import { Scope } from '../account/scopes.js';
import { ScopeMissing } from '../errors.js';
import { recordOutcome } from '../interceptors/request-log.js';
import type { RideClient } from '../rides/client.js';
import { messages } from '../speech/index.js';

/** Linked users are greeted by name; without the profile permission, still welcomed rather than sent to re-link. */
export function launchHandler(rides: RideClient): RequestHandler {
  return {
    canHandle: (input) => getRequestType(input.requestEnvelope) === 'LaunchRequest',
    async handle(input) {
      const say = messages(input);
      let speech: string;
      try {
        const account = await requireAccount(input, Scope.basicProfile);
        speech = say.welcomeLinked((await rides.me(account.token)).name);
      } catch (error) {
        if (!(error instanceof ScopeMissing)) throw error;
        speech = say.welcomeWithoutName;
      }
      recordOutcome(input, 'welcomed');
      return input.responseBuilder.speak(speech).reprompt(say.welcomeReprompt).getResponse();
    },
  };
}
