/**
 * Skill events (the manifest subscribes to SKILL_ACCOUNT_LINKED, SKILL_ENABLED, SKILL_DISABLED). Alexa ignores any
 * speech in the reply, so these only record what happened. The freshly linked token arrives in the request body; it
 * is verified so that the log names the linked subject — never the token itself.
 */
import { getRequestType, type RequestHandler } from 'ask-sdk-core';
import type { events } from 'ask-sdk-model';
import { judgeToken } from '../account/account.js';
import type { TokenVerifier } from '../account/token-verifier.js';
import { recordOutcome } from '../interceptors/request-log.js';
import type { Logger } from '../../common/logging.js';

export function accountLinkedHandler(verifier: TokenVerifier, logger: Logger): RequestHandler {
  return {
    canHandle: (input) => getRequestType(input.requestEnvelope) === 'AlexaSkillEvent.SkillAccountLinked',
    async handle(input) {
      const request = input.requestEnvelope.request as events.skillevents.AccountLinkedRequest;
      const token = request.body?.accessToken;
      const state = await judgeToken(typeof token === 'string' && token ? token : undefined, verifier);
      if (state.status === 'linked') {
        logger.info('account_linked', { subject: state.account.subject ?? 'opaque-token' });
        recordOutcome(input, 'account_linked');
      } else {
        logger.warn('account_linked_token_unusable', { status: state.status, problem: state.status === 'rejected' ? state.problem : undefined });
        recordOutcome(input, `account_linked_${state.status}`);
      }
      return input.responseBuilder.getResponse();
    },
  };
}

export const skillEnablementHandler: RequestHandler = {
  canHandle: (input) => ['AlexaSkillEvent.SkillEnabled', 'AlexaSkillEvent.SkillDisabled'].includes(getRequestType(input.requestEnvelope)),
  handle(input) {
    recordOutcome(input, getRequestType(input.requestEnvelope) === 'AlexaSkillEvent.SkillEnabled' ? 'skill_enabled' : 'skill_disabled');
    return input.responseBuilder.getResponse();
  },
};
