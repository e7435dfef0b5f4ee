/**
 * Skills as SMAPI keeps them: created and updated by skill-package imports, manifests updated on their own,
 * enablement, the account-linking client. This module owns the rules; smapi/*.ts only translate HTTP.
 *
 * Only the `development` stage can be written, as with SMAPI (live comes from certification, which the local cloud
 * does not emulate); reading `live` answers 404.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { SkillDirectory, SkillView } from './contracts.js';
import { SmapiError, invalidRequest, skillNotFound } from './smapi/errors.js';
import type { ImportRecord, SkillRecord, SmapiIssue, StageRecord, StateStore, UploadRecord } from './state/store.js';
import { validateAccountLinkingRequest } from './validation/account-linking.js';
import { validateManifest } from './validation/manifest.js';
import { checkSkillPackage } from './validation/skill-package.js';

export interface SkillsOptions {
  /** How many polls of a new import answer IN_PROGRESS before the outcome (SMAPI imports are asynchronous). */
  importPendingPolls: number;
  uploadTtlMs: number;
  now: () => number;
  lambdaEndpointProblem: (arn: string, skillId: string) => string | undefined;
}

export const UPLOAD_PATH = /\/_uploads\/([0-9a-f-]{36})$/;

const etag = (value: unknown) => createHash('sha256').update(JSON.stringify(value)).digest('hex').slice(0, 32);

export class Skills implements SkillDirectory {
  constructor(
    private readonly store: StateStore,
    private readonly options: SkillsOptions,
  ) {}

  createUpload(): UploadRecord {
    const upload: UploadRecord = { uploadId: randomUUID(), expiresAt: new Date(this.options.now() + this.options.uploadTtlMs).toISOString(), uploaded: false };
    this.store.update((state) => {
      // Forget uploads that expired long ago, with their zips.
      for (const [id, old] of Object.entries(state.uploads)) {
        if (Date.parse(old.expiresAt) + this.options.uploadTtlMs < this.options.now()) {
          delete state.uploads[id];
          this.store.removeBlob(this.store.uploadPath(id));
        }
      }
      state.uploads[upload.uploadId] = upload;
    });
    return upload;
  }

  /** The presigned-URL PUT. Answers like S3 would for a URL it does not know or that expired. */
  receiveUpload(uploadId: string, bytes: Uint8Array): 'ok' | 'unknown' | 'expired' {
    const upload = this.store.current.uploads[uploadId];
    if (!upload) return 'unknown';
    if (Date.parse(upload.expiresAt) < this.options.now()) return 'expired';
    this.store.writeBlob(this.store.uploadPath(uploadId), bytes);
    this.store.update((state) => {
      state.uploads[uploadId]!.uploaded = true;
    });
    return 'ok';
  }

  /** POST /v1/skills/imports (new skill, vendorId required) or /v1/skills/{id}/imports (existing skill). */
  startImport(body: unknown, existingSkillId?: string): ImportRecord {
    const { location, vendorId } = (body ?? {}) as { location?: unknown; vendorId?: unknown };
    const violations: SmapiIssue[] = [];
    if (typeof location !== 'string' || location === '') violations.push({ code: 'MISSING_PARAMETER', message: 'location is required: the uploadUrl returned by POST /v1/skills/uploads.' });
    if (existingSkillId === undefined && (typeof vendorId !== 'string' || !/^[A-Z0-9]{6,}$/.test(vendorId))) {
      violations.push({ code: 'INVALID_REQUEST_PARAMETER', message: 'vendorId is required to create a skill and must be a vendor ID such as M1ABCDEFGHIJKL (ASK_VENDOR_ID).' });
    }
    if (violations.length > 0) throw invalidRequest(violations);
    const existing = existingSkillId === undefined ? undefined : this.skill(existingSkillId);
    if (existing && typeof vendorId === 'string' && vendorId !== existing.vendorId) {
      throw new SmapiError(403, `Skill ${existing.skillId} belongs to another vendor.`);
    }
    const uploadId = UPLOAD_PATH.exec(new URL(location as string, 'http://x').pathname)?.[1];
    const upload = uploadId === undefined ? undefined : this.store.current.uploads[uploadId];
    if (!upload || !upload.uploaded) {
      throw invalidRequest([{ code: 'INVALID_REQUEST_PARAMETER', message: `location ${JSON.stringify(location)} is not an upload URL of this cloud that has received a skill package (POST /v1/skills/uploads, then PUT the zip).` }]);
    }
    if (Date.parse(upload.expiresAt) < this.options.now()) throw invalidRequest([{ code: 'INVALID_REQUEST_PARAMETER', message: `The upload URL expired at ${upload.expiresAt}.` }]);
    const zip = this.store.readBlob(this.store.uploadPath(upload.uploadId)) ?? new Uint8Array();

    const skillId = existing?.skillId ?? `amzn1.ask.skill.${randomUUID()}`;
    const check = checkSkillPackage(zip, existing ? 'UPDATE' : 'CREATE', {
      // A new skill has no function with its trigger yet; the trigger is checked on later updates.
      ...(existing ? { skillId } : {}),
      lambdaEndpointProblem: this.options.lambdaEndpointProblem,
    });
    const record: ImportRecord = {
      importId: `amzn1.ask-package.import.${randomUUID()}`,
      ...(check.ok ? { skillId } : existing ? { skillId } : {}),
      status: check.ok ? 'SUCCEEDED' : 'FAILED',
      resources: check.resources,
      warnings: check.warnings,
      pendingPolls: this.options.importPendingPolls,
      createdAt: new Date(this.options.now()).toISOString(),
    };
    this.store.update((state) => {
      state.imports[record.importId] = record;
      if (!check.contents) return;
      const { manifest, interactionModels, accountLinking } = check.contents;
      const skill: SkillRecord = state.skills[skillId] ?? { skillId, vendorId: vendorId as string, createdAt: record.createdAt, stages: {} };
      const previous = skill.stages.development;
      const secret = previous?.accountLinking?.request.clientSecret;
      skill.stages.development = {
        manifest,
        manifestETag: etag(manifest),
        manifestLastUpdate: { status: 'SUCCEEDED' },
        interactionModels,
        interactionModelETags: Object.fromEntries(Object.entries(interactionModels).map(([locale, model]) => [locale, etag(model)])),
        // accountLinking.json never carries the secret (it is not committed); keep the one set through SMAPI.
        ...(accountLinking ? { accountLinking: { request: { ...accountLinking, ...(secret !== undefined && accountLinking.clientSecret === undefined ? { clientSecret: secret } : {}) } } } : previous?.accountLinking ? { accountLinking: previous.accountLinking } : {}),
        enabled: previous?.enabled ?? false,
      };
      state.skills[skillId] = skill;
    });
    return record;
  }

