/**
 * Lambda functions as the control plane keeps them. New code and configuration go to the FunctionRunner first and
 * are committed only when the runner accepts them: a FunctionCodeError becomes InvalidParameterValueException and
 * the function keeps its previous code and configuration, as Lambda keeps serving the last good version.
 *
 * Zips are stored under dataDir, so a restarted cloud hands every function's code to the runner again (`restore`).
 * One update at a time per function: a second one while the first is with the runner gets
 * ResourceConflictException, which is what Lambda answers while LastUpdateStatus is InProgress.
 */
import { createHash, randomUUID } from 'node:crypto';
import { FunctionCodeError, type FunctionDefinition, type FunctionRunner } from './contracts.js';
import type { Logger } from '../../common/logging.js';
import { AwsError } from './aws/errors.js';
import type { FunctionRecord, PermissionRecord, StateStore } from './state/store.js';

export const SUPPORTED_RUNTIMES = ['nodejs24.x', 'nodejs22.x', 'nodejs20.x'] as const;
export const ALEXA_PRINCIPAL = 'alexa-appkit.amazon.com';

const FUNCTION_NAME = /^[a-zA-Z0-9_-]{1,64}$/;
const FUNCTION_ARN = /^arn:aws:lambda:([a-z0-9-]+):(\d{12}):function:([a-zA-Z0-9_-]{1,64})(?::(\$LATEST|[a-zA-Z0-9_-]+))?$/;
const MAX_ZIP_BYTES = 50 * 1024 * 1024;

export interface FunctionsOptions {
  accountId: string;
  now: () => number;
  log: Logger;
  /** The cloud's S3, for code given as Code.S3Bucket + S3Key (CloudFormation's AWS::Lambda::Function). */
  readS3Object?: (bucket: string, key: string) => Uint8Array | undefined;
}

export interface CreateFunctionInput {
  FunctionName?: unknown;
  Runtime?: unknown;
  Role?: unknown;
  Handler?: unknown;
  Description?: unknown;
  Timeout?: unknown;
  MemorySize?: unknown;
  Environment?: { Variables?: unknown };
  Code?: { ZipFile?: unknown; S3Bucket?: unknown; S3Key?: unknown };
  PackageType?: unknown;
}

export type ConfigurationInput = Omit<CreateFunctionInput, 'FunctionName' | 'Code' | 'PackageType'> & { RevisionId?: unknown };

const validation = (value: unknown, field: string, constraint: string) =>
  new AwsError(400, 'ValidationException', `1 validation error detected: Value '${String(value)}' at '${field}' failed to satisfy constraint: ${constraint}`);

export class Functions {
  private readonly busy = new Set<string>();

  constructor(
    private readonly store: StateStore,
    private readonly runner: FunctionRunner | undefined,
    private readonly options: FunctionsOptions,
  ) {}

  /** Name, full ARN or partial ARN → the function's name; ResourceNotFoundException when unknown. */
  resolve(nameOrArn: string): FunctionRecord {
    const arn = FUNCTION_ARN.exec(nameOrArn);
    const name = arn ? arn[3]! : nameOrArn;
    const fn = this.store.current.functions[name];
    if (!fn || (arn && arn[2] !== this.options.accountId)) {
      throw new AwsError(404, 'ResourceNotFoundException', `Function not found: ${arn ? nameOrArn : `arn:aws:lambda:us-east-1:${this.options.accountId}:function:${name}`}`);
    }
    return fn;
  }

  async create(input: CreateFunctionInput, region: string): Promise<FunctionRecord> {
    const name = input.FunctionName;
    if (typeof name !== 'string' || !FUNCTION_NAME.test(name)) throw validation(name, 'functionName', 'Member must satisfy regular expression pattern: [a-zA-Z0-9-_]{1,64}');
    if (this.store.current.functions[name]) throw new AwsError(409, 'ResourceConflictException', `Function already exist: ${name}`);
    if (input.PackageType !== undefined && input.PackageType !== 'Zip') throw new AwsError(400, 'InvalidParameterValueException', 'The local cloud runs Zip packages only (PackageType Zip).');
    const zip = this.zipFrom(input.Code?.ZipFile, input.Code?.S3Bucket, input.Code?.S3Key);
    const config = this.configuration(input, undefined);
    const now = this.lastModified();
    const record: FunctionRecord = {
      name,
      arn: `arn:aws:lambda:${region}:${this.options.accountId}:function:${name}`,
      ...config,
      codeSha256: sha256(zip),
      codeSize: zip.byteLength,
      revisionId: randomUUID(),
      lastModified: now,
      version: '$LATEST',
      permissions: [],
    };
    return this.exclusive(name, async () => {
      await this.runner?.deploy(definition(record), zip);
      this.store.writeBlob(this.store.functionZipPath(name), zip);
      this.store.update((state) => {
        state.functions[name] = record;
      });
      return record;
    });
  }

