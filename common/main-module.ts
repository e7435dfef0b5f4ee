/**
 * Whether a module is the one Node was started with (`tsx bridge/server.ts`) rather than one imported by another:
 * the self-hosted entries (`lambda/server.ts`, `bridge/server.ts`) start their server only then.
 *
 * Node says so itself since 24.2 (`import.meta.main`, also under tsx). Without it, the module's URL is compared with
 * the started file's as Node's loader computes it: through symlinks, and percent-encoded as a URL. The comparison it
 * replaces, `import.meta.url === \`file://${process.argv[1]}\``, never matched a path with a space (`%20` in the URL)
 * or reached through a symlink, and the entry then silently did nothing.
 */
import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

export function isMainModule(meta: { url: string; main?: boolean | undefined }, startedWith: string | undefined = process.argv[1]): boolean {
  if (typeof meta.main === 'boolean') return meta.main;
  if (startedWith === undefined || startedWith === '') return false;
  try {
    return meta.url === pathToFileURL(realpathSync(startedWith)).href;
  } catch {
    return false; // `node -e`, a REPL, or a started file that is gone: not this module
  }
}
