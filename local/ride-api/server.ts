/**
 * The local Ride Hailer resource server: the API of lambda/rides/types.ts on express 5, rides kept in SQLite.
 *
 *   const api = await startRideApi({ issuer, jwksUrl, profiles, databaseFile: '.local/rides.sqlite', port: 3002 });
 *
 * Decisions worth knowing:
 * - `GET /v1/me` for a subject the profile lookup does not know answers 401 invalid_token ("the account behind
 *   this access token no longer exists"), so the skill asks the user to link again.
 * - A 401 without any bearer credentials carries `WWW-Authenticate: Bearer realm="ride-hailer"` (no error
 *   attribute, RFC 6750 §3.1); its body still says `invalid_token`.
 * - If the authorization server's JWKS cannot be fetched the answer is 503 temporarily_unavailable, not a 401:
 *   the token may well be fine.
 * - `now` drives ride ETAs only. Token lifetimes are checked against the real clock, since the authorization
 *   server signs with it; a demo can fast-forward rides without expiring tokens.
 * - Idempotency-Key replays compare the trimmed destination; replaying returns the ride as it is now (it may
 *   have arrived or been cancelled since).
 *
 * Fault switches (see faults.ts, which also lists the RIDE_API_FAULT_* environment variables used when no
 * `faults` option is given) can be changed at runtime with `setFaults` or, when `adminRoutes` is on (or
 * RIDE_API_ADMIN_ROUTES=1 and the option is not given), with `PUT /_faults` and a JSON Faults body
 * (`GET /_faults` shows them). The admin route has no authentication: it exists for loopback tests and demos.
 */
import { createServer } from 'node:http';
import { setTimeout as delay } from 'node:timers/promises';
import express from 'express';
import type { ErrorRequestHandler, Express, RequestHandler, Response } from 'express';
import { DEFAULT_CONNECTION_LIMITS } from '../../lambda/http/connection-limits.js';
import { listen, type BoundSocket } from '../../common/listen.js';
import { createLogger, errorFields, type Logger } from '../../common/logging.js';
import type { Profile } from '../../lambda/rides/types.js';
import { DEMO } from '../demo.js';
import { KeysUnavailable, createAccessGuard, createAccessTokenVerifier, sendError } from './access.js';
import { FaultsError, faultsFromEnvironment, parseFaults } from './faults.js';
import type { Faults } from './faults.js';
import { apiRoutes } from './routes.js';
import { openRideStore } from './store.js';

export type { Faults } from './faults.js';

export interface RideApiOptions {
  /** Default 0 (ephemeral); the local stack passes 3002. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** A socket already bound on host (the local stack binds every piece first); then `port` is not used. */
  socket?: BoundSocket;
  issuer: string;
  jwksUrl: string;
  /** Default DEMO.apiAudience. */
  audience?: string;
  /** Default ':memory:'; e.g. '.local/rides.sqlite' to keep rides across restarts. */
  databaseFile?: string;
  profiles: (sub: string) => Promise<Profile | undefined>;
  faults?: Faults;
  /** Mounts PUT/GET /_faults. Off by default. */
  adminRoutes?: boolean;
  /** Milliseconds clock for ride ETAs; default Date.now. */
  now?: () => number;
  /**
   * Its own JSON lines (server errors), never a token or a body; default info level to stdout. It writes no line per
   * request: the local stack logs one `http_request` line for every request of every piece (local/stack-logs.ts).
   */
  logger?: Logger;
}

export interface RideApi {
  url: string;
  setFaults(f: Faults): void;
  /** The fault switches in force (a copy). */
  faults(): Faults;
  close(): Promise<void>;
}

/** The skill endpoint's keep-alive, for the same reason: longer than a load balancer's usual 60 s idle timeout. */
const KEEP_ALIVE_TIMEOUT_MS = DEFAULT_CONNECTION_LIMITS.keepAliveTimeoutMs;

