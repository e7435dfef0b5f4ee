/**
 * One JSON line per call to the cloud: which API, which operation, which skill or function, the status and an
 * outcome. Handlers say what the call was with `noteCall`; the line is written when the response finishes, so a
 * call that throws is logged too. Request and response bodies are never logged — they carry zips, tokens and the
 * account-linking client secret — and lambda/logging.ts redacts credential-named fields as a second line of defence.
 */
import type { RequestHandler, Response } from 'express';
import type { LogFields, Logger } from '../../common/logging.js';

export type CloudApi = 'smapi' | 'lwa' | 'iam' | 'lambda' | 'upload' | 'extra' | 's3' | 'cloudformation' | 'secretsmanager' | 'dynamodb' | 'function-url';

export interface CallInfo {
  api?: CloudApi;
  operation?: string;
  skillId?: string;
  stage?: string;
  functionName?: string;
  importId?: string;
  roleName?: string;
  stackName?: string;
  bucket?: string;
  /** e.g. an AWS error code or FAILED for an import that was refused; default derived from the status. */
  outcome?: string;
}

export function noteCall(res: Response, info: CallInfo): void {
  res.locals.call = { ...(res.locals.call as CallInfo | undefined), ...info };
}

export function callLogger(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const started = performance.now();
    res.once('close', () => {
      const call = (res.locals.call as CallInfo | undefined) ?? {};
      const status = res.writableFinished ? res.statusCode : undefined;
      const outcome = call.outcome ?? (status === undefined ? 'aborted' : status < 400 ? 'ok' : status < 500 ? 'refused' : 'error');
      const fields: LogFields = {
        api: call.api ?? 'unknown',
        operation: call.operation ?? `${req.method} ${req.path.split('/').slice(0, 3).join('/')}`,
        skillId: call.skillId,
        stage: call.stage,
        functionName: call.functionName,
        importId: call.importId,
        roleName: call.roleName,
        stackName: call.stackName,
        bucket: call.bucket,
        status,
        outcome,
        latencyMs: Math.round((performance.now() - started) * 10) / 10,
      };
      if (status !== undefined && status >= 500) logger.error('alexa_cloud_call', fields);
      else logger.info('alexa_cloud_call', fields);
    });
    next();
  };
}
