/**
 * `npm run deploy -- --bridge`: the account-linking bridge as one CloudFormation stack (bridge/deploy/template.json),
 * through the AWS SDK v3 — against AWS, or with `--local` against the local Alexa cloud of a running `npm start`.
 *
 *   1. the secret `<stack>/secrets` in Secrets Manager: created on the first deploy with a fresh BRIDGE_KEY (32
 *      random bytes) and the two client secrets from the environment; later, updated only when a client secret
 *      given in the environment differs. Its values are never printed nor written anywhere but Secrets Manager;
 *   2. the deployment package (dist/bridge zipped reproducibly) to S3 under `bridge/<sha256 of the zip>.zip` —
 *      uploaded only when no object has that key, so unchanged code uploads nothing and keeps the stack's CodeKey;
 *   3. CreateStack (after DeleteStack of a stack whose first create failed), then at once an UpdateStack that sets PublicUrl to the new FunctionUrl (the bridge's own URL
 *      exists only once the stack does); later deploys UpdateStack, and "No updates are to be performed." means
 *      nothing changed (same template, same parameters: same code key, same secret version) — no new code, no new
 *      configuration, no new containers.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { setTimeout as delay } from 'node:timers/promises';
import {
  CloudFormationClient,
  CreateStackCommand,
  DeleteStackCommand,
  DescribeStackEventsCommand,
  DescribeStacksCommand,
  UpdateStackCommand,
  type Parameter,
  type Stack,
} from '@aws-sdk/client-cloudformation';
import { CreateBucketCommand, HeadBucketCommand, HeadObjectCommand, PutObjectCommand, S3Client, type BucketLocationConstraint } from '@aws-sdk/client-s3';
import { CreateSecretCommand, DescribeSecretCommand, GetSecretValueCommand, PutSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { AwsCredentialIdentity } from '@smithy/types';
import { zipDirectory } from '../zip.js';
import { DeployStepError } from './ask.js';

export const TEMPLATE_FILE = new URL('../../bridge/deploy/template.json', import.meta.url);

export const DEFAULT_BRIDGE_STACK = 'ride-hailer-bridge';

/** The template's parameters the caller decides (the rest — code, secret, PublicUrl — the deploy fills in). */
export interface BridgeParameters {
  Profile: string;
  UpstreamAuthorizationUrl: string;
  UpstreamTokenUrl: string;
  UpstreamClientId: string;
  UpstreamScopes?: string;
  AlexaClientId: string;
  AlexaRedirectUris: string;
  LogLevel?: string;
}

export interface BridgeDeployOptions {
  stackName: string;
  region: string;
  /** The local cloud's URL (`--local`); absent = AWS. */
  endpoint?: string;
  /** Absent = the SDK's default chain (environment, profile, SSO, …). */
  credentials?: AwsCredentialIdentity;
  /** dist/bridge, built. */
  bundleDir: string;
  parameters: BridgeParameters;
  /** From the environment; required on the first deploy, optional later (then the stored ones stay). */
  secrets: { alexaClientSecret?: string | undefined; upstreamClientSecret?: string | undefined };
  /** Default `<stack>-code-<account>-<region>`. */
  bucket?: string;
  /** Progress lines (never a secret). */
  say?: (line: string) => void;
  /** Between DescribeStacks polls; default 2 s (the local cloud answers final at once). */
  pollMs?: number;
}

export interface BridgeDeployResult {
  functionUrl: string;
  functionName: string;
  stack: 'created' | 'updated' | 'unchanged';
  code: 'uploaded' | 'unchanged';
  secret: 'created' | 'updated' | 'unchanged';
  codeKey: string;
}

type Clients = { cfn: CloudFormationClient; s3: S3Client; secrets: SecretsManagerClient };

