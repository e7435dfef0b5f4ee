/**
 * JSON Schema checks (ajv) of the hand-written schemas in ../schemas/, with ajv's errors rewritten into SMAPI's
 * wording: each names the property path (`$.manifest.events`) and what is wrong there, e.g.
 *   Object instance at property path "$.manifest.apis.custom.endpoint" has missing required property: "uri".
 * which is the sentence SMAPI itself answers for that mistake.
 */
import { readFileSync } from 'node:fs';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import type { SmapiIssue } from '../state/store.js';

// verbose: errors carry the offending value, so messages can quote it as SMAPI's do.
const ajv = new Ajv({ allErrors: true, strict: false, verbose: true });

export type SchemaName = 'manifest' | 'interaction-model' | 'account-linking';

const compile = (name: SchemaName): ValidateFunction =>
  ajv.compile(JSON.parse(readFileSync(new URL(`../schemas/${name}.schema.json`, import.meta.url), 'utf8')) as object);

// Compiled once, when the cloud starts: three small schemas, each needed by the first import anyway.
const validators: Record<SchemaName, ValidateFunction> = {
  manifest: compile('manifest'),
  'interaction-model': compile('interaction-model'),
  'account-linking': compile('account-linking'),
};

/** The schema's violations of `document`, one issue per ajv error (each names its own path, so none repeats). */
export function checkSchema(name: SchemaName, document: unknown): SmapiIssue[] {
  const validate = validators[name];
  if (validate(document)) return [];
  // ajv sets `errors` whenever validation fails. `if` only reports that `then` failed; the `required` error under it
  // says which property.
  return validate.errors!.filter((error) => error.keyword !== 'if').map(describe);
}

/** JSON Pointer (`/manifest/events/subscriptions/0`) → SMAPI's path (`$.manifest.events.subscriptions[0]`). */
export function smapiPath(pointer: string): string {
  let path = '$';
  for (const raw of pointer.split('/').slice(1)) {
    const segment = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    path += /^\d+$/.test(segment) ? `[${segment}]` : /^[A-Za-z_$][\w$]*$/.test(segment) ? `.${segment}` : `["${segment}"]`;
  }
  return path;
}

function describe(error: ErrorObject): SmapiIssue {
  const path = smapiPath(error.instancePath);
  const params = error.params as Record<string, unknown>;
  const value = JSON.stringify(error.data);
  switch (error.keyword) {
    case 'required':
      return { code: 'MISSING_REQUIRED_PROPERTY', message: `Object instance at property path "${path}" has missing required property: "${String(params.missingProperty)}".` };
    case 'dependencies':
      return {
        code: 'MISSING_REQUIRED_PROPERTY',
        message: `Object instance at property path "${path}" has missing required property: "${String(params.missingProperty)}" (required when "${String(params.property)}" is present).`,
      };
    case 'enum':
      return {
        code: 'INVALID_ENUM_VALUE',
        message: `Instance value (${value}) at property path "${path}" not found in enum (possible values: ${JSON.stringify(params.allowedValues)}).`,
      };
    case 'type':
      return { code: 'INVALID_DATA_TYPE', message: `Instance at property path "${path}" has type ${jsonType(error.data)}, but must be ${String(params.type)}.` };
    case 'pattern':
      return { code: 'STRING_PATTERN_MISMATCH', message: `String instance with value ${value} at property path "${path}" does not match the regex pattern "${String(params.pattern)}".` };
    case 'minLength':
    case 'maxLength':
      return {
        code: 'INVALID_STRING_LENGTH',
        message: `String instance with value ${value} at property path "${path}" has ${(error.data as string).length} characters; it must have ${error.keyword === 'minLength' ? 'at least' : 'at most'} ${String(params.limit)}.`,
      };
    case 'minItems':
    case 'maxItems':
      return {
        code: 'INVALID_NUMBER_OF_ITEMS',
        message: `Array instance at property path "${path}" has ${(error.data as unknown[]).length} items; it must have ${error.keyword === 'minItems' ? 'at least' : 'at most'} ${String(params.limit)}.`,
      };
    case 'minProperties':
      return { code: 'EXPECTED_NOT_EMPTY_VALUE', message: `Object instance at property path "${path}" must have at least ${String(params.limit)} propert${params.limit === 1 ? 'y' : 'ies'}.` };
    case 'minimum':
    case 'maximum':
      return {
        code: 'VALUE_OUT_OF_RANGE',
        message: `Numeric instance with value ${value} at property path "${path}" is ${error.keyword === 'minimum' ? 'lower than the required minimum' : 'greater than the required maximum'} ${String(params.limit)}.`,
      };
    case 'propertyNames':
      return { code: 'INVALID_PROPERTY_NAME', message: `Property name "${String(params.propertyName)}" at property path "${path}" is not valid.` };
    case 'uniqueItems':
      return { code: 'DUPLICATE_VALUE', message: `Array instance at property path "${path}" has duplicate items (positions ${String(params.i)} and ${String(params.j)}).` };
    default:
      return { code: 'INVALID_VALUE', message: `Instance at property path "${path}" is not valid: ${error.message ?? error.keyword}.` };
  }
}

function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (Number.isInteger(value)) return 'integer';
  return typeof value;
}
