/**
 * How a Lambda entry is bundled — shared by `npm run build` and the benchmark's baseline, so both are built alike.
 *
 * ESM with code splitting: modules the skill loads with `import()` on first use (jose, got, node:crypto) land in
 * their own chunks, so a cold start parses only what the first request needs. The banner gives the CommonJS
 * packages inside the bundle (the ASK SDK) the `require` they expect.
 */
import { build, type Plugin } from 'esbuild';
import { readFile, rm } from 'node:fs/promises';
import { builtinModules, createRequire } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

export async function bundleLambda(entry: string, outdir: string, options: { mainFields?: string[]; plugins?: Plugin[] } = {}): Promise<{ bytes: number; entryBytes: number }> {
  await rm(outdir, { recursive: true, force: true }); // never leave a stale chunk next to a fresh bundle
  const result = await build({
    entryPoints: { index: entry },
    outdir,
    outExtension: { '.js': '.mjs' }, // ESM whatever package.json says; Lambda resolves handler "index.handler" to index.mjs
    chunkNames: 'chunks/[name]-[hash]',
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node24',
    minify: true,
    legalComments: 'linked',
    banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
    metafile: true,
    plugins: [...(options.plugins ?? []), nodeBuiltinsByRequire, joseHeadersWithoutUndici, listFormatsOnFirstUse, lruCacheClockOnFirstUse],
    logLevel: 'warning',
    ...(options.mainFields ? { mainFields: options.mainFields } : {}),
  });
  const outputs = Object.entries(result.metafile.outputs);
  return {
    bytes: outputs.reduce((sum, [, o]) => sum + o.bytes, 0),
    entryBytes: outputs.find(([path]) => path.endsWith('index.mjs'))?.[1].bytes ?? 0,
  };
}

/**
 * The bridge's Lambda bundle (handler `index.handler`) with every provider profile of bridge/profiles/registry.ts, whose
 * names it returns for the build's summary. (Imported lazily: the deploy hook's skill-only build runs in copies
 * without bridge/.)
 */
export async function bundleBridge(outdir: string): Promise<{ bytes: number; entryBytes: number; profiles: readonly string[] }> {
  const { PROFILE_NAMES } = await import('../bridge/profiles/registry.js');
  // `module` first: the AWS packages (the SigV4 signer, @smithy/core, DynamoDB's marshalling) then come in their
  // ES-module builds, which the bundler trims to what is used. Packages with an `exports` map (got, jose) resolve as
  // before.
  const built = await bundleLambda('bridge/index.ts', outdir, { mainFields: ['module', 'main'], plugins: [lambdaCredentialsOnly] });
  return { ...built, profiles: PROFILE_NAMES };
}

/**
 * On Lambda the function role's credentials are always in the environment (AWS_ACCESS_KEY_ID, …), where
 * bridge/aws/json-client.ts looks first; the AWS SDK's provider chain, its fallback on other hosts, is left out of the
 * bridge's Lambda bundle. Bundled, the chain would not only add chunks never loaded: the SDK modules it shares with
 * the signer (the protocol codecs behind @smithy/core's index files) would move into chunks every cold start loads.
 */
const lambdaCredentialsOnly: Plugin = {
  name: 'lambda-credentials-only',
  setup(build) {
    build.onResolve({ filter: /^@aws-sdk\/credential-providers$/ }, (args) => ({ path: args.path, namespace: 'lambda-credentials-only' }));
    build.onLoad({ filter: /.*/, namespace: 'lambda-credentials-only' }, () => ({
      // Named as the SDK names a chain that found nothing: the bridge logs an error's name, never its message.
      contents: `export const fromNodeProviderChain = () => async () => { throw Object.assign(new Error('no AWS credentials in the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY), where Lambda puts the function role\\'s'), { name: 'CredentialsProviderError' }); };`,
      loader: 'js',
    }));
  },
};

/**
 * Node's built-in modules, as a cold start can afford them:
 *
 * - every static import through `require`, not `import`. For an ES-module import of a built-in, Node builds a
 *   namespace object from all of the module's exports, reading each one — milliseconds per module for the dozen that
 *   got, jose and the AWS SDK import (crypto, https, tls, zlib, stream, …), and for node:http it reads the lazy
 *   `WebSocket`, `CloseEvent` and `MessageEvent` getters, which load undici (Node's fetch, tens of milliseconds)
 *   although nothing here uses them. `require` reads nothing until it is used; esbuild's interop keeps default, named
 *   and namespace imports working. A dynamic `import()` stays an ES import (its caller reads the namespace), except
 *   node:http's, which the AWS SDK's HTTP handler makes: that one gets the same exports less undici's.
 * - node:http2 loaded on first use. got imports it for its HTTP/2 client, which the skill never enables, and reads
 *   only `http2.constants` at load — protocol constants, copied here at build time (by the Node 24 that builds the
 *   bundle for Lambda's nodejs24.x). Everything else is the real module, loaded when first touched.
 */
const BUILTIN = new RegExp(`^(${builtinModules.map((name) => (name.startsWith('node:') ? name : `(node:)?${name}`)).join('|')})$`);

const nodeBuiltinsByRequire: Plugin = {
  name: 'node-builtins-by-require',
  setup(build) {
    build.onResolve({ filter: BUILTIN }, (args) => {
      const path = args.path.startsWith('node:') ? args.path : `node:${args.path}`;
      if (args.kind === 'dynamic-import') return path === 'node:http' ? { path, namespace: 'node-http-esm' } : { path, external: true };
      return args.namespace === 'node-builtins' ? { path, external: true } : { path, namespace: 'node-builtins' };
    });
    build.onLoad({ filter: /.*/, namespace: 'node-builtins' }, (args) => ({
      contents: args.path === 'node:http2' ? lazyHttp2() : args.path === 'node:util' ? utilBehindGetters() : `module.exports = require(${JSON.stringify(args.path)});`,
      loader: 'js',
    }));
    build.onLoad({ filter: /.*/, namespace: 'node-http-esm' }, () => ({ contents: httpWithoutUndici(), loader: 'js' }));
  },
};

