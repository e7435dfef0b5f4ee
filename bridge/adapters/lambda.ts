/**
 * Lambda Function URL / API Gateway HTTP API events (payload format 2.0) ↔ the bridge's plain request and response.
 */
import type { BridgeRequest, BridgeResponse } from '../http/types.js';

/** The fields of a payload-2.0 event the bridge reads. */
export interface HttpApiEventV2 {
  version?: string;
  rawPath?: string;
  rawQueryString?: string;
  headers?: Record<string, string | undefined>;
  cookies?: string[];
  body?: string;
  isBase64Encoded?: boolean;
  requestContext?: { http?: { method?: string; path?: string; sourceIp?: string } };
}

export interface HttpApiResultV2 {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
  isBase64Encoded: false;
}

export class EventTooLarge extends Error {}

export function fromLambdaEvent(event: HttpApiEventV2, bodyLimitBytes: number): BridgeRequest {
  const headers: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(event.headers ?? {})) headers[name.toLowerCase()] = value;
  const raw = event.body ?? '';
  const body = event.isBase64Encoded ? Buffer.from(raw, 'base64') : Buffer.from(raw);
  if (body.length > bodyLimitBytes) throw new EventTooLarge();
  return {
    method: (event.requestContext?.http?.method ?? 'GET').toUpperCase(),
    path: event.rawPath ?? event.requestContext?.http?.path ?? '/',
    query: new URLSearchParams(event.rawQueryString ?? ''),
    headers,
    body: body.toString('utf8'),
    ...(event.requestContext?.http?.sourceIp === undefined ? {} : { peerAddress: event.requestContext.http.sourceIp }),
  };
}

export function toLambdaResult(response: BridgeResponse): HttpApiResultV2 {
  return { statusCode: response.status, headers: response.headers, body: response.body, isBase64Encoded: false };
}
