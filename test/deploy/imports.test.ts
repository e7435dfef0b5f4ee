/**
 * `npm run deploy` to Amazon (and `--bridge` to AWS) loads nothing from local/, the offline stack: esbuild's metafile
 * of scripts/deploy.ts is the import graph, walked from the entry along every import except the dynamic ones into
 * the modules only `--local` loads. Those load leaf modules of local/ only (constants), never the emulator.
 */
import { build, type Metafile } from 'esbuild';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const ENTRY = 'scripts/deploy.ts';
/** The modules only `--local` loads, each through a dynamic import. */
const LOCAL_ONLY = ['scripts/deploy/rehearsal.ts', 'scripts/deploy/bridge-local.ts'];

async function importGraph(): Promise<Metafile['inputs']> {
  const result = await build({
    entryPoints: [ENTRY],
    absWorkingDir: ROOT,
    bundle: true,
    write: false,
    metafile: true,
    platform: 'node',
    format: 'esm',
    target: 'node24',
    packages: 'external',
    logLevel: 'silent',
  });
  return result.metafile.inputs;
}

/** The project files reached from ENTRY, following imports for which `follow` says yes; packages left out. */
function reached(inputs: Metafile['inputs'], follow: (to: string, kind: string) => boolean): Set<string> {
  const seen = new Set([ENTRY]);
  const queue = [ENTRY];
  for (let file = queue.pop(); file !== undefined; file = queue.pop()) {
    for (const { path, kind, external } of inputs[file]?.imports ?? []) {
      if (external || seen.has(path) || !follow(path, kind)) continue;
      seen.add(path);
      queue.push(path);
    }
  }
  return seen;
}

describe('deploy: what npm run deploy loads', () => {
  let inputs: Metafile['inputs'];
  before(async () => {
    inputs = await importGraph();
  });

  it('to Amazon (the skill, and --bridge to AWS): no file under local/', () => {
    const amazon = reached(inputs, (to, kind) => !(kind === 'dynamic-import' && LOCAL_ONLY.includes(to)));
    expect(amazon).to.include('scripts/deploy/bridge-command.ts'); // the walk does reach the --bridge path
    expect([...amazon].filter((file) => file.startsWith('local/'))).to.deep.equal([]);
    for (const file of LOCAL_ONLY) expect(amazon, `${file} is imported statically`).not.to.include(file);
  });

  it('with --local: leaf modules of local/ only, never the emulator or a server of the stack', () => {
    const everything = reached(inputs, () => true);
    for (const file of LOCAL_ONLY) expect(everything).to.include(file);
    const local = [...everything].filter((file) => file.startsWith('local/')).sort();
    expect(local).to.deep.equal(['local/cloud-credentials.ts', 'local/demo.ts', 'local/paths.ts', 'local/redirect-uris.ts']);
    for (const file of local) {
      const imports = (inputs[file]?.imports ?? []).map((i) => i.path).filter((path) => !path.startsWith('node:'));
      expect(imports.every((path) => local.includes(path)), `${file} imports ${imports.join(', ')}`).to.equal(true);
    }
  });
});
