/**
 * Where the simulator keeps a linked account's tokens, as Alexa keeps them on its side: a git-ignored JSON file
 * readable by the owner only (mode 0600), or memory for tests.
 *
 * One process owns it: npm start's simulator writes the file (so a link survives a restart), and the CLIs ask that
 * simulator over its HTTP API (link-api.ts) instead of reading or writing the file themselves. The pending
 * authorizations (hashed `state` values with their issue time) live in the owner's memory, shared by every
 * simulator built on the same store object; once completed, an entry keeps how it ended (linked, cancelled, failed
 * and why), and whoever waits for it hears at once.
 */
import { chmod, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { GrantType, LinkingErrorCode, LinkRoute } from './linking-vocabulary.js';

export interface StoredLink {
  accessToken: string;
  tokenType: string;
  refreshToken?: string;
  /** When the access token expires (ISO 8601). */
  expiresAt: string;
  /** The scopes granted, when the token endpoint said so. */
  scope?: string;
  linkedAt: string;
  /** Where the link was made (absent in links saved before routes existed: direct); refreshes go the same way. */
  route?: LinkRoute;
  /** Absent: AUTH_CODE. */
  grant?: GrantType;
}

/** An authorization waiting for its redirect: when it was started, and how (so any simulator of the store can complete it). */
export interface PendingAuthorization {
  /** Epoch ms. */
  issuedAt: number;
  /** Absent: direct. */
  route?: LinkRoute;
  /** Absent: AUTH_CODE. */
  grant?: GrantType;
  /** The scopes asked for, space-separated: what was granted when the token response names none (RFC 6749 §5.1). */
  scope?: string;
  /** The PKCE verifier to send with the code (code grant with PKCE on); dropped once the redirect is settled. */
  codeVerifier?: string;
}

/**
 * How a redirect ended, as the end pages say it: linked, cancelled by the user (access_denied), or failed with a
 * reason code and, where there is one, the token endpoint's status and OAuth error. Never a token, code or state.
 */
export type AuthorizationOutcome =
  | { result: 'linked' }
  | { result: 'cancelled' }
  | { result: 'failed'; reason: LinkingErrorCode | 'unexpected'; status?: number; oauthError?: string };

/** A stored entry: still pending, or used up and settled with its outcome. */
type StateEntry = PendingAuthorization & { outcome?: AuthorizationOutcome };

/**
 * Outstanding authorizations, keyed by a hash of their `state` (the state itself is a bearer secret until used).
 * Lifetimes are the caller's business: it passes the cut-off when adding, and judges the issue time `take` returns.
 */
export interface PendingStates {
  /** Remembers a hashed state; forgets entries (pending or settled) issued before `forgetIssuedBefore` (epoch ms). */
  add(stateHash: string, pending: PendingAuthorization, forgetIssuedBefore: number): Promise<void>;
  /** Takes a hashed state out of the pending ones and answers how it was started; undefined when never added or already taken. */
  take(stateHash: string): Promise<PendingAuthorization | undefined>;
  /** Whether the state still waits for its redirect. */
  has(stateHash: string): Promise<boolean>;
  /** Records how a taken state's redirect ended, for whoever started it; forgotten with the state's age. */
  settle(stateHash: string, taken: PendingAuthorization, outcome: AuthorizationOutcome): Promise<void>;
  /** How the redirect ended; undefined while it is pending (or unknown). */
  outcome(stateHash: string): Promise<AuthorizationOutcome | undefined>;
  /**
   * How the redirect ends: at once when it has, else when it is settled. Undefined when the state is unknown (never
   * added, or forgotten) or `signal` aborts first.
   */
  waitForOutcome(stateHash: string, signal: AbortSignal): Promise<AuthorizationOutcome | undefined>;
}

export interface TokenStore {
  load(): Promise<StoredLink | undefined>;
  save(link: StoredLink): Promise<void>;
  clear(): Promise<void>;
  /** Pending authorizations shared by the simulators of this store; without them each linker keeps its own. */
  readonly pendingStates?: PendingStates;
}

export class FileTokenStore implements TokenStore {
  /** In memory: only the owning process starts and completes authorizations; a restart forgets them. */
  readonly pendingStates = new MemoryPendingStates();

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

  save(link: StoredLink): Promise<void> {
    return this.inTurn(() => writePrivateJson(this.path, link));
  }

  clear(): Promise<void> {
    return this.inTurn(() => rm(this.path, { force: true }));
  }

  /** Writes land in the order they were asked for: a later change is never overtaken by an earlier rename. */
  private writing: Promise<unknown> = Promise.resolve();
  private inTurn(write: () => Promise<void>): Promise<void> {
    const next = this.writing.then(write, write);
    this.writing = next.catch(() => undefined);
    return next;
  }
}

export class MemoryTokenStore implements TokenStore {
  /** Shared by every simulator given this store, as the file is shared by processes. */
  readonly pendingStates = new MemoryPendingStates();
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

export class MemoryPendingStates implements PendingStates {
  private readonly states = new Map<string, StateEntry>();
  /** Taken, not yet settled: the redirect arrived and its code is being exchanged. */
  private readonly taken = new Set<string>();
  /** Who waits for which state's outcome. */
  private readonly waiting = new Map<string, Set<(outcome: AuthorizationOutcome) => void>>();

  async add(stateHash: string, pending: PendingAuthorization, forgetIssuedBefore: number): Promise<void> {
    for (const [hash, entry] of this.states) if (entry.issuedAt < forgetIssuedBefore) this.states.delete(hash);
    this.states.set(stateHash, { ...pending });
  }

  async take(stateHash: string): Promise<PendingAuthorization | undefined> {
    const entry = this.states.get(stateHash);
    if (entry === undefined || entry.outcome !== undefined) return undefined;
    this.states.delete(stateHash);
    this.taken.add(stateHash);
    return entry;
  }

  async has(stateHash: string): Promise<boolean> {
    return this.states.get(stateHash)?.outcome === undefined && this.states.has(stateHash);
  }

  async settle(stateHash: string, taken: PendingAuthorization, outcome: AuthorizationOutcome): Promise<void> {
    this.taken.delete(stateHash);
    this.states.set(stateHash, { ...taken, outcome: { ...outcome } });
    for (const notify of this.waiting.get(stateHash) ?? []) notify({ ...outcome });
    this.waiting.delete(stateHash);
  }

  async outcome(stateHash: string): Promise<AuthorizationOutcome | undefined> {
    return this.states.get(stateHash)?.outcome;
  }

  /** A state taken but not yet settled (its code being exchanged) is still waited for: it is about to end. */
  waitForOutcome(stateHash: string, signal: AbortSignal): Promise<AuthorizationOutcome | undefined> {
    const entry = this.states.get(stateHash);
    if (entry?.outcome !== undefined) return Promise.resolve({ ...entry.outcome });
    if ((entry === undefined && !this.taken.has(stateHash)) || signal.aborted) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      const waiters = this.waiting.get(stateHash) ?? new Set();
      this.waiting.set(stateHash, waiters);
      const done = (outcome: AuthorizationOutcome | undefined) => {
        signal.removeEventListener('abort', aborted);
        waiters.delete(settled);
        if (waiters.size === 0 && this.waiting.get(stateHash) === waiters) this.waiting.delete(stateHash);
        resolve(outcome);
      };
      const settled = (outcome: AuthorizationOutcome) => done(outcome);
      const aborted = () => done(undefined);
      waiters.add(settled);
      signal.addEventListener('abort', aborted, { once: true });
    });
  }
}

/** Writes beside the target and renames, so a crash never leaves half a file; owner-only from creation on. */
async function writePrivateJson(path: string, value: unknown): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const temporary = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  await writeFile(temporary, `${JSON.stringify(value, null, 2)}\n`, { mode: 0o600 });
  await chmod(temporary, 0o600);
  await rename(temporary, path);
}
