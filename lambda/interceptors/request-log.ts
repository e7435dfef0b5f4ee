/**
 * One log line per request: request ID, request type, intent, outcome and latency — and nothing else from the
 * envelope (no user ID, no token, no slot values).
 *
 * The request interceptor starts the clock and leaves a `finish(outcome)` in the request attributes; the response
 * interceptor calls it on success, and the error handler calls it itself because the ASK SDK skips response
 * interceptors once a handler has thrown.
 */
import type { HandlerInput, RequestInterceptor, ResponseInterceptor } from 'ask-sdk-core';
import type { Logger } from '../logging.js';
import { requestFields } from '../request-fields.js';

const FINISH = 'finishRequestLog';
const OUTCOME = 'outcome';

export function createRequestLogInterceptors(logger: Logger, now: () => number = performance.now.bind(performance)): { request: RequestInterceptor; response: ResponseInterceptor } {
  return {
    request: {
      process(input) {
        const started = now();
        let finished = false;
        input.attributesManager.getRequestAttributes()[FINISH] = (outcome: string) => {
          if (finished) return;
          finished = true;
          const { type, requestId, intent } = requestFields(input.requestEnvelope);
          logger.info('request', {
            requestId,
            type,
            intent: type === 'IntentRequest' ? intent : undefined,
            outcome,
            latencyMs: Math.round((now() - started) * 10) / 10,
          });
        };
      },
    },
    response: {
      process(input) {
        finishRequestLog(input, (input.attributesManager.getRequestAttributes()[OUTCOME] as string | undefined) ?? 'ok');
      },
    },
  };
}

/** Names how this request ended (e.g. `ride_ordered`, `no_active_ride`); logged once the response is ready. */
export function recordOutcome(input: HandlerInput, outcome: string): void {
  input.attributesManager.getRequestAttributes()[OUTCOME] = outcome;
}

export function finishRequestLog(input: HandlerInput, outcome: string): void {
  const finish = input.attributesManager.getRequestAttributes()[FINISH] as ((outcome: string) => void) | undefined;
  finish?.(outcome);
}