  /** GET /v1/skills/imports/{id}: IN_PROGRESS for the first polls, then the outcome. */
  importStatus(importId: string): Record<string, unknown> {
    const record = this.store.current.imports[importId];
    if (!record) throw new SmapiError(404, `Import with id ${importId} not found.`);
    if (record.pendingPolls > 0) {
      this.store.update((state) => {
        state.imports[importId]!.pendingPolls -= 1;
      });
      return {
        status: 'IN_PROGRESS',
        skill: { ...(record.skillId && record.status === 'SUCCEEDED' ? { skillId: record.skillId } : {}), resources: record.resources.map((r) => ({ name: r.name, action: r.action, status: 'IN_PROGRESS' })) },
        warnings: [],
      };
    }
    const skill = record.skillId ? this.store.current.skills[record.skillId] : undefined;
    return {
      status: record.status,
      skill: {
        ...(record.skillId ? { skillId: record.skillId } : {}),
        ...(skill?.stages.development ? { eTag: skill.stages.development.manifestETag } : {}),
        resources: record.resources.map((r) => ({ name: r.name, action: r.action, status: r.status, errors: r.errors ?? [], warnings: r.warnings ?? [] })),
      },
      warnings: record.warnings,
    };
  }

  skill(skillId: string): SkillRecord {
    const skill = this.store.current.skills[skillId];
    if (!skill) throw skillNotFound(skillId);
    return skill;
  }

  stage(skillId: string, stage: string): StageRecord {
    const skill = this.skill(skillId);
    if (stage !== 'development' && stage !== 'live' && stage !== 'certified') {
      throw invalidRequest([{ code: 'INVALID_REQUEST_PARAMETER', message: `stage must be one of development, certified, live; got ${JSON.stringify(stage)}.` }]);
    }
    const record = stage === 'development' ? skill.stages.development : undefined;
    if (!record) throw new SmapiError(404, `Skill ${skillId} has no ${stage} stage.`);
    return record;
  }

  private writableStage(skillId: string, stage: string): StageRecord {
    if (stage !== 'development' && stage !== 'live' && stage !== 'certified') this.stage(skillId, stage);
    if (stage !== 'development') throw new SmapiError(403, `Only the development stage can be changed; ${stage} comes from certification.`);
    return this.stage(skillId, stage);
  }

