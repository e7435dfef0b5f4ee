/**
 * The AWS calls the bridge makes (DynamoDB's GetItem, PutItem, UpdateItem; Secrets Manager's GetSecretValue), sent
 * as what they are on the wire: a JSON POST naming its operation in `X-Amz-Target`, signed with AWS Signature V4.
 *
 * Why not the AWS SDK's clients: a client loads the SDK's core, its middleware stack, endpoint rules, retry strategy,
 * credential chain and HTTP handler — about 240 kB of code that a Lambda cold start parses and runs before the first
 * call, for four operations (npm run bench -- bridge-lambda: more than half of the deployed bridge's cold start over a
 * hello-world function). Here the pieces of the SDK that do the work are used as they are: its signer
 * (@smithy/signature-v4, with the SDK's Node hash) and its HTTP handler (@smithy/node-http-handler: kept-alive
 * sockets, connection and request time limits), and the marshalling of items (@aws-sdk/util-dynamodb, in
 * bridge/store/dynamodb.ts). What this module owns is the protocol's envelope — the endpoint, the headers, the error's
 * shape — and the one retry. (The same handler carries the bridge's upstream call, bridge/upstream.ts: got, which the
 * bridge used before, costs two to three times its CPU per request.)
 *
 * Behaviour kept from the SDK clients it replaces:
 * - endpoint: the one given, else AWS_ENDPOINT_URL_<SERVICE>, else AWS_ENDPOINT_URL (AWS's variables for another
 *   endpoint, which the local cloud sets), else AWS's regional endpoint;
 * - credentials: the ones given, else the environment's (what Lambda provides), else the SDK's default provider
 *   chain (profiles, SSO, container and instance roles), loaded only on a host that needs it;
 * - a refusal is an Error named after the service's error type (ConditionalCheckFailedException, …) that also carries
 *   the raw `__type` (rate-limiter-flexible looks there) and `$metadata.httpStatusCode`;
 * - each attempt has its own time limit, and a call is tried again after a network error or a 5xx.
 */
import type { Readable } from 'node:stream';
import { Hash } from '@smithy/core/serde';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { SignatureV4 } from '@smithy/signature-v4';
import { HttpRequest } from '@smithy/core/transport';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import type { Env } from '../../common/env.js';
import { parseJsonObject } from '../../common/json.js';
import { readAtMost } from '../http/read-at-most.js';

/** One of the services the bridge calls, as its wire protocol names it. */
export interface AwsJsonService {
  /** The SigV4 signing name and the regional endpoint's first label. */
  signingName: string;
  /** AWS_ENDPOINT_URL_<this>: the service's identifier in AWS's endpoint variables. */
  endpointVariable: string;
  /** X-Amz-Target: `<prefix>.<Operation>`. */
  targetPrefix: string;
  /** application/x-amz-json-<version>. */
  jsonVersion: '1.0' | '1.1';
}

export const DYNAMODB: AwsJsonService = { signingName: 'dynamodb', endpointVariable: 'DYNAMODB', targetPrefix: 'DynamoDB_20120810', jsonVersion: '1.0' };
export const SECRETS_MANAGER: AwsJsonService = { signingName: 'secretsmanager', endpointVariable: 'SECRETS_MANAGER', targetPrefix: 'secretsmanager', jsonVersion: '1.1' };

export interface AwsJsonClientOptions {
  region: string;
  /** Another endpoint than AWS's (DynamoDB Local, dynalite, the local cloud). */
  endpoint?: string | undefined;
  /** Credentials, or where to get them (tests); otherwise the environment's, then the SDK's default chain. */
  credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider | undefined;
  /** Per attempt: connecting, and waiting for the answer. */
  timeoutMs: { connect: number; request: number };
  /** Attempts in all (the first and its retries). */
  attempts: number;
  /** Where AWS's variables are read (process.env by default). */
  env?: Env;
}

/** A refusal by the service, in the shape the SDK's errors have for the fields the bridge and its libraries read. */
export class AwsServiceError extends Error {
  readonly __type: string;
  readonly $metadata: { httpStatusCode: number };

  constructor(type: string, message: string, httpStatusCode: number) {
    super(message);
    // "com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException" → ConditionalCheckFailedException
    this.name = type.slice(type.lastIndexOf('#') + 1);
    this.__type = type;
    this.$metadata = { httpStatusCode };
  }
}

/** More than any answer of the four operations (an item is at most 400 KB; a secret 64 KB). */
const MAX_ANSWER_BYTES = 1024 * 1024;

