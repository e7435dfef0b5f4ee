// Bundles the skill for AWS Lambda into dist/lambda/ — exactly the folder ask-resources.json names in code.default.src.
// One self-contained file: the ASK CLI ships that folder as it is (no TypeScript compile, no npm install there),
// and a single minified file loads faster in a cold Lambda than a node_modules tree.
import { build } from 'esbuild';
import { rm } from 'node:fs/promises';

const outdir = 'dist/lambda';
await rm(outdir, { recursive: true, force: true }); // never leave a stale file next to a fresh bundle

const result = await build({
  entryPoints: { index: 'lambda/index.ts' },
  outdir,
  outExtension: { '.js': '.cjs' }, // CommonJS whatever package.json says: Lambda resolves handler "index.handler" to index.cjs
  bundle: true,
  platform: 'node',
  target: 'node24',
  format: 'cjs',
  minify: true,
  legalComments: 'linked',
  metafile: true,
  logLevel: 'warning',
});

const bytes = Object.values(result.metafile.outputs).reduce((sum, output) => sum + output.bytes, 0);
console.log(`built ${outdir}/index.cjs (${(bytes / 1024).toFixed(0)} kB)`);
