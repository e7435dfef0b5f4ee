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
}

export interface PermissionRecord {
  statementId: string;
  action: string;
  principal: string;
  eventSourceToken?: string;
  sourceArn?: string;
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
}

const EMPTY: CloudState = { version: 1, skills: {}, imports: {}, uploads: {}, roles: {}, functions: {} };

export class StateStore {
  private state: CloudState;
  private readonly file: string;

  constructor(readonly dataDir: string) {
    mkdirSync(join(dataDir, 'uploads'), { recursive: true });
    mkdirSync(join(dataDir, 'functions'), { recursive: true });
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