/** The wait before the retry: this, plus up to this again at random (so instances that failed together spread out). */
const RETRY_WAIT_MS = 50;

export class AwsJsonClient {
  readonly url: URL;
  private readonly signer: SignatureV4;
  private readonly http: NodeHttpHandler;

  constructor(
    private readonly service: AwsJsonService,
    private readonly options: AwsJsonClientOptions,
  ) {
    const env = options.env ?? process.env;
    this.url = new URL(options.endpoint ?? env[`AWS_ENDPOINT_URL_${service.endpointVariable}`] ?? env.AWS_ENDPOINT_URL ?? regionalEndpoint(service, options.region));
    this.signer = new SignatureV4({
      service: service.signingName,
      region: options.region,
      credentials: options.credentials ?? credentialsFrom(env),
      sha256: Hash.bind(null, 'sha256'),
    });
    this.http = new NodeHttpHandler({ connectionTimeout: options.timeoutMs.connect, requestTimeout: options.timeoutMs.request, throwOnRequestTimeout: true });
  }

  /**
   * Sends `operation` with `input`; resolves with the service's answer, rejects with an AwsServiceError (the service
   * refused) or the handler's error (TimeoutError, ECONNREFUSED, …). A 5xx or a failed exchange is tried again, signed
   * anew, until `attempts` are spent.
   */
  async call<Output>(operation: string, input: object): Promise<Output> {
    const body = JSON.stringify(input);
    for (let attempt = 1; ; attempt += 1) {
      const again = attempt < this.options.attempts;
      let statusCode: number;
      let text: string | undefined;
      try {
        const { response } = await this.http.handle(await this.sign(operation, body));
        statusCode = response.statusCode;
        text = await readAtMost(response.body as Readable, MAX_ANSWER_BYTES);
      } catch (error) {
        if (!again || isCredentialsError(error)) throw error;
        await pause();
        continue;
      }
      if (statusCode >= 500 && again) {
        await pause();
        continue;
      }
      if (text === undefined) throw new AwsServiceError('AnswerTooLarge', `${this.service.signingName} answered more than ${MAX_ANSWER_BYTES} bytes`, statusCode);
      const answer = parseJsonObject(text);
      if (statusCode === 200 && answer === undefined) throw new AwsServiceError('InvalidAnswer', `${this.service.signingName} answered 200 without a JSON object`, statusCode);
      if (statusCode !== 200) {
        const type = typeof answer?.__type === 'string' ? answer.__type : `Http${statusCode}`;
        const message = answer?.message ?? answer?.Message;
        throw new AwsServiceError(type, typeof message === 'string' ? message : `${this.service.signingName} answered ${statusCode}`, statusCode);
      }
      return answer as Output;
    }
  }

  /** Closes the kept-alive sockets. */
  close(): void {
    this.http.destroy();
  }

  private async sign(operation: string, body: string): Promise<HttpRequest> {
    const request = new HttpRequest({
      method: 'POST',
      protocol: this.url.protocol,
      hostname: this.url.hostname,
      ...(this.url.port ? { port: Number(this.url.port) } : {}),
      path: this.url.pathname,
      query: {},
      headers: {
        'content-type': `application/x-amz-json-${this.service.jsonVersion}`,
        'content-length': String(Buffer.byteLength(body)),
        host: this.url.host,
        'x-amz-target': `${this.service.targetPrefix}.${operation}`,
      },
      body,
    });
    return (await this.signer.sign(request)) as HttpRequest;
  }
}

const pause = () => new Promise((resolve) => setTimeout(resolve, RETRY_WAIT_MS + Math.random() * RETRY_WAIT_MS));

/** Credentials that cannot be had will not come with a second attempt. */
const isCredentialsError = (error: unknown) => error instanceof Error && error.name === 'CredentialsProviderError';

function regionalEndpoint(service: AwsJsonService, region: string): string {
  return `https://${service.signingName}.${region}.${region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com'}`;
}

/**
 * The environment's credentials (Lambda puts the function role's there), or else the SDK's default chain — loaded
 * only then, so a Lambda cold start never parses it.
 */
function credentialsFrom(env: Env): AwsCredentialIdentity | AwsCredentialIdentityProvider {
  const accessKeyId = env.AWS_ACCESS_KEY_ID;
  const secretAccessKey = env.AWS_SECRET_ACCESS_KEY;
  if (accessKeyId && secretAccessKey) return { accessKeyId, secretAccessKey, ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}) };
  let chain: AwsCredentialIdentityProvider | undefined;
  return async () => {
    chain ??= (await import('@aws-sdk/credential-providers')).fromNodeProviderChain();
    return chain();
  };
}
