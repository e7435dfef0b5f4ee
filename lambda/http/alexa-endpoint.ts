/**
 * POST / of the skill endpoint, top to bottom: read the raw body → check it is a UTF-8 JSON object → run the
 * verifiers → `skill.invoke` → the skill's answer, or a small JSON refusal with a stable code and the right status.
 *
 * Why the endpoint dispatches itself rather than through ExpressAdapter's handlers: the adapter reads the body with
 * a fixed 100 kB limit, answers a refusal with the text `${error.name}, ${error.message}` (400) and a failed dispatch
 * with 500, and hands nothing else back. We need a configurable limit, strict UTF-8 (so `Buffer.from(body)` is
 * exactly the signed bytes), malformed JSON as a 400 rather than a 500, our refusal codes as JSON, and one parse of
 * the body for the checks and the skill. The verifiers stay the adapter's `Verifier`s (lambda/verification), so
 * anyone can still plug them into `new ExpressAdapter(skill, false, false, verifiers)`.
 */
import { isUtf8 } from 'node:buffer';
import express, { type Request, type RequestHandler } from 'express';
import type { Skill } from 'ask-sdk-core';
import type { RequestEnvelope } from 'ask-sdk-model';
import { errorFields, type Logger } from '../../common/logging.js';
import { AlexaRequestRefused, type AlexaHttpRequest, type AlexaVerifier } from '../verification/index.js';
import { parseEnvelope } from '../verification/request.js';
import { internalError } from './responses.js';

export interface AlexaEndpointOptions {
  skill: Skill;
  /** The request checks, e.g. from `createAlexaVerifiers`; run in order. */
  verifiers: readonly AlexaVerifier[];
  bodyLimitBytes: number;
  logger: Logger;
}

/**
 * Mount behind `errorHandler` (responses.ts): every refusal on the way — the body parser's (too large, encoded) and
 * the checks' `AlexaRequestRefused` — is thrown to it, and it answers each with its code and status.
 */
export function alexaEndpoint({ skill, verifiers, bodyLimitBytes, logger }: AlexaEndpointOptions): RequestHandler[] {
  // Never inflated: the signature covers the bytes as sent, and a compressed body is not what Alexa sends.
  const readBody = express.raw({ type: () => true, limit: bodyLimitBytes, inflate: false });

  const answer: RequestHandler = async (req, res) => {
    const request = alexaRequestOf(req);
    for (const verifier of verifiers) await verifier.check(request);
    let reply: unknown;
    try {
      reply = await skill.invoke(request.envelope as unknown as RequestEnvelope);
    } catch (error) {
      // The skill's error handler answers every failure of a handler; this is the SDK itself giving up (an envelope
      // it cannot dispatch), logged by name and place only.
      return internalError(res, logger, 'alexa_skill_dispatch_failed', errorFields(error));
    }
    res.json(reply);
  };

  return [readBody, answer];
}

/** A non-empty UTF-8 JSON object, else a refusal; the text is what the signature covers, parsed once for all. */
function alexaRequestOf(req: Request): AlexaHttpRequest {
  const bytes: unknown = req.body;
  if (!Buffer.isBuffer(bytes) || bytes.length === 0) throw new AlexaRequestRefused('malformed_request', 'body is empty');
  if (!isUtf8(bytes)) throw new AlexaRequestRefused('malformed_request', 'body is not UTF-8');
  const body = bytes.toString('utf8');
  return { body, envelope: parseEnvelope(body), headers: req.headers };
}
