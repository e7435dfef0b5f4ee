/**
 * The Lambda Runtime API (2018-06-01) for one sandbox, on loopback: the function's runtime interface client polls
 * `GET /invocation/next`, then posts `/invocation/{id}/response` or `/invocation/{id}/error`; an initialisation
 * failure arrives at `/init/error`. One invocation at a time, as in a Lambda execution environment.
 */
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

const PREFIX = '/2018-06-01/runtime';
/** Lambda's own limit for a synchronous response payload. */
const MAX_PAYLOAD_BYTES = 6 * 1024 * 1024;

export type RuntimeOutcome =
  | { kind: 'response'; payload: unknown }
  | { kind: 'error'; errorType: string; errorMessage: string };

export interface InitFailure {
  errorType: string;
  errorMessage: string;
}

export interface RuntimeApiEvents {
  /** The runtime asked for work the first time: initialisation (handler loaded) is over. */
  onReady(): void;
  onInitError(failure: InitFailure): void;
}

interface Pending {
  id: string;
  event: string;
  deadlineMs: number;
  functionArn: string;
  settle: (outcome: RuntimeOutcome) => void;
}

export class RuntimeApi {
  private server: Server | undefined;
  private waitingRuntime: ServerResponse | undefined;
  private queued: Pending | undefined;
  private inFlight: Pending | undefined;
  private ready = false;

  constructor(private readonly events: RuntimeApiEvents) {}

  /** Starts listening on an ephemeral loopback port; resolves to `host:port` for AWS_LAMBDA_RUNTIME_API. */
  async listen(): Promise<string> {
    const server = createServer((request, response) => void this.route(request, response));
    server.keepAliveTimeout = 0; // the runtime keeps one connection open between invocations
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    this.server = server;
    return `127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  /** Hands one event to the runtime; resolves with what it answered. The caller enforces the timeout. */
  invoke(event: unknown, functionArn: string, timeoutMs: number): { requestId: string; outcome: Promise<RuntimeOutcome> } {
    if (this.queued || this.inFlight) throw new Error('the sandbox is busy');
    const id = randomUUID();
    let settle!: (outcome: RuntimeOutcome) => void;
    const outcome = new Promise<RuntimeOutcome>((resolve) => (settle = resolve));
    this.queued = { id, event: JSON.stringify(event), deadlineMs: Date.now() + timeoutMs, functionArn, settle };
    this.dispatch();
    return { requestId: id, outcome };
  }

  /** Stops answering (the process died, timed out or is retired); the sandbox settles what was pending. */
  async close(): Promise<void> {
    this.waitingRuntime?.destroy();
    this.waitingRuntime = undefined;
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private dispatch(): void {
    const runtime = this.waitingRuntime;
    const next = this.queued;
    if (!runtime || !next) return;
    this.waitingRuntime = undefined;
    this.queued = undefined;
    this.inFlight = next;
    runtime.writeHead(200, {
      'content-type': 'application/json',
      'lambda-runtime-aws-request-id': next.id,
      'lambda-runtime-deadline-ms': String(next.deadlineMs),
      'lambda-runtime-invoked-function-arn': next.functionArn,
      'lambda-runtime-trace-id': `Root=1-${Math.floor(Date.now() / 1000).toString(16)}-${next.id.replaceAll('-', '').slice(0, 24)};Sampled=0`,
    });
    runtime.end(next.event);
  }

  private async route(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = request.url ?? '';
    if (request.method === 'GET' && path === `${PREFIX}/invocation/next`) {
      if (!this.ready) {
        this.ready = true;
        this.events.onReady();
      }
      this.waitingRuntime = response;
      response.once('close', () => {
        if (this.waitingRuntime === response) this.waitingRuntime = undefined;
      });
      this.dispatch();
      return;
    }
    if (request.method !== 'POST') return reply(response, 405, { errorType: 'MethodNotAllowed', errorMessage: `${request.method} ${path}` });

    let body: unknown;
    try {
      body = await readJson(request);
    } catch (error) {
      return reply(response, 413, { errorType: 'RequestEntityTooLarge', errorMessage: (error as Error).message });
    }
    if (path === `${PREFIX}/init/error`) {
      this.events.onInitError(errorOf(body, request));
      return reply(response, 202, { status: 'OK' });
    }
    const match = /^\/2018-06-01\/runtime\/invocation\/([^/]+)\/(response|error)$/u.exec(path);
    const id = match?.[1] === undefined ? undefined : decodeURIComponent(match[1]);
    const current = this.inFlight;
    if (!match || !current || id !== current.id) {
      return reply(response, 400, { errorType: 'InvalidRequestID', errorMessage: 'no such invocation in progress' });
    }
    this.inFlight = undefined;
    current.settle(match[2] === 'response' ? { kind: 'response', payload: body } : { kind: 'error', ...errorOf(body, request) });
    reply(response, 202, { status: 'OK' });
  }
}

function errorOf(body: unknown, request: IncomingMessage): InitFailure {
  const fields = (typeof body === 'object' && body !== null ? body : {}) as { errorType?: unknown; errorMessage?: unknown };
  const header = request.headers['lambda-runtime-function-error-type'];
  return {
    errorType: typeof fields.errorType === 'string' ? fields.errorType : typeof header === 'string' ? header : 'Unhandled',
    errorMessage: typeof fields.errorMessage === 'string' ? fields.errorMessage : '',
  };
}

async function readJson(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_PAYLOAD_BYTES) throw new Error(`response payload exceeds ${MAX_PAYLOAD_BYTES} bytes`);
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text === '') return null;
  try {
    return JSON.parse(text);
  } catch {
    return text; // a handler may return a plain string; Lambda passes it on as given
  }
}

function reply(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}
