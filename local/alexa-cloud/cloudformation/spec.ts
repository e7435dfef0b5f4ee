/**
 * A CloudFormation template held against AWS's published resource specification (`@aws-cdk/aws-service-spec`, the
 * database the AWS CDK generates its L1 constructs from): every resource type exists, every property is known and
 * of the right shape, required properties are there, allowed values are respected for literals, every `Ref` names a
 * parameter, a resource or a pseudo parameter, every `Fn::GetAtt` (and `${X.Attr}` in `Fn::Sub`) names an attribute
 * the resource type has, and `DependsOn` names resources of the template.
 *
 * The local cloud's CloudFormation runs this before it creates anything, and the bridge template's test runs it
 * too: a template the local cloud accepts is one CloudFormation's schema accepts. Values produced by intrinsic
 * functions are not type-checked (CloudFormation itself only knows them at deploy time).
 */
import { isJsonObject } from '../../../common/json.js';
import { loadAwsServiceSpec } from '@aws-cdk/aws-service-spec';
import type { PropertyType, Resource, SpecDatabase, TypeDefinition } from '@aws-cdk/service-spec-types';

export interface Template {
  AWSTemplateFormatVersion?: string;
  Description?: string;
  Parameters?: Record<string, { Type: string; Default?: unknown; AllowedValues?: unknown[]; Description?: string; NoEcho?: boolean }>;
  Resources: Record<string, { Type: string; Properties?: Record<string, unknown>; DependsOn?: string | string[]; DeletionPolicy?: string; UpdateReplacePolicy?: string }>;
  Outputs?: Record<string, { Value: unknown; Description?: string; Export?: unknown }>;
}

export const PSEUDO_PARAMETERS = ['AWS::AccountId', 'AWS::Region', 'AWS::StackName', 'AWS::StackId', 'AWS::Partition', 'AWS::URLSuffix', 'AWS::NoValue', 'AWS::NotificationARNs'];
const TOP_LEVEL = ['AWSTemplateFormatVersion', 'Description', 'Metadata', 'Parameters', 'Mappings', 'Conditions', 'Transform', 'Resources', 'Outputs', 'Rules'];
const RESOURCE_KEYS = ['Type', 'Properties', 'DependsOn', 'DeletionPolicy', 'UpdateReplacePolicy', 'Condition', 'Metadata', 'CreationPolicy', 'UpdatePolicy'];
const PARAMETER_TYPES = ['String', 'Number', 'List<Number>', 'CommaDelimitedList'];
const INTRINSICS = ['Ref', 'Fn::GetAtt', 'Fn::Sub', 'Fn::Join', 'Fn::Select', 'Fn::Split', 'Fn::If', 'Fn::Base64', 'Fn::GetAZs', 'Fn::ImportValue', 'Fn::FindInMap', 'Fn::Equals', 'Fn::Not', 'Fn::And', 'Fn::Or', 'Fn::Cidr', 'Fn::Length', 'Fn::ToJsonString'];

let database: Promise<SpecDatabase> | undefined;
/** Loaded once per process (about a second): the specification is a 1 MB gzip of every resource type. */
export const awsResourceSpecification = (): Promise<SpecDatabase> => (database ??= loadAwsServiceSpec());

export function resourceType(db: SpecDatabase, type: string): Resource | undefined {
  return db.lookup('resource', 'cloudFormationType', 'equals', type).at(0);
}

