/**
 * AWS's JSON protocol (1.0/1.1): `POST /` with `X-Amz-Target: <prefix>.<Operation>` and a JSON body; errors are
 * `{"__type": "<Code>", "message": "…"}` with a 4xx/5xx status. Secrets Manager and DynamoDB speak it.
 */
import { randomUUID } from 'node:crypto';
import type { Request, Response } from 'express';
import { noteCall } from '../log.js';
import type { AwsError } from './errors.js';

/** `secretsmanager.GetSecretValue` → ['secretsmanager', 'GetSecretValue']; undefined when absent. */
export function target(req: Request): [string, string] | undefined {
  const header = req.get('x-amz-target');
  const dot = header?.lastIndexOf('.') ?? -1;
  return header && dot > 0 ? [header.slice(0, dot), header.slice(dot + 1)] : undefined;
}

export function sendJsonError(res: Response, error: AwsError): void {
  noteCall(res, { outcome: error.code });
  res.status(error.status).type('application/x-amz-json-1.1').set('x-amzn-RequestId', randomUUID()).send(JSON.stringify({ __type: error.code, message: error.message }));
}

export function sendJson(res: Response, body: unknown): void {
  res.status(200).type('application/x-amz-json-1.1').set('x-amzn-RequestId', randomUUID()).send(JSON.stringify(body));
}
