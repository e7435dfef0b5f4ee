/**
 * The POST handlers for the skill: ask-sdk-express-adapter still verifies and dispatches; this thin layer gives it
 * a configurable body limit and turns its answers into JSON with the right status.
 *
 * Why this shape. `ExpressAdapter.getRequestHandlers()` returns three handlers:
 *   1. a guard that answers 500 when a body parser ran before it,
 *   2. body-parser `text()` with its fixed 100 kB limit,
 *   3. `asyncVerifyRequestAndDispatch(req.headers, req.body, skill, verifiers)`, then `res.json(envelope)`, or on
 *      failure the text `${error.name}, ${error.message}` with 400 (verification) or 500 (dispatch).
 * We keep handler 3 and replace 1 and 2 with our own body reader (limit from config, strict UTF-8 so a verifier's
 * `Buffer.from(body)` is exactly the signed bytes, JSON checked once so malformed JSON is a 400 and not the
 * adapter's dispatch 500). Handler 3 writes into a recorder rather than the real response; the refusal itself
 * (with its stable code and our reason) is caught on its way out of our verifiers and kept in an AsyncLocalStorage
 * scope for this one request, because the adapter passes on only the error's message.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { isUtf8 } from 'node:buffer';
import type { IncomingHttpHeaders } from 'node:http';
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import type { Skill } from 'ask-sdk-core';
import { ExpressAdapter, type Verifier } from 'ask-sdk-express-adapter';
import type { Logger } from '../logging.js';
import { parseEnvelope } from '../verification/envelope.js';
import { AlexaRequestRefused, isRefusal } from '../verification/index.js';
import { bodyReadRefusal, internalError, refuse } from './responses.js';

export interface AlexaEndpointOptions {
  skill: Skill;
  /** Verifiers for the adapter, e.g. from `createAlexaVerifiers`. */
  verifiers: Verifier[];
  bodyLimitBytes: number;
  logger: Logger;
}

/** What the adapter's dispatch handler tried to answer. */
type AdapterReply = { kind: 'envelope'; envelope: unknown } | { kind: 'failure'; status: number };

interface RequestScope {
  refusal?: AlexaRequestRefused;
}

export function alexaEndpoint(options: AlexaEndpointOptions): RequestHandler[] {
  const { logger } = options;
  const scope = new AsyncLocalStorage<RequestScope>();
  const recordingVerifiers = options.verifiers.map((verifier): Verifier => ({
    async verify(body: string, headers?: IncomingHttpHeaders) {
      try {
        await verifier.verify(body, headers);
      } catch (error) {
        const current = scope.getStore();
        if (current !== undefined && current.refusal === undefined && isRefusal(error)) current.refusal = error;
        throw error;
      }
    },
  }));
  const adapterHandlers = new ExpressAdapter(options.skill, false, false, recordingVerifiers).getRequestHandlers();
  const dispatch = adapterHandlers.at(-1);
  if (adapterHandlers.length !== 3 || dispatch === undefined) {
    throw new Error('ask-sdk-express-adapter no longer returns [guard, parser, dispatch]; review lambda/http/alexa-endpoint.ts');
  }

  const rawBody = express.raw({ type: () => true, limit: options.bodyLimitBytes, inflate: false });

  const readBody: RequestHandler = (req, res, next) => {
    rawBody(req, res, (error?: unknown) => {
      if (error !== undefined) {
        const refusal = bodyReadRefusal(error);
        return refusal === undefined ? next(error) : refuse(res, logger, refusal);
      }
      const refusal = checkBody(req);
      if (refusal !== undefined) return refuse(res, logger, refusal);
      next();
    });
  };

  const verifyAndDispatch = async (req: Request, res: Response, next: NextFunction) => {
    const requestScope: RequestScope = {};
    const recorder = createRecorder();
    await scope.run(requestScope, () => dispatch(req, recorder.response, next));
    const reply = recorder.reply();
    if (reply?.kind === 'envelope') {
      res.json(reply.envelope);
    } else if (requestScope.refusal !== undefined) {
      refuse(res, logger, requestScope.refusal);
    } else if (reply?.kind === 'failure' && reply.status === 400) {
      // A verifier that is not ours refused: we cannot know its reason, and must not echo its message.
      refuse(res, logger, new AlexaRequestRefused('malformed_request', 'a verifier refused the request'));
    } else {
      // The skill threw (or the adapter gave no answer): the skill's own error handler has logged the cause.
      internalError(res, logger, 'alexa_skill_dispatch_failed');
    }
  };

  return [readBody, verifyAndDispatch];
}

/** A non-empty UTF-8 JSON object, else a refusal; on success `req.body` becomes the string the verifiers check. */
function checkBody(req: Request): AlexaRequestRefused | undefined {
  const body: unknown = req.body;
  if (!Buffer.isBuffer(body) || body.length === 0) return new AlexaRequestRefused('malformed_request', 'body is empty');
  if (!isUtf8(body)) return new AlexaRequestRefused('malformed_request', 'body is not UTF-8');
  const text = body.toString('utf8');
  try {
    parseEnvelope(text); // remembered: the verifiers reuse this parse
  } catch (error) {
    if (isRefusal(error)) return error;
    throw error;
  }
  req.body = text;
  return undefined;
}

/** Stands in for the response the adapter's dispatch handler writes to: `json(envelope)`, or `statusCode` + `send(text)`. */
function createRecorder(): { response: Response; reply(): AdapterReply | undefined } {
  let reply: AdapterReply | undefined;
  const response = {
    statusCode: 200,
    json(envelope: unknown) {
      reply = { kind: 'envelope', envelope };
      return response;
    },
    send() {
      // The text is `${name}, ${message}` and may hold internal detail: it is dropped, only the status is kept.
      reply = { kind: 'failure', status: response.statusCode };
      return response;
    },
  };
  return { response: response as unknown as Response, reply: () => reply };
}
