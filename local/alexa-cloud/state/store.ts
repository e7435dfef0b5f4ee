/**
 * The cloud's state: one JSON document (`state.json`) plus blobs (uploaded skill packages, function zips) under
 * `dataDir`. Every mutation goes through `update`, which writes the whole document to a temporary file and renames
 * it over the old one, so a crash mid-write never leaves half a state and a restart sees exactly the last commit.
 * The state is small (a handful of skills and functions); rewriting it per call is cheaper than being clever.
 *
 * The file holds the account-linking client secret (as SMAPI must, to hand it to the token endpoint), so it is
 * written with mode 0600 and never logged.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export type Stage = 'development' | 'live';

export interface UpdateRequest {
  status: 'IN_PROGRESS' | 'SUCCEEDED' | 'FAILED';
  errors?: SmapiIssue[];
  warnings?: SmapiIssue[];
}

export interface SmapiIssue {
  code?: string;
  message: string;
}

export interface AccountLinkingRecord {
  /** The request as accepted, clientSecret included (never returned by GET, never logged). */
  request: Record<string, unknown>;
}

export interface StageRecord {
  manifest: Record<string, unknown>;
  manifestETag: string;
  manifestLastUpdate: UpdateRequest;
  interactionModels: Record<string, unknown>;
  interactionModelETags: Record<string, string>;
  accountLinking?: AccountLinkingRecord;
  enabled: boolean;
}

export interface SkillRecord {
  skillId: string;
  vendorId: string;
  createdAt: string;
  stages: Partial<Record<Stage, StageRecord>>;
}

export interface ImportResource {
  name: string;
  action: 'CREATE' | 'UPDATE';
  status: 'IN_PROGRESS' | 'SUCCEEDED' | 'FAILED' | 'ROLLBACK_SUCCEEDED';
  errors?: SmapiIssue[];
  warnings?: SmapiIssue[];
}

export interface ImportRecord {
  importId: string;
  skillId?: string;
  /** The final outcome; polls before `pendingPolls` runs out see IN_PROGRESS. */
  status: 'SUCCEEDED' | 'FAILED';
  resources: ImportResource[];
  warnings: SmapiIssue[];
  pendingPolls: number;
  createdAt: string;
}

export interface UploadRecord {
  uploadId: string;
  expiresAt: string;
  uploaded: boolean;
}

export interface RoleRecord {
  roleName: string;
  roleId: string;
  arn: string;
  path: string;
  createDate: string;
  assumeRolePolicyDocument: string;
  attachedPolicies: string[];
  /** Inline policies by name (a stack's AWS::IAM::Role Policies); kept, not evaluated. */
  inlinePolicies?: Record<string, string>;
}

export interface PermissionRecord {
  statementId: string;
  action: string;
  principal: string;
  eventSourceToken?: string;
  sourceArn?: string;
  /** `NONE` or `AWS_IAM`: the statement applies to Function URL calls of that auth type (lambda:InvokeFunctionUrl). */
  functionUrlAuthType?: string;
  /** The statement allows lambda:InvokeFunction only through the function's URL (required for URLs since Oct 2025). */
  invokedViaFunctionUrl?: boolean;
}

/** A Function URL: in the local cloud, its own loopback port (AWS: https://<id>.lambda-url.<region>.on.aws/). */
export interface FunctionUrlRecord {
  functionName: string;
  authType: 'NONE' | 'AWS_IAM';
  /** The port it listens on; kept so the URL stays the same when the cloud restarts. */
  port: number;
  url: string;
  creationTime: string;
}

export interface BucketRecord {
  name: string;
  createdAt: string;
  /** key → object metadata; the bytes are blobs under dataDir/s3/. */
  objects: Record<string, { size: number; etag: string; lastModified: string; blob: string }>;
}

/** A Secrets Manager secret; its value is in state.json (mode 0600), never logged. */
export interface SecretRecord {
  name: string;
  arn: string;
  description: string;
  createdDate: number;
  versions: Array<{ versionId: string; secretString: string; createdDate: number }>;
}

export interface StackResourceRecord {
  logicalId: string;
  type: string;
  physicalId: string;
  status: string;
  /** The resolved properties it was created or last updated with (compared to decide what an update changes). */
  properties: Record<string, unknown>;
  /** Values for Fn::GetAtt. */
  attributes: Record<string, string>;
  updatedAt: string;
}