  async updateCode(nameOrArn: string, body: { ZipFile?: unknown; S3Bucket?: unknown; S3Key?: unknown; RevisionId?: unknown; Publish?: unknown }): Promise<FunctionRecord> {
    const current = this.resolve(nameOrArn);
    this.checkRevision(current, body.RevisionId);
    const zip = this.zipFrom(body.ZipFile, body.S3Bucket, body.S3Key);
    const next: FunctionRecord = { ...current, codeSha256: sha256(zip), codeSize: zip.byteLength, revisionId: randomUUID(), lastModified: this.lastModified() };
    return this.exclusive(current.name, async () => {
      await this.runner?.deploy(definition(next), zip);
      this.store.writeBlob(this.store.functionZipPath(current.name), zip);
      this.store.update((state) => {
        state.functions[current.name] = next;
      });
      return next;
    });
  }

  async updateConfiguration(nameOrArn: string, input: ConfigurationInput): Promise<FunctionRecord> {
    const current = this.resolve(nameOrArn);
    this.checkRevision(current, input.RevisionId);
    const next: FunctionRecord = { ...current, ...this.configuration(input, current), revisionId: randomUUID(), lastModified: this.lastModified() };
    return this.exclusive(current.name, async () => {
      await this.runner?.configure(definition(next));
      this.store.update((state) => {
        state.functions[current.name] = next;
      });
      return next;
    });
  }

  addPermission(nameOrArn: string, input: Record<string, unknown>): PermissionRecord & { resource: string } {
    const fn = this.resolve(nameOrArn);
    const { StatementId, Action, Principal, EventSourceToken, SourceArn, FunctionUrlAuthType, InvokedViaFunctionUrl } = input;
    if (typeof StatementId !== 'string' || !/^[a-zA-Z0-9-_.]{1,100}$/.test(StatementId)) throw validation(StatementId, 'statementId', 'Member must satisfy regular expression pattern: ([a-zA-Z0-9-_.]+)');
    if (typeof Action !== 'string' || !/^(lambda:[*]|lambda:[a-zA-Z]+|[*])$/.test(Action)) throw validation(Action, 'action', 'Member must satisfy regular expression pattern: (lambda:[*]|lambda:[a-zA-Z]+|[*])');
    if (typeof Principal !== 'string' || Principal === '') throw validation(Principal, 'principal', 'Member must not be null');
    if (fn.permissions.some((p) => p.statementId === StatementId)) {
      throw new AwsError(409, 'ResourceConflictException', `The statement id (${StatementId}) provided already exists. Please provide a new statement id, or remove the existing statement.`);
    }
    const permission: PermissionRecord = {
      statementId: StatementId,
      action: Action,
      principal: Principal,
      ...(typeof EventSourceToken === 'string' ? { eventSourceToken: EventSourceToken } : {}),
      ...(typeof SourceArn === 'string' ? { sourceArn: SourceArn } : {}),
      ...(FunctionUrlAuthType === 'NONE' || FunctionUrlAuthType === 'AWS_IAM' ? { functionUrlAuthType: FunctionUrlAuthType } : {}),
      ...(InvokedViaFunctionUrl === true || InvokedViaFunctionUrl === 'true' ? { invokedViaFunctionUrl: true } : {}),
    };
    this.store.update((state) => {
      const record = state.functions[fn.name]!;
      record.permissions.push(permission);
      record.revisionId = randomUUID(); // the resource policy is part of the revision, as in Lambda
    });
    return { ...permission, resource: fn.arn };
  }

  /** For the manifest check: may Alexa invoke this function for this skill? (undefined = yes) */
  alexaTriggerProblem(arn: string, skillId: string): string | undefined {
    const match = FUNCTION_ARN.exec(arn);
    if (!match) return 'it is not a Lambda function ARN';
    if (match[2] !== this.options.accountId) return `the function belongs to account ${match[2]}; this cloud holds account ${this.options.accountId}'s functions only`;
    const fn = this.store.current.functions[match[3]!];
    if (!fn) return 'the function does not exist';
    const allowed = fn.permissions.some(
      (p) => p.principal === ALEXA_PRINCIPAL && ['lambda:InvokeFunction', 'lambda:*', '*'].includes(p.action) && (p.eventSourceToken === undefined || p.eventSourceToken === skillId),
    );
    return allowed ? undefined : `Alexa may not invoke it for skill ${skillId}: add a permission for principal "${ALEXA_PRINCIPAL}" with EventSourceToken "${skillId}" (Lambda AddPermission, the "Alexa Skills Kit" trigger).`;
  }

