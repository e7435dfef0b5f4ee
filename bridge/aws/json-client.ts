/**
 * The AWS calls the bridge makes (DynamoDB's GetItem, PutItem, UpdateItem; Secrets Manager's GetSecretValue), sent
 * as what they are on the wire: a JSON POST naming its operation in `X-Amz-Target`, signed with AWS Signature V4.
 *
 * Why not the AWS SDK's clients: a client loads the SDK's core, its middleware stack, endpoint rules, retry strategy,
 * credential chain and HTTP handler — about 240 kB of code that a Lambda cold start parses and runs before the first
 * call, for four operations (npm run bench -- bridge-lambda: more than half of the deployed bridge's cold start over a
 * hello-world function). Here the signature is the SDK's own signer (@smithy/signature-v4, with the SDK's Node hash),
 * the request goes through got (which the bridge loads for its upstream anyway), and the marshalling of items stays
 * the SDK's (@aws-sdk/util-dynamodb, in bridge/store/dynamodb.ts). What this module owns is the protocol's envelope:
 * the endpoint, the headers, the error's shape.
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
import { Hash } from '@smithy/core/serde';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import type { Got } from 'got';
import type { Env } from '../../common/env.js';

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
  /** Fixed credentials (tests); otherwise the environment's, then the SDK's default chain. */
  credentials?: AwsCredentialIdentity | undefined;
  /** Per attempt: connecting, and the whole exchange. */
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
    this.name = type.slice(type.lastIndexOf('#') + 1) || 'UnknownError';
    this.__type = type;
    this.$metadata = { httpStatusCode };
  }
}

/** The wait before a retry: this, plus up to this again at random (so instances that failed together spread out). */
const RETRY_WAIT_MS = 50;

export class AwsJsonClient {
  readonly url: URL;
  private readonly signer: SignatureV4;
  private readonly headers: Record<string, string>;

  constructor(
    private readonly service: AwsJsonService,
    private readonly options: AwsJsonClientOptions,
    private readonly loadGot: () => Promise<Got> = async () => (await import('got')).default,
  ) {
    const env = options.env ?? process.env;
    this.url = new URL(options.endpoint ?? env[`AWS_ENDPOINT_URL_${service.endpointVariable}`] ?? env.AWS_ENDPOINT_URL ?? regionalEndpoint(service, options.region));
    this.signer = new SignatureV4({
      service: service.signingName,
      region: options.region,
      credentials: options.credentials ?? credentialsFrom(env),
      sha256: Hash.bind(null, 'sha256'),
    });
    this.headers = { 'content-type': `application/x-amz-json-${service.jsonVersion}` };
  }

  /** Sends `operation` with `input`; resolves with the service's answer, rejects with an AwsServiceError or got's error. */
  async call<Output>(operation: string, input: object): Promise<Output> {
    const got = await this.loadGot();
    const body = JSON.stringify(input);
    // Signed before got is called, so a credentials problem is thrown as it is (named), not wrapped by got.
    const headers = await this.sign(operation, body);
    const response = await got.post(this.url, {
      headers,
      // Given as `json` (serialised as the very string that was signed), not as `body`: got checks a body against the
      // global FormData, whose first use loads undici (Node's fetch) — tens of milliseconds of a cold start.
      json: input,
      stringifyJson: () => body,
      // Signed anew for a retry: it must not carry the first attempt's X-Amz-Date.
      hooks: { beforeRetry: [async (error) => void Object.assign(error.options.headers, await this.sign(operation, body))] },
      timeout: this.options.timeoutMs,
      // Soon, as the SDK does (its first retry waits up to 100 ms): got's own first wait is a second.
      retry: { limit: this.options.attempts - 1, methods: ['POST'], statusCodes: [500, 502, 503, 504], backoffLimit: RETRY_WAIT_MS, noise: RETRY_WAIT_MS },
      throwHttpErrors: false,
      responseType: 'text',
      decompress: false, // AWS's JSON answers are not compressed unless asked to be
    });
    const answer = parseJson(response.body);
    if (response.statusCode !== 200) {
      const type = typeof answer?.__type === 'string' ? answer.__type : `Http${response.statusCode}`;
      const message = answer?.message ?? answer?.Message;
      throw new AwsServiceError(type, typeof message === 'string' ? message : `${this.service.signingName} answered ${response.statusCode}`, response.statusCode);
    }
    return (answer ?? {}) as Output;
  }

  private async sign(operation: string, body: string): Promise<Record<string, string>> {
    const signed = await this.signer.sign({
      method: 'POST',
      protocol: this.url.protocol,
      hostname: this.url.hostname,
      ...(this.url.port ? { port: Number(this.url.port) } : {}),
      path: this.url.pathname,
      query: {},
      headers: { ...this.headers, host: this.url.host, 'x-amz-target': `${this.service.targetPrefix}.${operation}` },
      body,
    });
    return signed.headers;
  }
}

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

function parseJson(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
