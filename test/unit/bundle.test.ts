/**
 * The bundle `npm run build` writes is what `ask deploy` ships (hooks/build.sh zips it): it must load on its own (no
 * node_modules, no TypeScript) and answer a LaunchRequest through the exported Lambda handler.
 */
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { unzipSync } from 'fflate';
import { launch, TEST_SKILL_ID } from '../support/envelopes.js';
import { freshBuild } from '../support/fresh-build.js';

const root = new URL('../../', import.meta.url).pathname;

describe('Lambda bundle (npm run build)', () => {
  const resources = JSON.parse(readFileSync(join(root, 'ask-resources.json'), 'utf8'));
  const profile = resources.profiles.default;
  const src = join(root, 'dist/lambda');

  before(() => freshBuild());

  it('is deployed through the build hook from a code folder every clone has, with a handler the bundle exports', () => {
    expect(resources.askcliResourcesVersion).to.equal('2020-03-31');
    expect(profile.skillInfrastructure).to.deep.include({ type: '@ask-cli/lambda-deployer' });
    expect(profile.skillInfrastructure.userConfig).to.include({ runtime: 'nodejs24.x', handler: 'index.handler' });
    // The CLI checks code.default.src exists before it runs hooks/build.sh: the sources are committed, dist/ is not.
    expect(profile.code.default.src).to.equal('./lambda');
    expect(existsSync(join(root, 'lambda/index.ts'))).to.equal(true);
    expect(existsSync(join(src, 'index.mjs'))).to.equal(true);
  });

  it('loads outside the project and answers a LaunchRequest through the exported handler', async () => {
    const isolated = mkdtempSync(join(tmpdir(), 'bundle-'));
    try {
      cpSync(src, isolated, { recursive: true });
      const script = `
        import(${JSON.stringify(join(isolated, 'index.mjs'))})
          .then(({ handler }) => handler(JSON.parse(process.argv[1])))
          .then((r) => process.stdout.write(JSON.stringify(r)));`;
      const { stdout } = await promisify(execFile)(process.execPath, ['-e', script, JSON.stringify(launch())], {
        cwd: isolated,
        env: { PATH: process.env.PATH, ALEXA_SKILL_ID: TEST_SKILL_ID, RIDE_API_URL: 'http://127.0.0.1:9', LOG_LEVEL: 'silent' },
      });
      const response = JSON.parse(stdout);
      expect(response.version).to.equal('1.0');
      expect(response.response.card).to.deep.equal({ type: 'LinkAccount' });
      expect(response.response.outputSpeech.ssml).to.match(/link your account/);
    } finally {
      rmSync(isolated, { recursive: true, force: true });
    }
  });

  it('fails its cold start with the name of a missing variable', async () => {
    const failure = await promisify(execFile)(process.execPath, ['-e', `import(${JSON.stringify(join(src, 'index.mjs'))})`], {
      env: { PATH: process.env.PATH, RIDE_API_URL: 'http://127.0.0.1:9' },
    }).catch((error: { stderr: string }) => error);
    expect((failure as { stderr: string }).stderr).to.contain('ALEXA_SKILL_ID: not set');
  });

  it("is rebuilt by the ASK CLI's build hook, so `ask deploy` never ships a stale file", async function () {
    this.timeout(60_000);
    writeFileSync(join(src, 'stale-from-an-old-build.mjs'), 'export {}');
    const work = mkdtempSync(join(tmpdir(), 'ask-build-'));
    try {
      // The ASK CLI runs the hook from its build folder with the zip path to create.
      await promisify(execFile)(join(root, 'hooks/build.sh'), ['build.zip', 'false'], { cwd: work });
      const names = Object.keys(unzipSync(readFileSync(join(work, 'build.zip'))));
      expect(names).to.include('index.mjs');
      expect(names.some((name) => /^chunks\/\S+\.mjs$/.test(name))).to.equal(true);
      expect(names.join('\n')).not.to.contain('stale-from-an-old-build');
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });
});
