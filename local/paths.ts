/**
 * Where the project and the local stack's state are: a leaf module (Node's built-ins only), shared by the local
 * stack's CLIs and `npm run deploy -- --local`, which stages its copy under the same data folder.
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root, so the CLIs find skill-package/ and .local/ from any working directory. */
export const PROJECT_ROOT = fileURLToPath(new URL('../', import.meta.url));

/** Where the local stack keeps its state (databases, signing material, the link): LOCAL_DATA_DIR or `.local/`. */
export function localDataDir(env: Record<string, string | undefined> = process.env, projectRoot = PROJECT_ROOT): string {
  return resolve(projectRoot, env.LOCAL_DATA_DIR?.trim() || '.local');
}