export async function startRideApi(options: RideApiOptions): Promise<RideApi> {
  const logger = options.logger ?? createLogger('info');
  let faults = parseFaults(options.faults ?? faultsFromEnvironment(process.env));
  const setFaults = (next: Faults) => {
    faults = parseFaults(next);
  };
  /** Aborted on close, so requests waiting out an injected latency stop waiting. */
  const closing = new AbortController();

  const store = openRideStore(options.databaseFile ?? ':memory:', options.now ?? Date.now);
  const verify = createAccessTokenVerifier({
    issuer: options.issuer,
    audience: options.audience ?? DEMO.apiAudience,
    jwksUrl: options.jwksUrl,
  });
  const requireScope = createAccessGuard({ verify, refuseAllTokens: () => faults.refuseAllTokens === true });

  const app: Express = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  if (options.adminRoutes ?? process.env.RIDE_API_ADMIN_ROUTES === '1') {
    app.get('/_faults', (_req, res) => {
      res.json(faults);
    });
    app.put('/_faults', express.json(), (req, res) => {
      try {
        setFaults(req.body);
      } catch (error) {
        if (!(error instanceof FaultsError)) throw error;
        return sendError(res, 400, { error: 'invalid_request', error_description: error.message });
      }
      res.json(faults);
    });
  }
  app.use('/v1', injectFaults(() => faults, closing.signal));
  app.use(apiRoutes({ store, requireScope, profiles: options.profiles }));
  app.use((_req, res) => {
    sendError(res, 404, { error: 'not_found', error_description: 'No such route.' });
  });
  app.use(errorAnswer(logger));

  const server = createServer(app);
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  server.headersTimeout = KEEP_ALIVE_TIMEOUT_MS + 1000;
  const host = options.host ?? '127.0.0.1';
  let port: number;
  try {
    ({ port } = await listen(server, { port: options.port ?? 0, host, socket: options.socket }));
  } catch (error) {
    store.close();
    throw error;
  }

  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    setFaults,
    faults: () => ({ ...faults }),
    async close() {
      closing.abort();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // Idle keep-alive sockets and requests held by the `hang` fault would otherwise keep close() waiting.
      server.closeAllConnections();
      await closed;
      store.close();
    },
  };
}

function injectFaults(current: () => Faults, closing: AbortSignal): RequestHandler {
  return async (_req, res, next) => {
    const faults = current();
    if (faults.latencyMs) {
      try {
        await delay(faults.latencyMs, undefined, { signal: closing });
      } catch {
        return; // shutting down: the connection is being closed
      }
    }
    if (faults.hang) return; // accepted, never answered
    if (faults.malformedJson) breakJsonAnswers(res);
    if (faults.status !== undefined) {
      if (faults.retryAfterSeconds !== undefined) res.set('Retry-After', String(faults.retryAfterSeconds));
      return sendError(res, faults.status, {
        error: 'injected_fault',
        error_description: `Status ${faults.status} forced by a fault switch.`,
      });
    }
    next();
  };
}

/** Every JSON answer of this request is cut in half: still labelled application/json, no longer parseable. */
function breakJsonAnswers(res: Response): void {
  res.json = function (body: unknown) {
    const text = JSON.stringify(body) ?? '';
    this.type('application/json');
    return this.send(text.slice(0, Math.ceil(text.length / 2)));
  };
}

interface HttpError {
  status?: number;
  type?: string;
  expose?: boolean;
}

/** Client mistakes caught by express (unparseable JSON, oversize body) are 4xx; anything else is a bare 500. */
function errorAnswer(logger: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, next) => {
    if (res.headersSent) return next(error);
    if (error instanceof KeysUnavailable) {
      res.set('Retry-After', '1');
      return sendError(res, 503, { error: 'temporarily_unavailable', error_description: error.message });
    }
    const { status, type } = (error ?? {}) as HttpError;
    if (status !== undefined && status >= 400 && status < 500) {
      return sendError(res, status, { error: 'invalid_request', error_description: clientErrorDescription(type) });
    }
    logger.error('server_error', {
      method: req.method,
      path: req.path,
      // Name and place, never the message: it may quote what the request carried.
      ...errorFields(error),
    });
    sendError(res, 500, { error: 'server_error', error_description: 'Something went wrong on our side.' });
  };
}

function clientErrorDescription(type: string | undefined): string {
  switch (type) {
    case 'entity.parse.failed':
      return 'The request body is not valid JSON.';
    case 'entity.too.large':
      return 'The request body is too large.';
    case 'charset.unsupported':
    case 'encoding.unsupported':
      return 'The request body encoding is not supported.';
    default:
      return 'The request is malformed.';
  }
}
