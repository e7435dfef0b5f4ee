/**
 * Secrets Manager: CreateSecret, PutSecretValue, GetSecretValue, DescribeSecret (JSON 1.1 protocol,
 * `X-Amz-Target: secretsmanager.*`). String secrets only, version stages AWSCURRENT/AWSPREVIOUS, no rotation,
 * KMS, replication or resource policies. Values live in state.json (mode 0600) and are never logged.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import express, { Router, type NextFunction, type Request, type Response } from 'express';
import { noteCall } from '../log.js';
import type { SecretRecord, StateStore } from '../state/store.js';
import { AwsError } from './errors.js';
import { sendJson, sendJsonError, target } from './json-protocol.js';
import { authenticate } from './sigv4.js';

export interface SecretsManagerOptions {
  accessKeyId: string;
  accountId: string;
  now: () => number;
}

const SECRET_NAME = /^[A-Za-z0-9/_+=.@-]{1,512}$/;

export function secretsManagerRoutes(store: StateStore, options: SecretsManagerOptions): Router {
  const router = Router();
  // The target is looked at before the body is parsed: other services' POSTs to `/` must reach their routers unread.
  const ours = (req: Request, _res: Response, next: NextFunction) => next(target(req)?.[0] === 'secretsmanager' ? undefined : 'route');
  router.post('/', ours, express.json({ type: () => true, limit: '1mb' }), (req, res) => {
    const [, operation] = target(req) ?? [];
    noteCall(res, { api: 'secretsmanager', operation: operation ?? 'unknown' });
    try {
      const caller = authenticate(req, options.accessKeyId, { missing: 'MissingAuthenticationTokenException', invalid: 'UnrecognizedClientException' });
      const input = (req.body ?? {}) as Record<string, unknown>;
      const find = (): SecretRecord => {
        const id = String(input.SecretId ?? '');
        const secret = Object.values(store.current.secrets).find((s) => s.name === id || s.arn === id || s.arn.startsWith(`${id}-`) && id.includes(':secret:'));
        if (!secret) throw new AwsError(400, 'ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
        return secret;
      };
      const secretString = (): string => {
        if (typeof input.SecretString !== 'string') throw new AwsError(400, 'InvalidRequestException', 'The local cloud stores SecretString values only (no SecretBinary).');
        return input.SecretString;
      };
      const now = options.now() / 1000;
      switch (operation) {
        case 'CreateSecret': {
          const name = String(input.Name ?? '');
          if (!SECRET_NAME.test(name)) throw new AwsError(400, 'ValidationException', `Invalid name. Must be a valid name containing alphanumeric characters, or any of the following: -/_+=.@!`);
          if (store.current.secrets[name]) throw new AwsError(400, 'ResourceExistsException', `The operation failed because the secret ${name} already exists.`);
          const value = secretString();
          // AWS appends six random characters to the name in the ARN.
          const arn = `arn:aws:secretsmanager:${caller.region}:${options.accountId}:secret:${name}-${randomBytes(6).toString('base64url').slice(0, 6)}`;
          const versionId = typeof input.ClientRequestToken === 'string' ? input.ClientRequestToken : randomUUID();
          const record: SecretRecord = { name, arn, description: String(input.Description ?? ''), createdDate: now, versions: [{ versionId, secretString: value, createdDate: now }] };
          store.update((state) => {
            state.secrets[name] = record;
          });
          return sendJson(res, { ARN: arn, Name: name, VersionId: versionId });
        }
        case 'PutSecretValue': {
          const secret = find();
          const value = secretString();
          const versionId = typeof input.ClientRequestToken === 'string' ? input.ClientRequestToken : randomUUID();
          store.update((state) => {
            const versions = state.secrets[secret.name]!.versions;
            versions.push({ versionId, secretString: value, createdDate: now });
            versions.splice(0, Math.max(0, versions.length - 2)); // AWSCURRENT and AWSPREVIOUS
          });
          return sendJson(res, { ARN: secret.arn, Name: secret.name, VersionId: versionId, VersionStages: ['AWSCURRENT'] });
        }
        case 'GetSecretValue': {
          const secret = find();
          const wanted = input.VersionStage === 'AWSPREVIOUS' ? secret.versions.at(-2) : input.VersionId ? secret.versions.find((v) => v.versionId === input.VersionId) : secret.versions.at(-1);
          if (!wanted) throw new AwsError(400, 'ResourceNotFoundException', "Secrets Manager can't find the specified secret value for the version or staging label.");
          return sendJson(res, { ARN: secret.arn, Name: secret.name, VersionId: wanted.versionId, SecretString: wanted.secretString, VersionStages: [wanted === secret.versions.at(-1) ? 'AWSCURRENT' : 'AWSPREVIOUS'], CreatedDate: wanted.createdDate });
        }
        case 'DescribeSecret': {
          const secret = find();
          const versions = Object.fromEntries(secret.versions.map((v, i) => [v.versionId, [i === secret.versions.length - 1 ? 'AWSCURRENT' : 'AWSPREVIOUS']]));
          return sendJson(res, { ARN: secret.arn, Name: secret.name, Description: secret.description, CreatedDate: secret.createdDate, VersionIdsToStages: versions });
        }
        default:
          throw new AwsError(400, 'UnknownOperationException', `secretsmanager.${operation} is not implemented by the local cloud (it has CreateSecret, PutSecretValue, GetSecretValue, DescribeSecret).`);
      }
    } catch (error) {
      if (error instanceof AwsError) return sendJsonError(res, error);
      throw error;
    }
  });
  return router;
}
