/**
 * Every answer this endpoint writes itself is a small JSON body with a stable code; nothing internal
 * (messages, stack traces, HTML) ever reaches the caller.
 */
import type { ErrorRequestHandler, RequestHandler, Response } from 'express';
import { errorFields, type LogFields, type Logger } from '../../common/logging.js';
import { AlexaRequestRefused } from '../verification/index.js';

/** Answers a refusal and logs it once, with our own reason and never the body or headers. */
export function refuse(res: Response, logger: Logger, refusal: AlexaRequestRefused): void {
  logger.warn('alexa_request_refused', { code: refusal.code, status: refusal.status, reason: refusal.reason });
  res.status(refusal.status).json({ error: refusal.code });
}

export function internalError(res: Response, logger: Logger, event: string, fields: LogFields = {}): void {
  logger.error(event, fields);
  res.status(500).json({ error: 'internal_error' });
}

/** Body-parser errors carry `status` and `type`; the client's mistakes become refusals, never a 500. */
export function bodyReadRefusal(error: unknown): AlexaRequestRefused | undefined {
  const { status, type } = (error ?? {}) as { status?: unknown; type?: unknown };
  if (type === 'entity.too.large' || status === 413) return new AlexaRequestRefused('body_too_large', 'body is over the configured limit');
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return new AlexaRequestRefused('malformed_request', `body could not be read (${typeof type === 'string' ? type : status})`);
  }
  return undefined;
}

export const notFound: RequestHandler = (_req, res) => {
  res.status(404).json({ error: 'not_found' });
};

/**
 * Where every failure of a request ends: a refusal (thrown by the checks, or the body parser's client errors) is
 * answered with its code and status; anything else is a 500, logged by name and stack frames only.
 */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (error: unknown, _req, res, next) => {
    if (res.headersSent) return next(error);
    const refusal = error instanceof AlexaRequestRefused ? error : bodyReadRefusal(error);
    if (refusal !== undefined) return refuse(res, logger, refusal);
    internalError(res, logger, 'http_unhandled_error', errorFields(error));
  };
}
