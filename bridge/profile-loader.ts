/**
 * Provider profiles are found by name: BRIDGE_PROFILE=<name> loads `bridge/profiles/<name>.ts`, so adding a
 * provider is one new file and no list to edit.
 *
 * How that survives bundling: the import below is a template literal with a fixed folder, which esbuild turns into
 * a map of every file in `profiles/` (each its own lazily loaded chunk) and tsx resolves as a plain path. The name
 * is validated first, so it can never walk out of the folder. The list of known names (for the error message) is
 * read from the folder when running from source, and injected by `npm run build` for the bundle.
 */
import { readdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '../lambda/config.js';
import type { ProviderProfile } from './profiles/profile.js';

/** Set by scripts/build.ts (esbuild `define`) to the names of the profiles bundled. */
declare const __BRIDGE_PROFILES__: readonly string[] | undefined;

const NAME = /^[a-z0-9][a-z0-9-]{0,40}$/;

function isProfile(value: unknown): value is ProviderProfile {
  const p = value as Partial<ProviderProfile> | null;
  return typeof p === 'object' && p !== null && typeof p.name === 'string' && typeof p.readTokenAnswer === 'function';
}

/** The module's profile: `export const profile`, else the default export; undefined for helper modules. */
function profileOf(module: Record<string, unknown>, name: string): ProviderProfile | undefined {
  for (const candidate of [module.profile, module.default]) {
    if (isProfile(candidate) && candidate.name === name) return candidate;
  }
  return undefined;
}

async function importProfileModule(name: string): Promise<Record<string, unknown> | undefined> {
  if (!NAME.test(name)) return undefined;
  try {
    return (await import(`./profiles/${name}.ts`)) as Record<string, unknown>;
  } catch (error) {
    // A missing file is an unknown profile; a profile that fails to load is a bug worth its own message.
    const code = (error as { code?: unknown }).code;
    const message = error instanceof Error ? error.message : String(error);
    if (code === 'ERR_MODULE_NOT_FOUND' || /Cannot find module|Could not resolve|Unknown|not found/i.test(message)) return undefined;
    throw error;
  }
}

/** Names of the profiles available: files in `profiles/` that export a profile of their own name. */
export async function knownProfiles(): Promise<string[]> {
  if (typeof __BRIDGE_PROFILES__ !== 'undefined') return [...__BRIDGE_PROFILES__];
  const folder = fileURLToPath(new URL('./profiles/', import.meta.url));
  const names = (await readdir(folder).catch(() => [] as string[]))
    .filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts'))
    .map((file) => file.slice(0, -3));
  const found: string[] = [];
  for (const name of names.sort()) {
    const module = await importProfileModule(name).catch(() => undefined);
    if (module !== undefined && profileOf(module, name) !== undefined) found.push(name);
  }
  return found;
}

/** Loads a profile by name; an unknown name is a ConfigError on BRIDGE_PROFILE that lists the known ones. */
export async function loadProfile(name: string): Promise<ProviderProfile> {
  const module = await importProfileModule(name);
  const profile = module === undefined ? undefined : profileOf(module, name);
  if (profile === undefined) {
    const known = await knownProfiles();
    throw new ConfigError('BRIDGE_PROFILE', `unknown profile "${name}" (known: ${known.join(', ') || 'none'})`);
  }
  return profile;
}
