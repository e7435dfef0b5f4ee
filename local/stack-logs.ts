/**
 * The local stack's log: one JSON line per HTTP request for every piece, plus each piece's own lines, all tagged
 * with the piece (`service`) and written to one sink.
 *
 * Request lines come from Node's `http.server.request.start` diagnostics channel, so every piece gets the same line
 * without logging code of its own; a piece's own JSON lines (skill, bridge, simulator, API, cloud) pass through
 * `json(piece)`. The authorization server still writes plain text (its local-only outbox mails are read back by the
 * tests and by people), which `text(piece)` wraps into the same JSON shape.
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { LogLevel } from '../common/logging.js';
import { createLogger, type Logger, type LogSink } from '../common/logging.js';

/** The name a piece's lines carry in `service`. */
export type ServiceName = 'skill' | 'auth' | 'api' | 'simulator' | 'bridge' | 'cloud';

export interface StackLogs {
  /** Logs every request answered on this local port as coming from `piece`. */
  watch(port: number | string, piece: ServiceName): void;
  /** A sink for a piece's own JSON lines (the skill's logger): adds `service`. */
  json(piece: ServiceName): LogSink;
  /** A sink for a piece's plain-text lines (the authorization server): wrapped into JSON. */
  text(piece: ServiceName): (line: string) => void;
  stop(): void;
}

interface RequestStart {
  request: IncomingMessage;
  response: ServerResponse;
  socket: Socket;
}

export function stackLogs(level: LogLevel, sink: LogSink): StackLogs {
  const pieces = new Map<number, ServiceName>();
  const loggers = new Map<ServiceName, Logger>();
  const loggerFor = (piece: ServiceName) => {
    let logger = loggers.get(piece);
    if (!logger) {
      logger = createLogger(level, (line) => sink(withService(line, piece)));
      loggers.set(piece, logger);
    }
    return logger;
  };

  // Node publishes every HTTP request of the process here; servers the stack does not know are left alone.
  const onRequest = (message: unknown) => {
    const { request, response, socket } = message as RequestStart;
    const piece = socket.localPort === undefined ? undefined : pieces.get(socket.localPort);
    if (piece === undefined) return;
    const started = performance.now();
    // Read now: express rewrites request.url inside mounted routers (`/v1/me` reads `/me` there).
    const path = loggablePath(request.url);
    response.once('close', () => {
      const status = response.writableFinished ? response.statusCode : 'aborted';
      const fields = { method: request.method, path, status, latencyMs: Math.round((performance.now() - started) * 10) / 10 };
      if (isRoutine(request.method, path, status)) loggerFor(piece).debug('http_request', fields);
      else loggerFor(piece).info('http_request', fields);
    });
  };
  subscribe('http.server.request.start', onRequest);

  return {
    watch: (port, piece) => pieces.set(Number(port), piece),
    json: (piece) => (line) => sink(withService(line, piece)),
    text: (piece) => (line) => {
      const message = line.replace(new RegExp(`^${piece}:\\s*`), '');
      if (/error/i.test(message)) loggerFor(piece).warn('message', { message });
      else loggerFor(piece).info('message', { message });
    },
    stop: () => {
      unsubscribe('http.server.request.start', onRequest);
    },
  };
}

/**
 * Requests nobody needs to read about at the default level: an open console polls its state every 1.5 s and loads
 * its assets, probes ask /healthz. Logged at debug (LOG_LEVEL=debug shows them), so the skill's and the pieces' own
 * lines stay readable in npm start's terminal. A failing one is never routine.
 */
const ROUTINE_PATHS = new Set(['/console/api/state', '/console.js', '/console.css', '/favicon.svg', '/favicon.ico', '/healthz']);

export function isRoutine(method: string | undefined, path: string, status: number | 'aborted'): boolean {
  return method === 'GET' && typeof status === 'number' && status < 400 && ROUTINE_PATHS.has(path);
}

/** Puts `service` right after time, level and event, so every line says which piece wrote it. */
export function withService(line: string, piece: ServiceName): string {
  try {
    const { time, level, event, ...rest } = JSON.parse(line) as Record<string, unknown>;
    return JSON.stringify({ time, level, service: piece, event, ...rest });
  } catch {
    return JSON.stringify({ time: new Date().toISOString(), level: 'info', service: piece, event: 'message', message: line });
  }
}

/**
 * The path without the query (it may carry a code or state) and with long opaque segments (interaction IDs,
 * reset tokens in /recover/<token>) replaced, so no credential reaches a log line.
 */
export function loggablePath(url: string | undefined): string {
  const path = (url ?? '/').split('?', 1)[0] ?? '/';
  return path
    .split('/')
    .map((segment) => (/^[A-Za-z0-9_-]{16,}$/.test(segment) ? ':id' : segment))
    .join('/');
}
