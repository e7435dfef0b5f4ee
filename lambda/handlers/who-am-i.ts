import type { RequestHandler } from 'ask-sdk-core';
import { requireAccount } from '../account/account.js';
import { Scope } from '../account/scopes.js';
import { recordOutcome } from '../interceptors/request-log.js';
import type { RideClient } from '../rides/client.js';
import { messages } from '../speech/index.js';
import { isIntent } from './intent.js';

export function whoAmIHandler(rides: RideClient): RequestHandler {
  return {
    canHandle: (input) => isIntent(input, 'WhoAmIIntent'),
    async handle(input) {
      const account = await requireAccount(input, Scope.basicProfile);
      const profile = await rides.me(account.token);
      recordOutcome(input, 'who_am_i');
      return input.responseBuilder.speak(messages(input).whoAmI(profile.name, profile.email)).withShouldEndSession(true).getResponse();
    },
  };
}
