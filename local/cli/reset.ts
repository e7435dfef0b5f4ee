/**
 * `npm run reset`: back to the demo data — the authorization server's users, grants and sessions (the DEMO-ONLY user
 * is seeded again by the next npm start, with its demo password), the rides, the bridge's links, and the simulator's
 * link. Keeps what costs nothing to keep and would surprise if it changed: the test CA, the bridge's key and the
 * local Alexa cloud's deployed skills. Refuses while npm start runs (it holds the databases open).
 */
import { rm } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { localDataDir, stackUrl } from '../environment.js';
import { answersAsSimulator } from '../alexa/simulator.js';
import { DEMO } from '../demo.js';

const HELP = `npm run reset — restore the local stack's demo data (stop npm start first)

Usage: npm run reset [-- --help]

Removes from .local/ (LOCAL_DATA_DIR): the authorization server's database (users, passwords, grants), the rides,
the bridge's links and the simulator's link. The next npm start seeds ${DEMO.user.email} / ${DEMO.user.password} (DEMO-ONLY) again.
Keeps the test CA, the bridge's key and the local Alexa cloud's skills.`;

const DATABASES = ['auth.sqlite', 'rides.sqlite', 'bridge.sqlite'];
// The pending file is no longer written (npm start keeps pending authorizations in memory); older versions left one.
const LINK_FILES = ['alexa-link.json', 'alexa-link-pending.json'];

async function main(): Promise<number> {
  if (process.argv.slice(2).some((arg) => arg === '--help' || arg === '-h')) {
    console.log(HELP);
    return 0;
  }
  const simulator = stackUrl(process.env, 'simulator');
  if (simulator.port !== '0' && (await answersAsSimulator(simulator))) {
    console.error('npm run reset: the local stack is running; stop npm start (Ctrl-C in its terminal), then run npm run reset again.');
    return 1;
  }
  const dir = localDataDir(process.env);
  const files = [...DATABASES.flatMap((name) => [name, `${name}-wal`, `${name}-shm`, `${name}-journal`]), ...LINK_FILES];
  for (const name of files) await rm(join(dir, name), { force: true });
  console.log(`Reset ${relative(process.cwd(), dir) || dir}/: users, grants, rides, the bridge's links and the simulator's link are gone.`);
  console.log(`The next npm start seeds the demo login again: ${DEMO.user.email} / ${DEMO.user.password} (DEMO-ONLY).`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`npm run reset: ${error instanceof Error ? error.message : 'failed'}`);
    process.exit(1);
  },
);
