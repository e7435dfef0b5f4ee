/**
 * The shape of the house, checked on every test run (ARCHITECTURE.md, "The components"): arrows point one way.
 * - No import cycle between files — type-only imports included, since a cycle of types is a cycle of meaning.
 * - No cycle between folders that do not contain one another (local/alexa → local/ride-api → local/alexa …); a parent
 *   folder and its own subfolders may import each other (lambda/skill.ts wires lambda/handlers/, which throw
 *   lambda/errors.ts).
 * - What ships (common/, lambda/, bridge/) never imports the offline stack, the scripts, the tests or the benchmarks. (That
 *   `npm run deploy` to Amazon loads nothing of local/ is test/deploy/imports.test.ts's, which follows the --local
 *   paths the way the script takes them.)
 * - The skill and the bridge, two deployables, never import each other: what both need is in common/, which imports
 *   neither, so a change to one never changes the other's bundle by accident.
 * Imports are read from the sources (static `import`/`export … from` and `import('…')` with a relative path), so the
 * check needs no build and sees type imports that a bundler erases.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { expect } from 'chai';
import { PROJECT_ROOT } from '../../local/alexa/config.js';

const TOP_FOLDERS = ['common', 'lambda', 'bridge', 'local', 'scripts', 'bench', 'test'];
const SKIPPED = new Set(['node_modules', 'dist', '.local', '.stryker-tmp', 'reports']);

function sourceFiles(): string[] {
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) {
        if (!SKIPPED.has(name)) walk(path);
      } else if (/\.m?ts$/.test(name) && !name.endsWith('.d.ts')) found.push(path);
    }
  };
  for (const top of TOP_FOLDERS) walk(join(PROJECT_ROOT, top));
  return found;
}

const IMPORT = /(?:^|\n)\s*(?:import|export)\b[^;'"]*?\bfrom\s+'(\.[^']+)'|\bimport\(\s*'(\.[^']+)'\s*\)/g;

/** File (relative to the project) → the project files it imports. */
export function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of sourceFiles()) {
    const targets: string[] = [];
    for (const match of readFileSync(file, 'utf8').matchAll(IMPORT)) {
      const specifier = (match[1] ?? match[2])!;
      const base = resolve(dirname(file), specifier);
      const target = [base.replace(/\.js$/, '.ts'), base.replace(/\.mjs$/, '.mts'), base].find((candidate) => existsSync(candidate) && statSync(candidate).isFile());
      if (target !== undefined) targets.push(relative(PROJECT_ROOT, target));
    }
    graph.set(relative(PROJECT_ROOT, file), targets);
  }
  return graph;
}

/** Strongly connected components with more than one member (Tarjan). */
function cycles(nodes: Iterable<string>, next: (node: string) => Iterable<string>): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (node: string) => {
    index.set(node, counter);
    low.set(node, counter++);
    stack.push(node);
    onStack.add(node);
    for (const to of next(node)) {
      if (!index.has(to)) {
        visit(to);
        low.set(node, Math.min(low.get(node)!, low.get(to)!));
      } else if (onStack.has(to)) low.set(node, Math.min(low.get(node)!, index.get(to)!));
    }
    if (low.get(node) === index.get(node)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      if (component.length > 1) found.push(component.sort());
    }
  };
  for (const node of nodes) if (!index.has(node)) visit(node);
  return found;
}

describe('the import graph', () => {
  const graph = importGraph();
  const edges = [...graph].flatMap(([from, targets]) => targets.map((to) => ({ from, to })));

  it('is read from the sources: every folder has files and their imports are found', () => {
    for (const top of TOP_FOLDERS) expect([...graph.keys()].some((file) => file.startsWith(`${top}/`)), top).to.equal(true);
    expect(graph.get('lambda/skill.ts')).to.include('lambda/account/account.ts');
    expect(edges.length).to.be.above(500);
  });

  it('has no cycle between files', () => {
    expect(cycles(graph.keys(), (file) => graph.get(file) ?? [])).to.deep.equal([]);
  });

  it('has no cycle between folders that do not contain one another', () => {
    const folderEdges = new Map<string, Set<string>>();
    const because = new Map<string, string>();
    for (const { from, to } of edges) {
      const a = dirname(from).split('/');
      const b = dirname(to).split('/');
      let common = 0;
      while (common < a.length && common < b.length && a[common] === b[common]) common += 1;
      if (common === a.length || common === b.length) continue; // the same folder, or one inside the other
      const [fromFolder, toFolder] = [a.slice(0, common + 1).join('/'), b.slice(0, common + 1).join('/')];
      if (!folderEdges.has(fromFolder)) folderEdges.set(fromFolder, new Set());
      folderEdges.get(fromFolder)!.add(toFolder);
      because.set(`${fromFolder} → ${toFolder}`, `${from} → ${to}`);
    }
    const found = cycles(folderEdges.keys(), (folder) => folderEdges.get(folder) ?? []);
    const explained = found.map((cycle) => cycle.flatMap((a) => cycle.map((b) => because.get(`${a} → ${b}`)).filter((why) => why !== undefined)));
    expect(explained).to.deep.equal([]);
  });

  it('keeps what ships (common/, lambda/, bridge/) free of the offline stack, the scripts, the tests and the benchmarks', () => {
    const leaks = edges.filter(({ from, to }) => /^(common|lambda|bridge)\//.test(from) && /^(local|scripts|test|bench)\//.test(to));
    expect(leaks.map(({ from, to }) => `${from} → ${to}`)).to.deep.equal([]);
  });

  it('keeps the two deployables apart: the skill and the bridge share code only through common/, which imports neither', () => {
    const crossings = edges.filter(
      ({ from, to }) => (from.startsWith('bridge/') && to.startsWith('lambda/')) || (from.startsWith('lambda/') && to.startsWith('bridge/')) || (from.startsWith('common/') && !to.startsWith('common/')),
    );
    expect(crossings.map(({ from, to }) => `${from} → ${to}`)).to.deep.equal([]);
  });

});
