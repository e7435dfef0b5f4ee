/**
 * Where the simulator keeps a linked account's tokens, as Alexa keeps them on its side: a git-ignored JSON file
 * readable by the owner only (mode 0600), or memory for tests.
 */
import { chmod, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

export interface StoredLink {
  accessToken: string;
  tokenType: string;
  refreshToken?: string;
  /** When the access token expires (ISO 8601). */
  expiresAt: string;
  /** The scopes granted, when the token endpoint said so. */
  scope?: string;
  linkedAt: string;
}

export interface TokenStore {
  load(): Promise<StoredLink | undefined>;
  save(link: StoredLink): Promise<void>;
  clear(): Promise<void>;
}

export class FileTokenStore implements TokenStore {
  constructor(readonly path: string) {}

  async load(): Promise<StoredLink | undefined> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    const parsed: unknown = JSON.parse(text);
    return isStoredLink(parsed) ? parsed : undefined;
  }

  async save(link: StoredLink): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true, mode: 0o700 });
    // Write beside the target and rename, so a crash never leaves half a token file; the mode is set on creation.
    const temporary = `${this.path}.${process.pid}.tmp`;
    await writeFile(temporary, `${JSON.stringify(link, null, 2)}\n`, { mode: 0o600 });
    await chmod(temporary, 0o600);
    await rename(temporary, this.path);
  }

  async clear(): Promise<void> {
    await rm(this.path, { force: true });
  }
}

export class MemoryTokenStore implements TokenStore {
  private link: StoredLink | undefined;

  constructor(initial?: StoredLink) {
    this.link = initial;
  }

  async load(): Promise<StoredLink | undefined> {
    return this.link;
  }

  async save(link: StoredLink): Promise<void> {
    this.link = { ...link };
  }

  async clear(): Promise<void> {
    this.link = undefined;
  }
}

function isStoredLink(value: unknown): value is StoredLink {
  const link = value as Partial<StoredLink> | null;
  return (
    typeof link === 'object' &&
    link !== null &&
    typeof link.accessToken === 'string' &&
    typeof link.tokenType === 'string' &&
    typeof link.expiresAt === 'string' &&
    !Number.isNaN(Date.parse(link.expiresAt))
  );
}
