/**
 * The bundle `npm run build` writes is what `ask deploy` ships (hooks/build.sh zips it): it must load on its own (no
 * node_modules, no TypeScript) and answer a LaunchRequest through the exported Lambda handler.
 */
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire, isBuiltin } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { unzipSync } from 'fflate';
import { bundleLambda } from '../../scripts/bundle.js';
import { launch, TEST_SKILL_ID } from '../support/envelopes.js';
import { startStubApi } from '../support/stub-api.js';
import { createTestIssuer } from '../support/tokens.js';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
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

  it('loads outside the project and answers a LaunchRequest through the exported handler (timing it without perf_hooks)', async () => {
    const isolated = mkdtempSync(join(tmpdir(), 'bundle-'));
    try {
      cpSync(src, isolated, { recursive: true });
      const script = `
        import(${JSON.stringify(join(isolated, 'index.mjs'))})
          .then(({ handler }) => handler(JSON.parse(process.argv[1])))
          .then((r) => process.stdout.write(JSON.stringify({ ...r, perfHooks: process.moduleLoadList.includes('NativeModule perf_hooks') })));`;
      const { stdout } = await promisify(execFile)(process.execPath, ['-e', script, JSON.stringify(launch())], {
        cwd: isolated,
        env: { PATH: process.env.PATH, ALEXA_SKILL_ID: TEST_SKILL_ID, RIDE_API_URL: 'http://127.0.0.1:9', LOG_LEVEL: 'silent' },
      });
      const response = JSON.parse(stdout);
      // The request log times the request on process.hrtime: the `performance` global would load perf_hooks (~2 ms).
      expect(response.perfHooks).to.equal(false);
      expect(response.version).to.equal('1.0');
      expect(response.response.card).to.deep.equal({ type: 'LinkAccount' });
      expect(response.response.outputSpeech.ssml).to.match(/link your account/);
    } finally {
      rmSync(isolated, { recursive: true, force: true });
    }
  });

  it("answers a linked LaunchRequest (JWKS fetched, token verified, API called) without loading undici (Node's fetch), node:http2, worker threads, perf_hooks or an Intl.ListFormat", async () => {
    // Each costs milliseconds of a cold start; the JWKS comes through got (lambda/account/jwks-fetch.ts), and
    // scripts/bundle.ts keeps jose's Headers and got's node:http import from loading undici, node:http2 (got's unused
    // HTTP/2 client) unloaded until used, node:util's lazy exports (worker threads among them) unread, got's list
    // formats unbuilt and lru-cache's clock (the `performance` global: perf_hooks) unread. Which modules Node loaded, and what was constructed, is the observable, not a time.
    const issuer = await createTestIssuer();
    const keys = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(issuer.jwks)));
    await new Promise<void>((resolve) => keys.listen(0, '127.0.0.1', resolve));
    const api = await startStubApi();
    api.script('GET', '/v1/me', { status: 200, body: { id: 'user-ann', name: 'Ann Example', email: 'ann@example.com' } });
    try {
      const script = `
        let listFormats = 0;
        const Real = Intl.ListFormat;
        Intl.ListFormat = class extends Real { constructor(...args) { super(...args); listFormats += 1; } };
        import(${JSON.stringify(join(src, 'index.mjs'))})
          .then(({ handler }) => handler(JSON.parse(process.argv[1])))
          .then((r) => process.stdout.write(JSON.stringify({ r, listFormats, loaded: process.moduleLoadList.filter((m) => /undici|http2|worker_threads|perf_hooks/.test(m)) })));`;
      const { stdout } = await promisify(execFile)(process.execPath, ['-e', script, JSON.stringify(launch({ token: await issuer.token() }))], {
        env: {
          PATH: process.env.PATH,
          ALEXA_SKILL_ID: TEST_SKILL_ID,
          RIDE_API_URL: api.url,
          OAUTH_JWKS_URL: `http://127.0.0.1:${(keys.address() as AddressInfo).port}/jwks`,
          OAUTH_ISSUER: issuer.config.issuer,
          OAUTH_AUDIENCE: issuer.config.audience,
          OAUTH_ALGORITHMS: 'ES256',
          LOG_LEVEL: 'silent',
        },
      });
      const { r, loaded, listFormats } = JSON.parse(stdout);
      expect(r.response.outputSpeech.ssml).to.contain('Welcome back to Ride Hailer, Ann Example');
      expect(loaded).to.deep.equal([]);
      expect(listFormats).to.equal(0);
      api.verify();
    } finally {
      await api.close();
      keys.close();
    }
  });

  it('bundles node:http2 as the real module, loaded on first use, with its constants there from the start', async () => {
    const work = mkdtempSync(join(tmpdir(), 'bundle-http2-'));
    try {
      writeFileSync(
        join(work, 'entry.ts'),
        `import http2, { constants } from 'node:http2';
         const loaded = () => process.moduleLoadList.includes('NativeModule http2');
         export const probe = () => {
           const atStart = loaded();
           const status = constants.HTTP2_HEADER_STATUS && http2.constants === constants;
           const afterConstants = loaded();
           const connect = http2.connect;
           const afterConnect = loaded();
           const real = require('node:http2');
           return { atStart, status, afterConstants, afterConnect, real: connect === real.connect, sameConstants: JSON.stringify(constants) === JSON.stringify(real.constants) };
         };`,
      );
      await bundleLambda(join(work, 'entry.ts'), join(work, 'out'));
      const script = `import(${JSON.stringify(join(work, 'out', 'index.mjs'))}).then(({ probe }) => process.stdout.write(JSON.stringify(probe())));`;
      const { stdout } = await promisify(execFile)(process.execPath, ['-e', script], { env: { PATH: process.env.PATH } });
      expect(JSON.parse(stdout)).to.deep.equal({ atStart: false, status: true, afterConstants: false, afterConnect: true, real: true, sameConstants: true });
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });

  it("builds got's two Intl.ListFormats (its type checks' wording) when a failed check is worded, not when got loads", async () => {
    const work = mkdtempSync(join(tmpdir(), 'bundle-listformat-'));
    try {
      writeFileSync(
        join(work, 'entry.ts'),
        `import got from ${JSON.stringify(createRequire(import.meta.url).resolve('got'))};
         export const probe = async () => {
           const afterLoad = globalThis.listFormatsBuilt;
           const message = await got('http://127.0.0.1:9/', { body: 5 as never, retry: { limit: 0 } }).then(() => '', (error: Error) => error.message);
           return { afterLoad, message, afterMessage: globalThis.listFormatsBuilt };
         };`,
      );
      await bundleLambda(join(work, 'entry.ts'), join(work, 'out'));
      const script = `
        globalThis.listFormatsBuilt = 0;
        const Real = Intl.ListFormat;
        Intl.ListFormat = class extends Real { constructor(...args) { super(...args); globalThis.listFormatsBuilt += 1; } };
        import(${JSON.stringify(join(work, 'out', 'index.mjs'))}).then(async ({ probe }) => process.stdout.write(JSON.stringify(await probe())));`;
      const { stdout } = await promisify(execFile)(process.execPath, ['-e', script], { env: { PATH: process.env.PATH } });
      expect(JSON.parse(stdout)).to.deep.equal({
        afterLoad: 0,
        message: "Option 'body': Expected values which are `predicate returns truthy for any value`. Received values of type `number`.",
        afterMessage: 2,
      });
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });

  it("takes Node's built-in modules through require, not as ES modules (whose namespace Node builds from every export at load), with default, named, namespace and dynamic imports working", async () => {
    const work = mkdtempSync(join(tmpdir(), 'bundle-builtins-'));
    try {
      writeFileSync(
        join(work, 'entry.ts'),
        `import zlib, { gunzipSync } from 'node:zlib';
         import util, { promisify } from 'node:util';
         import * as os from 'os';
         import { createHash } from 'crypto';
         export const probe = async () => ({
           zlib: gunzipSync(zlib.gzipSync('ride')).toString(),
           os: typeof os.cpus,
           hash: createHash('sha256').update('').digest('hex').slice(0, 8),
           // node:util behind getters: the real functions, and its lazy exports (worker threads…) left unloaded.
           util: [util.promisify === promisify, util.types.isDate(new Date()), process.moduleLoadList.includes('NativeModule worker_threads')],
           lazy: typeof (await import('node:path')).join,
           // As the AWS SDK's HTTP handler loads it: named exports there, undici (http's WebSocket getter) not loaded.
           http: await import('node:http').then((http) => [typeof http.request, http.default.Agent === http.Agent, process.moduleLoadList.some((m) => /undici/.test(m))]),
         });`,
      );
      await bundleLambda(join(work, 'entry.ts'), join(work, 'out'));
      const script = `import(${JSON.stringify(join(work, 'out', 'index.mjs'))}).then(async ({ probe }) => process.stdout.write(JSON.stringify(await probe())));`;
      const { stdout } = await promisify(execFile)(process.execPath, ['-e', script], { env: { PATH: process.env.PATH } });
      expect(JSON.parse(stdout)).to.deep.equal({ zlib: 'ride', os: 'function', hash: 'e3b0c442', util: [true, true, false], lazy: 'function', http: ['function', true, false] });
      // The shipped bundles too: no static ES import of a built-in but the banner's node:module. (A dynamic import()
      // stays one: its caller reads the namespace, and pays for it only on that path.)
      for (const bundle of [join(work, 'out'), src, join(root, 'dist/bridge')]) {
        for (const file of readdirSync(bundle, { recursive: true, encoding: 'utf8' }).filter((name) => name.endsWith('.mjs'))) {
          const esImports = readFileSync(join(bundle, file), 'utf8').match(/(?:from\s*|import\s*)["'](?:node:)?(?:[a-z_]+)(?:\/[a-z_]+)?["']/g) ?? [];
          const builtin = esImports.filter((found) => isBuiltin(/["']([^"']+)["']/.exec(found)![1]!) && !/["']node:module["']/.test(found));
          expect(builtin, `${bundle}/${file}`).to.deep.equal([]);
        }
      }
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });

  it('without its variables, logs one line naming all of them and answers with their names instead of failing its cold start', async () => {
    const script = `
      import(${JSON.stringify(join(src, 'index.mjs'))})
        .then(({ handler }) => handler(JSON.parse(process.argv[1])))
        .then((r) => process.stdout.write(JSON.stringify(r) + '\\n'));`;
    const { stdout } = await promisify(execFile)(process.execPath, ['-e', script, JSON.stringify(launch())], {
      env: { PATH: process.env.PATH, OAUTH_JWKS_URL: 'https://issuer.example.com/jwks' },
    });
    const lines = stdout.trim().split('\n');
    // The configuration line, the request line, the answer.
    expect(lines).to.have.length(3);
    const [logLine, , answer] = lines;
    expect(JSON.parse(logLine!)).to.include({ event: 'configuration_invalid', variables: 'RIDE_API_URL, OAUTH_ISSUER, OAUTH_AUDIENCE' });
    expect(JSON.parse(answer!).response.outputSpeech.ssml).to.contain('RIDE_API_URL, OAUTH_ISSUER, OAUTH_AUDIENCE');
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
