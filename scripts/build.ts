// `npm run build`: bundles the skill for AWS Lambda into dist/lambda/ — exactly the folder ask-resources.json names
// in code.default.src. The ASK CLI ships that folder as it is (no TypeScript compile, no npm install there).
// Then the account-linking bridge into dist/bridge/ (handler `index.handler`), with every provider profile.
import { knownProfiles } from '../bridge/profile-loader.js';
import { bundleLambda } from './bundle.js';

const outdir = 'dist/lambda';
const { bytes, entryBytes } = await bundleLambda('lambda/index.ts', outdir);
console.log(`built ${outdir}/index.mjs: ${(entryBytes / 1024).toFixed(0)} kB loaded at start, ${(bytes / 1024).toFixed(0)} kB in all`);

// Every file in bridge/profiles/ is bundled (each a lazily loaded chunk); the names of those that are profiles are
// baked in, so the bundle can list them when BRIDGE_PROFILE names none of them.
const profiles = await knownProfiles();
const bridgeOut = 'dist/bridge';
const bridge = await bundleLambda('bridge/index.ts', bridgeOut, { define: { __BRIDGE_PROFILES__: JSON.stringify(profiles) } });
console.log(`built ${bridgeOut}/index.mjs: ${(bridge.entryBytes / 1024).toFixed(0)} kB loaded at start, ${(bridge.bytes / 1024).toFixed(0)} kB in all (profiles: ${profiles.join(', ')})`);
