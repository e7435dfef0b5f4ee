/**
 * A deployment package on disk: unpacks the zip into its own revision folder and checks, before anything switches to
 * it, what Lambda's Node.js runtime would trip over at the first invocation: an unsupported runtime, a handler string
 * that is not `file.export`, or no module file for it.
 */
import { existsSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, normalize, sep } from 'node:path';
import { unzipSync } from 'fflate';
import { FunctionCodeError, type FunctionDefinition } from '../contracts.js';

/** The only runtime this cloud runs: the one the project targets and ships its own Node binary for. */
export const SUPPORTED_RUNTIMES = ['nodejs24.x'] as const;
/** The extensions Lambda's Node.js runtime tries, in its order. */
const MODULE_EXTENSIONS = ['.mjs', '.js', '.cjs'];
/** Lambda's own limit for an unzipped deployment package. */
const MAX_UNZIPPED_BYTES = 250 * 1024 * 1024;

export function checkRuntime(fn: Pick<FunctionDefinition, 'runtime'>): void {
  if (!(SUPPORTED_RUNTIMES as readonly string[]).includes(fn.runtime)) {
    throw new FunctionCodeError(
      `The runtime parameter of ${fn.runtime} is not supported by the local Alexa cloud: it runs only ${SUPPORTED_RUNTIMES.join(', ')} (the project's Node 24).`,
    );
  }
}

/** `dir/index.handler` → module `dir/index`, export `handler`; a dotted export path (`index.a.b`) is allowed. */
export function parseHandler(handler: string): { modulePath: string; exportPath: string } {
  const slash = handler.lastIndexOf('/');
  const dot = handler.indexOf('.', slash + 1);
  const modulePath = dot < 0 ? '' : handler.slice(0, dot);
  const exportPath = dot < 0 ? '' : handler.slice(dot + 1);
  const plausibleExport = /^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)*$/u.test(exportPath);
  if (modulePath === '' || !plausibleExport || isAbsolute(modulePath) || normalize(modulePath).startsWith('..')) {
    throw new FunctionCodeError(`Handler "${handler}" is not of the form <file>.<export> (e.g. index.handler).`);
  }
  return { modulePath, exportPath };
}

/** The module file Lambda would load for the handler, or a FunctionCodeError naming what it looked for. */
export function handlerFile(codeDir: string, handler: string): string {
  const { modulePath } = parseHandler(handler);
  for (const extension of MODULE_EXTENSIONS) {
    const file = join(codeDir, `${modulePath}${extension}`);
    if (existsSync(file)) return file;
  }
  const tried = MODULE_EXTENSIONS.map((extension) => `${modulePath}${extension}`).join(', ');
  throw new FunctionCodeError(`Cannot find the handler module for "${handler}" in the deployment package (looked for ${tried}).`);
}

/** Unpacks into `dir` (created afresh); refuses entries that would land outside it. */
export async function unpack(zip: Uint8Array, dir: string): Promise<void> {
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(zip);
  } catch (error) {
    throw new FunctionCodeError(`Could not unzip uploaded file. Please check your file, then try to upload again. (${(error as Error).message})`);
  }
  const total = Object.values(entries).reduce((sum, data) => sum + data.length, 0);
  if (total > MAX_UNZIPPED_BYTES) throw new FunctionCodeError(`Unzipped size must be smaller than ${MAX_UNZIPPED_BYTES} bytes`);

  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  for (const [name, data] of Object.entries(entries)) {
    const target = normalize(join(dir, name));
    if (isAbsolute(name) || !target.startsWith(dir + sep)) throw new FunctionCodeError(`The deployment package has an entry outside its root: ${name}`);
    if (name.endsWith('/')) {
      await mkdir(target, { recursive: true });
      continue;
    }
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, data);
  }
}
