/**
 * common/main-module.ts: the self-hosted entries (`lambda/server.ts`, `bridge/server.ts`) start only when Node was
 * started with them, whatever the path they are started from — one with a space, or one reached through a symlink.
 */
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { expect } from 'chai';
import { isMainModule } from '../../common/main-module.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

describe('main module: the self-hosted entries start from any path', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'main module '));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("takes Node's own import.meta.main when it is there", () => {
    const url = 'file:///elsewhere/x.ts';
    expect(isMainModule({ url, main: true }, '/somewhere/else.ts')).to.equal(true);
    expect(isMainModule({ url, main: false }, fileURLToPath(url))).to.equal(false);
  });

  it('without it, matches the started file through a space in its path and through a symlink', () => {
    mkdirSync(join(dir, 'real dir'));
    symlinkSync(join(dir, 'real dir'), join(dir, 'linked dir'), 'dir');
    const file = join(dir, 'real dir', 'entry point.ts');
    writeFileSync(file, '');
    const url = pathToFileURL(realpathSync(file)).href;
    expect(url).to.contain('%20');
    expect(isMainModule({ url }, file)).to.equal(true);
    expect(isMainModule({ url }, join(dir, 'linked dir', 'entry point.ts'))).to.equal(true);
    expect(isMainModule({ url }, join(dir, 'real dir', 'other.ts'))).to.equal(false);
    expect(isMainModule({ url }, undefined)).to.equal(false);
    expect(isMainModule({ url }, '')).to.equal(false);
  });

  describe('both entries, started with tsx from a copy whose path has a space (and through a symlink to it)', () => {
    let copy: string;
    let link: string;
    before(() => {
      copy = join(dir, 'project copy');
      for (const entry of ['bridge', 'common', 'lambda', 'package.json', 'tsconfig.json']) cpSync(join(ROOT, entry), join(copy, entry), { recursive: true });
      symlinkSync(join(ROOT, 'node_modules'), join(copy, 'node_modules'), 'dir');
      link = join(dir, 'linked copy');
      symlinkSync(copy, link, 'dir');
    });

    /** The entry, started with an environment that lacks what it needs: its main block ran if it prints the error. */
    function start(file: string, env: Record<string, string>): Promise<{ code: number; stderr: string }> {
      return new Promise((resolve) => {
        execFile(process.execPath, ['--import', 'tsx', file], { cwd: copy, env: { PATH: process.env.PATH ?? '', ...env } }, (error, _stdout, stderr) => {
          resolve({ code: error ? Number(error.code) : 0, stderr });
        });
      });
    }

    // One start each (a tsx start takes seconds on a busy machine): the bridge's old check failed on the space, the
    // skill's on the symlink.
    it('bridge/server.ts prints its configuration error, started from the path with a space', async () => {
      const run = await start(join(copy, 'bridge/server.ts'), {});
      expect(run.code, run.stderr).to.equal(1);
      expect(run.stderr).to.match(/^bridge: configuration error: BRIDGE_PUBLIC_URL: not set/m);
    });

    it('lambda/server.ts prints its configuration error, started through the symlink', async () => {
      const run = await start(join(link, 'lambda/server.ts'), {});
      expect(run.code, run.stderr).to.equal(1);
      expect(run.stderr).to.match(/^Configuration error: \w+: not set/m);
    });
  });
});