export async function deployBridge(options: BridgeDeployOptions): Promise<BridgeDeployResult> {
  const say = options.say ?? (() => undefined);
  const common = { region: options.region, ...(options.endpoint ? { endpoint: options.endpoint } : {}), ...(options.credentials ? { credentials: options.credentials } : {}) };
  const clients: Clients = {
    cfn: new CloudFormationClient(common),
    // Path-style: the local cloud is one host; on AWS virtual-hosted style is the default and stays.
    s3: new S3Client({ ...common, ...(options.endpoint ? { forcePathStyle: true } : {}) }),
    secrets: new SecretsManagerClient(common),
  };
  try {
    const secret = await ensureSecret(clients.secrets, `${options.stackName}/secrets`, options.secrets);
    say(`  secret ${secret.name}: ${secret.outcome}`);

    const zip = await zipDirectory(options.bundleDir);
    const codeKey = `bridge/${createHash('sha256').update(zip).digest('hex')}.zip`;
    const account = secret.arn.split(':')[4]!;
    const bucket = options.bucket ?? `${options.stackName}-code-${account}-${options.region}`.toLowerCase().slice(0, 63);
    const code = await ensureCode(clients.s3, bucket, codeKey, zip, options.region);
    say(`  code s3://${bucket}/${codeKey}: ${code}`);

    const templateBody = await readFile(TEMPLATE_FILE, 'utf8');
    const parameters = (publicUrl: string): Parameter[] =>
      Object.entries({
        ...options.parameters,
        UpstreamScopes: options.parameters.UpstreamScopes ?? '',
        LogLevel: options.parameters.LogLevel ?? 'info',
        CodeBucket: bucket,
        CodeKey: codeKey,
        SecretsArn: secret.arn,
        SecretsVersion: secret.versionId,
        PublicUrl: publicUrl,
      }).map(([ParameterKey, ParameterValue]) => ({ ParameterKey, ParameterValue }));

    let existing = await describeStack(clients.cfn, options.stackName);
    if (existing?.StackStatus === 'ROLLBACK_COMPLETE') {
      // A first create that failed leaves an empty stack CloudFormation will not update: delete it, create again.
      say(`  stack ${options.stackName}: its first create failed (${existing.StackStatusReason ?? 'see its events'}); deleting it to create it again`);
      await step('deleting the failed stack', () => clients.cfn.send(new DeleteStackCommand({ StackName: options.stackName })));
      await settle(clients.cfn, options.stackName, 'MISSING', options.pollMs);
      existing = undefined;
    }
    let stack: Stack;
    let outcome: BridgeDeployResult['stack'];
    if (!existing) {
      say(`  stack ${options.stackName}: creating`);
      await step('creating the stack', () => clients.cfn.send(new CreateStackCommand({ StackName: options.stackName, TemplateBody: templateBody, Parameters: parameters(''), Capabilities: ['CAPABILITY_IAM'] })));
      const created = await settle(clients.cfn, options.stackName, 'CREATE_COMPLETE', options.pollMs);
      const url = output(created, 'FunctionUrl');
      say(`  stack ${options.stackName}: created; setting PublicUrl to ${url}`);
      await step('setting PublicUrl', () => clients.cfn.send(new UpdateStackCommand({ StackName: options.stackName, TemplateBody: templateBody, Parameters: parameters(url), Capabilities: ['CAPABILITY_IAM'] })));
      stack = await settle(clients.cfn, options.stackName, 'UPDATE_COMPLETE', options.pollMs);
      outcome = 'created';
    } else {
      if (!/_COMPLETE$/.test(existing.StackStatus ?? '') || /DELETE/.test(existing.StackStatus ?? '')) {
        throw new DeployStepError('updating the stack', `stack ${options.stackName} is in ${existing.StackStatus}${existing.StackStatusReason ? ` (${existing.StackStatusReason})` : ''}; delete it (aws cloudformation delete-stack) and deploy again`);
      }
      const url = output(existing, 'FunctionUrl');
      try {
        await clients.cfn.send(new UpdateStackCommand({ StackName: options.stackName, TemplateBody: templateBody, Parameters: parameters(url), Capabilities: ['CAPABILITY_IAM'] }));
        say(`  stack ${options.stackName}: updating`);
        stack = await settle(clients.cfn, options.stackName, 'UPDATE_COMPLETE', options.pollMs);
        outcome = 'updated';
      } catch (error) {
        if (!/No updates are to be performed/.test((error as Error).message)) throw stepError('updating the stack', error);
        stack = existing;
        outcome = 'unchanged';
      }
      say(`  stack ${options.stackName}: ${outcome}`);
    }
    return { functionUrl: output(stack, 'FunctionUrl'), functionName: output(stack, 'FunctionName'), stack: outcome, code, secret: secret.outcome, codeKey };
  } finally {
    clients.cfn.destroy();
    clients.s3.destroy();
    clients.secrets.destroy();
  }
}

const SECRET_FIELDS = { alexaClientSecret: 'BRIDGE_CLIENT_SECRET', upstreamClientSecret: 'BRIDGE_UPSTREAM_CLIENT_SECRET' } as const;

