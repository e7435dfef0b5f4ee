/**
 * AWS Lambda entry. Configuration is read once per container, so a misconfigured function fails its cold start
 * with a message naming the variable instead of failing every request.
 *
 * The handler is async: the Node.js 24 Lambda runtime no longer supports callback-style handlers, so the ASK SDK's
 * `.lambda()` (which uses a callback) is not used.
 */
import type { RequestEnvelope, ResponseEnvelope } from 'ask-sdk-model';
import { loadSkillConfig } from './config.js';
import { createLogger } from './logging.js';
import { buildSkill, productionDeps } from './skill.js';

const config = loadSkillConfig();
const skill = buildSkill(productionDeps(config, createLogger(config.logLevel)));

export const handler = (event: RequestEnvelope, context?: unknown): Promise<ResponseEnvelope> => skill.invoke(event, context);
