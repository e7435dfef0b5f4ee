/**
 * `bash .ci/run` on any developer's machine: which browser the browser tests drive, and whether .ci/run installs one
 * (apt-get, only on Debian/Ubuntu as root) or stops saying what to install. Every decision runs here without root and
 * without a browser: .ci/browser.mjs and .ci/run itself are run against a fake filesystem root, platform and user id
 * (FIND_BROWSER_FAKE_*) and a PATH of fakes — apt-get, npx and npm only record that they were called.
 */
import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { distributionFamily, findBrowser } from '../../scripts/find-browser.mjs';

const run = promisify(execFile);
const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const VARIABLE = 'PLAYWRIGHT_CHROMIUM_EXECUTABLE_PATH';

const OS_RELEASE = {
  debian: 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\nID=debian\n',
  ubuntu: 'NAME="Ubuntu"\nVERSION="24.04 LTS (Noble Numbat)"\nID=ubuntu\nID_LIKE=debian\n',
  mint: 'NAME="Linux Mint"\nID=linuxmint\nID_LIKE="ubuntu debian"\n',
  fedora: 'NAME="Fedora Linux"\nVERSION_ID=40\nID=fedora\n',
};

/** `which name` on this machine's PATH (to put real tools next to the fakes). */
function which(name: string): string {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    try {
      accessSync(join(dir, name), constants.X_OK);
      return join(dir, name);
    } catch {
      // not in this directory
    }
  }
  throw new Error(`test setup: no ${name} on PATH`);
}

interface Machine {
  dir: string;
  /** The fake filesystem root: usual install places and /etc/os-release live under it. */
  root: string;
  /** The only directory on PATH. */
  bin: string;
  /** One line per call of a fake apt-get, npx or npm. */
  calls(): Promise<string[]>;
}

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