export interface StackEventRecord {
  eventId: string;
  logicalId: string;
  physicalId: string;
  type: string;
  status: string;
  reason?: string;
  timestamp: string;
}

export interface StackRecord {
  stackName: string;
  stackId: string;
  status: string;
  statusReason?: string;
  createdAt: string;
  updatedAt?: string;
  templateBody: string;
  parameters: Record<string, string>;
  resources: Record<string, StackResourceRecord>;
  outputs: Record<string, { value: string; description?: string }>;
  events: StackEventRecord[];
}

export interface FunctionRecord {
  name: string;
  arn: string;
  runtime: string;
  handler: string;
  role: string;
  description: string;
  timeoutSeconds: number;
  memorySizeMb: number;
  environment: Record<string, string>;
  codeSha256: string;
  codeSize: number;
  revisionId: string;
  lastModified: string;
  version: string;
  permissions: PermissionRecord[];
}

export interface CloudState {
  version: 1;
  skills: Record<string, SkillRecord>;
  imports: Record<string, ImportRecord>;
  uploads: Record<string, UploadRecord>;
  roles: Record<string, RoleRecord>;
  functions: Record<string, FunctionRecord>;
  functionUrls: Record<string, FunctionUrlRecord>;
  buckets: Record<string, BucketRecord>;
  secrets: Record<string, SecretRecord>;
  stacks: Record<string, StackRecord>;
  logGroups: Record<string, { name: string; retentionInDays?: number; arn: string }>;
  /** DynamoDB tables the stacks created (dynalite holds their items, in memory: recreated empty after a restart). */
  tables: Record<string, { name: string; definition: Record<string, unknown> }>;
}

const EMPTY: CloudState = {
  version: 1,
  skills: {},
  imports: {},
  uploads: {},
  roles: {},
  functions: {},
  functionUrls: {},
  buckets: {},
  secrets: {},
  stacks: {},
  logGroups: {},
  tables: {},
};

export class StateStore {
  private state: CloudState;
  private readonly file: string;

  constructor(readonly dataDir: string) {
    mkdirSync(join(dataDir, 'uploads'), { recursive: true });
    mkdirSync(join(dataDir, 'functions'), { recursive: true });
    mkdirSync(join(dataDir, 's3'), { recursive: true });
    this.file = join(dataDir, 'state.json');
    this.state = load(this.file);
  }

  /** Read-only view; callers must not mutate what they get (use `update`). */
  get current(): Readonly<CloudState> {
    return this.state;
  }

  /** Applies `change` to a copy and commits it to disk; a throw leaves both memory and disk untouched. */
  update<T>(change: (draft: CloudState) => T): T {
    const draft = structuredClone(this.state);
    const result = change(draft);
    const temporary = `${this.file}.${randomUUID()}.tmp`;
    writeFileSync(temporary, JSON.stringify(draft, null, 1), { mode: 0o600 });
    renameSync(temporary, this.file);
    this.state = draft;
    return result;
  }

  uploadPath(uploadId: string): string {
    return join(this.dataDir, 'uploads', `${safeName(uploadId)}.zip`);
  }

  /** The zip a function currently runs; kept so a restarted cloud can hand it to the runner again. */
  functionZipPath(name: string): string {
    return join(this.dataDir, 'functions', `${safeName(name)}.zip`);
  }

  /** An S3 object's bytes (named by a random ID, never by the key a client chose). */
  objectPath(blob: string): string {
    return join(this.dataDir, 's3', `${safeName(blob)}.bin`);
  }

  writeBlob(path: string, bytes: Uint8Array): void {
    const temporary = `${path}.${randomUUID()}.tmp`;
    writeFileSync(temporary, bytes, { mode: 0o600 });
    renameSync(temporary, path);
  }

  readBlob(path: string): Uint8Array | undefined {
    try {
      return readFileSync(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  removeBlob(path: string): void {
    rmSync(path, { force: true });
  }
}

function load(file: string): CloudState {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return structuredClone(EMPTY);
    throw error;
  }
  const parsed = JSON.parse(text) as CloudState;
  if (parsed.version !== 1) throw new Error(`${file}: unknown state version ${String(parsed.version)}`);
  return { ...structuredClone(EMPTY), ...parsed };
}

/** IDs come from us, but names come from requests: keep them to one harmless path segment. */
function safeName(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]/g, '_');
}
