/**
 * The skill a Lambda function runs while its environment is incomplete (lambda/lambda-handler.ts): it answers every
 * request that expects speech with what is missing — in `ask dialog`, the developer console's test tab, or on a
 * device — instead of dying at init, which Alexa reports only as "There was a problem with the requested skill's
 * response". Variable names only, never a value. Skill events and SessionEndedRequest get an empty answer, as
 * Alexa allows no speech there.
 */
import { getRequestType, SkillBuilders, type Skill } from 'ask-sdk-core';
import { createRequestLog, recordOutcome } from './interceptors/request-log.js';
import type { Logger } from '../common/logging.js';
import { messages } from './speech/index.js';

export interface UnconfiguredSkillOptions {
  /** The variables at fault (ConfigError.variables). */
  variables: readonly string[];
  /** Checked when set, as the configured skill would. */
  skillId: string | undefined;
  logger: Logger;
}

const SPOKEN_TO = ['LaunchRequest', 'IntentRequest', 'CanFulfillIntentRequest'];

export function buildUnconfiguredSkill({ variables, skillId, logger }: UnconfiguredSkillOptions): Skill {
  const log = createRequestLog(logger);
  const builder = SkillBuilders.custom()
    .addRequestInterceptors(log.request)
    .addResponseInterceptors(log.response)
    .addRequestHandlers({
      canHandle: () => true,
      handle(input) {
        recordOutcome(input, 'not_configured');
        if (!SPOKEN_TO.includes(getRequestType(input.requestEnvelope))) return input.responseBuilder.getResponse();
        return input.responseBuilder.speak(messages(input).notConfigured(variables)).withShouldEndSession(true).getResponse();
      },
    })
    .withCustomUserAgent('ride-hailer-skill');
  return (skillId ? builder.withSkillId(skillId) : builder).create();
}
