/**
 * What the local CloudFormation can create, one provisioner per resource type, each through the same pieces the
 * cloud's APIs use (IAM roles in the state, Functions, FunctionUrls, LocalTables): AWS::IAM::Role,
 * AWS::Logs::LogGroup, AWS::DynamoDB::Table, AWS::Lambda::Function, AWS::Lambda::Url, AWS::Lambda::Permission.
 * Other types fail the stack with a reason naming them. Updates happen in place; a change that would make
 * CloudFormation replace a resource (a new table key, a renamed function) fails with a reason instead.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import type { LocalTables } from '../aws/dynamodb.js';
import type { FunctionUrls } from '../function-urls.js';
import type { Functions } from '../functions.js';
import type { StateStore } from '../state/store.js';

export interface ProvisionContext {
  stackName: string;
  logicalId: string;
  region: string;
  accountId: string;
  now: () => number;
}

export interface Provisioned {
  physicalId: string;
  attributes: Record<string, string>;
}

export interface Provisioner {
  create(properties: Record<string, unknown>, ctx: ProvisionContext): Promise<Provisioned>;
  update(physicalId: string, previous: Record<string, unknown>, next: Record<string, unknown>, ctx: ProvisionContext): Promise<Provisioned>;
  remove(physicalId: string, properties: Record<string, unknown>): Promise<void>;
}

export class ProvisionError extends Error {
  override name = 'ProvisionError';
}

export interface ProvisionerDeps {
  store: StateStore;
  functions: Functions;
  functionUrls: FunctionUrls;
  tables: LocalTables;
}

/** CloudFormation's generated names: <stack>-<logicalId>-<random>, within the type's length limit. */
function generatedName(ctx: ProvisionContext, max: number): string {
  const suffix = randomBytes(6).toString('hex').toUpperCase();
  return `${ctx.stackName}-${ctx.logicalId}`.slice(0, max - suffix.length - 1) + `-${suffix}`;
}

const str = (value: unknown): string | undefined => (value === undefined ? undefined : String(value));
const num = (value: unknown): number | undefined => (value === undefined ? undefined : Number(value));
const changed = (previous: Record<string, unknown>, next: Record<string, unknown>, keys: string[]) => keys.some((key) => !isDeepStrictEqual(previous[key], next[key]));
const replacement = (what: string): never => {
  throw new ProvisionError(`changing ${what} makes CloudFormation replace the resource, which the local cloud does not emulate (delete the stack's state or rename the stack)`);
};

