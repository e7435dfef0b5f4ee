/**
 * An Alexa request as the checks see it: the body exactly as it was signed, that body parsed once, and the headers.
 */
import { isJsonObject } from '../../common/json.js';
import type { IncomingHttpHeaders } from 'node:http';
import { AlexaRequestRefused } from './errors.js';

export interface AlexaHttpRequest {
  /** The body as text; encoded again as UTF-8 it gives back exactly the bytes that were signed. */
  body: string;
  /** The body parsed: always a JSON object. */
  envelope: Record<string, unknown>;
  headers: IncomingHttpHeaders;
}

/** The parsed body, or a refusal: Alexa only ever sends a JSON object. */
export function parseEnvelope(body: string): Record<string, unknown> {
  let envelope: unknown;
  try {
    envelope = JSON.parse(body);
  } catch {
    throw new AlexaRequestRefused('malformed_request', 'body is not JSON');
  }
  if (!isJsonObject(envelope)) throw new AlexaRequestRefused('malformed_request', 'body is not a JSON object');
  return envelope;
}
