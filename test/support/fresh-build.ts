/**
 * `npm run build` once per test run, whatever dist/ holds: the bundle tests must test the bundle of the sources they
 * sit beside, not one an earlier build left behind (a stale dist/ passed them with the sources broken).
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

const root = new URL('../../', import.meta.url).pathname;
let built: Promise<unknown> | undefined;

/** Builds dist/lambda and dist/bridge from the current sources; later calls in the same run share the first build. */
export function freshBuild(): Promise<unknown> {
  return (built ??= promisify(execFile)(join(root, 'node_modules/.bin/tsx'), [join(root, 'scripts/build.ts')], { cwd: root }));
}
