/**
 * The one error handler: every typed failure becomes its own spoken answer; anything else a short apology.
 * It never speaks or logs the error's details beyond its name and our own reason codes.
 */
import type { ErrorHandler } from 'ask-sdk-core';
import { AccountLinkRequired, RideApiUnavailable, ScopeMissing } from '../errors.js';
import { finishRequestLog } from '../interceptors/request-log.js';
import type { Logger } from '../logging.js';
import { requestFields } from '../request-fields.js';
import { messages } from '../speech/index.js';

export function errorHandler(logger: Logger): ErrorHandler {
  return {
    canHandle: () => true,
    handle(input, error) {
      const say = messages(input);
      const reply = input.responseBuilder;
      const { type = '', requestId } = requestFields(input.requestEnvelope);

      // Neither session-end nor skill events may carry speech.
      if (type === 'SessionEndedRequest' || type.startsWith('AlexaSkillEvent.')) {
        logger.error('unexpected_error', { requestId, error: error.name });
        finishRequestLog(input, 'error');
        return reply.getResponse();
      }
      if (error instanceof AccountLinkRequired) {
        finishRequestLog(input, `link_required:${error.problem}`);
        const speech = error.problem === 'not_linked' ? say.linkNeeded : say.linkExpired;
        return reply.speak(speech).withLinkAccountCard().withShouldEndSession(true).getResponse();
      }
      if (error instanceof ScopeMissing) {
        finishRequestLog(input, `scope_missing:${error.scope}`);
        return reply.speak(say.permissionNeeded(error.scope)).withLinkAccountCard().withShouldEndSession(true).getResponse();
      }
      if (error instanceof RideApiUnavailable) {
        finishRequestLog(input, `api_unavailable:${error.reason}`);
        return reply.speak(say.apiUnavailable).reprompt(say.tryAgainReprompt).getResponse();
      }
      logger.error('unexpected_error', { requestId, error: error.name });
      finishRequestLog(input, 'error');
      return reply.speak(say.sorry).reprompt(say.helpReprompt).getResponse();
    },
  };
}
