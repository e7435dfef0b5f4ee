/**
 * IAM, the three actions the ASK CLI's lambda deployer calls: CreateRole, GetRole, AttachRolePolicy. Query
 * protocol: form-encoded POST to `/` with `Action=…&Version=2010-05-08`, XML answers. Roles are kept (so Lambda
 * can refuse a role that does not exist, as it does) but no policy is evaluated.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import express, { Router, type NextFunction, type Request, type Response } from 'express';
import { noteCall } from '../log.js';
import type { RoleRecord, StateStore } from '../state/store.js';
import { AwsError, sendIamError, xmlEscape } from './errors.js';
import { authenticate, signedService } from './sigv4.js';

export interface IamOptions {
  accessKeyId: string;
  accountId: string;
  now: () => number;
}

const NS = 'https://iam.amazonaws.com/doc/2010-05-08/';
const ROLE_NAME = /^[\w+=,.@-]{1,64}$/;

function respond(res: Response, action: string, result: string): void {
  res
    .type('text/xml')
    .send(`<${action}Response xmlns="${NS}">${result ? `<${action}Result>${result}</${action}Result>` : ''}<ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></${action}Response>`);
}

function roleXml(role: RoleRecord): string {
  return (
    `<Role><Path>${xmlEscape(role.path)}</Path><RoleName>${xmlEscape(role.roleName)}</RoleName><RoleId>${role.roleId}</RoleId>` +
    `<Arn>${xmlEscape(role.arn)}</Arn><CreateDate>${role.createDate}</CreateDate>` +
    `<AssumeRolePolicyDocument>${xmlEscape(encodeURIComponent(role.assumeRolePolicyDocument))}</AssumeRolePolicyDocument><MaxSessionDuration>3600</MaxSessionDuration></Role>`
  );
}

export function iamRoutes(store: StateStore, options: IamOptions): Router {
  const router = Router();
  // Only form posts are IAM; anything else posted to `/` is left to other routers (there are none today).
  // Other Query-protocol services (CloudFormation) post forms to `/` too: their credential scope tells them apart.
  const ours = (req: Request, _res: Response, next: NextFunction) => next(['iam', undefined].includes(signedService(req)) ? undefined : 'route');
  router.post('/', ours, express.urlencoded({ extended: false, limit: '1mb' }), (req, res, next) => {
    if (!req.is('application/x-www-form-urlencoded')) return next();
    const params = req.body as Record<string, string | undefined>;
    const action = params.Action ?? '';
    noteCall(res, { api: 'iam', operation: action || 'unknown', roleName: params.RoleName });
    try {
      authenticate(req, options.accessKeyId, { missing: 'MissingAuthenticationToken', invalid: 'InvalidClientTokenId' });
      const roleName = params.RoleName ?? '';
      const requireRoleName = () => {
        if (!ROLE_NAME.test(roleName)) {
          throw new AwsError(400, 'ValidationError', `1 validation error detected: Value '${roleName}' at 'roleName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+ and have length between 1 and 64`);
        }
      };
      const existing = () => {
        const role = store.current.roles[roleName];
        if (!role) throw new AwsError(404, 'NoSuchEntity', `The role with name ${roleName} cannot be found.`);
        return role;
      };
      switch (action) {
        case 'CreateRole': {
          requireRoleName();
          if (store.current.roles[roleName]) throw new AwsError(409, 'EntityAlreadyExists', `Role with name ${roleName} already exists.`);
          const document = params.AssumeRolePolicyDocument ?? '';
          try {
            JSON.parse(document);
          } catch {
            throw new AwsError(400, 'MalformedPolicyDocument', 'This policy contains invalid Json');
          }
          const path = params.Path ?? '/';
          const role: RoleRecord = {
            roleName,
            roleId: `AROA${randomBytes(12).toString('hex').toUpperCase().slice(0, 17)}`,
            arn: `arn:aws:iam::${options.accountId}:role${path}${roleName}`,
            path,
            createDate: new Date(options.now()).toISOString(),
            assumeRolePolicyDocument: document,
            attachedPolicies: [],
          };
          store.update((state) => {
            state.roles[roleName] = role;
          });
          return respond(res, action, roleXml(role));
        }
        case 'GetRole':
          requireRoleName();
          return respond(res, action, roleXml(existing()));
        case 'AttachRolePolicy': {
          requireRoleName();
          existing();
          const policyArn = params.PolicyArn ?? '';
          if (!/^arn:aws:iam::(aws|\d{12}):policy\/.+/.test(policyArn)) {
            throw new AwsError(404, 'NoSuchEntity', `Policy ${policyArn} does not exist or is not attachable.`);
          }
          store.update((state) => {
            const role = state.roles[roleName]!;
            if (!role.attachedPolicies.includes(policyArn)) role.attachedPolicies.push(policyArn);
          });
          return respond(res, action, '');
        }
        default:
          throw new AwsError(400, 'InvalidAction', `Could not find operation ${action} for version 2010-05-08 (the local cloud implements CreateRole, GetRole, AttachRolePolicy).`);
      }
    } catch (error) {
      if (error instanceof AwsError) return sendIamError(res, error);
      throw error;
    }
  });
  return router;
}
