/**
 * The one error handler: every typed failure becomes its own spoken answer; anything else a short apology. It
 * names the outcome for the request log and never speaks the error's details.
 */
import type { ErrorHandler } from 'ask-sdk-core';
import { AccountLinkRequired, ApiUnavailable, IssuerUnavailable, ScopeMissing } from '../errors.js';
import { recordOutcome, recordUnexpectedError } from '../interceptors/request-log.js';
import { requestFields } from '../request-fields.js';
import { messages } from '../speech/index.js';
import type { LinkTask } from '../speech/messages.js';

/** Which request found no account, so the explanation can say what linking is for here. */
const LINK_TASKS: ReadonlyMap<string, LinkTask> = new Map([
  ['OrderRideIntent', 'orderRide'],
  ['RideStatusIntent', 'rideStatus'],
  ['CancelRideIntent', 'cancelRide'],
  ['WhoAmIIntent', 'whoAmI'],
]);
const linkTaskOf = (intent: string | undefined): LinkTask => LINK_TASKS.get(intent ?? '') ?? 'launch';

export const errorHandler: ErrorHandler = {
  canHandle: () => true,
  handle(input, error) {
    const say = messages(input);
    const reply = input.responseBuilder;
    const { type = '', intent } = requestFields(input.requestEnvelope);

    // Neither session-end nor skill events may carry speech.
    if (type === 'SessionEndedRequest' || type.startsWith('AlexaSkillEvent.')) {
      recordUnexpectedError(input, error);
      return reply.getResponse();
    }
    if (error instanceof AccountLinkRequired) {
      recordOutcome(input, `link_required:${error.problem}`);
      const speech = error.problem === 'not_linked' ? say.linkNeeded(linkTaskOf(intent)) : say.linkExpired;
      return reply.speak(speech).withLinkAccountCard().withShouldEndSession(true).getResponse();
    }
    if (error instanceof ScopeMissing) {
      recordOutcome(input, `scope_missing:${error.scope}`);
      return reply.speak(say.permissionNeeded(error.scope)).withLinkAccountCard().withShouldEndSession(true).getResponse();
    }
    // The user cannot tell the API from the issuer's keys, and need not: both are "try again shortly".
    if (error instanceof ApiUnavailable || error instanceof IssuerUnavailable) {
      recordOutcome(input, `${error instanceof ApiUnavailable ? 'api' : 'issuer'}_unavailable:${error.reason}`);
      return reply.speak(say.apiUnavailable).reprompt(say.tryAgainReprompt).getResponse();
    }
    recordUnexpectedError(input, error);
    return reply.speak(say.sorry).reprompt(say.helpReprompt).getResponse();
  },
};