async function ensureSecret(client: SecretsManagerClient, name: string, given: BridgeDeployOptions['secrets']): Promise<{ name: string; arn: string; versionId: string; outcome: BridgeDeployResult['secret'] }> {
  const described = await client.send(new DescribeSecretCommand({ SecretId: name })).catch((error: Error) => {
    if (error.name === 'ResourceNotFoundException') return undefined;
    throw stepError('reading the bridge secret', error);
  });
  if (!described) {
    const missing = Object.entries(SECRET_FIELDS).filter(([field]) => !given[field as keyof typeof given]).map(([, variable]) => variable);
    if (missing.length > 0) throw new DeployStepError('creating the bridge secret', `${missing.join(' and ')} must be set in the environment for the first deploy (they go to Secrets Manager, never into the project)`);
    const value = { BRIDGE_KEY: randomBytes(32).toString('base64url'), BRIDGE_CLIENT_SECRET: given.alexaClientSecret, BRIDGE_UPSTREAM_CLIENT_SECRET: given.upstreamClientSecret };
    const created = await step('creating the bridge secret', () =>
      client.send(new CreateSecretCommand({ Name: name, Description: 'Ride Hailer bridge: BRIDGE_KEY and the client secrets (read by the function at cold start)', SecretString: JSON.stringify(value) })),
    );
    return { name, arn: created.ARN!, versionId: created.VersionId!, outcome: 'created' };
  }
  const current = await step('reading the bridge secret', () => client.send(new GetSecretValueCommand({ SecretId: name })));
  const stored = JSON.parse(current.SecretString ?? '{}') as Record<string, string>;
  const changes = Object.entries(SECRET_FIELDS).filter(([field, variable]) => {
    const value = given[field as keyof typeof given];
    return value !== undefined && value !== stored[variable];
  });
  if (changes.length === 0) return { name, arn: described.ARN!, versionId: current.VersionId!, outcome: 'unchanged' };
  const next = { ...stored };
  for (const [field, variable] of changes) next[variable] = given[field as keyof typeof given]!;
  const put = await step('updating the bridge secret', () => client.send(new PutSecretValueCommand({ SecretId: name, SecretString: JSON.stringify(next) })));
  return { name, arn: described.ARN!, versionId: put.VersionId!, outcome: 'updated' };
}

async function ensureCode(client: S3Client, bucket: string, key: string, zip: Uint8Array, region: string): Promise<BridgeDeployResult['code']> {
  const exists = await client.send(new HeadBucketCommand({ Bucket: bucket })).then(
    () => true,
    (error: Error & { $metadata?: { httpStatusCode?: number } }) => {
      if (error.name === 'NotFound' || error.$metadata?.httpStatusCode === 404) return false;
      throw stepError(`checking the code bucket ${bucket}`, error);
    },
  );
  if (!exists) {
    await step(`creating the code bucket ${bucket}`, () =>
      client.send(new CreateBucketCommand({ Bucket: bucket, ...(region === 'us-east-1' ? {} : { CreateBucketConfiguration: { LocationConstraint: region as BucketLocationConstraint } }) })),
    );
  }
  const present = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key })).then(
    () => true,
    (error: Error & { $metadata?: { httpStatusCode?: number } }) => {
      if (error.name === 'NotFound' || error.$metadata?.httpStatusCode === 404) return false;
      throw stepError('checking the uploaded code', error);
    },
  );
  if (present) return 'unchanged';
  await step('uploading the code', () => client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: zip, ContentType: 'application/zip' })));
  return 'uploaded';
}

async function describeStack(client: CloudFormationClient, name: string): Promise<Stack | undefined> {
  try {
    return (await client.send(new DescribeStacksCommand({ StackName: name }))).Stacks?.[0];
  } catch (error) {
    if (/does not exist/.test((error as Error).message)) return undefined;
    throw stepError('reading the stack', error);
  }
}

/** Polls until the stack leaves *_IN_PROGRESS; anything but `wanted` fails with the first failure's reason. */
async function settle(client: CloudFormationClient, name: string, wanted: string, pollMs = 2000): Promise<Stack> {
  for (let attempt = 0; attempt < 900; attempt += 1) {
    const stack = await describeStack(client, name);
    const status = stack?.StackStatus ?? 'MISSING';
    if (!status.endsWith('_IN_PROGRESS')) {
      if (status === wanted) return stack as Stack;
      const events = (await client.send(new DescribeStackEventsCommand({ StackName: name }))).StackEvents ?? [];
      const failure = events.find((e) => e.ResourceStatus?.endsWith('_FAILED'))?.ResourceStatusReason ?? stack?.StackStatusReason ?? 'no reason given';
      throw new DeployStepError(`deploying stack ${name}`, `it ended in ${status}: ${failure}`);
    }
    await delay(pollMs);
  }
  throw new DeployStepError(`deploying stack ${name}`, 'it did not finish within 30 minutes');
}

function output(stack: Stack, key: string): string {
  const value = stack.Outputs?.find((o) => o.OutputKey === key)?.OutputValue;
  if (!value) throw new DeployStepError('reading the stack outputs', `the stack has no output ${key}`);
  return value;
}

async function step<T>(name: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw stepError(name, error);
  }
}

function stepError(name: string, error: unknown): DeployStepError {
  return error instanceof DeployStepError ? error : new DeployStepError(name, `${(error as Error).name}: ${(error as Error).message}`);
}
