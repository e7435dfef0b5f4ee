/**
 * CloudFormation's intrinsic functions over a template value: Ref, Fn::GetAtt, Fn::Sub, Fn::Join, Fn::Select,
 * Fn::Split, Fn::Base64 and the pseudo parameters. Conditions (Fn::If and friends), mappings and imports are not
 * emulated: a template using them fails with a reason that says so.
 */
import { PSEUDO_PARAMETERS } from './spec.js';

/** AWS::NoValue: the property is left out. */
export const NO_VALUE = Symbol('AWS::NoValue');

export interface Scope {
  /** Parameters and pseudo parameters by name (CommaDelimitedList parameters as lists). */
  parameter(name: string): string | string[] | undefined;
  /** A resource's Ref value (its physical ID); undefined when it is not created (yet). */
  ref(logicalId: string): string | undefined;
  attribute(logicalId: string, attribute: string): string | undefined;
}

export class TemplateError extends Error {
  override name = 'TemplateError';
}

export function resolve(value: unknown, scope: Scope, where = ''): unknown {
  if (Array.isArray(value)) return value.map((item, index) => resolve(item, scope, `${where}[${index}]`)).filter((item) => item !== NO_VALUE);
  if (typeof value !== 'object' || value === null) return value;
  const entries = Object.entries(value);
  if (entries.length === 1 && (entries[0]![0] === 'Ref' || entries[0]![0].startsWith('Fn::'))) return intrinsic(entries[0]![0], entries[0]![1], scope, where);
  const out: Record<string, unknown> = {};
  for (const [key, item] of entries) {
    const resolved = resolve(item, scope, where ? `${where}.${key}` : key);
    if (resolved !== NO_VALUE) out[key] = resolved;
  }
  return out;
}

function intrinsic(fn: string, argument: unknown, scope: Scope, where: string): unknown {
  const fail = (message: string): never => {
    throw new TemplateError(`${where}: ${fn}: ${message}`);
  };
  switch (fn) {
    case 'Ref': {
      if (typeof argument !== 'string') return fail('takes a name');
      if (argument === 'AWS::NoValue') return NO_VALUE;
      return lookup(argument, scope) ?? fail(`${argument} is not known`);
    }
    case 'Fn::GetAtt': {
      const [resource, attribute] = typeof argument === 'string' ? [argument.slice(0, argument.indexOf('.')), argument.slice(argument.indexOf('.') + 1)] : (argument as [string, string]);
      return scope.attribute(resource, attribute) ?? fail(`${resource}.${attribute} is not known`);
    }
    case 'Fn::Sub': {
      const [text, variables] = typeof argument === 'string' ? [argument, {}] : (argument as [string, Record<string, unknown>]);
      const local = Object.fromEntries(Object.entries(variables ?? {}).map(([name, item]) => [name, resolve(item, scope, where)]));
      return text.replace(/\$\{(!?)([^}]+)\}/g, (whole, literal: string, name: string) => {
        if (literal) return `\${${name}}`;
        const key = name.trim();
        if (key in local) return String(local[key]);
        const dot = key.indexOf('.');
        const value = dot < 0 || PSEUDO_PARAMETERS.includes(key) ? lookup(key, scope) : scope.attribute(key.slice(0, dot), key.slice(dot + 1));
        return value === undefined ? fail(`${whole} is not known`) : String(value);
      });
    }
    case 'Fn::Join': {
      const [separator, items] = argument as [string, unknown];
      const list = resolve(items, scope, where);
      return Array.isArray(list) ? list.map(String).join(separator) : fail('takes [separator, list]');
    }
    case 'Fn::Select': {
      const [index, items] = argument as [unknown, unknown];
      const list = resolve(items, scope, where);
      const i = Number(resolve(index, scope, where));
      return Array.isArray(list) && i >= 0 && i < list.length ? list[i] : fail('index out of range');
    }
    case 'Fn::Split': {
      const [separator, text] = argument as [string, unknown];
      return String(resolve(text, scope, where)).split(separator);
    }
    case 'Fn::Base64':
      return Buffer.from(String(resolve(argument, scope, where))).toString('base64');
    default:
      return fail('is not emulated by the local cloud (it resolves Ref, Fn::GetAtt, Fn::Sub, Fn::Join, Fn::Select, Fn::Split, Fn::Base64)');
  }
}

function lookup(name: string, scope: Scope): string | string[] | undefined {
  return scope.parameter(name) ?? scope.ref(name);
}

/** The logical IDs a value refers to (Ref, Fn::GetAtt, ${X} in Fn::Sub), for ordering creation. */
export function dependencies(value: unknown, resources: ReadonlySet<string>, found = new Set<string>()): Set<string> {
  if (Array.isArray(value)) {
    for (const item of value) dependencies(item, resources, found);
  } else if (typeof value === 'object' && value !== null) {
    for (const [key, item] of Object.entries(value)) {
      if (key === 'Ref' && typeof item === 'string' && resources.has(item)) found.add(item);
      else if (key === 'Fn::GetAtt') {
        const name = typeof item === 'string' ? item.split('.')[0]! : String((item as unknown[])[0]);
        if (resources.has(name)) found.add(name);
      } else if (key === 'Fn::Sub') {
        const text = typeof item === 'string' ? item : String((item as unknown[])[0]);
        for (const match of text.matchAll(/\$\{([^!}][^}.]*)/g)) if (resources.has(match[1]!.trim())) found.add(match[1]!.trim());
        if (Array.isArray(item)) dependencies(item[1], resources, found);
      } else dependencies(item, resources, found);
    }
  }
  return found;
}
