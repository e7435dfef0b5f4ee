/**
 * One log line per request — request ID, request type, intent, outcome and latency, and nothing else from the
 * envelope (no user ID, no token, no slot values) — built here and nowhere else.
 *
 * Handlers (and the error handler, for failures) say how their request ended with `recordOutcome`; an error nobody
 * expected is handed over with `recordUnexpectedError` and logged by name and stack frames, never its message. The
 * line is written once the answer is ready: by the response interceptor when a handler answered, or by the wrapper
 * around the error handler, because the ASK SDK skips response interceptors once a handler has thrown.
 */
import type { ErrorHandler, HandlerInput, RequestInterceptor, ResponseInterceptor } from 'ask-sdk-core';
import { errorFields, type Logger } from '../../common/logging.js';
import { monotonicMs } from '../../common/clock.js';
import { requestFields } from '../request-fields.js';

/** What this request's line will say; kept in the request attributes from the request interceptor on. */
interface RequestRecord {
  started: number;
  outcome?: string;
  unexpected?: Error;
  written: boolean;
}

const RECORD = 'requestLog';

export interface RequestLog {
  request: RequestInterceptor;
  response: ResponseInterceptor;
  /** The one error handler, writing the line after it has answered. */
  afterErrors(handler: ErrorHandler): ErrorHandler;
}

export function createRequestLog(logger: Logger, now: () => number = monotonicMs): RequestLog {
  const write = (input: HandlerInput) => {
    const record = recordOf(input);
    if (record === undefined || record.written) return;
    record.written = true;
    const { type, requestId, intent } = requestFields(input.requestEnvelope);
    if (record.unexpected !== undefined) {
      logger.error('unexpected_error', { requestId, ...errorFields(record.unexpected) });
    }
    logger.info('request', {
      requestId,
      type,
      intent: type === 'IntentRequest' ? intent : undefined,
      outcome: record.outcome ?? 'ok',
      latencyMs: Math.round((now() - record.started) * 10) / 10,
    });
  };
  return {
    request: {
      process(input) {
        const record: RequestRecord = { started: now(), written: false };
        input.attributesManager.getRequestAttributes()[RECORD] = record;
      },
    },
    response: { process: write },
    afterErrors: (handler) => ({
      canHandle: (input, error) => handler.canHandle(input, error),
      async handle(input, error) {
        const response = await handler.handle(input, error);
        write(input);
        return response;
      },
    }),
  };
}

/** Names how this request ended (e.g. `ride_ordered`, `link_required:token_expired`); the last one recorded counts. */
export function recordOutcome(input: HandlerInput, outcome: string): void {
  const record = recordOf(input);
  if (record !== undefined) record.outcome = outcome;
}

/** An error no handler expected: the line says `error`, and a line before it names the error and where it was thrown. */
export function recordUnexpectedError(input: HandlerInput, error: Error): void {
  const record = recordOf(input);
  if (record === undefined) return;
  record.outcome = 'error';
  record.unexpected = error;
}

function recordOf(input: HandlerInput): RequestRecord | undefined {
  return input.attributesManager.getRequestAttributes()[RECORD] as RequestRecord | undefined;
}
