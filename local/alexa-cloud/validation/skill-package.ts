/**
 * A skill package as `ask deploy` uploads it (a zip of skill-package/: skill.json, interactionModels/custom/<locale>
 * .json, optionally accountLinking.json), unpacked with fflate and checked resource by resource. The import status
 * reports each resource with SMAPI's names (`Manifest`, `InteractionModel.en-US`, `AccountLinking`); the package is
 * applied only when every resource passes, so a failed import never leaves a half-updated skill.
 */
import { unzipSync } from 'fflate';
import type { ImportResource, SmapiIssue } from '../state/store.js';
import { validateAccountLinkingRequest } from './account-linking.js';
import { validateInteractionModel } from './interaction-model.js';
import { validateManifest, type ManifestContext } from './manifest.js';

export interface PackageContents {
  manifest: Record<string, unknown>;
  interactionModels: Record<string, unknown>;
  /** The `accountLinkingRequest` object, when the package has accountLinking.json. */
  accountLinking?: Record<string, unknown>;
}

export interface PackageCheck {
  ok: boolean;
  resources: ImportResource[];
  warnings: SmapiIssue[];
  contents?: PackageContents;
}

const MODEL_FILE = /^interactionModels\/custom\/([a-z]{2}-[A-Z]{2})\.json$/;
const MAX_ENTRIES = 500;

export function checkSkillPackage(zip: Uint8Array, action: 'CREATE' | 'UPDATE', context: Omit<ManifestContext, 'modelLocales'>): PackageCheck {
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(zip, { filter: (file) => !file.name.endsWith('/') });
  } catch (error) {
    return failed(action, [{ code: 'INVALID_PACKAGE', message: `The uploaded skill package is not a valid zip archive (${(error as Error).message}).` }]);
  }
  const names = Object.keys(files);
  if (names.length > MAX_ENTRIES) return failed(action, [{ code: 'INVALID_PACKAGE', message: `The skill package has ${names.length} files; at most ${MAX_ENTRIES} are accepted.` }]);

  // The CLI zips the folder's contents; a zip of the folder itself (skill-package/skill.json) is accepted too.
  const manifestEntry = names.filter((name) => name === 'skill.json' || name.endsWith('/skill.json')).sort((a, b) => a.split('/').length - b.split('/').length)[0];
  if (manifestEntry === undefined) return failed(action, [{ code: 'MISSING_MANIFEST', message: 'The skill package has no skill.json at its root.' }]);
  const root = manifestEntry.slice(0, -'skill.json'.length);
  const relative = Object.fromEntries(names.filter((name) => name.startsWith(root)).map((name) => [name.slice(root.length), files[name]!]));

  const resources: ImportResource[] = [];
  const warnings: SmapiIssue[] = [];
  const parse = (path: string): { value?: unknown; issue?: SmapiIssue } => {
    try {
      return { value: JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(relative[path])) };
    } catch (error) {
      return { issue: { code: 'MALFORMED_INPUT', message: `${path} is not valid JSON: ${(error as Error).message}` } };
    }
  };

  const interactionModels: Record<string, unknown> = {};
  const ignored = new Set<string>();
  for (const path of Object.keys(relative).sort()) {
    const locale = MODEL_FILE.exec(path)?.[1];
    if (locale) {
      const parsed = parse(path);
      const errors = parsed.issue ? [parsed.issue] : validateInteractionModel(parsed.value, locale);
      resources.push(resource(`InteractionModel.${locale}`, action, errors));
      if (errors.length === 0) interactionModels[locale] = parsed.value;
    } else if (path !== 'skill.json' && path !== 'accountLinking.json') {
      ignored.add(path.split('/')[0]!);
    }
  }
  if (ignored.size > 0) {
    warnings.push({ message: `The imported package contains file(s) at paths the local cloud does not process; files under the following paths were not processed: [${[...ignored].join(', ')}]` });
  }

  const manifestParsed = parse('skill.json');
  const manifestErrors = manifestParsed.issue
    ? [manifestParsed.issue]
    : validateManifest(manifestParsed.value, { ...context, modelLocales: Object.keys(relative).map((path) => MODEL_FILE.exec(path)?.[1]).filter((l): l is string => l !== undefined) });
  resources.unshift(resource('Manifest', action, manifestErrors));

  let accountLinking: Record<string, unknown> | undefined;
  if (relative['accountLinking.json']) {
    const parsed = parse('accountLinking.json');
    const errors = parsed.issue ? [parsed.issue] : validateAccountLinkingRequest(parsed.value);
    resources.push(resource('AccountLinking', action, errors));
    if (errors.length === 0) accountLinking = (parsed.value as { accountLinkingRequest: Record<string, unknown> }).accountLinkingRequest;
  }

  const ok = resources.every((r) => r.status === 'SUCCEEDED');
  if (!ok) {
    // Nothing is applied: the resources that passed are rolled back (SMAPI's word for it).
    for (const r of resources) if (r.status === 'SUCCEEDED') r.status = 'ROLLBACK_SUCCEEDED';
    return { ok, resources, warnings };
  }
  const manifest = (manifestParsed.value as { manifest: Record<string, unknown> }).manifest;
  return { ok, resources, warnings, contents: { manifest, interactionModels, ...(accountLinking ? { accountLinking } : {}) } };
}

function resource(name: string, action: 'CREATE' | 'UPDATE', errors: SmapiIssue[]): ImportResource {
  return errors.length > 0 ? { name, action, status: 'FAILED', errors } : { name, action, status: 'SUCCEEDED' };
}

function failed(action: 'CREATE' | 'UPDATE', errors: SmapiIssue[]): PackageCheck {
  return { ok: false, resources: [resource('SkillPackage', action, errors)], warnings: [] };
}
