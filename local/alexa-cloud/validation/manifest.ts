/**
 * The skill manifest, checked the way SMAPI checks it: the schema (../schemas/manifest.schema.json) first, then the
 * rules a schema cannot say — endpoint URIs that are neither a Lambda ARN nor HTTPS, a locale without an interaction
 * model, a Lambda endpoint without the Alexa Skills Kit trigger for this skill.
 *
 * What SMAPI accepts at import vs later: a skill may be created without `apis.custom.endpoint` (ask-cli's first
 * import has none: the function does not exist yet); an `endpoint` object without `uri` is refused. The endpoint
 * becomes required when the skill is enabled for testing (see smapi/skills.ts), which ask-cli does last.
 */
import type { SmapiIssue } from '../state/store.js';
import { checkSchema } from './schema-check.js';

export interface ManifestContext {
  /** The skill the manifest is for; absent while a new skill is being created. */
  skillId?: string;
  /** Locales that have an interaction model (in the package being imported, or stored for the skill). */
  modelLocales: readonly string[];
  /** Says what is wrong with a Lambda ARN endpoint of this cloud's account, or undefined when it is fine. */
  lambdaEndpointProblem?: (arn: string, skillId: string) => string | undefined;
}

export const LAMBDA_ARN = /^arn:aws:lambda:[a-z]{2}(-[a-z]+)+-\d:\d{12}:function:[A-Za-z0-9_-]{1,64}(:[A-Za-z0-9_$-]{1,128})?$/;

type Json = Record<string, unknown>;
const object = (value: unknown): Json | undefined => (value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : undefined);

export function validateManifest(envelope: unknown, context: ManifestContext): SmapiIssue[] {
  const issues = checkSchema('manifest', envelope);
  const manifest = object(object(envelope)?.manifest);
  if (!manifest) return issues;

  const publishing = object(manifest.publishingInformation);
  if (publishing?.isAvailableWorldwide === false) {
    const countries = publishing.distributionCountries;
    if (!Array.isArray(countries) || countries.length === 0) {
      issues.push({
        code: 'MISSING_REQUIRED_PROPERTY',
        message: 'Object instance at property path "$.manifest.publishingInformation" has missing required property: "distributionCountries" (required when "isAvailableWorldwide" is false).',
      });
    }
  }

  const endpoints: Array<[string, unknown]> = [];
  const custom = object(object(manifest.apis)?.custom);
  if (custom) {
    endpoints.push(['$.manifest.apis.custom.endpoint.uri', object(custom.endpoint)?.uri]);
    for (const [region, value] of Object.entries(object(custom.regions) ?? {})) {
      endpoints.push([`$.manifest.apis.custom.regions.${region}.endpoint.uri`, object(object(value)?.endpoint)?.uri]);
    }
    const locales = Object.keys(object(publishing?.locales) ?? {});
    for (const locale of locales) {
      if (!context.modelLocales.includes(locale)) {
        issues.push({
          code: 'MISSING_INTERACTION_MODEL',
          message: `Locale "${locale}" is listed in "$.manifest.publishingInformation.locales" and the skill declares "$.manifest.apis.custom", but there is no interaction model for "${locale}" (interactionModels/custom/${locale}.json).`,
        });
      }
    }
  }
  endpoints.push(['$.manifest.events.endpoint.uri', object(object(manifest.events)?.endpoint)?.uri]);

  for (const [path, uri] of endpoints) {
    if (typeof uri !== 'string' || uri === '') continue; // absence is reported by the schema where it matters
    if (uri.startsWith('arn:')) {
      if (!LAMBDA_ARN.test(uri)) {
        issues.push({ code: 'INVALID_ENDPOINT', message: `String instance with value "${uri}" at property path "${path}" is not a valid Lambda function ARN (arn:aws:lambda:<region>:<12-digit account>:function:<name>).` });
        continue;
      }
      const problem = context.skillId && context.lambdaEndpointProblem?.(uri, context.skillId);
      if (problem) issues.push({ code: 'INVALID_ENDPOINT', message: `The trigger setting for the Lambda ${uri} at property path "${path}" is invalid: ${problem}` });
    } else if (!/^https:\/\/[^\s/?#]/.test(uri)) {
      issues.push({ code: 'INVALID_ENDPOINT', message: `String instance with value "${uri}" at property path "${path}" must be a Lambda function ARN or an HTTPS URL.` });
    }
  }
  return issues;
}
