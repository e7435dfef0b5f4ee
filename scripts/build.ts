// `npm run build`: bundles the skill for AWS Lambda into dist/lambda/ — exactly the folder ask-resources.json names
// in code.default.src. The ASK CLI ships that folder as it is (no TypeScript compile, no npm install there).
import { bundleLambda } from './bundle.js';

const outdir = 'dist/lambda';
const { bytes, entryBytes } = await bundleLambda('lambda/index.ts', outdir);
console.log(`built ${outdir}/index.mjs: ${(entryBytes / 1024).toFixed(0)} kB loaded at start, ${(bytes / 1024).toFixed(0)} kB in all`);
