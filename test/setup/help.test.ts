/**
 * Every command the README lists answers --help: what it does and how to call it, exit 0, and nothing else done
 * (bench would otherwise run for minutes, build would build). Walks package.json's scripts, so a new one is covered.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { PROJECT_ROOT } from '../../local/alexa/config.js';

const run = promisify(execFile);

/** Scripts that are not commands of ours: npm's hooks, and tools whose own --help is theirs. */
const NOT_OURS: Record<string, string> = {
  prestart: 'npm runs it before start',
  pretest: 'npm runs it before test',
  typecheck: "tsc's own --help",
  test: 'runs the suite itself',
  mutation: "Stryker's own --help",
};

describe('--help on every command', function () {
  this.timeout(120_000);

  it('each of our npm scripts prints its usage and exits 0', async () => {
    const { scripts } = JSON.parse(await readFile(join(PROJECT_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    const commands = Object.keys(scripts).filter((name) => !(name in NOT_OURS));
    expect(commands).to.include.members(['start', 'link', 'dialog', 'fault', 'reset', 'build', 'deploy', 'bench']);
    for (const name of commands) {
      const { stdout } = await run('npm', ['run', '-s', name, '--', '--help'], { cwd: PROJECT_ROOT, timeout: 60_000 }).catch((error: { code?: number; stdout?: string; stderr?: string }) => {
        throw new Error(`npm run ${name} -- --help failed (exit ${error.code}): ${error.stderr ?? ''}`);
      });
      const title = name === 'start' ? 'npm start' : `npm run ${name}`;
      expect(stdout.startsWith(`${title} — `), `${name}: ${stdout.slice(0, 80)}`).to.equal(true);
      expect(stdout, name).to.match(/Usage: /);
    }
  });
});
