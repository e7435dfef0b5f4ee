/**
 * The request log's contract, without the ASK SDK around it: one line per request whatever path it ends on, the
 * outcome a handler recorded (or `ok`), latency from the injected clock, and the intent only for IntentRequests.
 */
import { expect } from 'chai';
import type { HandlerInput } from 'ask-sdk-core';
import type { RequestEnvelope } from 'ask-sdk-model';
import { createRequestLogInterceptors, finishRequestLog, recordOutcome } from '../../lambda/interceptors/request-log.js';
import { createMemoryLogger } from '../../lambda/logging.js';

function handlerInput(request: Record<string, unknown>): HandlerInput {
  const attributes: Record<string, unknown> = {};
  return { requestEnvelope: { request } as unknown as RequestEnvelope, attributesManager: { getRequestAttributes: () => attributes } } as unknown as HandlerInput;
}

describe('request log interceptors', () => {
  const setUp = () => {
    const logger = createMemoryLogger();
    const clock = [100, 112.34];
    const log = createRequestLogInterceptors(logger, () => clock.shift()!);
    const records = () => logger.lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    return { log, records };
  };

  it("logs 'ok' when the handler recorded no outcome, with the latency from the clock", async () => {
    const { log, records } = setUp();
    const input = handlerInput({ type: 'IntentRequest', requestId: 'r-1', intent: { name: 'RideStatusIntent' } });
    await log.request.process(input);
    await log.response.process(input);
    expect(records()).to.have.length(1);
    expect(records()[0]).to.include({ requestId: 'r-1', type: 'IntentRequest', intent: 'RideStatusIntent', outcome: 'ok', latencyMs: 12.3 });
  });

  it('logs the recorded outcome once, even when the error handler finished the line before the response interceptor', async () => {
    const { log, records } = setUp();
    const input = handlerInput({ type: 'LaunchRequest', requestId: 'r-2', intent: { name: 'StrayIntent' } });
    await log.request.process(input);
    recordOutcome(input, 'welcomed');
    finishRequestLog(input, 'link_required:not_linked');
    await log.response.process(input);
    expect(records()).to.have.length(1);
    expect(records()[0]).to.include({ type: 'LaunchRequest', outcome: 'link_required:not_linked' });
    expect(records()[0], 'no intent outside IntentRequest').not.to.have.property('intent');
  });

  it('does nothing when asked to finish a request the interceptor never saw', () => {
    expect(() => finishRequestLog(handlerInput({ type: 'LaunchRequest' }), 'error')).not.to.throw();
  });
});
