/**
 * The registry of provider profiles (bridge/profiles/registry.ts) is the one list BRIDGE_PROFILE is looked up in: each
 * entry is registered under its own name, and no profile file of the folder is left out of it.
 */
import { readdirSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { expect } from 'chai';
import { findProfile, PROFILE_NAMES, PROFILES } from '../../../bridge/profiles/registry.js';

const FOLDER = fileURLToPath(new URL('../../../bridge/profiles/', import.meta.url));

describe('bridge profiles: the registry', () => {
  it('registers each profile under its own name', () => {
    for (const [key, profile] of Object.entries(PROFILES)) expect(profile.name, key).to.equal(key);
    expect(PROFILE_NAMES).to.deep.equal(Object.keys(PROFILES));
  });

  it('holds every file of bridge/profiles/ that exports a profile, under its file name', async () => {
    const exporting: string[] = [];
    for (const file of readdirSync(FOLDER).filter((name) => name.endsWith('.ts')).sort()) {
      const module = (await import(pathToFileURL(`${FOLDER}${file}`).href)) as { profile?: unknown };
      if (module.profile !== undefined) exporting.push(file.slice(0, -'.ts'.length));
    }
    expect(exporting).to.include('oidc');
    expect([...PROFILE_NAMES].sort()).to.deep.equal(exporting);
  });

  it('finds nothing under a name it does not hold, inherited properties included', () => {
    expect(findProfile('oidc')).to.equal(PROFILES.oidc);
    for (const name of ['nosuch', 'OIDC', 'rfc6749', 'profile', 'registry', '../config', 'constructor', 'toString', '__proto__', 'hasOwnProperty', '']) {
      expect(findProfile(name), name).to.equal(undefined);
    }
  });
});
