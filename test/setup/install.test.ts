/**
 * The README's install command: npm run on the project's Node 24 (`npx -y -p node@24 -- npm install`) checks every
 * package's `engines` against the Node the code runs on, so it prints no EBADENGINE warnings — where npm on an older
 * machine Node prints dozens. A dry run against the lockfile, so nothing is downloaded or changed.
 */
import { execFile } from 'node:child_process';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { PROJECT_ROOT } from '../../local/alexa/config.js';

const run = promisify(execFile);
/** PATH without the project's own node_modules/.bin: what a fresh shell on this machine has. */
const machinePath = (process.env.PATH ?? '').split(delimiter).filter((dir) => !dir.startsWith(join(PROJECT_ROOT, 'node_modules'))).join(delimiter);
const dryRun = ['install', '--dry-run', '--offline', '--no-audit', '--no-fund'];

/** How many EBADENGINE lines a command prints. */
async function engineWarnings(command: string, args: string[]): Promise<number> {
  const env = { ...process.env, PATH: machinePath, npm_config_loglevel: 'warn' };
  const { stdout, stderr } = await run(command, args, { cwd: PROJECT_ROOT, env, maxBuffer: 32 * 1024 * 1024 });
  return (stdout + stderr).split('\n').filter((line) => line.includes('EBADENGINE')).length;
}

describe('installing (README, "Two commands")', function () {
  this.timeout(120_000);

  it('prints no EBADENGINE warning when npm runs on Node 24 as the README says', async () => {
    expect(await engineWarnings('npx', ['-y', '-p', 'node@24', '--', 'npm', ...dryRun])).to.equal(0);

    // The contrast that makes the line above worth having: on an older machine Node, plain npm warns.
    const { stdout: machineNode } = await run('node', ['--version'], { env: { ...process.env, PATH: machinePath } });
    if (Number(/^v(\d+)/.exec(machineNode.trim())?.[1]) < 24) {
      expect(await engineWarnings('npm', dryRun), `npm on the machine's ${machineNode.trim()}`).to.be.greaterThan(0);
    }
  });
});