  /** After a restart: give the runner every function's stored code again. A refusal is logged, not fatal. */
  async restore(): Promise<void> {
    if (!this.runner) return;
    for (const fn of Object.values(this.store.current.functions)) {
      const zip = this.store.readBlob(this.store.functionZipPath(fn.name));
      if (!zip) continue;
      try {
        await this.runner.deploy(definition(fn), zip);
      } catch (error) {
        this.options.log.warn('alexa_cloud_restore_failed', { functionName: fn.name, reason: (error as Error).message });
      }
    }
  }

  private async exclusive<T>(name: string, work: () => Promise<T>): Promise<T> {
    if (this.busy.has(name)) {
      throw new AwsError(409, 'ResourceConflictException', `The operation cannot be performed at this time. An update is in progress for resource: ${name}`);
    }
    this.busy.add(name);
    try {
      return await work();
    } catch (error) {
      if (error instanceof FunctionCodeError) throw new AwsError(400, 'InvalidParameterValueException', error.message);
      throw error;
    } finally {
      this.busy.delete(name);
    }
  }

  private checkRevision(fn: FunctionRecord, revisionId: unknown): void {
    if (revisionId !== undefined && revisionId !== null && revisionId !== fn.revisionId) {
      throw new AwsError(412, 'PreconditionFailedException', 'The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id');
    }
  }

  /** RemovePermission: drops one statement of the function's resource policy. */
  removePermission(nameOrArn: string, statementId: string): void {
    const fn = this.resolve(nameOrArn);
    if (!fn.permissions.some((p) => p.statementId === statementId)) throw new AwsError(404, 'ResourceNotFoundException', `Statement ${statementId} is not found in resource policy.`);
    this.store.update((state) => {
      const record = state.functions[fn.name]!;
      record.permissions = record.permissions.filter((p) => p.statementId !== statementId);
      record.revisionId = randomUUID();
    });
  }

  /** Removes a function and its stored code (a stack's update that replaces or drops it). */
  async remove(nameOrArn: string): Promise<void> {
    const fn = this.resolve(nameOrArn);
    this.store.update((state) => {
      delete state.functions[fn.name];
    });
    this.store.removeBlob(this.store.functionZipPath(fn.name));
  }

  private zipFrom(zipFile: unknown, s3Bucket: unknown, s3Key?: unknown): Uint8Array {
    let zip: Buffer;
    if (s3Bucket !== undefined) {
      if (typeof s3Bucket !== 'string' || typeof s3Key !== 'string') throw new AwsError(400, 'InvalidParameterValueException', 'Code.S3Bucket and Code.S3Key name the deployment package in S3.');
      const object = this.options.readS3Object?.(s3Bucket, s3Key);
      if (!object) throw new AwsError(400, 'InvalidParameterValueException', `Error occurred while GetObject. S3 Error Code: NoSuchKey. S3 Error Message: The specified key does not exist. (bucket ${s3Bucket}, key ${s3Key})`);
      zip = Buffer.from(object);
    } else {
      if (typeof zipFile !== 'string' || zipFile === '') throw new AwsError(400, 'InvalidParameterValueException', 'Code.ZipFile is required (the base64-encoded deployment package).');
      zip = Buffer.from(zipFile, 'base64');
    }
    if (zip.byteLength > MAX_ZIP_BYTES) throw new AwsError(413, 'RequestEntityTooLargeException', `Request must be smaller than ${MAX_ZIP_BYTES} bytes for the ZipFile.`);
    if (zip.byteLength < 22 || zip.readUInt32LE(0) !== 0x04034b50) throw new AwsError(400, 'InvalidParameterValueException', 'Could not unzip uploaded file. Please check your file, then try to upload again.');
    return zip;
  }