  /**
   * PUT manifest: the envelope is checked synchronously only for being a `{manifest}` object (400 otherwise);
   * the manifest itself is checked as SMAPI does, asynchronously: the answer is 202 and the outcome shows in
   * GET /status?resource=manifest. A refused manifest leaves the previous one in place.
   */
  updateManifest(skillId: string, stage: string, envelope: unknown, ifMatch: string | undefined): void {
    const current = this.writableStage(skillId, stage);
    const manifest = (envelope as { manifest?: unknown } | null)?.manifest;
    if (!manifest || typeof manifest !== 'object' || Array.isArray(manifest)) {
      throw invalidRequest([{ code: 'MISSING_PARAMETER', message: 'The request body must be {"manifest": {…}}.' }]);
    }
    if (ifMatch !== undefined && ifMatch.replace(/"/g, '') !== current.manifestETag) {
      throw new SmapiError(412, `The manifest has changed since eTag ${ifMatch}; get it again and retry.`);
    }
    const errors = validateManifest(envelope, { skillId, modelLocales: Object.keys(current.interactionModels), lambdaEndpointProblem: this.options.lambdaEndpointProblem });
    this.store.update((state) => {
      const record = state.skills[skillId]!.stages.development!;
      if (errors.length > 0) {
        record.manifestLastUpdate = { status: 'FAILED', errors };
        return;
      }
      record.manifest = manifest as Record<string, unknown>;
      record.manifestETag = etag(manifest);
      record.manifestLastUpdate = { status: 'SUCCEEDED' };
    });
  }

  /** GET /v1/skills/{id}/status[?resource=manifest|interactionModel]. */
  status(skillId: string, resources: readonly string[]): Record<string, unknown> {
    const record = this.stage(skillId, 'development');
    const wanted = (name: string) => resources.length === 0 || resources.includes(name);
    const body: Record<string, unknown> = {};
    if (wanted('manifest')) body.manifest = { eTag: record.manifestETag, lastUpdateRequest: record.manifestLastUpdate };
    if (wanted('interactionModel')) {
      body.interactionModel = Object.fromEntries(
        Object.keys(record.interactionModels).map((locale) => [locale, { eTag: record.interactionModelETags[locale], lastUpdateRequest: { status: 'SUCCEEDED' } }]),
      );
    }
    return body;
  }

  /** PUT enablement. Enabling needs an endpoint: there is nothing to test without one. */
  setEnabled(skillId: string, stage: string, enabled: boolean): void {
    const record = this.writableStage(skillId, stage);
    if (enabled) {
      const uri = ((record.manifest.apis as { custom?: { endpoint?: { uri?: unknown } } } | undefined)?.custom?.endpoint?.uri);
      if ((record.manifest.apis as { custom?: unknown } | undefined)?.custom && (typeof uri !== 'string' || uri === '')) {
        throw invalidRequest([{ code: 'MISSING_ENDPOINT', message: `Skill ${skillId} cannot be enabled for testing: "$.manifest.apis.custom.endpoint.uri" is not set. Deploy the function and update the manifest first.` }]);
      }
    } else if (!record.enabled) {
      throw new SmapiError(404, `Skill ${skillId} is not enabled in stage ${stage}.`);
    }
    this.store.update((state) => {
      state.skills[skillId]!.stages.development!.enabled = enabled;
    });
  }

  setAccountLinking(skillId: string, stage: string, body: unknown, ifMatch: string | undefined): void {
    const record = this.writableStage(skillId, stage);
    if (ifMatch !== undefined && record.accountLinking && ifMatch.replace(/"/g, '') !== etag(record.accountLinking.request)) {
      throw new SmapiError(412, 'The account-linking client has changed since that eTag; get it again and retry.');
    }
    const violations = validateAccountLinkingRequest(body);
    if (violations.length > 0) throw invalidRequest(violations);
    const request = (body as { accountLinkingRequest: Record<string, unknown> }).accountLinkingRequest;
    this.store.update((state) => {
      state.skills[skillId]!.stages.development!.accountLinking = { request: structuredClone(request) };
    });
  }

  /** GET accountLinkingClient: everything but the client secret, which SMAPI never returns. */
  accountLinking(skillId: string, stage: string): { response: Record<string, unknown>; eTag: string } {
    const record = this.stage(skillId, stage);
    if (!record.accountLinking) throw new SmapiError(404, `Skill ${skillId} has no account-linking client in stage ${stage}.`);
    const { clientSecret: _secret, ...visible } = record.accountLinking.request;
    return { response: visible, eTag: etag(record.accountLinking.request) };
  }

  deleteAccountLinking(skillId: string, stage: string): void {
    const record = this.writableStage(skillId, stage);
    if (!record.accountLinking) throw new SmapiError(404, `Skill ${skillId} has no account-linking client in stage ${stage}.`);
    this.store.update((state) => {
      delete state.skills[skillId]!.stages.development!.accountLinking;
    });
  }

  /** SkillDirectory, for the simulations route. */
  get(skillId: string, stage: string): SkillView | undefined {
    const record = stage === 'development' ? this.store.current.skills[skillId]?.stages.development : undefined;
    if (!record) return undefined;
    return structuredClone({ skillId, stage: 'development', manifest: record.manifest, interactionModels: record.interactionModels, enabled: record.enabled });
  }
}
