/**
 * How a Lambda entry is bundled — shared by `npm run build` and the benchmark's baseline, so both are built alike.
 *
 * ESM with code splitting: modules the skill loads with `import()` on first use (jose, got, node:crypto) land in
 * their own chunks, so a cold start parses only what the first request needs. The banner gives the CommonJS
 * packages inside the bundle (the ASK SDK) the `require` they expect.
 */
import { build } from 'esbuild';
import { rm } from 'node:fs/promises';

export async function bundleLambda(entry: string, outdir: string, options: { mainFields?: string[] } = {}): Promise<{ bytes: number; entryBytes: number }> {
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
  // `module` first: the AWS SDK's packages (DynamoDB, Secrets Manager) then come in their ES-module builds, which the
  // bundler trims to the commands used — the cold start of the deployed bridge drops by about a quarter (bench
  // bridge-lambda: 899 → 673 ms on one machine and hour). Packages with an `exports` map (got, jose) resolve as before.
  const built = await bundleLambda('bridge/index.ts', outdir, { mainFields: ['module', 'main'] });
  return { ...built, profiles: PROFILE_NAMES };
}