/** Every way the template departs from the specification, one sentence each; empty = it conforms. */
export function checkTemplate(db: SpecDatabase, template: unknown): string[] {
  const problems: string[] = [];
  if (!isJsonObject(template)) return ['the template is not a JSON object'];
  for (const key of Object.keys(template)) if (!TOP_LEVEL.includes(key)) problems.push(`unknown top-level section ${key}`);
  const t = template as unknown as Template;
  const parameters = t.Parameters ?? {};
  const resources = t.Resources;
  if (!isJsonObject(resources) || Object.keys(resources).length === 0) return [...problems, 'Resources: at least one resource is required'];

  for (const [name, parameter] of Object.entries(parameters)) {
    if (!PARAMETER_TYPES.includes(parameter?.Type) && !/^(AWS::|List<AWS::)/.test(String(parameter?.Type))) problems.push(`Parameters.${name}: unknown parameter type ${String(parameter?.Type)}`);
  }

  const types = new Map<string, Resource>();
  for (const [logicalId, resource] of Object.entries(resources)) {
    const where = `Resources.${logicalId}`;
    if (!/^[A-Za-z0-9]+$/.test(logicalId)) problems.push(`${where}: logical IDs are alphanumeric`);
    for (const key of Object.keys(resource)) if (!RESOURCE_KEYS.includes(key)) problems.push(`${where}: unknown resource attribute ${key}`);
    const spec = resourceType(db, resource.Type);
    if (!spec) {
      problems.push(`${where}: ${String(resource.Type)} is not a CloudFormation resource type`);
      continue;
    }
    types.set(logicalId, spec);
    for (const dependency of [resource.DependsOn ?? []].flat()) {
      if (!(dependency in resources)) problems.push(`${where}.DependsOn: ${dependency} is not a resource of this template`);
    }
    problems.push(...checkObject(db, spec.properties, resource.Properties ?? {}, `${where}.Properties`));
  }

  // References, once every resource's type is known.
  const names = { parameters: new Set(Object.keys(parameters)), resources: types, all: new Set(Object.keys(resources)) };
  for (const [logicalId, resource] of Object.entries(resources)) problems.push(...checkReferences(resource.Properties ?? {}, `Resources.${logicalId}.Properties`, names));
  for (const [name, output] of Object.entries(t.Outputs ?? {})) {
    if (!isJsonObject(output) || !('Value' in output)) problems.push(`Outputs.${name}: Value is required`);
    else problems.push(...checkReferences(output.Value, `Outputs.${name}.Value`, names));
  }
  return problems;
}

function checkObject(db: SpecDatabase, properties: Record<string, { type: PropertyType; required?: boolean }>, value: unknown, where: string): string[] {
  if (isIntrinsic(value)) return [];
  if (!isJsonObject(value)) return [`${where}: expected an object, got ${describe(value)}`];
  const problems: string[] = [];
  for (const [name, property] of Object.entries(properties)) {
    if (property.required && !(name in value)) problems.push(`${where}: required property ${name} is missing`);
  }
  for (const [name, item] of Object.entries(value)) {
    const property = properties[name];
    if (!property) problems.push(`${where}: unknown property ${name} (known: ${Object.keys(properties).sort().join(', ')})`);
    else problems.push(...checkValue(db, property.type, item, `${where}.${name}`));
  }
  return problems;
}

function checkValue(db: SpecDatabase, type: PropertyType, value: unknown, where: string): string[] {
  if (isIntrinsic(value)) return [];
  switch (type.type) {
    case 'string':
      if (typeof value !== 'string') return [`${where}: expected a string, got ${describe(value)}`];
      if (type.allowedValues && !type.allowedValues.includes(value)) return [`${where}: "${value}" is not one of ${type.allowedValues.join(', ')}`];
      return [];
    case 'integer':
    case 'number': {
      const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
      if (typeof number !== 'number' || Number.isNaN(number) || (type.type === 'integer' && !Number.isInteger(number))) return [`${where}: expected ${type.type === 'integer' ? 'an integer' : 'a number'}, got ${describe(value)}`];
      if (type.type === 'integer' && type.allowedValues && !type.allowedValues.includes(number)) return [`${where}: ${number} is not one of ${type.allowedValues.join(', ')}`];
      return [];
    }
    case 'boolean':
      return typeof value === 'boolean' || value === 'true' || value === 'false' ? [] : [`${where}: expected a boolean, got ${describe(value)}`];
    case 'date-time':
      return typeof value === 'string' ? [] : [`${where}: expected a date-time string, got ${describe(value)}`];
    case 'json':
      return isJsonObject(value) || typeof value === 'string' ? [] : [`${where}: expected a JSON object, got ${describe(value)}`];
    case 'null':
      return value === null ? [] : [`${where}: expected null`];
    case 'tag':
      return checkObject(db, { Key: { type: { type: 'string' }, required: true }, Value: { type: { type: 'string' }, required: true } }, value, where);
    case 'array':
      if (!Array.isArray(value)) return [`${where}: expected a list, got ${describe(value)}`];
      return value.flatMap((item, index) => checkValue(db, type.element, item, `${where}[${index}]`));
    case 'map':
      if (!isJsonObject(value)) return [`${where}: expected a map, got ${describe(value)}`];
      return Object.entries(value).flatMap(([key, item]) => checkValue(db, type.element, item, `${where}.${key}`));
    case 'union': {
      const outcomes = type.types.map((member) => checkValue(db, member, value, where));
      return outcomes.some((problems) => problems.length === 0) ? [] : (outcomes[0] ?? [`${where}: matches none of its types`]);
    }
    case 'ref': {
      const definition = db.get('typeDefinition', type.reference.$ref) as TypeDefinition;
      return checkObject(db, definition.properties, value, where);
    }
    default:
      return [`${where}: the specification's type ${(type as { type: string }).type} is not understood by this checker`];
  }
}