  private configuration(input: ConfigurationInput, current: FunctionRecord | undefined) {
    const runtime = input.Runtime ?? current?.runtime;
    if (typeof runtime !== 'string') throw new AwsError(400, 'InvalidParameterValueException', `Runtime is required; supported runtimes: ${SUPPORTED_RUNTIMES.join(', ')}.`);
    if (!(SUPPORTED_RUNTIMES as readonly string[]).includes(runtime)) {
      throw new AwsError(400, 'InvalidParameterValueException', `The runtime parameter of ${runtime} is not supported by the local Alexa cloud; supported runtimes: ${SUPPORTED_RUNTIMES.join(', ')}.`);
    }
    const handler = input.Handler ?? current?.handler;
    if (typeof handler !== 'string' || !/^[^\s]{1,128}$/.test(handler)) throw validation(handler, 'handler', 'Member must satisfy regular expression pattern: [^\\s]+');
    const role = input.Role ?? current?.role;
    if (typeof role !== 'string' || !/^arn:aws:iam::\d{12}:role\/.+/.test(role)) throw validation(role, 'role', 'Member must satisfy regular expression pattern: arn:(aws[a-zA-Z-]*)?:iam::\\d{12}:role/?[a-zA-Z_0-9+=,.@\\-_/]+');
    const roleName = role.split('/').pop()!;
    if (!role.startsWith(`arn:aws:iam::${this.options.accountId}:`) || !this.store.current.roles[roleName]) {
      // Lambda's wording; the ASK CLI retries on exactly this message (IAM is eventually consistent on AWS).
      throw new AwsError(400, 'InvalidParameterValueException', 'The role defined for the function cannot be assumed by Lambda.');
    }
    const timeout = input.Timeout ?? current?.timeoutSeconds ?? 3;
    if (!Number.isInteger(timeout) || (timeout as number) < 1 || (timeout as number) > 900) throw validation(timeout, 'timeout', 'Member must have value between 1 and 900');
    const memory = input.MemorySize ?? current?.memorySizeMb ?? 128;
    if (!Number.isInteger(memory) || (memory as number) < 128 || (memory as number) > 10240) throw validation(memory, 'memorySize', 'Member must have value between 128 and 10240');
    const variables = input.Environment?.Variables ?? current?.environment ?? {};
    if (typeof variables !== 'object' || variables === null || Object.values(variables).some((v) => typeof v !== 'string')) {
      throw new AwsError(400, 'InvalidParameterValueException', 'Environment.Variables must map names to string values.');
    }
    for (const key of Object.keys(variables)) {
      if (!/^[a-zA-Z]\w*$/.test(key)) throw validation(key, 'environment.variables', 'Member must satisfy regular expression pattern: [a-zA-Z]([a-zA-Z0-9_])+');
      if (/^AWS_/.test(key) && !['AWS_NODEJS_CONNECTION_REUSE_ENABLED'].includes(key)) {
        throw new AwsError(400, 'InvalidParameterValueException', `Lambda was unable to configure your environment variables because the environment variables you have provided contains reserved keys that are currently not supported for modification. Reserved keys used in this request: ${key}`);
      }
    }
    const description = input.Description ?? current?.description ?? '';
    return {
      runtime,
      handler,
      role,
      description: String(description),
      timeoutSeconds: timeout as number,
      memorySizeMb: memory as number,
      environment: { ...(variables as Record<string, string>) },
    };
  }

  private lastModified(): string {
    // Lambda's format: 2019-08-14T22:26:11.234+0000
    return new Date(this.options.now()).toISOString().replace('Z', '+0000');
  }
}

export function definition(fn: FunctionRecord): FunctionDefinition {
  return {
    name: fn.name,
    arn: fn.arn,
    runtime: fn.runtime,
    handler: fn.handler,
    role: fn.role,
    timeoutSeconds: fn.timeoutSeconds,
    memorySizeMb: fn.memorySizeMb,
    environment: { ...fn.environment },
    codeSha256: fn.codeSha256,
    revisionId: fn.revisionId,
  };
}

/** Lambda's FunctionConfiguration. State and LastUpdateStatus are final at once: updates commit synchronously. */
export function functionConfiguration(fn: FunctionRecord): Record<string, unknown> {
  return {
    FunctionName: fn.name,
    FunctionArn: fn.arn,
    Runtime: fn.runtime,
    Role: fn.role,
    Handler: fn.handler,
    CodeSize: fn.codeSize,
    Description: fn.description,
    Timeout: fn.timeoutSeconds,
    MemorySize: fn.memorySizeMb,
    LastModified: fn.lastModified,
    CodeSha256: fn.codeSha256,
    Version: fn.version,
    Environment: { Variables: fn.environment },
    TracingConfig: { Mode: 'PassThrough' },
    RevisionId: fn.revisionId,
    State: 'Active',
    LastUpdateStatus: 'Successful',
    PackageType: 'Zip',
    Architectures: ['x86_64'],
    EphemeralStorage: { Size: 512 },
  };
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('base64');
}
