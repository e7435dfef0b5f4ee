/**
 * The local Alexa cloud: a stateful test double of the parts of Amazon's cloud that `ask deploy` and `ask dialog`
 * talk to — SMAPI, Login with Amazon, IAM and the Lambda API — on one loopback port, state under `dataDir`.
 *
 *   const cloud = await startAlexaCloud({ port: 3005, dataDir: '.local/alexa-cloud', runner });
 *   // ASK_SMAPI_SERVER_BASE_URL=ASK_LWA_TOKEN_HOST=AWS_ENDPOINT_URL=cloud.url  (see cliEnvironment())
 *
 * For the bridge's CloudFormation stack (npm run deploy -- --bridge --local) it also speaks S3, CloudFormation,
 * Secrets Manager and DynamoDB (forwarded to an in-process dynalite), and serves each Lambda Function URL on a loopback
 * port of its own (function-urls.ts).
 *
 * Routing: `/v1/…` SMAPI (bearer token), `/auth/o2/token` LWA, SigV4 scope `s3` S3 (path-style), form POSTs to `/`
 * CloudFormation or IAM (Query protocol, told apart by the SigV4 scope), JSON POSTs to `/` Secrets Manager or
 * DynamoDB (by X-Amz-Target), `/2015-03-31/functions…` Lambda (REST-JSON), `/_uploads/…` the skill-package upload URLs, plus whatever routers
 * `routes` adds (e.g. the simulations route, `/v2/skills/{id}/stages/{stage}/simulations`), mounted behind the
 * same bearer check as SMAPI.
 */
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { Socket } from 'node:net';
import express, { Router } from 'express';
import { listen, type BoundSocket } from '../../common/listen.js';
import { createLogger, type Logger, type LogSink } from '../../common/logging.js';
import type { LogLevel } from '../../common/logging.js';
import type { FunctionRunner, SkillDirectory } from './contracts.js';
import { lambdaRoutes } from './aws/lambda.js';
import { iamRoutes } from './aws/iam.js';
import { cloudFormationRoutes } from './cloudformation/routes.js';
import { LocalTables } from './aws/dynamodb.js';
import { readObject, s3Routes } from './aws/s3.js';
import { secretsManagerRoutes } from './aws/secretsmanager.js';
import { provisioners } from './cloudformation/provisioners.js';
import { Stacks } from './cloudformation/stacks.js';
import { FunctionUrls } from './function-urls.js';
import { Functions } from './functions.js';
import { callLogger, noteCall } from './log.js';
import { createLwa } from './lwa.js';
import { requireAccessToken } from './smapi/auth.js';
import { SmapiError, sendSmapiError, smapiErrorHandler } from './smapi/errors.js';
import { packageRoutes, uploadReceiver } from './smapi/packages.js';
import { skillRoutes } from './smapi/skills.js';
import { Skills } from './skills.js';
import { StateStore } from './state/store.js';
import { DEFAULT_ALEXA_CLOUD_PORT, LOCAL_CLOUD_CREDENTIALS } from '../cloud-credentials.js';

export { DEFAULT_ALEXA_CLOUD_PORT, LOCAL_CLOUD_CREDENTIALS } from '../cloud-credentials.js';

export interface RouteDeps {
  skills: SkillDirectory;
  runner: FunctionRunner | undefined;
  log: Logger;
  /** Lambda's resource policy for Alexa: why Alexa may not invoke this function for this skill, or undefined. */
  alexaTriggerProblem: (functionArn: string, skillId: string) => string | undefined;
}

