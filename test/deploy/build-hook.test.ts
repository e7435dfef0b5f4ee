/**
 * hooks/build.sh on a fresh clone (no node_modules): it installs with `npm ci` before building, builds even when a
 * dist/ from an earlier build exists, writes the zip where the ASK CLI asks, and fails when the build fails. npm is a
 * stub here (recording its arguments) so the test needs no network and takes milliseconds; the real build through
 * the hook is covered by test/unit/bundle.test.ts and test/deploy/deploy.test.ts. Also: scripts/deploy.ts refuses
 * to start without what it needs, before deploying anything.
 */
import { execFile, spawn } from 'node:child_process';
import { chmod, cp, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { PROJECT_ROOT } from '../support/ask-cli.js';

/** Records each call; `ci` creates node_modules, `run … --zip <file>` writes the zip, unless told to fail. */
const STUB_NPM = `#!/bin/sh
echo "$*" >> "$NPM_LOG"
case "$1" in
  ci) mkdir -p node_modules ;;
  run) [ -n "\${NPM_FAIL_BUILD:-}" ] && { echo "build failed: lambda/index.ts:3: Expected expression" >&2; exit 1; }
       for last; do :; done; printf 'PK-zip-of-a-fresh-build' > "$last" ;;
esac
`;

describe('deploy: the build hook on a fresh clone', () => {
  let clone: string;
  let bin: string;

  beforeEach(async () => {
    clone = await mkdtemp(join(tmpdir(), 'fresh-clone-'));
    await cp(join(PROJECT_ROOT, 'hooks'), join(clone, 'hooks'), { recursive: true });
    bin = join(clone, 'stub-bin');
    await mkdir(bin);
    await writeFile(join(bin, 'npm'), STUB_NPM);
    await chmod(join(bin, 'npm'), 0o755);
  });

  afterEach(() => rm(clone, { recursive: true, force: true }));

  async function hook(extraEnv: Record<string, string> = {}) {
    const buildFolder = join(clone, '.ask', 'lambda'); // where the CLI runs the hook from
    await mkdir(buildFolder, { recursive: true });
    return promisify(execFile)(join(clone, 'hooks', 'build.sh'), ['build.zip', 'false'], {
      cwd: buildFolder,
      env: { PATH: `${bin}:/usr/bin:/bin`, NPM_LOG: join(clone, 'npm.log'), ...extraEnv },
    });
  }

  it('runs npm ci when node_modules is missing, then builds the zip the CLI asked for', async () => {
    await hook();
    const zipFile = join(clone, '.ask', 'lambda', 'build.zip');
    expect((await readFile(join(clone, 'npm.log'), 'utf8')).trim().split('\n')).to.deep.equal([
      'ci --no-audit --no-fund',
      `run --silent build -- --zip ${zipFile}`,
    ]);
    expect(await readFile(zipFile, 'utf8')).to.equal('PK-zip-of-a-fresh-build');
  });

  it('skips npm ci once node_modules exists, and still rebuilds', async () => {
    await mkdir(join(clone, 'node_modules'));
    await mkdir(join(clone, 'dist', 'lambda'), { recursive: true });
    await writeFile(join(clone, 'dist', 'lambda', 'index.mjs'), 'export const handler = () => "stale";');
    await hook();
    expect((await readFile(join(clone, 'npm.log'), 'utf8')).trim().split('\n')).to.deep.equal([`run --silent build -- --zip ${join(clone, '.ask', 'lambda', 'build.zip')}`]);
  });

  it('fails when the build fails, and writes no zip', async () => {
    await mkdir(join(clone, 'node_modules'));
    const failure = await hook({ NPM_FAIL_BUILD: '1' }).catch((error: { code: number; stderr: string }) => error);
    expect((failure as { code: number }).code).to.equal(1);
    expect((failure as { stderr: string }).stderr).to.contain('build failed');
    expect(await stat(join(clone, '.ask', 'lambda', 'build.zip')).catch(() => 'absent')).to.equal('absent');
  });
});

describe('deploy: scripts/deploy.ts refuses to start without what it needs', () => {
  async function deployScript(args: string[], env: Record<string, string>): Promise<{ code: number | null; output: string }> {
    const child = spawn(process.execPath, ['--import', 'tsx', join(PROJECT_ROOT, 'scripts', 'deploy.ts'), ...args], {
      cwd: PROJECT_ROOT,
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
    return { code, output };
  }

  it('stops before deploying when ALEXA_LINKING_CLIENT_SECRET is not set', async () => {
    const run = await deployScript([], {});
    expect(run.code).to.equal(1);
    expect(run.output).to.contain('ALEXA_LINKING_CLIENT_SECRET is not set');
    expect(run.output).to.not.contain('ask deploy (profile');
  });

  it('says to run npm start when nothing answers on ALEXA_CLOUD_PORT (the skill and the bridge rehearsal alike)', async function () {
    this.timeout(60_000);
    const dataDir = await mkdtemp(join(tmpdir(), 'rehearsal-'));
    try {
      for (const args of [['--local'], ['--bridge', '--local']]) {
        const run = await deployScript(args, { ALEXA_CLOUD_PORT: '9', LOCAL_DATA_DIR: dataDir });
        expect(run.code, args.join(' ')).to.equal(1);
        expect(run.output, args.join(' ')).to.contain('nothing answers at http://127.0.0.1:9').and.contain('`npm start`');
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
