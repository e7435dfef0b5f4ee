/**
 * SMAPI's error bodies: `{message}` for most refusals, `{message, violations: [{code, message}]}` for 400s. The ASK
 * CLI prints the body as it comes and treats a refusal without a body as fatal, so every error here has one.
 */
import type { ErrorRequestHandler, Response } from 'express';
import type { SmapiIssue } from '../state/store.js';
import { noteCall } from '../log.js';

export class SmapiError extends Error {
  override name = 'SmapiError';
  constructor(
    readonly status: number,
    message: string,
    readonly violations?: SmapiIssue[],
  ) {
    super(message);
  }
}

export const invalidRequest = (violations: SmapiIssue[]) => new SmapiError(400, 'Request is not valid.', violations);
export const skillNotFound = (skillId: string) => new SmapiError(404, `Skill with id ${skillId} not found.`);

export function sendSmapiError(res: Response, error: SmapiError): void {
  res.status(error.status).json(error.violations ? { message: error.message, violations: error.violations } : { message: error.message });
}

export const smapiErrorHandler: ErrorRequestHandler = (error, _req, res, next) => {
  if (res.headersSent) return next(error);
  if (error instanceof SmapiError) return sendSmapiError(res, error);
  const status = (error as { status?: number }).status;
  if ((error as { type?: string }).type === 'entity.parse.failed') {
    return sendSmapiError(res, invalidRequest([{ code: 'INVALID_REQUEST_BODY', message: 'The request body is not valid JSON.' }]));
  }
  if (status === 413) return sendSmapiError(res, new SmapiError(413, 'The request body is too large.'));
  noteCall(res, { outcome: 'error' });
  sendSmapiError(res, new SmapiError(500, `Internal error in the local Alexa cloud: ${(error as Error)?.message ?? String(error)}`));
};