export interface AlexaCloudOptions {
  /** Default 3005; 0 = ephemeral (tests). */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** A socket already bound on host (the local stack binds every piece first); then `port` is not used. */
  socket?: BoundSocket;
  /** Where state.json, uploads and function zips live (created when missing). */
  dataDir: string;
  /** Runs deployed functions; without one, code is stored and checked by nobody (control plane only). */
  runner?: FunctionRunner;
  /** Receives one JSON line per call (never a token, secret or zip); default stdout. */
  log?: LogSink;
  logLevel?: LogLevel;
  /** Extra routers mounted behind the SMAPI bearer check, e.g. the simulations route. */
  routes?: (deps: RouteDeps) => Router[];
  /** Refresh tokens LWA accepts; default [LOCAL_CLOUD_CREDENTIALS.refreshToken]. */
  refreshTokens?: string[];
  /** Access tokens accepted without LWA (ASK_ACCESS_TOKEN); default [LOCAL_CLOUD_CREDENTIALS.accessToken]. */
  accessTokens?: string[];
  /** The access key ID SigV4 headers must name; default LOCAL_CLOUD_CREDENTIALS.awsAccessKeyId. */
  awsAccessKeyId?: string;
  /** The 12-digit account in ARNs; default 000000000000. */
  awsAccountId?: string;
  /** Polls of a new import that answer IN_PROGRESS (SMAPI is asynchronous; the CLI waits 2 s per poll); default 1. */
  importPendingPolls?: number;
  now?: () => number;
}

export interface AlexaCloud {
  url: string;
  skills: SkillDirectory;
  /** Environment that points the ASK CLI (and its AWS SDK) at this cloud, with the default credentials. */
  cliEnvironment(): Record<string, string>;
  close(): Promise<void>;
}

