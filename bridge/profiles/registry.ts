/**
 * Every provider profile the bridge knows, under the value of BRIDGE_PROFILE that selects it. Adding a provider is its
 * file in this folder plus its line here: `satisfies` makes an entry that is not a ProviderProfile a compile error,
 * and test/bridge/profiles/registry.test.ts fails when a key differs from its profile's `name` or a profile file of
 * this folder is missing from the map.
 *
 * Static imports, so the bundle's entry chunk holds all of them (a few kB minified, `npm run build` prints the
 * size): the cold start reads the profile it runs with in any case, and one file instead of a lazily loaded chunk
 * per profile is one module load less during Lambda's init.
 */
import { profile as auth0 } from './auth0.js';
import { profile as azure } from './azure.js';
import { profile as fitbit } from './fitbit.js';
import { profile as github } from './github.js';
import { profile as oidc } from './oidc.js';
import type { ProviderProfile } from './profile.js';
import { profile as salesforce } from './salesforce.js';
import { profile as slack } from './slack.js';
import { profile as withings } from './withings.js';

export const PROFILES = { auth0, azure, fitbit, github, oidc, salesforce, slack, withings } satisfies Record<string, ProviderProfile>;

export type ProfileName = keyof typeof PROFILES;

export const PROFILE_NAMES = Object.keys(PROFILES) as readonly ProfileName[];

/** The profile registered under `name`; undefined for any other string (`constructor` and `__proto__` included). */
export function findProfile(name: string): ProviderProfile | undefined {
  return Object.hasOwn(PROFILES, name) ? PROFILES[name as ProfileName] : undefined;
}
