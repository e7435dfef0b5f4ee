/**
 * The one error handler on its own: each typed failure's answer, and silence where Alexa allows no speech — on a
 * SessionEndedRequest and on skill events, whatever failed.
 */
import { expect } from 'chai';
import { ResponseFactory, type HandlerInput } from 'ask-sdk-core';
import type { RequestEnvelope } from 'ask-sdk-model';
import { AccountLinkRequired, ApiUnavailable, IssuerUnavailable, ScopeMissing } from '../../lambda/errors.js';
import { errorHandler } from '../../lambda/handlers/error-handler.js';
import { createRequestLog } from '../../lambda/interceptors/request-log.js';
import { createMemoryLogger } from '../../common/logging.js';

async function answer(type: string, error: Error) {
  const attributes: Record<string, unknown> = {};
  const input = {
    requestEnvelope: { request: { type, requestId: 'r-1', locale: 'en-US' } } as unknown as RequestEnvelope,
    attributesManager: { getRequestAttributes: () => attributes },
    responseBuilder: ResponseFactory.init(),
  } as unknown as HandlerInput;
  const logger = createMemoryLogger();
  const log = createRequestLog(logger);
  await log.request.process(input);
  const response = await log.afterErrors(errorHandler).handle(input, error);
  const outcome = logger.lines.map((line) => JSON.parse(line)).find((record) => record.event === 'request')?.outcome;
  return { response, outcome };
}

describe('error handler', () => {
  for (const type of ['SessionEndedRequest', 'AlexaSkillEvent.SkillEnabled']) {
    it(`answers ${type} without speech, whatever failed, and logs it as an error`, async () => {
      for (const error of [new TypeError('bug'), new AccountLinkRequired('token_expired'), new ApiUnavailable('status_503')]) {
        const { response, outcome } = await answer(type, error);
        expect(response.outputSpeech, error.name).to.equal(undefined);
        expect(response.card, error.name).to.equal(undefined);
        expect(outcome).to.equal('error');
      }
    });
  }

  it('answers each typed failure of an intent with its speech, card and outcome', async () => {
    const cases: [Error, string, boolean][] = [
      [new AccountLinkRequired('not_linked'), 'link_required:not_linked', true],
      [new ScopeMissing('order_car'), 'scope_missing:order_car', true],
      [new ApiUnavailable('status_503'), 'api_unavailable:status_503', false],
      [new IssuerUnavailable('jwks_unreachable'), 'issuer_unavailable:jwks_unreachable', false],
      [new TypeError('bug'), 'error', false],
    ];
    for (const [error, expected, withCard] of cases) {
      const { response, outcome } = await answer('IntentRequest', error);
      expect(outcome).to.equal(expected);
      expect(response.outputSpeech, expected).not.to.equal(undefined);
      expect(response.card?.type, expected).to.equal(withCard ? 'LinkAccount' : undefined);
    }
  });
});

describe('typed failures', () => {
  it('name themselves and say what failed in words fit for a log (a reason code, never a token)', () => {
    const failures: [Error, string, string][] = [
      [new AccountLinkRequired('token_expired'), 'AccountLinkRequired', 'account link required: token_expired'],
      [new ScopeMissing('order_car'), 'ScopeMissing', 'scope missing: order_car'],
      [new ApiUnavailable('status_503'), 'ApiUnavailable', 'api unavailable: status_503'],
      [new IssuerUnavailable('jwks_unreachable'), 'IssuerUnavailable', 'issuer unavailable: jwks_unreachable'],
    ];
    for (const [error, name, message] of failures) expect(error).to.include({ name, message });
  });
});