/**
 * node:http as an ES module without the three exports that are undici's (lazy getters that load it when read, as
 * building a namespace does): every other export, named as the Node 24 that builds the bundle names them.
 */
function httpWithoutUndici(): string {
  const undicis = new Set(['WebSocket', 'CloseEvent', 'MessageEvent']);
  const names = Object.keys(createRequire(import.meta.url)('node:http') as object).filter((name) => !undicis.has(name));
  return `const http = require('node:http');\nexport default http;\nexport const { ${names.join(', ')} } = http;`;
}

/**
 * node:util as an object of getters onto the real module. The bundle's CommonJS interop copies an imported module's
 * properties by reading each one's descriptor, and reading the descriptor of one of util's lazy exports loads what
 * it stands for: parseArgs, diff, the worker threads behind `util.setTraceSigInt`… — some 30 built-in modules, ~5 ms
 * of a cold start that uses none of them. A getter's descriptor is only a getter; the real export is read when used.
 */
function utilBehindGetters(): string {
  const names = Object.keys(createRequire(import.meta.url)('node:util') as object);
  return `const util = require('node:util');
module.exports = {};
for (const name of ${JSON.stringify(names)}) Object.defineProperty(module.exports, name, { enumerable: true, get: () => util[name] });`;
}

function lazyHttp2(): string {
  const http2 = createRequire(import.meta.url)('node:http2') as { constants: Record<string, string | number> };
  const names = Object.keys(http2).filter((name) => name !== 'constants');
  return `let real;
const load = () => (real ??= require('node:http2'));
module.exports = { constants: Object.freeze(${JSON.stringify(http2.constants)}) };
for (const name of ${JSON.stringify(names)}) Object.defineProperty(module.exports, name, { enumerable: true, get: () => load()[name] });`;
}

/**
 * jose's remote key set gets the small `Headers` of lambda/account/jwks-headers.ts instead of the global one, whose
 * first use loads undici too (the skill fetches the JWKS through got: lambda/account/jwks-fetch.ts). Only that one
 * module of jose is touched; if jose moves it, test/unit/bundle.test.ts sees undici loaded on a linked request.
 */
const JOSE_REMOTE_JWKS = /[\\/]jose[\\/]dist[\\/]webapi[\\/]jwks[\\/]remote\.js$/;
const HEADERS_FOR_JOSE = fileURLToPath(new URL('../lambda/account/jwks-headers.ts', import.meta.url));

const joseHeadersWithoutUndici: Plugin = {
  name: 'jose-headers-without-undici',
  setup(build) {
    build.onLoad({ filter: JOSE_REMOTE_JWKS }, async (args) => ({
      contents: `import { Headers } from ${JSON.stringify(HEADERS_FOR_JOSE)};\n${await readFile(args.path, 'utf8')}`,
      loader: 'js',
      resolveDir: dirname(args.path),
    }));
  },
};

/**
 * got's type checks (@sindresorhus/is) build two `Intl.ListFormat`s when loaded, for the wording of a failed
 * assertion — a message got only writes when called wrongly. Building one starts ICU's locale machinery: about a tenth
 * of a linked cold start (~10 ms of ~100 over hello world). Here each is built the first time it formats. If the
 * package changes these lines, the file is bundled as it is and test/unit/bundle.test.ts sees the eager call.
 */
const SINDRESORHUS_IS = /[\\/]@sindresorhus[\\/]is[\\/]distribution[\\/]index\.js$/;

const listFormatsOnFirstUse: Plugin = {
  name: 'list-formats-on-first-use',
  setup(build) {
    build.onLoad({ filter: SINDRESORHUS_IS }, async (args) => ({
      contents:
        'const __listFormatOnFirstUse = (...options) => { let format; return { format: (list) => (format ??= new Intl.ListFormat(...options)).format(list) }; };\n' +
        (await readFile(args.path, 'utf8')).replaceAll('new Intl.ListFormat(', '__listFormatOnFirstUse('),
      loader: 'js',
      resolveDir: dirname(args.path),
    }));
  },
};

/**
 * lru-cache picks its clock when loaded by reading the `performance` global, whose first touch loads Node's
 * perf_hooks (eleven modules, ~2 ms of a cold start); the clock is read only for entries with a time to live, which
 * the skill's token cache does not set. Here the same clock is looked up when first used. The build lru-cache ships
 * for Node is minified, so its one expression is matched as written; if lru-cache changes it, the file is bundled as it
 * is and test/unit/bundle.test.ts sees perf_hooks loaded on a linked request.
 */
const LRU_CACHE_FOR_NODE = /[\\/]lru-cache[\\/]dist[\\/]esm[\\/]node[\\/]index\.min\.js$/;
const LRU_CACHE_CLOCK = 'typeof performance=="object"&&performance&&typeof performance.now=="function"?performance:Date';

const lruCacheClockOnFirstUse: Plugin = {
  name: 'lru-cache-clock-on-first-use',
  setup(build) {
    build.onLoad({ filter: LRU_CACHE_FOR_NODE }, async (args) => ({
      contents: (await readFile(args.path, 'utf8')).replace(LRU_CACHE_CLOCK, '{now:()=>performance.now()}'),
      loader: 'js',
      resolveDir: dirname(args.path),
    }));
  },
};