export async function startAlexaCloud(options: AlexaCloudOptions): Promise<AlexaCloud> {
  const now = options.now ?? Date.now;
  const log = createLogger(options.logLevel ?? 'info', options.log ?? ((line) => process.stdout.write(`${line}\n`)));
  const accessKeyId = options.awsAccessKeyId ?? LOCAL_CLOUD_CREDENTIALS.awsAccessKeyId;
  const accountId = options.awsAccountId ?? LOCAL_CLOUD_CREDENTIALS.awsAccountId;
  if (!/^\d{12}$/.test(accountId)) throw new Error(`awsAccountId must be 12 digits, got ${JSON.stringify(accountId)}`);

  const store = new StateStore(options.dataDir);
  const functions = new Functions(store, options.runner, { accountId, now, log, readS3Object: (bucket, key) => readObject(store, bucket, key) });
  const host = options.host ?? '127.0.0.1';
  const functionUrls = new FunctionUrls(store, options.runner, { host, log, now });
  const tables = new LocalTables();
  const stacks = new Stacks(store, provisioners({ store, functions, functionUrls, tables }), { accountId, now, log });
  const skills = new Skills(store, {
    importPendingPolls: options.importPendingPolls ?? 1,
    uploadTtlMs: 60 * 60 * 1000,
    now,
    lambdaEndpointProblem: (arn, skillId) => functions.alexaTriggerProblem(arn, skillId),
  });
  const lwa = createLwa({
    refreshTokens: options.refreshTokens ?? [LOCAL_CLOUD_CREDENTIALS.refreshToken],
    fixedAccessTokens: options.accessTokens ?? [LOCAL_CLOUD_CREDENTIALS.accessToken],
    accessTokenTtlSeconds: 3600,
    now,
  });
  await functions.restore();
  await functionUrls.restore();
  for (const table of Object.values(store.current.tables)) await tables.create(table.definition as never);

  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  // Unauthenticated, like the other pieces' health checks: tells npm start's tests and users the cloud is up.
  app.get('/healthz', (_req, res) => void res.set('cache-control', 'no-store').json({ status: 'ok', service: 'alexa-cloud' }));
  app.use(callLogger(log));
  app.use(lwa.router);
  // AWS services share `/`: S3 and the Query-protocol ones by their SigV4 scope, the JSON ones by X-Amz-Target.
  app.use(s3Routes(store, { accessKeyId, now }));
  app.use(cloudFormationRoutes(stacks, { accessKeyId }));
  app.use(secretsManagerRoutes(store, { accessKeyId, accountId, now }));
  app.use(tables.routes());
  app.use(iamRoutes(store, { accessKeyId, accountId, now }));
  app.use(lambdaRoutes(functions, { accessKeyId }));
  app.use(uploadReceiver(skills, 100 * 1024 * 1024));
  // The code location GetFunction names (a presigned S3 URL on AWS): no token, like the upload URLs.
  app.get('/_code/:name', (req, res) => {
    noteCall(res, { api: 'lambda', operation: 'downloadCode', functionName: req.params.name });
    const zip = store.current.functions[req.params.name] ? store.readBlob(store.functionZipPath(req.params.name)) : undefined;
    if (!zip) return void res.status(404).type('application/xml').send('<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message></Error>');
    res.type('application/zip').send(Buffer.from(zip));
  });

  const smapi = Router();
  smapi.use(requireAccessToken(lwa));
  smapi.use(express.json({ limit: '10mb' }));
  smapi.use(packageRoutes(skills));
  smapi.use(skillRoutes(skills));
  const alexaTriggerProblem = (arn: string, skillId: string) => functions.alexaTriggerProblem(arn, skillId);
  for (const extra of options.routes?.({ skills, runner: options.runner, log, alexaTriggerProblem }) ?? []) smapi.use(extra);
  smapi.use(smapiErrorHandler);
  // Everything not matched above is SMAPI's: the token is checked first, so unknown paths answer 401 without one.
  app.use(smapi);

  app.use((req, res) => {
    noteCall(res, { api: 'smapi', operation: 'unknown' });
    sendSmapiError(res, new SmapiError(404, `No route for ${req.method} ${req.path} in the local Alexa cloud.`));
  });
  app.use(((error, _req, res, next) => {
    if (res.headersSent) return next(error);
    log.error('alexa_cloud_internal_error', { reason: (error as Error)?.message });
    res.status(500).json({ message: 'Internal error in the local Alexa cloud.' });
  }) as express.ErrorRequestHandler);

  const server: Server = createServer(app);
  const sockets = new Set<Socket>();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  const { port } = await listen(server, { port: options.port ?? DEFAULT_ALEXA_CLOUD_PORT, host, socket: options.socket });
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  // Like Lambda's role credentials in a function's environment, plus the endpoint that makes its SDK call this cloud.
  options.runner?.setAwsEnvironment?.({
    AWS_ACCESS_KEY_ID: accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CLOUD_CREDENTIALS.awsSecretAccessKey,
    AWS_SESSION_TOKEN: 'local-alexa-cloud-session',
    AWS_ENDPOINT_URL: url,
  });
  log.info('alexa_cloud_started', { url, dataDir: options.dataDir, runner: options.runner ? 'yes' : 'none' });

  return {
    url,
    skills,
    cliEnvironment: () => ({
      ASK_SMAPI_SERVER_BASE_URL: url,
      ASK_LWA_TOKEN_HOST: url,
      ASK_LWA_AUTHORIZE_HOST: url,
      ASK_ACCESS_TOKEN: LOCAL_CLOUD_CREDENTIALS.accessToken,
      ASK_VENDOR_ID: LOCAL_CLOUD_CREDENTIALS.vendorId,
      AWS_ACCESS_KEY_ID: accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_CLOUD_CREDENTIALS.awsSecretAccessKey,
      AWS_REGION: LOCAL_CLOUD_CREDENTIALS.awsRegion,
      AWS_ENDPOINT_URL: url,
      ASK_SHARE_USAGE: 'false',
      ASK_SKIP_NEW_VERSION_REMINDER: 'true',
    }),
    close: async () => {
      await functionUrls.close();
      await tables.close();
      const closed = once(server, 'close');
      server.close();
      server.closeIdleConnections();
      // Give requests in flight a moment, then cut keep-alive sockets the CLI may hold open.
      const timer = setTimeout(() => {
        for (const socket of sockets) socket.destroy();
      }, 1000);
      await closed;
      clearTimeout(timer);
    },
  };
}
