/**
 * Lambda Function URLs: each URL is its own HTTP server on a loopback port (on AWS its own host,
 * https://<url-id>.lambda-url.<region>.on.aws/), so the function sees the same `rawPath` it would on AWS. A request
 * becomes a payload-format 2.0 event, the function's answer (`{statusCode, headers, cookies, body,
 * isBase64Encoded}`, or any other value as a JSON body) becomes the HTTP response.
 *
 * Authorization as Lambda does it for AuthType NONE: since October 2025 the function's resource policy needs BOTH a
 * statement allowing `lambda:InvokeFunctionUrl` to `*` with FunctionUrlAuthType NONE and one allowing
 * `lambda:InvokeFunction` to `*` with InvokedViaFunctionUrl true; without either, callers get 403. AuthType AWS_IAM
 * (SigV4-signed callers) is not emulated: such a URL answers 403 to everyone.
 */
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../../common/logging.js';
import type { FunctionRunner } from './contracts.js';
import { AwsError } from './aws/errors.js';
import type { FunctionRecord, FunctionUrlRecord, StateStore } from './state/store.js';

/** Lambda's limit for a synchronous request payload. */
const MAX_BODY_BYTES = 6 * 1024 * 1024;
const FORBIDDEN = { Message: 'Forbidden. For troubleshooting Function URL authorization issues, see: https://docs.aws.amazon.com/lambda/latest/dg/urls-auth.html' };
const TEXT_TYPES = /^(text\/|application\/(json|x-www-form-urlencoded|xml|javascript)|[^;]*\+json|[^;]*\+xml)/i;

export interface FunctionUrlsOptions {
  host: string;
  log: Logger;
  now: () => number;
}

export class FunctionUrls {
  private readonly servers = new Map<string, Server>();

  constructor(
    private readonly store: StateStore,
    private readonly runner: FunctionRunner | undefined,
    private readonly options: FunctionUrlsOptions,
  ) {}

  /** Creates the function's URL (one per function, as for the unqualified function on AWS). */
  async create(functionName: string, authType: string): Promise<FunctionUrlRecord> {
    if (authType !== 'NONE' && authType !== 'AWS_IAM') throw new AwsError(400, 'ValidationException', `AuthType must be NONE or AWS_IAM, got ${authType}`);
    if (!this.store.current.functions[functionName]) throw new AwsError(404, 'ResourceNotFoundException', `Function not found: ${functionName}`);
    if (this.store.current.functionUrls[functionName]) throw new AwsError(409, 'ResourceConflictException', `Failed to create function url config for [functionArn = ${functionName}]. Error message:  FunctionUrlConfig exists for this Lambda function`);
    const port = await this.listen(functionName, 0);
    const record: FunctionUrlRecord = { functionName, authType, port, url: this.urlOf(port), creationTime: new Date(this.options.now()).toISOString() };
    this.store.update((state) => {
      state.functionUrls[functionName] = record;
    });
    return record;
  }

  async remove(functionName: string): Promise<void> {
    await this.stop(functionName);
    this.store.update((state) => {
      delete state.functionUrls[functionName];
    });
  }

  /** After a restart: every URL listens again, on its old port when that is free. */
  async restore(): Promise<void> {
    for (const record of Object.values(this.store.current.functionUrls)) {
      let port: number;
      try {
        port = await this.listen(record.functionName, record.port);
      } catch {
        port = await this.listen(record.functionName, 0);
        this.options.log.warn('function_url_moved', { functionName: record.functionName, from: record.port, to: port });
      }
      if (port !== record.port) {
        this.store.update((state) => {
          state.functionUrls[record.functionName] = { ...record, port, url: this.urlOf(port) };
        });
      }
    }
  }

  async close(): Promise<void> {
    await Promise.all([...this.servers.keys()].map((name) => this.stop(name)));
  }

  private urlOf(port: number): string {
    const host = this.options.host.includes(':') ? `[${this.options.host}]` : this.options.host;
    return `http://${host}:${port}/`;
  }

