// Runs before `npm start` and `npm test` (the prestart / pretest scripts), on whatever Node the machine has: plain
// JavaScript and Node's built-ins only, so it works before anything is installed. Without it, a fresh clone answers
// `npm test` with "sh: tsc: not found" and `npm start` with a module-resolution stack trace.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const needed = ['node_modules/.bin/tsx', 'node_modules/.bin/tsc', 'node_modules/.bin/mocha', 'node_modules/node/package.json'];
const missing = needed.filter((path) => !existsSync(join(root, path)));

if (missing.length > 0) {
  console.error(`The project's packages are not installed (missing: ${missing.join(', ')}).
Install them first, from ${root}:

  npx -y -p node@24 -- npm install

(npm itself then runs on Node 24, the Node the project runs on; the README's "Two commands" says why.)`);
  process.exit(1);
}
