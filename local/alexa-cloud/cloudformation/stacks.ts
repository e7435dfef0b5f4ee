/**
 * Stacks: CreateStack and UpdateStack as CloudFormation runs them, done by the time the call answers (the client
 * still polls DescribeStacks and sees a final status at once).
 *
 *  1. The template is read (JSON) and held against AWS's resource specification (spec.ts): an unknown resource
 *     type or a malformed template is refused at the call (ValidationError), as CloudFormation does; a property
 *     problem fails the resource ("Properties validation failed …") and rolls the stack back.
 *  2. Parameters: given, previous (UsePreviousValue) or Default; AllowedValues checked. IAM resources need
 *     CAPABILITY_IAM or CAPABILITY_NAMED_IAM (InsufficientCapabilitiesException otherwise).
 *  3. Resources are created in dependency order (Ref, Fn::GetAtt, Fn::Sub, DependsOn) by the provisioners; an
 *     update touches only resources whose resolved properties changed, and an update that changes nothing is
 *     refused with "No updates are to be performed.", as on AWS.
 * A failed create rolls back (what was created is removed: ROLLBACK_COMPLETE); such a stack must be deleted
 * (DeleteStack) before one of its name is created again, as on AWS. A failed update stops where it
 * failed (UPDATE_ROLLBACK_COMPLETE) without undoing the resources it already changed — the local cloud does not
 * emulate update rollbacks.
 */
import { randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import type { SpecDatabase } from '@aws-cdk/service-spec-types';
import type { Logger } from '../../../common/logging.js';
import { AwsError } from '../aws/errors.js';
import type { StackEventRecord, StackRecord, StackResourceRecord, StateStore } from '../state/store.js';
import { dependencies, resolve, TemplateError, type Scope } from './intrinsics.js';
import { ProvisionError, type Provisioner } from './provisioners.js';
import { awsResourceSpecification, checkTemplate, resourceType, type Template } from './spec.js';

export interface StackInput {
  stackName: string;
  templateBody?: string;
  usePreviousTemplate?: boolean;
  parameters: Array<{ key: string; value?: string; usePreviousValue?: boolean }>;
  capabilities: string[];
  region: string;
}

export interface StacksOptions {
  accountId: string;
  now: () => number;
  log: Logger;
  /** Default: the published specification (@aws-cdk/aws-service-spec), loaded on first use. */
  specification?: () => Promise<SpecDatabase>;
}

const STACK_NAME = /^[A-Za-z][A-Za-z0-9-]{0,127}$/;
const validation = (message: string) => new AwsError(400, 'ValidationError', message);

export class Stacks {
  /** One create or update at a time per stack (CloudFormation refuses a second while one is in progress). */
  private readonly busy = new Set<string>();

  constructor(
    private readonly store: StateStore,
    private readonly provisioners: Record<string, Provisioner>,
    private readonly options: StacksOptions,
  ) {}

  find(nameOrId: string): StackRecord {
    const stack = Object.values(this.store.current.stacks).find((s) => s.stackName === nameOrId || s.stackId === nameOrId);
    if (!stack) throw validation(`Stack with id ${nameOrId} does not exist`);
    return stack;
  }

  list(): StackRecord[] {
    return Object.values(this.store.current.stacks);
  }

  async create(input: StackInput): Promise<StackRecord> {
    if (!STACK_NAME.test(input.stackName)) throw validation(`1 validation error detected: Value '${input.stackName}' at 'stackName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z][-a-zA-Z0-9]*`);
    if (this.store.current.stacks[input.stackName]) throw new AwsError(400, 'AlreadyExistsException', `Stack [${input.stackName}] already exists`);
    const body = input.templateBody ?? '';
    const template = await this.readTemplate(body);
    const parameters = this.parameters(template, input.parameters, undefined);
    this.checkCapabilities(template, input.capabilities);

    const stackId = `arn:aws:cloudformation:${input.region}:${this.options.accountId}:stack/${input.stackName}/${randomUUID()}`;
    const stack: StackRecord = {
      stackName: input.stackName,
      stackId,
      status: 'CREATE_IN_PROGRESS',
      createdAt: this.timestamp(),
      templateBody: body,
      parameters,
      resources: {},
      outputs: {},
      events: [],
    };
    return this.exclusive(input.stackName, async () => {
      this.save(stack);
      this.event(stack, input.stackName, stackId, 'AWS::CloudFormation::Stack', 'CREATE_IN_PROGRESS', 'User Initiated');
      try {
        await this.apply(stack, template, input.region, 'CREATE');
        stack.outputs = this.outputs(stack, template, input.region);
        this.finish(stack, 'CREATE_COMPLETE');
      } catch (error) {
        stack.statusReason = reasonOf(error);
        this.finish(stack, 'ROLLBACK_IN_PROGRESS', stack.statusReason);
        await this.rollBack(stack);
        this.finish(stack, 'ROLLBACK_COMPLETE');
      }
      return stack;
    });
  }

  async update(input: StackInput): Promise<StackRecord> {
    const current = this.find(input.stackName);
    if (!['CREATE_COMPLETE', 'UPDATE_COMPLETE', 'UPDATE_ROLLBACK_COMPLETE'].includes(current.status)) {
      throw validation(`Stack:${current.stackId} is in ${current.status} state and can not be updated.`);
    }
    const body = input.usePreviousTemplate ? current.templateBody : (input.templateBody ?? '');
    const template = await this.readTemplate(body);
    const parameters = this.parameters(template, input.parameters, current.parameters);
    this.checkCapabilities(template, input.capabilities);
    if (body === current.templateBody && isDeepStrictEqual(parameters, current.parameters)) throw validation('No updates are to be performed.');

    return this.exclusive(current.stackName, async () => {
      const stack: StackRecord = { ...structuredClone(current), templateBody: body, parameters, status: 'UPDATE_IN_PROGRESS', updatedAt: this.timestamp() };
      delete stack.statusReason;
      this.save(stack);
      this.event(stack, stack.stackName, stack.stackId, 'AWS::CloudFormation::Stack', 'UPDATE_IN_PROGRESS', 'User Initiated');
      try {
        await this.apply(stack, template, input.region, 'UPDATE');
        stack.outputs = this.outputs(stack, template, input.region);
        this.finish(stack, 'UPDATE_COMPLETE');
      } catch (error) {
        stack.statusReason = reasonOf(error);
        this.finish(stack, 'UPDATE_ROLLBACK_COMPLETE', stack.statusReason);
      }
      return stack;
    });
  }

  /**
   * DeleteStack: the resources go in reverse order (a table with DeletionPolicy Retain stays, as on AWS), then the
   * stack itself; DescribeStacks by name then answers "does not exist". Deleting a stack that is not there succeeds.
   */
  async delete(nameOrId: string): Promise<void> {
    const stack = Object.values(this.store.current.stacks).find((s) => s.stackName === nameOrId || s.stackId === nameOrId);
    if (!stack) return;
    await this.exclusive(stack.stackName, async () => {
      const copy = structuredClone(stack);
      this.finish(copy, 'DELETE_IN_PROGRESS');
      await this.rollBack(copy);
      this.options.log.info('cloudformation_stack', { stackName: copy.stackName, status: 'DELETE_COMPLETE' });
      this.store.update((state) => {
        delete state.stacks[copy.stackName];
      });
    });
  }

  /** Creates, updates and (on update) removes resources so the stack matches `template`. */
  private async apply(stack: StackRecord, template: Template, region: string, mode: 'CREATE' | 'UPDATE'): Promise<void> {
    const db = await this.specification();
    const order = creationOrder(template);
    const scope = this.scope(stack, region);
    for (const logicalId of order) {
      const resource = template.Resources[logicalId]!;
      const provisioner = this.provisioners[resource.Type];
      const existing = stack.resources[logicalId];
      const fail = (reason: string): never => {
        this.event(stack, logicalId, existing?.physicalId ?? '', resource.Type, `${mode}_FAILED`, reason);
        throw new ProvisionError(`The following resource(s) failed to ${mode.toLowerCase()}: [${logicalId}]. ${reason}`);
      };
      const problems = checkTemplate(db, { Resources: { [logicalId]: { ...resource, DependsOn: undefined } } }).filter((p) => !/Ref .* names no|Fn::GetAtt .*: no resource/.test(p));
      if (problems.length > 0) fail(`Properties validation failed for resource ${logicalId} with message: ${problems.join('; ')}`);
      if (!provisioner) fail(`Resource type ${resource.Type} is valid CloudFormation but not emulated by the local cloud (it provisions ${Object.keys(this.provisioners).join(', ')}).`);
      let properties: Record<string, unknown>;
      try {
        properties = resolve(resource.Properties ?? {}, scope, `${logicalId}.Properties`) as Record<string, unknown>;
      } catch (error) {
        return fail(error instanceof TemplateError ? error.message : String(error));
      }
      const ctx = { stackName: stack.stackName, logicalId, region, accountId: this.options.accountId, now: this.options.now };
      if (existing && isDeepStrictEqual(existing.properties, properties) && existing.type === resource.Type) continue;
      const action = existing ? 'UPDATE' : 'CREATE';
      this.event(stack, logicalId, existing?.physicalId ?? '', resource.Type, `${action}_IN_PROGRESS`);
      try {
        const done = existing ? await provisioner!.update(existing.physicalId, existing.properties, properties, ctx) : await provisioner!.create(properties, ctx);
        const record: StackResourceRecord = { logicalId, type: resource.Type, physicalId: done.physicalId, status: `${action}_COMPLETE`, properties, attributes: done.attributes, updatedAt: this.timestamp() };
        stack.resources[logicalId] = record;
        this.event(stack, logicalId, done.physicalId, resource.Type, `${action}_COMPLETE`);
      } catch (error) {
        fail(reasonOf(error));
      }
    }
    if (mode === 'UPDATE') {
      for (const [logicalId, record] of Object.entries(stack.resources)) {
        if (logicalId in template.Resources) continue;
        await this.provisioners[record.type]?.remove(record.physicalId, record.properties);
        delete stack.resources[logicalId];
        this.event(stack, logicalId, record.physicalId, record.type, 'DELETE_COMPLETE');
      }
    }
  }

  private async rollBack(stack: StackRecord): Promise<void> {
    for (const record of Object.values(stack.resources).reverse()) {
      try {
        await this.provisioners[record.type]?.remove(record.physicalId, record.properties);
        this.event(stack, record.logicalId, record.physicalId, record.type, 'DELETE_COMPLETE');
      } catch (error) {
        this.options.log.warn('cloudformation_rollback_problem', { stackName: stack.stackName, logicalId: record.logicalId, reason: reasonOf(error) });
      }
    }
    stack.resources = {};
  }

  private scope(stack: StackRecord, region: string): Scope {
    const pseudo: Record<string, string> = {
      'AWS::AccountId': this.options.accountId,
      'AWS::Region': region,
      'AWS::StackName': stack.stackName,
      'AWS::StackId': stack.stackId,
      'AWS::Partition': 'aws',
      'AWS::URLSuffix': 'amazonaws.com',
    };
    return {
      parameter: (name) => pseudo[name] ?? stack.parameters[name],
      ref: (logicalId) => stack.resources[logicalId]?.physicalId,
      attribute: (logicalId, attribute) => stack.resources[logicalId]?.attributes[attribute],
    };
  }

  private outputs(stack: StackRecord, template: Template, region: string): StackRecord['outputs'] {
    const scope = this.scope(stack, region);
    return Object.fromEntries(
      Object.entries(template.Outputs ?? {}).map(([name, output]) => [name, { value: String(resolve(output.Value, scope, `Outputs.${name}`)), ...(output.Description ? { description: output.Description } : {}) }]),
    );
  }

  private async readTemplate(body: string): Promise<Template> {
    let template: unknown;
    try {
      template = JSON.parse(body);
    } catch {
      throw validation('Template format error: the local cloud reads JSON templates only (bridge/deploy/template.json is JSON); this one is not valid JSON.');
    }
    if (typeof template !== 'object' || template === null || typeof (template as Template).Resources !== 'object') throw validation('Template format error: At least one Resources member must be defined.');
    const db = await this.specification();
    const unknown = [...new Set(Object.values((template as Template).Resources).map((r) => String(r?.Type)).filter((type) => !resourceType(db, type)))];
    if (unknown.length > 0) throw validation(`Template format error: Unrecognized resource types: [${unknown.join(', ')}]`);
    // Structure and references are refused at the call, as CloudFormation's template validation does; property
    // problems fail their resource during the create (below), as CloudFormation's resource handlers do.
    const structural = checkTemplate(db, template).filter((p) => /Ref |Fn::GetAtt|DependsOn|top-level|Value is required|intrinsic|parameter type|logical IDs/.test(p));
    if (structural.length > 0) throw validation(`Template format error: ${structural.join('; ')}`);
    if (Object.values((template as Template).Resources).some((r) => 'Condition' in r)) throw validation('Template format error: Conditions are not emulated by the local cloud.');
    return template as Template;
  }

  private parameters(template: Template, given: StackInput['parameters'], previous: Record<string, string> | undefined): Record<string, string> {
    const declared = template.Parameters ?? {};
    const unknown = given.filter((p) => !(p.key in declared)).map((p) => p.key);
    if (unknown.length > 0) throw validation(`Parameters: [${unknown.join(', ')}] do not exist in the template`);
    const values: Record<string, string> = {};
    const missing: string[] = [];
    for (const [name, parameter] of Object.entries(declared)) {
      const entry = given.find((p) => p.key === name);
      const value = entry?.usePreviousValue ? previous?.[name] : (entry?.value ?? (parameter.Default === undefined ? undefined : String(parameter.Default)));
      if (value === undefined) {
        missing.push(name);
        continue;
      }
      if (parameter.AllowedValues && !parameter.AllowedValues.map(String).includes(value)) throw validation(`Parameter '${name}' must be one of AllowedValues`);
      if (parameter.Type === 'Number' && (value.trim() === '' || Number.isNaN(Number(value)))) throw validation(`Parameter '${name}' must be a number`);
      values[name] = value;
    }
    if (missing.length > 0) throw validation(`Parameters: [${missing.join(', ')}] must have values`);
    return values;
  }

  private checkCapabilities(template: Template, capabilities: string[]): void {
    const iam = Object.values(template.Resources).some((r) => r.Type.startsWith('AWS::IAM::'));
    if (iam && !capabilities.includes('CAPABILITY_IAM') && !capabilities.includes('CAPABILITY_NAMED_IAM')) {
      throw new AwsError(400, 'InsufficientCapabilitiesException', 'Requires capabilities : [CAPABILITY_IAM]');
    }
  }

  private specification(): Promise<SpecDatabase> {
    return (this.options.specification ?? awsResourceSpecification)();
  }

  private async exclusive<T>(name: string, work: () => Promise<T>): Promise<T> {
    if (this.busy.has(name)) throw validation(`Stack ${name} is in UPDATE_IN_PROGRESS state and can not be updated.`);
    this.busy.add(name);
    try {
      return await work();
    } finally {
      this.busy.delete(name);
    }
  }

  private event(stack: StackRecord, logicalId: string, physicalId: string, type: string, status: string, reason?: string): void {
    const event: StackEventRecord = { eventId: randomUUID(), logicalId, physicalId, type, status, timestamp: this.timestamp(), ...(reason ? { reason } : {}) };
    stack.events.unshift(event);
    stack.events.splice(200);
    this.save(stack);
  }

  private finish(stack: StackRecord, status: string, reason?: string): void {
    stack.status = status;
    this.event(stack, stack.stackName, stack.stackId, 'AWS::CloudFormation::Stack', status, reason);
    this.options.log.info('cloudformation_stack', { stackName: stack.stackName, status, ...(reason ? { reason } : {}) });
  }

  private save(stack: StackRecord): void {
    this.store.update((state) => {
      state.stacks[stack.stackName] = structuredClone(stack);
    });
  }

  private timestamp(): string {
    return new Date(this.options.now()).toISOString();
  }
}

/** Resources in an order where each comes after everything it refers to; a cycle is a template error. */
export function creationOrder(template: Template): string[] {
  const names = new Set(Object.keys(template.Resources));
  const needs = new Map([...names].map((name) => {
    const resource = template.Resources[name]!;
    const found = dependencies(resource.Properties ?? {}, names);
    for (const dependency of [resource.DependsOn ?? []].flat()) found.add(dependency);
    return [name, found];
  }));
  const order: string[] = [];
  const visiting = new Set<string>();
  const visit = (name: string) => {
    if (order.includes(name)) return;
    if (visiting.has(name)) throw validation(`Circular dependency between resources: [${[...visiting].join(', ')}]`);
    visiting.add(name);
    for (const dependency of needs.get(name) ?? []) visit(dependency);
    visiting.delete(name);
    order.push(name);
  };
  for (const name of names) visit(name);
  return order;
}

function reasonOf(error: unknown): string {
  if (error instanceof ProvisionError || error instanceof TemplateError) return error.message;
  if (error instanceof AwsError) return `${error.message} (Service: Lambda, Status Code: ${error.status}, Error Code: ${error.code})`;
  return (error as Error)?.message ?? String(error);
}
