/**
 * AWS request authentication, partly: the SDK signs every request with SigV4; the cloud checks that an
 * `Authorization: AWS4-HMAC-SHA256 Credential=<key id>/<date>/<region>/<service>/aws4_request, …` header is there
 * and names the configured access key ID. The signature itself is NOT verified (a test double needs to know who
 * is calling and in which region, not to defend against forgery on loopback).
 */
import type { Request } from 'express';
import { AwsError } from './errors.js';

export interface Caller {
  accessKeyId: string;
  region: string;
  service: string;
}

const SIGV4 = /^AWS4-HMAC-SHA256\s+Credential=([^/,\s]+)\/(\d{8})\/([a-z0-9-]+)\/([a-z0-9-]+)\/aws4_request\s*,/;

export function authenticate(req: Request, accessKeyId: string, codes: { missing: string; invalid: string }): Caller {
  const header = req.get('authorization');
  if (!header) throw new AwsError(403, codes.missing, 'Missing Authentication Token');
  const match = SIGV4.exec(header);
  if (!match) throw new AwsError(403, codes.missing, 'Authorization header is not AWS Signature Version 4 (AWS4-HMAC-SHA256 Credential=…).');
  if (match[1] !== accessKeyId) throw new AwsError(403, codes.invalid, 'The security token included in the request is invalid.');
  return { accessKeyId: match[1]!, region: match[3]!, service: match[4]! };
}

/** The service a SigV4-signed request is for (its credential scope), without checking anything; undefined if unsigned. */
export function signedService(req: Request): string | undefined {
  return SIGV4.exec(req.get('authorization') ?? '')?.[4];
}
