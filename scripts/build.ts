// `npm run build`: bundles the skill for AWS Lambda into dist/lambda/, then the account-linking bridge into
// dist/bridge/ (handler `index.handler`), with every provider profile.
// `npm run build -- --zip <file>`: the skill only, then its deployment package (dist/lambda zipped, reproducibly) in
// <file> — what hooks/build.sh and hooks/build.ps1 hand to `ask deploy`.
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { bundleBridge, bundleLambda } from './bundle.js';
import { zipDirectory } from './zip.js';

const HELP = `npm run build — bundle the skill and the bridge for AWS Lambda

Usage: npm run build [-- options]

  (no option)        the skill into dist/lambda/ and the account-linking bridge into dist/bridge/ (handler index.handler)
  --zip <file>       the skill only, then its deployment package (dist/lambda zipped, reproducibly) in <file>:
                       what hooks/build.sh hands to \`ask deploy\`
  --help             this text`;

let values: { zip?: string | undefined; help?: boolean | undefined };
try {
  ({ values } = parseArgs({ options: { zip: { type: 'string' }, help: { type: 'boolean', short: 'h' } } }));
} catch (error) {
  console.error(`npm run build: ${(error as Error).message} (see --help)`);
  process.exit(2);
}
if (values.help) {
  console.log(HELP);
  process.exit(0);
}
const outdir = 'dist/lambda';
const { bytes, entryBytes } = await bundleLambda('lambda/index.ts', outdir);
console.log(`built ${outdir}/index.mjs: ${(entryBytes / 1024).toFixed(0)} kB loaded at start, ${(bytes / 1024).toFixed(0)} kB in all`);

if (values.zip !== undefined) {
  const zipFile = resolve(values.zip);
  const zip = await zipDirectory(outdir);
  await mkdir(dirname(zipFile), { recursive: true });
  await writeFile(zipFile, zip);
  console.log(`zipped ${outdir} into ${zipFile}: ${(zip.length / 1024).toFixed(0)} kB`);
} else {
  const bridgeOut = 'dist/bridge';
  const bridge = await bundleBridge(bridgeOut);
  console.log(`built ${bridgeOut}/index.mjs: ${(bridge.entryBytes / 1024).toFixed(0)} kB loaded at start, ${(bridge.bytes / 1024).toFixed(0)} kB in all (profiles: ${bridge.profiles.join(', ')})`);
}
