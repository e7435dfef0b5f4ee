/**
 * The whole self-hosted endpoint on loopback, as Alexa and the outside world see it:
 *
 *   issuer (JWKS over HTTP) ──keys──▶ skill endpoint (startSkillServer, verification on) ──bearer──▶ Ride Hailer API
 *   certificate mirror ──signing chain──▶ skill endpoint
 *
 * The skill endpoint runs with the real collaborators (`productionDeps`): jose's `createRemoteJWKSet` against the
 * issuer's JWKS URL, the got client against the API, and the real request verification against a test CA whose chain
 * is downloaded from the mirror. `send(envelope)` signs the exact body bytes the way Alexa does.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { createServer as createTcpServer, type AddressInfo, type Server as TcpServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';
import type { RequestEnvelope, ResponseEnvelope } from 'ask-sdk-model';
import type { ServerConfig } from '../../lambda/config.js';
import { createMemoryLogger } from '../../common/logging.js';
import type { Profile } from '../../lambda/rides/types.js';
import { startSkillServer } from '../../lambda/server.js';
import type { SkillDeps } from '../../lambda/skill.js';
import { createRequestSigner, serveCertificateChain } from '../../local/alexa/signing.js';
import { createSigningMaterial, type SigningMaterial } from '../../local/alexa/test-ca.js';
import { DEMO } from '../../local/demo.js';
import { startRideApi, type RideApi } from '../../local/ride-api/server.js';
import { stackLogs } from '../../local/stack-logs.js';
import { TEST_SKILL_ID } from '../support/envelopes.js';

export const ANN: Profile = { id: 'user-ann', name: 'Ann Example', email: 'ann@example.com' };
export const ISSUER = 'https://auth.endpoint.test';
export const AUDIENCE = DEMO.apiAudience;
/** The skill's Ride Hailer API budget in these suites; answers must come within it plus a dispatch margin. */
export const API_BUDGET_MS = 3000;

// ---------------------------------------------------------------------------------------------------------------
// Small servers

export interface Running {
  url: string;
  close(): Promise<void>;
}

export async function listen(server: Server | TcpServer): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

export function closeHttp(server: Server): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeAllConnections();
  return closed;
}

/** An HTTP server that records every request it gets (method + path) and answers with `reply`. */
export async function startRecordingServer(reply: (req: IncomingMessage) => { status: number; body: string } = () => ({ status: 404, body: '' })): Promise<Running & { hits: string[] }> {
  const hits: string[] = [];
  const server = createServer((req, res) => {
    hits.push(`${req.method} ${req.url}`);
    const { status, body } = reply(req);
    res.writeHead(status, { 'content-type': 'application/json' }).end(body);
  });
  const url = await listen(server);
  return { url, hits, close: () => closeHttp(server) };
}

/** A loopback port nothing listens on: connecting to it is refused. */
export async function closedPort(): Promise<number> {
  const server = createTcpServer();
  await listen(server);
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A raw TCP server for what an HTTP server cannot fake: `onRequest` gets the socket once request bytes arrive. */
export async function startRawTcpServer(onRequest: (socket: Socket) => void): Promise<Running> {
  const sockets = new Set<Socket>();
  const server = createTcpServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {}); // the client gives up on us: expected
    socket.once('data', () => onRequest(socket));
  });
  const url = await listen(server);
  return {
    url,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// The issuer: an ES256 key whose JWKS is served over HTTP, so the skill uses jose's real remote key set

export interface TokenHeader {
  alg?: string;
  typ?: string;
  kid?: string;
  [name: string]: unknown;
}

export interface HttpIssuer extends Running {
  issuer: string;
  audience: string;
  jwksUrl: string;
  kid: string;
  publicKey: CryptoKey;
  publicJwk: JWK;
  /** How many times the JWKS was fetched. */
  jwksFetches(): number;
  /** An RFC 9068 access token for ANN (basic_profile order_car, 1 h) unless `claims`/`header` say otherwise. */
  token(claims?: JWTPayload & { scope?: string; scp?: string[] }, header?: TokenHeader, signWith?: CryptoKey): Promise<string>;
}

export async function startIssuer(kid = 'endpoint-key-1'): Promise<HttpIssuer> {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const publicJwk: JWK = { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' };
  let fetches = 0;
  const server = createServer((_req, res) => {
    fetches++;
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [publicJwk] }));
  });
  const url = await listen(server);
  return {
    url,
    issuer: ISSUER,
    audience: AUDIENCE,
    jwksUrl: `${url}/jwks`,
    kid,
    publicKey,
    publicJwk,
    jwksFetches: () => fetches,
    async token(claims = {}, header = {}, signWith = privateKey) {
      const now = Math.floor(Date.now() / 1000);
      return new SignJWT({ iss: ISSUER, aud: AUDIENCE, sub: ANN.id, scope: 'basic_profile order_car', client_id: DEMO.clientId, iat: now, exp: now + 3600, ...claims })
        .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid, ...header })
        .sign(signWith);
    },
    close: () => closeHttp(server),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// The certificate mirror Alexa's signing chain is downloaded from

