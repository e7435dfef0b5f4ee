/**
 * SMAPI's account-linking request (`PUT …/accountLinkingClient` and `accountLinking.json` in a skill package): the
 * schema (../schemas/account-linking.schema.json), with the AUTH_CODE-only requirements spelled out, plus
 * duplicate scopes and domains, which Amazon refuses.
 */
import type { SmapiIssue } from '../state/store.js';
import { checkSchema } from './schema-check.js';

export function validateAccountLinkingRequest(envelope: unknown): SmapiIssue[] {
  const issues = checkSchema('account-linking', envelope).map((issue) =>
    /has missing required property: "(accessTokenUrl|accessTokenScheme)"/.test(issue.message) ? { ...issue, message: issue.message.replace(/\.$/, ' (required when "type" is "AUTH_CODE").') } : issue,
  );
  // Any non-object here is already a schema issue; indexing a primitive finds no list, and `?.` covers null.
  const request = (envelope as { accountLinkingRequest?: Record<string, unknown> | null } | null)?.accountLinkingRequest;
  for (const field of ['scopes', 'domains'] as const) {
    const list = request?.[field];
    if (!Array.isArray(list)) continue;
    const seen = new Set<unknown>();
    list.forEach((item, index) => {
      if (seen.has(item)) issues.push({ code: 'DUPLICATE_VALUE', message: `Value ${JSON.stringify(item)} at property path "$.accountLinkingRequest.${field}[${index}]" is listed twice.` });
      seen.add(item);
    });
  }
  return issues;
}
