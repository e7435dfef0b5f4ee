/**
 * The Lambda handler for an environment: the skill, configured once per container — or, when the environment is
 * incomplete, the unconfigured skill, after one log line that names every variable at fault with its problem.
 *
 * A function that threw at init would be reported by Alexa only as "There was a problem with the requested skill's
 * response", and by Lambda as an init error spread over the log. This one says what is wrong where the developer
 * looks: in the answer (`ask dialog`, the console's test tab) and in one line of the log.
 *
 * ALEXA_SKILL_ID is optional here: the first `ask deploy` creates the skill and the function in one go, so the ID is
 * not known before the function exists. The ASK trigger's permission (EventSourceToken = the skill ID, added by
 * ask-cli's lambda deployer) lets only that skill invoke the function; when the variable is set, the SDK checks it too.
 */
import type { RequestEnvelope, ResponseEnvelope } from 'ask-sdk-model';
import { ConfigError, loadSkillConfig } from './config.js';
import { optional, type Env } from '../common/env.js';
import { createLogger, type LogSink } from '../common/logging.js';
import { buildSkill, productionDeps } from './skill.js';
import { buildUnconfiguredSkill } from './unconfigured-skill.js';

export type LambdaHandler = (event: RequestEnvelope, context?: unknown) => Promise<ResponseEnvelope>;

export function createLambdaHandler(env: Env, sink?: LogSink): LambdaHandler {
  let skill;
  try {
    const config = loadSkillConfig(env, { skillId: 'optional' });
    skill = buildSkill(productionDeps(config, createLogger(config.logLevel, sink)));
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    // LOG_LEVEL may be among the problems; this line must be seen whatever it says.
    const logger = createLogger('info', sink);
    logger.error('configuration_invalid', { variables: error.variables.join(', '), problems: error.message });
    skill = buildUnconfiguredSkill({ variables: error.variables, skillId: optional(env, 'ALEXA_SKILL_ID'), logger });
  }
  return (event, context) => skill.invoke(event, context);
}