describe('bash .ci/run on any machine: which browser, and whether to install one', function () {
  this.timeout(20_000);
  let machine: Machine;

  beforeEach(async () => {
    const dir = await mkdtemp(join(tmpdir(), 'find-browser-'));
    const root = join(dir, 'root');
    const bin = join(dir, 'bin');
    await mkdir(join(root, 'etc'), { recursive: true });
    await mkdir(bin);
    // .ci/run needs node and dirname; nothing else of the machine's is on PATH (its browser included).
    await symlink(process.execPath, join(bin, 'node'));
    await symlink(which('dirname'), join(bin, 'dirname'));
    machine = {
      dir,
      root,
      bin,
      calls: () => readFile(join(dir, 'calls.log'), 'utf8').then((text) => text.split('\n').filter(Boolean), () => []),
    };
  });
  afterEach(() => rm(machine.dir, { recursive: true, force: true }));

  /** An executable file (a stand-in for a browser or a tool) that records its calls. */
  async function executable(path: string, mode = 0o755): Promise<string> {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, `#!/bin/sh\necho "\${0##*/} $*" >> "${join(machine.dir, 'calls.log')}"\n`);
    await chmod(path, mode);
    return path;
  }
  const inRoot = (place: string) => join(machine.root, place);
  const osRelease = (text: string) => writeFile(inRoot('/etc/os-release'), text);
  /** The fakes .ci/run would call: apt-get, npx, npm. */
  const tools = () => Promise.all(['apt-get', 'npx', 'npm'].map((name) => executable(join(machine.bin, name))));

  async function runFile(file: string[], fake: { platform?: string; uid?: number; env?: Record<string, string> }): Promise<Outcome> {
    const env: Record<string, string> = {
      PATH: machine.bin,
      FIND_BROWSER_FAKE_ROOT: machine.root,
      FIND_BROWSER_FAKE_PLATFORM: fake.platform ?? 'linux',
      FIND_BROWSER_FAKE_UID: String(fake.uid ?? 1000),
      ...fake.env,
    };
    const [command, ...args] = file;
    return run(command!, args, { cwd: PROJECT_ROOT, env }).then(
      ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
      (error: { code?: number; stdout?: string; stderr?: string }) => ({ code: error.code ?? -1, stdout: error.stdout ?? '', stderr: error.stderr ?? '' }),
    );
  }
  const decide = (fake: Parameters<typeof runFile>[1] = {}) => runFile([process.execPath, '.ci/browser.mjs'], fake);
  const ciRun = (fake: Parameters<typeof runFile>[1] = {}) => runFile([which('bash'), '.ci/run'], fake);

  describe('the decision (.ci/browser.mjs)', () => {
    it(`uses the browser ${VARIABLE} names, before any usual place`, async () => {
      await executable(inRoot('/usr/bin/chromium'));
      const chosen = await executable(join(machine.dir, 'my browsers', 'chrome'));
      const outcome = await decide({ env: { [VARIABLE]: chosen } });
      expect(outcome).to.include({ code: 0, stdout: `use ${chosen}\n` });
    });

    it(`looks a bare command name in ${VARIABLE} up on PATH (NixOS wraps its browsers)`, async () => {
      const wrapped = await executable(join(machine.bin, 'chromium-wrapped'));
      expect(await decide({ env: { [VARIABLE]: 'chromium-wrapped' } })).to.include({ code: 0, stdout: `use ${wrapped}\n` });
    });

    it(`stops, naming ${VARIABLE}, when it names no executable — it does not fall back or install, even as root on Debian`, async () => {
      await executable(inRoot('/usr/bin/chromium'));
      await osRelease(OS_RELEASE.debian);
      await tools();
      const outcome = await decide({ uid: 0, env: { [VARIABLE]: join(machine.dir, 'no-such-browser') } });
      expect(outcome.code).to.equal(1);
      expect(outcome.stdout).to.equal('');
      expect(outcome.stderr).to.include(`${VARIABLE}=${join(machine.dir, 'no-such-browser')} is not an executable file`);
    });

    // Every usual place and every command name, in this process (the same function the script runs; a process each
    // would add nothing but time).
    // Pinned here as docs/testing.md lists them, not read from the module under test: a place dropped there fails here.
    const usualPlaces = {
      linux: ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome', '/usr/bin/google-chrome-stable', '/usr/bin/microsoft-edge', '/usr/bin/microsoft-edge-stable'],
      darwin: [
        '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
        '/Applications/Chromium.app/Contents/MacOS/Chromium',
        '/Applications/Microsoft Edge.app/Contents/MacOS/Microsoft Edge',
      ],
    };
    const commandNames = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable', 'microsoft-edge', 'microsoft-edge-stable'];
    for (const [platform, places] of Object.entries(usualPlaces)) {
      for (const place of places) {
        it(`finds ${place} on ${platform}`, async () => {
          await executable(inRoot(place));
          expect(findBrowser({ env: { PATH: machine.bin }, platform, root: machine.root })).to.deep.equal({ executable: inRoot(place), how: 'its usual install place' });
        });
      }
    }

    it("does not look in another platform's places (a Linux path on macOS)", async () => {
      await executable(inRoot('/usr/bin/chromium'));
      expect(findBrowser({ env: { PATH: machine.bin }, platform: 'darwin', root: machine.root })).to.equal(undefined);
    });

    for (const name of commandNames) {
      it(`finds \`${name}\` on PATH`, async () => {
        const onPath = await executable(join(machine.bin, name));
        expect(findBrowser({ env: { PATH: `${join(machine.dir, 'empty')}${delimiter}${machine.bin}` }, platform: 'linux', root: machine.root })).to.deep.equal({ executable: onPath, how: `\`${name}\` on PATH` });
      });
    }

    it('finds a browser on PATH through the script too', async () => {
      const onPath = await executable(join(machine.bin, 'google-chrome'));
      expect(await decide()).to.include({ code: 0, stdout: `use ${onPath}\n` });
    });

    it('passes over a file that is not executable', async () => {
      await executable(inRoot('/usr/bin/chromium'), 0o644);
      const chrome = await executable(inRoot('/usr/bin/google-chrome'));
      expect(await decide()).to.include({ code: 0, stdout: `use ${chrome}\n` });
    });

    for (const [system, expected] of [['debian', 'chromium'], ['ubuntu', 'chromium-browser'], ['mint', 'chromium-browser']] as const) {
      it(`no browser, ${system}, root, apt-get present → install ${expected} (and nothing is run)`, async () => {
        await osRelease(OS_RELEASE[system]);
        await tools();
        expect(await decide({ uid: 0 })).to.include({ code: 0, stdout: `install ${expected}\n` });
        expect(await machine.calls()).to.deep.equal([]);
      });
    }

    it('no browser, Debian, not root → exits 1 saying what to install and the variable', async () => {
      await osRelease(OS_RELEASE.debian);
      await tools();
      const outcome = await decide({ uid: 1000 });
      expect(outcome.code).to.equal(1);
      expect(outcome.stdout).to.equal('');
      expect(outcome.stderr).to.include('none was found').and.include('sudo apt-get install chromium').and.include(VARIABLE);
    });

    it('no browser, Debian, root, but no apt-get → exits 1 saying what to install', async () => {
      await osRelease(OS_RELEASE.debian);
      const outcome = await decide({ uid: 0 });
      expect(outcome.code).to.equal(1);
      expect(outcome.stderr).to.include('sudo apt-get install chromium').and.include(VARIABLE);
    });

    it('no browser on macOS → exits 1 naming Google Chrome and the variable, even as root with apt-get on PATH', async () => {
      await osRelease(OS_RELEASE.debian);
      await tools();
      const outcome = await decide({ platform: 'darwin', uid: 0 });
      expect(outcome.code).to.equal(1);
      expect(outcome.stdout).to.equal('');
      expect(outcome.stderr).to.include('Install Google Chrome').and.include('brew install --cask google-chrome').and.include(VARIABLE);
    });

    it('no browser on another Linux (Fedora), root → exits 1 pointing at its package manager', async () => {
      await osRelease(OS_RELEASE.fedora);
      await tools();
      const outcome = await decide({ uid: 0 });
      expect(outcome.code).to.equal(1);
      expect(outcome.stderr).to.include("your distribution's package manager").and.include(VARIABLE);
    });

    it("reads ID and ID_LIKE from os-release, quoted or not", () => {
      expect(distributionFamily(OS_RELEASE.mint)).to.deep.equal(['linuxmint', 'ubuntu', 'debian']);
      expect(distributionFamily(OS_RELEASE.debian)).to.deep.equal(['debian']);
      expect(distributionFamily("ID='opensuse-tumbleweed'\nID_LIKE=\"opensuse suse\"\n")).to.deep.equal(['opensuse-tumbleweed', 'opensuse', 'suse']);
      expect(distributionFamily('')).to.deep.equal([]);
    });
  });

  describe('.ci/run', () => {
    it('with a browser: no apt-get; npm ci and npm test', async () => {
      await executable(inRoot('/usr/bin/chromium'));
      await osRelease(OS_RELEASE.debian);
      await tools();
      const outcome = await ciRun({ uid: 0 });
      expect(outcome.code, outcome.stderr).to.equal(0);
      expect(await machine.calls()).to.deep.equal(['npx -y -p node@24 -- npm ci --no-audit --no-fund', 'npm test']);
    });

    it('Debian as root without a browser: apt-get installs chromium, then npm ci and npm test', async () => {
      await osRelease(OS_RELEASE.debian);
      await tools();
      const outcome = await ciRun({ uid: 0 });
      expect(outcome.code, outcome.stderr).to.equal(0);
      expect(await machine.calls()).to.deep.equal([
        'apt-get update -qq',
        'apt-get install -y -qq chromium',
        'npx -y -p node@24 -- npm ci --no-audit --no-fund',
        'npm test',
      ]);
    });

    for (const [title, fake] of [
      ['not root on Debian', { uid: 1000 }],
      ['macOS', { platform: 'darwin', uid: 501 }],
    ] as const) {
      it(`${title} without a browser: stops at once with the message, non-zero, before installing anything`, async () => {
        await osRelease(OS_RELEASE.debian);
        await tools();
        const outcome = await ciRun(fake);
        expect(outcome.code).to.not.equal(0);
        expect(outcome.stderr).to.include('none was found').and.include(VARIABLE);
        expect(await machine.calls()).to.deep.equal([]);
      });
    }
  });
});
