/**
 * express ↔ the bridge's plain request and response: the body is read raw with a size limit (a larger one is a
 * 413, a broken one a 400 — RFC 6749 JSON either way, never a stack trace), the query string is taken as sent.
 */
import express, { type ErrorRequestHandler, type Request, type Response } from 'express';
import type { Logger } from '../../common/logging.js';
import type { Bridge } from '../core.js';
import { oauthError } from '../http/responses.js';
import type { BridgeRequest, BridgeResponse } from '../http/types.js';

export function createBridgeApp(bridge: Bridge, options: { bodyLimitBytes: number; logger: Logger }): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(express.raw({ type: () => true, limit: options.bodyLimitBytes, inflate: false }));
  app.use(async (req: Request, res: Response) => {
    send(res, await bridge.handle(toBridgeRequest(req)));
  });
  const onError: ErrorRequestHandler = (error: unknown, _req, res, next) => {
    if (res.headersSent) return next(error);
    // Never null or undefined here: express 5 passes a rejection without a reason on as an Error.
    const { status, type } = error as { status?: unknown; type?: unknown };
    // RFC 6749 codes (it has none for a large body: invalid_request) and Cache-Control: no-store, as every answer.
    if (type === 'entity.too.large' || status === 413) return send(res, oauthError(413, 'invalid_request'));
    if (typeof status === 'number' && status >= 400 && status < 500) return send(res, oauthError(400, 'invalid_request'));
    options.logger.error('bridge.http_error', { errorName: error instanceof Error ? error.name : typeof error });
    send(res, oauthError(500, 'server_error'));
  };
  app.use(onError);
  return app;
}

function toBridgeRequest(req: Request): BridgeRequest {
  const headers: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(req.headers)) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  const queryStart = req.originalUrl.indexOf('?');
  return {
    method: req.method,
    path: req.path,
    query: new URLSearchParams(queryStart < 0 ? '' : req.originalUrl.slice(queryStart + 1)),
    headers,
    body: Buffer.isBuffer(req.body) ? req.body.toString('utf8') : '',
    ...(req.socket.remoteAddress === undefined ? {} : { peerAddress: req.socket.remoteAddress }),
  };
}

function send(res: Response, answer: BridgeResponse): void {
  res.status(answer.status).set(answer.headers).send(answer.body);
}