export async function startCertificateMirror(material: SigningMaterial): Promise<Running> {
  const app = express();
  app.use(serveCertificateChain(material));
  const server = createServer(app);
  const url = await listen(server);
  return { url, close: () => closeHttp(server) };
}

/** A temp file holding the test CA, for `verification.extraCaFile`. */
export async function writeCaFile(material: SigningMaterial): Promise<{ file: string; remove(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'endpoint-ca-'));
  const file = join(dir, 'ca.pem');
  await writeFile(file, material.caCertPem);
  return { file, remove: () => rm(dir, { recursive: true, force: true }) };
}

// ---------------------------------------------------------------------------------------------------------------
// The skill endpoint and how "Alexa" talks to it

export interface Answer {
  status: number;
  text: string;
  /** The parsed body; undefined when it is not JSON. */
  json: any;
}

export interface SkillEndpoint extends Running {
  logLines: string[];
  /** Signs the exact body (when verification is on) and POSTs it, as Alexa does. */
  send(envelope: RequestEnvelope | object): Promise<Answer>;
  /** POSTs a body as is, signed when verification is on. */
  post(body: string, headers?: Record<string, string>): Promise<Answer>;
}

export interface EndpointOptions {
  rideApiUrl: string;
  issuer: HttpIssuer;
  /** Verification on needs the signing material, the CA file and the mirror. */
  verification: { material: SigningMaterial; caFile: string; mirrorUrl: string } | 'off';
  skillId?: string;
  deps?: Partial<SkillDeps>;
}

export function endpointConfig(options: EndpointOptions): ServerConfig {
  const verification = options.verification;
  return {
    skillId: options.skillId ?? TEST_SKILL_ID,
    rideApi: { baseUrl: new URL(options.rideApiUrl), totalBudgetMs: API_BUDGET_MS },
    tokens: {
      mode: 'jwt',
      issuer: options.issuer.issuer,
      audience: options.issuer.audience,
      jwksUrl: new URL(options.issuer.jwksUrl),
      algorithms: ['ES256'],
      tokenType: 'at+jwt',
      clockToleranceSeconds: 5,
    },
    logLevel: 'debug',
    host: '127.0.0.1',
    port: 0,
    verification:
      verification === 'off'
        ? { enabled: false, extraCaFile: undefined, bodyLimitBytes: 262_144 }
        : { enabled: true, extraCaFile: verification.caFile, bodyLimitBytes: 262_144, certificateMirrorUrl: new URL(verification.mirrorUrl) },
  };
}