  private async listen(functionName: string, port: number): Promise<number> {
    const server = createServer((req, res) => void this.serve(functionName, req, res).catch((error: unknown) => {
      this.options.log.error('function_url_error', { functionName, reason: (error as Error).message });
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ Message: 'Internal Server Error' }));
    }));
    server.listen(port, this.options.host);
    await Promise.race([once(server, 'listening'), once(server, 'error').then(([error]) => Promise.reject(error))]);
    this.servers.set(functionName, server);
    return (server.address() as AddressInfo).port;
  }

  private async stop(functionName: string): Promise<void> {
    const server = this.servers.get(functionName);
    if (!server) return;
    this.servers.delete(functionName);
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async serve(functionName: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now();
    const finish = (status: number, headers: Record<string, string | string[]>, body: Buffer | string) => {
      res.writeHead(status, headers).end(body);
      this.options.log.info('alexa_cloud_call', { api: 'function-url', operation: 'InvokeFunctionUrl', functionName, status, latencyMs: Math.round((performance.now() - started) * 10) / 10 });
    };
    const json = (status: number, body: unknown) => finish(status, { 'content-type': 'application/json' }, JSON.stringify(body));

    const record = this.store.current.functionUrls[functionName];
    const fn = this.store.current.functions[functionName];
    if (!record || !fn) return json(404, { Message: 'Not Found' });
    if (!allowsPublicUrl(record, fn)) return json(403, FORBIDDEN);

    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) return json(413, { Message: 'Request must be smaller than 6291456 bytes for the InvokeFunction operation' });
      chunks.push(chunk);
    }
    if (!this.runner) return json(502, { Message: 'Internal Server Error' });
    const result = await this.runner.invoke(functionName, payloadV2Event(req, Buffer.concat(chunks), record, this.options.now()));
    if (!result.ok) return json(502, { Message: 'Internal Server Error' });
    const answer = responseFrom(result.payload);
    finish(answer.status, answer.headers, answer.body);
  }
}

/** Both statements Lambda requires for a public (AuthType NONE) URL. */
export function allowsPublicUrl(record: FunctionUrlRecord, fn: FunctionRecord): boolean {
  if (record.authType !== 'NONE') return false;
  const toEveryone = fn.permissions.filter((p) => p.principal === '*');
  const urlStatement = toEveryone.some((p) => ['lambda:InvokeFunctionUrl', 'lambda:*', '*'].includes(p.action) && p.functionUrlAuthType === 'NONE');
  const invokeStatement = toEveryone.some((p) => ['lambda:InvokeFunction', 'lambda:*', '*'].includes(p.action) && p.invokedViaFunctionUrl === true);
  return urlStatement && invokeStatement;
}

/** An HTTP request as Lambda hands it to a function behind a URL (payload format 2.0). */
export function payloadV2Event(req: IncomingMessage, body: Buffer, record: FunctionUrlRecord, now: number): Record<string, unknown> {
  const url = new URL(req.url ?? '/', 'http://function-url.invalid');
  const headers: Record<string, string> = {};
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i]!.toLowerCase();
    if (name === 'cookie') continue;
    headers[name] = headers[name] === undefined ? req.rawHeaders[i + 1]! : `${headers[name]},${req.rawHeaders[i + 1]}`;
  }
  const cookies = (req.headers.cookie ?? '').split(';').map((c) => c.trim()).filter((c) => c !== '');
  const query: Record<string, string> = {};
  for (const [key, value] of url.searchParams) query[key] = query[key] === undefined ? value : `${query[key]},${value}`;
  const text = body.length === 0 || TEXT_TYPES.test(headers['content-type'] ?? '');
  const requestId = randomUUID();
  const urlId = `local${record.port}`;
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    ...(cookies.length > 0 ? { cookies } : {}),
    headers,
    ...(url.search ? { queryStringParameters: query } : {}),
    requestContext: {
      accountId: 'anonymous',
      apiId: urlId,
      domainName: headers.host ?? `127.0.0.1:${record.port}`,
      domainPrefix: urlId,
      http: { method: req.method ?? 'GET', path: url.pathname, protocol: `HTTP/${req.httpVersion}`, sourceIp: req.socket.remoteAddress ?? '127.0.0.1', userAgent: headers['user-agent'] ?? '' },
      requestId,
      routeKey: '$default',
      stage: '$default',
      time: new Date(now).toUTCString(),
      timeEpoch: now,
    },
    ...(body.length > 0 ? { body: text ? body.toString('utf8') : body.toString('base64') } : {}),
    isBase64Encoded: !text,
  };
}

/** What Lambda makes of a URL function's answer: a `{statusCode, …}` object as given, anything else as JSON. */
export function responseFrom(payload: unknown): { status: number; headers: Record<string, string | string[]>; body: Buffer | string } {
  if (typeof payload === 'object' && payload !== null && typeof (payload as { statusCode?: unknown }).statusCode === 'number') {
    const p = payload as { statusCode: number; headers?: Record<string, unknown>; cookies?: unknown; body?: unknown; isBase64Encoded?: unknown };
    const headers: Record<string, string | string[]> = {};
    for (const [name, value] of Object.entries(p.headers ?? {})) headers[name.toLowerCase()] = String(value);
    if (Array.isArray(p.cookies) && p.cookies.length > 0) headers['set-cookie'] = p.cookies.map(String);
    const raw = typeof p.body === 'string' ? p.body : p.body === undefined ? '' : JSON.stringify(p.body);
    return { status: p.statusCode, headers, body: p.isBase64Encoded === true ? Buffer.from(raw, 'base64') : raw };
  }
  return { status: 200, headers: { 'content-type': 'application/json' }, body: typeof payload === 'string' ? payload : JSON.stringify(payload) };
}
