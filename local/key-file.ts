/**
 * A random key kept in a file readable by its owner only (mode 0600), created on first use: the bridge's key, and
 * the key the CLIs present to npm start's simulator (local/alexa/link-api.ts). Whoever can read the data directory
 * may use it; nobody else can.
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

export async function persistentKey(file: string): Promise<string> {
  const existing = await readKey(file);
  if (existing !== undefined) return existing;
  const key = randomBytes(32).toString('base64url');
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  await writeFile(file, `${key}\n`, { mode: 0o600, flag: 'wx' }).catch(async (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EEXIST') throw error; // another process wrote it first: use theirs
  });
  await chmod(file, 0o600);
  return (await readFile(file, 'utf8')).trim();
}

/** The key in `file`, or undefined when there is none yet. */
export async function readKey(file: string): Promise<string | undefined> {
  try {
    return (await readFile(file, 'utf8')).trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    return undefined;
  }
}
