/**
 * AWS error answers in each protocol's shape, so the SDK v3 inside the ASK CLI parses them into the right
 * exception: IAM (Query) answers `<ErrorResponse><Error><Type/><Code/><Message/></Error><RequestId/></ErrorResponse>`;
 * Lambda (REST-JSON) answers a JSON body `{Type, message}` and names the error in the `x-amzn-ErrorType` header.
 */
import { randomUUID } from 'node:crypto';
import type { Response } from 'express';
import { noteCall } from '../log.js';

export class AwsError extends Error {
  override name = 'AwsError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly type: 'Sender' | 'Receiver' = status >= 500 ? 'Receiver' : 'Sender',
  ) {
    super(message);
  }
}

export const xmlEscape = (value: string) => value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');

export function sendIamError(res: Response, error: AwsError): void {
  noteCall(res, { outcome: error.code });
  const requestId = randomUUID();
  res
    .status(error.status)
    .type('text/xml')
    .set('x-amzn-RequestId', requestId)
    .send(
      `<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error><Type>${error.type}</Type><Code>${xmlEscape(error.code)}</Code><Message>${xmlEscape(error.message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
    );
}

export function sendLambdaError(res: Response, error: AwsError): void {
  noteCall(res, { outcome: error.code });
  res
    .status(error.status)
    .set('x-amzn-ErrorType', error.code)
    .set('x-amzn-RequestId', randomUUID())
    .json({ Type: error.type === 'Sender' ? 'User' : 'Service', message: error.message });
}