export function provisioners({ store, functions, functionUrls, tables }: ProvisionerDeps): Record<string, Provisioner> {
  const role: Provisioner = {
    async create(p, ctx) {
      const roleName = str(p.RoleName) ?? generatedName(ctx, 64);
      if (store.current.roles[roleName]) throw new ProvisionError(`Role with name ${roleName} already exists.`);
      const path = str(p.Path) ?? '/';
      const arn = `arn:aws:iam::${ctx.accountId}:role${path}${roleName}`;
      const roleId = `AROA${randomBytes(9).toString('hex').toUpperCase().slice(0, 17)}`;
      store.update((state) => {
        state.roles[roleName] = {
          roleName,
          roleId,
          arn,
          path,
          createDate: new Date(ctx.now()).toISOString(),
          assumeRolePolicyDocument: JSON.stringify(p.AssumeRolePolicyDocument),
          attachedPolicies: ((p.ManagedPolicyArns as string[] | undefined) ?? []).map(String),
          inlinePolicies: Object.fromEntries(((p.Policies as Array<{ PolicyName: string; PolicyDocument: unknown }> | undefined) ?? []).map((policy) => [policy.PolicyName, JSON.stringify(policy.PolicyDocument)])),
        };
      });
      return { physicalId: roleName, attributes: { Arn: arn, RoleId: roleId } };
    },
    async update(roleName, previous, next) {
      if (changed(previous, next, ['RoleName', 'Path'])) replacement('a role\'s RoleName or Path');
      const existing = store.current.roles[roleName];
      if (!existing) throw new ProvisionError(`role ${roleName} no longer exists`);
      store.update((state) => {
        state.roles[roleName] = {
          ...existing,
          assumeRolePolicyDocument: JSON.stringify(next.AssumeRolePolicyDocument),
          attachedPolicies: ((next.ManagedPolicyArns as string[] | undefined) ?? []).map(String),
          inlinePolicies: Object.fromEntries(((next.Policies as Array<{ PolicyName: string; PolicyDocument: unknown }> | undefined) ?? []).map((policy) => [policy.PolicyName, JSON.stringify(policy.PolicyDocument)])),
        };
      });
      return { physicalId: roleName, attributes: { Arn: existing.arn, RoleId: existing.roleId } };
    },
    async remove(roleName) {
      store.update((state) => {
        delete state.roles[roleName];
      });
    },
  };

  const logGroup: Provisioner = {
    async create(p, ctx) {
      const name = str(p.LogGroupName) ?? `/aws/cloudformation/${generatedName(ctx, 200)}`;
      if (store.current.logGroups[name]) throw new ProvisionError(`Resource of type 'AWS::Logs::LogGroup' with identifier '${name}' already exists.`);
      const arn = `arn:aws:logs:${ctx.region}:${ctx.accountId}:log-group:${name}:*`;
      store.update((state) => {
        state.logGroups[name] = { name, arn, ...(p.RetentionInDays === undefined ? {} : { retentionInDays: Number(p.RetentionInDays) }) };
      });
      return { physicalId: name, attributes: { Arn: arn } };
    },
    async update(name, previous, next) {
      if (changed(previous, next, ['LogGroupName'])) replacement('a log group\'s LogGroupName');
      const existing = store.current.logGroups[name]!;
      store.update((state) => {
        state.logGroups[name] = { name, arn: existing.arn, ...(next.RetentionInDays === undefined ? {} : { retentionInDays: Number(next.RetentionInDays) }) };
      });
      return { physicalId: name, attributes: { Arn: existing.arn } };
    },
    async remove(name) {
      store.update((state) => {
        delete state.logGroups[name];
      });
    },
  };

  const tableArn = (ctx: ProvisionContext, name: string) => `arn:aws:dynamodb:${ctx.region}:${ctx.accountId}:table/${name}`;
  const table: Provisioner = {
    async create(p, ctx) {
      const name = str(p.TableName) ?? generatedName(ctx, 255);
      if (store.current.tables[name]) throw new ProvisionError(`${name} already exists`);
      const definition = {
        TableName: name,
        AttributeDefinitions: p.AttributeDefinitions,
        KeySchema: p.KeySchema,
        BillingMode: p.BillingMode ?? 'PROVISIONED',
        ...(p.ProvisionedThroughput ? { ProvisionedThroughput: p.ProvisionedThroughput } : {}),
      } as CreateTableCommandInput;
      await tables.create(definition);
      store.update((state) => {
        state.tables[name] = { name, definition: definition as unknown as Record<string, unknown> };
      });
      return { physicalId: name, attributes: { Arn: tableArn(ctx, name) } };
    },
    async update(name, previous, next, ctx) {
      if (changed(previous, next, ['TableName', 'KeySchema'])) replacement('a table\'s TableName or KeySchema');
      return { physicalId: name, attributes: { Arn: tableArn(ctx, name) } };
    },
    async remove() {
      // DeletionPolicy Retain is what the bridge's template says; the local cloud keeps every table.
    },
  };

  const functionInput = (p: Record<string, unknown>) => ({
    Runtime: p.Runtime,
    Role: p.Role,
    Handler: p.Handler,
    Description: p.Description ?? '',
    Timeout: num(p.Timeout),
    MemorySize: num(p.MemorySize),
    Environment: { Variables: (p.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {} },
  });
  const lambdaFunction: Provisioner = {
    async create(p, ctx) {
      const name = str(p.FunctionName) ?? generatedName(ctx, 64);
      const fn = await functions.create({ FunctionName: name, ...functionInput(p), Code: p.Code as Record<string, unknown>, PackageType: p.PackageType }, ctx.region);
      return { physicalId: fn.name, attributes: { Arn: fn.arn } };
    },
    async update(name, previous, next) {
      if (changed(previous, next, ['FunctionName', 'PackageType'])) replacement('a function\'s FunctionName or PackageType');
      // As on AWS: new code only when Code (bucket, key, version) changed; an unchanged key is not re-read.
      if (changed(previous, next, ['Code'])) await functions.updateCode(name, next.Code as Record<string, unknown>);
      if (changed(previous, next, ['Runtime', 'Role', 'Handler', 'Description', 'Timeout', 'MemorySize', 'Environment'])) await functions.updateConfiguration(name, functionInput(next));
      const fn = functions.resolve(name);
      return { physicalId: fn.name, attributes: { Arn: fn.arn } };
    },
    async remove(name) {
      await functionUrls.remove(name).catch(() => undefined);
      await functions.remove(name).catch(() => undefined);
    },
  };

  const functionUrl: Provisioner = {
    async create(p) {
      const fn = functions.resolve(String(p.TargetFunctionArn));
      if (p.Qualifier !== undefined) throw new ProvisionError('URLs for a qualifier (alias) are not emulated; leave Qualifier out');
      const record = await functionUrls.create(fn.name, String(p.AuthType));
      return { physicalId: fn.arn, attributes: { FunctionArn: fn.arn, FunctionUrl: record.url } };
    },
    async update(arn, previous, next) {
      if (changed(previous, next, ['TargetFunctionArn', 'Qualifier'])) replacement('a URL\'s TargetFunctionArn or Qualifier');
      const fn = functions.resolve(arn);
      if (changed(previous, next, ['AuthType'])) {
        await functionUrls.remove(fn.name);
        await functionUrls.create(fn.name, String(next.AuthType));
      }
      return { physicalId: arn, attributes: { FunctionArn: fn.arn, FunctionUrl: store.current.functionUrls[fn.name]!.url } };
    },
    async remove(arn) {
      await functionUrls.remove(functions.resolve(arn).name).catch(() => undefined);
    },
  };

  const permissionInput = (p: Record<string, unknown>, statementId: string) => ({
    StatementId: statementId,
    Action: p.Action,
    Principal: p.Principal,
    ...(p.EventSourceToken === undefined ? {} : { EventSourceToken: p.EventSourceToken }),
    ...(p.SourceArn === undefined ? {} : { SourceArn: p.SourceArn }),
    ...(p.FunctionUrlAuthType === undefined ? {} : { FunctionUrlAuthType: p.FunctionUrlAuthType }),
    ...(p.InvokedViaFunctionUrl === undefined ? {} : { InvokedViaFunctionUrl: p.InvokedViaFunctionUrl }),
  });
  // Physical ID: `<function name>|<statement ID>` (AWS's is the statement ID; the function is needed to remove it).
  const permission: Provisioner = {
    async create(p, ctx) {
      const statementId = `${ctx.stackName}-${ctx.logicalId}-${randomUUID().slice(0, 8)}`.slice(0, 100);
      const fn = functions.resolve(String(p.FunctionName));
      functions.addPermission(fn.name, permissionInput(p, statementId));
      return { physicalId: `${fn.name}|${statementId}`, attributes: { Id: statementId } };
    },
    async update(physicalId, _previous, next, ctx) {
      await permission.remove(physicalId, _previous);
      return permission.create(next, ctx);
    },
    async remove(physicalId) {
      const [name, statementId] = physicalId.split('|') as [string, string];
      try {
        functions.removePermission(name, statementId);
      } catch {
        // already gone with its function
      }
    },
  };

  return {
    'AWS::IAM::Role': role,
    'AWS::Logs::LogGroup': logGroup,
    'AWS::DynamoDB::Table': table,
    'AWS::Lambda::Function': lambdaFunction,
    'AWS::Lambda::Url': functionUrl,
    'AWS::Lambda::Permission': permission,
  };
}
