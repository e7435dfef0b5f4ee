/**
 * The request log's contract, without the ASK SDK around it: one line per request whatever path it ends on, the
 * outcome a handler recorded (or `ok`), latency from the injected clock, the intent only for IntentRequests, and an
 * unexpected error named with its stack frames but never its message.
 */
import { expect } from 'chai';
import type { ErrorHandler, HandlerInput } from 'ask-sdk-core';
import type { RequestEnvelope, Response } from 'ask-sdk-model';
import { createRequestLog, recordOutcome, recordUnexpectedError } from '../../lambda/interceptors/request-log.js';
import { createMemoryLogger, stackFrames } from '../../common/logging.js';

function handlerInput(request: Record<string, unknown>): HandlerInput {
  const attributes: Record<string, unknown> = {};
  return { requestEnvelope: { request } as unknown as RequestEnvelope, attributesManager: { getRequestAttributes: () => attributes } } as unknown as HandlerInput;
}

describe('request log', () => {
  const setUp = () => {
    const logger = createMemoryLogger();
    const clock = [100, 112.34];
    const log = createRequestLog(logger, () => clock.shift()!);
    const records = () => logger.lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    return { log, records };
  };
  const answering = (answer: (input: HandlerInput, error: Error) => void): ErrorHandler => ({
    canHandle: () => true,
    handle: (input, error) => {
      answer(input, error);
      return {} as Response;
    },
  });

  it("logs 'ok' when the handler recorded no outcome, with the latency from the clock", async () => {
    const { log, records } = setUp();
    const input = handlerInput({ type: 'IntentRequest', requestId: 'r-1', intent: { name: 'RideStatusIntent' } });
    await log.request.process(input);
    await log.response.process(input);
    expect(records()).to.have.length(1);
    expect(records()[0]).to.include({ event: 'request', requestId: 'r-1', type: 'IntentRequest', intent: 'RideStatusIntent', outcome: 'ok', latencyMs: 12.3 });
  });

  it('logs the outcome the error handler recorded last, once, after the error handler answered', async () => {
    const { log, records } = setUp();
    const input = handlerInput({ type: 'LaunchRequest', requestId: 'r-2', intent: { name: 'StrayIntent' } });
    await log.request.process(input);
    recordOutcome(input, 'welcomed');
    const handler = log.afterErrors(answering((i) => recordOutcome(i, 'link_required:not_linked')));
    expect(handler.canHandle(input, new Error('x'))).to.equal(true);
    await handler.handle(input, new Error('x'));
    await log.response.process(input);
    expect(records()).to.have.length(1);
    expect(records()[0]).to.include({ type: 'LaunchRequest', outcome: 'link_required:not_linked' });
    expect(records()[0], 'no intent outside IntentRequest').not.to.have.property('intent');
  });

  it('names an unexpected error and where it was thrown, without its message', async () => {
    const { log, records } = setUp();
    const input = handlerInput({ type: 'IntentRequest', requestId: 'r-3', intent: { name: 'OrderRideIntent' } });
    await log.request.process(input);
    const bug = new TypeError('user said 42 Main Street');
    await log.afterErrors(answering((i, error) => recordUnexpectedError(i, error))).handle(input, bug);
    const [problem, request] = records();
    expect(problem).to.include({ level: 'error', event: 'unexpected_error', requestId: 'r-3', error: 'TypeError' });
    expect(problem!.at).to.match(/^test\/unit\/request-log\.test\.ts:\d+:\d+/);
    expect(request).to.include({ event: 'request', outcome: 'error' });
    expect(JSON.stringify(records())).not.to.contain('Main Street');
  });

  it('does nothing for a request the interceptor never saw', async () => {
    const { log, records } = setUp();
    const input = handlerInput({ type: 'LaunchRequest' });
    expect(() => recordOutcome(input, 'welcomed')).not.to.throw();
    expect(() => recordUnexpectedError(input, new Error('x'))).not.to.throw();
    await log.response.process(input);
    expect(records()).to.deep.equal([]);
  });
});

describe('stack frames for the log', () => {
  it('lists file:line:column frames innermost first, relative to the working directory, without node internals', () => {
    const error = new Error('boom');
    error.stack = [
      'Error: boom',
      `    at handle (${process.cwd()}/lambda/handlers/order-ride.ts:25:13)`,
      '    at process.processTicksAndRejections (node:internal/process/task_queues:105:5)',
      `    at file://${process.cwd()}/lambda/skill.ts:40:7`,
      '    at /var/task/index.mjs:1:2345',
    ].join('\n');
    expect(stackFrames(error)).to.equal('lambda/handlers/order-ride.ts:25:13 < lambda/skill.ts:40:7 < /var/task/index.mjs:1:2345');
    expect(stackFrames(error, 1)).to.equal('lambda/handlers/order-ride.ts:25:13');
  });

  it('reads no frame out of the message, and gives nothing for an error without a stack', () => {
    const error = new Error('x\n    at secret (card-number:4111:1111)');
    error.stack = `Error: ${error.message}\n    at f (/app/a.ts:1:2)`;
    expect(stackFrames(error)).to.equal('/app/a.ts:1:2');
    const bare = new Error('no stack');
    bare.stack = undefined;
    expect(stackFrames(bare)).to.equal(undefined);
  });
});