interface Names {
  parameters: Set<string>;
  resources: Map<string, Resource>;
  all: Set<string>;
}

function checkReferences(value: unknown, where: string, names: Names): string[] {
  if (Array.isArray(value)) return value.flatMap((item, index) => checkReferences(item, `${where}[${index}]`, names));
  if (!isJsonObject(value)) return [];
  const keys = Object.keys(value);
  if (keys.length === 1 && (keys[0] === 'Ref' || keys[0]!.startsWith('Fn::'))) {
    const [fn] = keys as [string];
    const argument = value[fn];
    if (!INTRINSICS.includes(fn)) return [`${where}: unknown intrinsic function ${fn}`];
    if (fn === 'Ref') return typeof argument === 'string' ? checkRef(argument, where, names) : [`${where}: Ref takes a name`];
    if (fn === 'Fn::GetAtt') {
      const [resource, attribute] = typeof argument === 'string' ? splitOnce(argument) : Array.isArray(argument) ? (argument as string[]) : [];
      return typeof resource === 'string' && typeof attribute === 'string' ? checkGetAtt(resource, attribute, where, names) : [`${where}: Fn::GetAtt takes [resource, attribute]`];
    }
    if (fn === 'Fn::Sub') {
      const [text, variables] = typeof argument === 'string' ? [argument, {}] : Array.isArray(argument) ? (argument as [unknown, unknown]) : [undefined, {}];
      if (typeof text !== 'string') return [`${where}: Fn::Sub takes a string or [string, variables]`];
      const local = new Set(Object.keys(isJsonObject(variables) ? variables : {}));
      const problems = checkReferences(variables, `${where}[1]`, names);
      for (const match of text.matchAll(/\$\{([^!}][^}]*)\}/g)) {
        const name = match[1]!.trim();
        if (local.has(name)) continue;
        const [resource, attribute] = splitOnce(name);
        problems.push(...(attribute === undefined || PSEUDO_PARAMETERS.includes(name) ? checkRef(name, where, names) : checkGetAtt(resource!, attribute, where, names)));
      }
      return problems;
    }
    return checkReferences(argument, `${where}.${fn}`, names);
  }
  return Object.entries(value).flatMap(([key, item]) => checkReferences(item, `${where}.${key}`, names));
}

function checkRef(name: string, where: string, names: Names): string[] {
  return names.parameters.has(name) || names.all.has(name) || PSEUDO_PARAMETERS.includes(name) ? [] : [`${where}: Ref ${name} names no parameter, resource or pseudo parameter`];
}

function checkGetAtt(resource: string, attribute: string, where: string, names: Names): string[] {
  if (!names.all.has(resource)) return [`${where}: Fn::GetAtt ${resource}.${attribute}: no resource ${resource} in this template`];
  const spec = names.resources.get(resource);
  if (spec && !(attribute in spec.attributes)) return [`${where}: Fn::GetAtt ${resource}.${attribute}: ${spec.cloudFormationType} has no attribute ${attribute} (it has ${Object.keys(spec.attributes).join(', ')})`];
  return [];
}

const splitOnce = (text: string): [string, string | undefined] => {
  const dot = text.indexOf('.');
  return dot < 0 ? [text, undefined] : [text.slice(0, dot), text.slice(dot + 1)];
};

function isIntrinsic(value: unknown): boolean {
  if (!isJsonObject(value)) return false;
  const keys = Object.keys(value);
  return keys.length === 1 && (keys[0] === 'Ref' || keys[0]!.startsWith('Fn::'));
}


function describe(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (value === null) return 'null';
  return typeof value === 'object' ? 'an object' : `${typeof value} ${JSON.stringify(value)}`;
}
