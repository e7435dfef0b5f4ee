/**
 * The request body parsed once for all checks of a request: the body check and each verifier ask for it in turn,
 * so the last parse is remembered. Verifiers only read the result; the adapter parses its own copy for the skill.
 */
import { AlexaRequestRefused } from './errors.js';

let last: { body: string; envelope: Record<string, unknown> } | undefined;

export function parseEnvelope(body: string): Record<string, unknown> {
  if (last?.body === body) return last.envelope;
  let envelope: unknown;
  try {
    envelope = JSON.parse(body);
  } catch {
    throw new AlexaRequestRefused('malformed_request', 'body is not JSON');
  }
  if (!isRecord(envelope)) throw new AlexaRequestRefused('malformed_request', 'body is not a JSON object');
  last = { body, envelope };
  return envelope;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
