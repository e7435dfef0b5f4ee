/**
 * How a Lambda entry is bundled — shared by `npm run build` and the benchmark's baseline, so both are built alike.
 *
 * ESM with code splitting: modules the skill loads with `import()` on first use (jose, got, node:crypto) land in
 * their own chunks, so a cold start parses only what the first request needs. The banner gives the CommonJS
 * packages inside the bundle (the ASK SDK) the `require` they expect.
 */
import { build, type Plugin } from 'esbuild';
import { readFile, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

export async function bundleLambda(entry: string, outdir: string, options: { define?: Record<string, string> } = {}): Promise<{ bytes: number; entryBytes: number }> {
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
    plugins: [httpThroughRequire, joseHeadersWithoutUndici],
    logLevel: 'warning',
    ...(options.define ? { define: options.define } : {}),
  });
  const outputs = Object.entries(result.metafile.outputs);
  return {
    bytes: outputs.reduce((sum, [, o]) => sum + o.bytes, 0),
    entryBytes: outputs.find(([path]) => path.endsWith('index.mjs'))?.[1].bytes ?? 0,
  };
}

/**
 * node:http through `require`, not `import`. got imports it as an ES module, and Node builds an ES module's namespace
 * from every export — reading node:http's lazy `WebSocket`, `CloseEvent` and `MessageEvent` getters, which load
 * undici (Node's fetch, tens of milliseconds of a cold start) although nothing here uses them. `require` reads
 * nothing until it is used; esbuild's interop keeps `import http, { ServerResponse } from 'node:http'` working.
 */
const httpThroughRequire: Plugin = {
  name: 'node-http-through-require',
  setup(build) {
    build.onResolve({ filter: /^(node:)?http$/ }, (args) =>
      args.namespace === 'builtin-through-require' ? { path: 'node:http', external: true } : { path: 'node:http', namespace: 'builtin-through-require' },
    );
    build.onLoad({ filter: /.*/, namespace: 'builtin-through-require' }, () => ({ contents: "module.exports = require('node:http');", loader: 'js' }));
  },
};

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