export async function startEndpoint(options: EndpointOptions): Promise<SkillEndpoint> {
  const logger = createMemoryLogger('debug');
  const server = await startSkillServer(endpointConfig(options), { logger, ...(options.deps ? { deps: options.deps } : {}) });
  const sign = options.verification === 'off' ? () => ({}) : createRequestSigner(options.verification.material);
  const post = async (body: string, headers: Record<string, string> = {}): Promise<Answer> => {
    const response = await fetch(server.url, { method: 'POST', body, headers: { 'content-type': 'application/json; charset=utf-8', ...sign(body), ...headers } });
    const text = await response.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: response.status, text, json };
  };
  return {
    url: server.url,
    logLines: logger.lines,
    post,
    send: (envelope) => post(JSON.stringify(envelope)),
    close: () => server.close(),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// The whole stack

export interface Stack {
  issuer: HttpIssuer;
  material: SigningMaterial;
  mirror: Running;
  caFile: string;
  /** The real Ride Hailer API (fault switches via `api.setFaults`); `apiCalls` holds each request it answered. */
  api: RideApi;
  apiCalls: ApiCall[];
  /** Called with each request once the API has answered it, e.g. to flip faults. */
  onApiCall: ((call: ApiCall) => void) | undefined;
  endpoint: SkillEndpoint;
  /** Another endpoint on the same issuer and signing material, e.g. pointed at a different API. */
  startEndpoint(overrides: Partial<EndpointOptions> & { rideApiUrl: string }): Promise<SkillEndpoint>;
  close(): Promise<void>;
}

/** A request the ride API answered, as the local stack's request line has it (`GET /v1/me 429`). */
export interface ApiCall {
  method: string;
  path: string;
  status: number | 'aborted';
}

/** Issuer, mirror, real ride API and a verifying skill endpoint pointed at it (or at `rideApiUrl` instead). */
export async function startStack(options: { rideApiUrl?: string } = {}): Promise<Stack> {
  const closers: (() => Promise<void>)[] = [];
  try {
    const issuer = await startIssuer();
    closers.push(issuer.close);
    const material = await createSigningMaterial();
    const ca = await writeCaFile(material);
    closers.push(ca.remove);
    const mirror = await startCertificateMirror(material);
    closers.push(mirror.close);

    const apiCalls: ApiCall[] = [];
    const stack = { onApiCall: undefined } as Stack;
    const api = await startRideApi({
      issuer: issuer.issuer,
      jwksUrl: issuer.jwksUrl,
      audience: issuer.audience,
      profiles: async (sub) => (sub === ANN.id ? ANN : undefined),
    });
    closers.push(api.close);
    // The API writes no request lines of its own: its requests are seen the way the local stack sees them.
    const requests = stackLogs('info', (line) => {
      const { event, method, path, status } = JSON.parse(line) as ApiCall & { event: string };
      if (event !== 'http_request') return;
      const call = { method, path, status };
      apiCalls.push(call);
      stack.onApiCall?.(call);
    });
    requests.watch(new URL(api.url).port, 'api');
    closers.push(async () => requests.stop());

    const verification = { material, caFile: ca.file, mirrorUrl: mirror.url };
    const startMore = async (overrides: Partial<EndpointOptions> & { rideApiUrl: string }) => {
      const endpoint = await startEndpoint({ issuer, verification, ...overrides });
      closers.push(endpoint.close);
      return endpoint;
    };
    const endpoint = await startMore({ rideApiUrl: options.rideApiUrl ?? api.url });
    return Object.assign(stack, {
      issuer,
      material,
      mirror,
      caFile: ca.file,
      api,
      apiCalls,
      endpoint,
      startEndpoint: startMore,
      close: () => closeAll(closers),
    });
  } catch (error) {
    await closeAll(closers);
    throw error;
  }
}

async function closeAll(closers: (() => Promise<void>)[]): Promise<void> {
  for (const close of closers.splice(0).reverse()) await close();
}

// ---------------------------------------------------------------------------------------------------------------
// What a valid answer looks like

/** A response envelope Alexa accepts: version 1.0 and a response object (speech, when present, of a known type). */
export function isAlexaResponse(value: unknown): value is ResponseEnvelope {
  if (typeof value !== 'object' || value === null) return false;
  const envelope = value as Record<string, unknown>;
  const response = envelope['response'];
  if (envelope['version'] !== '1.0' || typeof response !== 'object' || response === null || Array.isArray(response)) return false;
  const speech = (response as Record<string, unknown>)['outputSpeech'] as Record<string, unknown> | undefined;
  if (speech === undefined) return true;
  return (speech['type'] === 'SSML' && typeof speech['ssml'] === 'string') || (speech['type'] === 'PlainText' && typeof speech['text'] === 'string');
}

export function speechOf(envelope: ResponseEnvelope): string {
  const speech = envelope.response.outputSpeech;
  return speech?.type === 'SSML' ? speech.ssml.replace(/<[^>]+>/g, '') : (speech?.text ?? '');
}

// ---------------------------------------------------------------------------------------------------------------
// A forwarding proxy in front of the real API, to lose an answer after the API has acted on the request

export interface ProxiedExchange {
  method: string;
  path: string;
  /** What the API answered (status and body text), whether or not the client got it. */
  upstreamStatus: number;
  upstreamBody: string;
  /** True when the proxy destroyed the client's connection instead of passing the answer on. */
  lost: boolean;
}

export interface LosingProxy extends Running {
  exchanges: ProxiedExchange[];
}

/**
 * Forwards every request to `target`; when `loseAnswer(method, path, nthSuchRequest)` says so, the API's answer is
 * read in full and then the client's connection is destroyed (a reset after the API processed the request).
 */
export async function startLosingProxy(target: string, loseAnswer: (method: string, path: string, nth: number) => boolean): Promise<LosingProxy> {
  const exchanges: ProxiedExchange[] = [];
  const seen = new Map<string, number>();
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const method = req.method ?? 'GET';
    const path = req.url ?? '/';
    const nth = (seen.get(`${method} ${path}`) ?? 0) + 1;
    seen.set(`${method} ${path}`, nth);
    const headers = Object.fromEntries(
      Object.entries(req.headers).filter(([name, value]) => typeof value === 'string' && !['host', 'connection', 'content-length'].includes(name)),
    ) as Record<string, string>;
    const upstream = await fetch(new URL(path, target), { method, headers, ...(chunks.length > 0 ? { body: Buffer.concat(chunks) } : {}) });
    const body = await upstream.text();
    const lost = loseAnswer(method, path, nth);
    exchanges.push({ method, path, upstreamStatus: upstream.status, upstreamBody: body, lost });
    if (lost) {
      req.socket.destroy();
      return;
    }
    res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/json' }).end(body);
  });
  const url = await listen(server);
  return { url, exchanges, close: () => closeHttp(server) };
}
