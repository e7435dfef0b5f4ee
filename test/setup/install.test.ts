/**
 * The README's install command: npm run on the project's Node 24 (`npx -y -p node@24 -- npm install`) checks every
 * package's `engines` against the Node the code runs on, so it prints no EBADENGINE warnings — where npm on an older
 * machine Node prints dozens. A dry run against the lockfile, so nothing is downloaded or changed.
 */
import { execFile } from 'node:child_process';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
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

describe('npm start and npm test before anything is installed', function () {
  this.timeout(60_000);
  let clone: string;

  before(async () => {
    // What a fresh clone has: the project's own files, no node_modules.
    clone = await mkdtemp(join(tmpdir(), 'fresh-clone-'));
    await cp(join(PROJECT_ROOT, 'package.json'), join(clone, 'package.json'));
    await cp(join(PROJECT_ROOT, 'scripts', 'check-install.mjs'), join(clone, 'scripts', 'check-install.mjs'));
  });
  after(() => rm(clone, { recursive: true, force: true }));

  for (const command of [['start'], ['test']]) {
    it(`npm ${command.join(' ')} says to install first, with the README's command, and exits non-zero`, async () => {
      const env = { ...process.env, PATH: machinePath, npm_config_loglevel: 'silent' };
      const failure = (await run('npm', command, { cwd: clone, env }).then(
        () => undefined,
        (error: unknown) => error,
      )) as { code?: number; stderr?: string } | undefined;
      expect(failure, 'npm must fail').to.not.equal(undefined);
      expect(failure!.code).to.equal(1);
      expect(failure!.stderr).to.include('are not installed').and.include('npx -y -p node@24 -- npm install');
      expect(failure!.stderr).to.not.match(/tsc: not found|ERR_MODULE_NOT_FOUND|at .*node:internal/);
    });
  }
});
