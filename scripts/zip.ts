/**
 * The deployment package as a reproducible zip: entries sorted, one fixed timestamp, regular-file permissions.
 * The ASK CLI records a hash of the zip it deployed; with identical bytes for identical code, that hash changes
 * exactly when the code does (`zip` would stamp each rebuild's file times into it).
 */
import { readdir, readFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { zipSync, type ZipAttributes } from 'fflate';

const FIXED_TIME = new Date(1990, 1, 1); // the ASK CLI's own fixed zip time (abstract-build-flow.js)
const ATTRIBUTES: ZipAttributes = { os: 3, attrs: 0o100644 << 16, mtime: FIXED_TIME }; // unix, -rw-r--r--

export async function zipDirectory(dir: string): Promise<Uint8Array> {
  const files = (await readdir(dir, { recursive: true, withFileTypes: true }))
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name))
    .sort();
  const entries: Record<string, [Uint8Array, ZipAttributes]> = {};
  for (const file of files) entries[relative(dir, file).split(sep).join('/')] = [await readFile(file), ATTRIBUTES];
  return zipSync(entries, { level: 9 });
}
