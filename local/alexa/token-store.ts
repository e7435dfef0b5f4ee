/**
 * Where the simulator keeps a linked account's tokens, as Alexa keeps them on its side: a git-ignored JSON file
 * readable by the owner only (mode 0600), or memory for tests.
 *
 * Beside the tokens live the pending authorizations (hashed `state` values with their issue time), so that the
 * redirect can be completed by whichever process receives it: `npm run link` starts an authorization while
 * `npm start` owns the callback port and completes it. For `.local/alexa-link.json` they are kept in
 * `.local/alexa-link-pending.json` (mode 0600 too). Once completed, an entry keeps how it ended (linked, cancelled,
 * failed and why), so the process that started it can say so at once.
 */
import { isJsonObject } from '../../common/json.js';
import { chmod, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import { LINKING_ERROR_CODES, type GrantType, type LinkingErrorCode, type LinkRoute } from './linking-vocabulary.js';

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

/** An authorization waiting for its redirect: when it was started, and how (so any process can complete it). */
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
  /** Records how a taken state's redirect ended, for the process that started it; forgotten with the state's age. */
  settle(stateHash: string, taken: PendingAuthorization, outcome: AuthorizationOutcome): Promise<void>;
  /** How the redirect ended; undefined while it is pending (or unknown). */
  outcome(stateHash: string): Promise<AuthorizationOutcome | undefined>;
}

export interface TokenStore {
  load(): Promise<StoredLink | undefined>;
  save(link: StoredLink): Promise<void>;
  clear(): Promise<void>;
  /** Shared pending authorizations; a store without them leaves the linker to keep its own, in memory. */
  readonly pendingStates?: PendingStates;
}

/** `.local/alexa-link.json` → `.local/alexa-link-pending.json` */
export function pendingStatesPathFor(tokenFile: string): string {
  const extension = extname(tokenFile);
  return join(dirname(tokenFile), `${basename(tokenFile, extension)}-pending${extension || '.json'}`);
}

export class FileTokenStore implements TokenStore {
  readonly pendingStates: FilePendingStates;

  constructor(readonly path: string) {
    this.pendingStates = new FilePendingStates(pendingStatesPathFor(path));
  }

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
    await writePrivateJson(this.path, link);
  }

  async clear(): Promise<void> {
    await rm(this.path, { force: true });
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

/**
 * Pending states in a JSON file `{ "<state hash>": {issuedAt, route?, grant?, scope?, codeVerifier?, outcome?} }` (a bare number, the issue time, from
 * before routes existed is read too). Each change is read, modified and
 * written by rename, one at a time within a process. Two processes changing it in the same instant could lose one
 * change; that needs two authorizations started or completed in the same millisecond, which a person linking
 * one account by hand does not do.
 */
export class FilePendingStates implements PendingStates {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(readonly path: string) {}

  add(stateHash: string, pending: PendingAuthorization, forgetIssuedBefore: number): Promise<void> {
    return this.change((states) => {
      for (const [hash, entry] of Object.entries(states)) if (entry.issuedAt < forgetIssuedBefore) delete states[hash];
      states[stateHash] = { ...pending };
      return undefined;
    });
  }

  take(stateHash: string): Promise<PendingAuthorization | undefined> {
    return this.change((states) => {
      const entry = Object.hasOwn(states, stateHash) ? states[stateHash] : undefined;
      if (entry === undefined || entry.outcome !== undefined) return undefined;
      delete states[stateHash];
      return entry;
    });
  }

  async has(stateHash: string): Promise<boolean> {
    const states = await this.read();
    return Object.hasOwn(states, stateHash) && states[stateHash]!.outcome === undefined;
  }

  settle(stateHash: string, taken: PendingAuthorization, outcome: AuthorizationOutcome): Promise<void> {
    return this.change((states) => {
      states[stateHash] = { ...taken, outcome: { ...outcome } };
      return undefined;
    });
  }

  async outcome(stateHash: string): Promise<AuthorizationOutcome | undefined> {
    const states = await this.read();
    return Object.hasOwn(states, stateHash) ? states[stateHash]!.outcome : undefined;
  }

  private change<T>(edit: (states: Record<string, StateEntry>) => T): Promise<T> {
    const next = this.queue.then(async () => {
      const states = await this.read();
      const before = JSON.stringify(states);
      const result = edit(states);
      if (JSON.stringify(states) !== before) await writePrivateJson(this.path, states);
      return result;
    });
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async read(): Promise<Record<string, StateEntry>> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
      throw error;
    }
    const parsed: unknown = JSON.parse(text);
    const states: Record<string, StateEntry> = {};
    if (isJsonObject(parsed)) {
      for (const [hash, entry] of Object.entries(parsed)) {
        const pending = asStateEntry(entry);
        if (pending) states[hash] = pending;
      }
    }
    return states;
  }
}

function asStateEntry(entry: unknown): StateEntry | undefined {
  if (typeof entry === 'number') return { issuedAt: entry };
  const pending = entry as Partial<StateEntry> | null;
  if (typeof pending !== 'object' || pending === null || typeof pending.issuedAt !== 'number') return undefined;
  const result: StateEntry = { issuedAt: pending.issuedAt };
  if (pending.route === 'direct' || pending.route === 'bridge' || pending.route === 'deployed-bridge') result.route = pending.route;
  if (pending.grant === 'AUTH_CODE' || pending.grant === 'IMPLICIT') result.grant = pending.grant;
  // Scope tokens are printable ASCII without spaces or quotes (RFC 6749 §3.3), space-separated.
  if (typeof pending.scope === 'string' && /^[\x21\x23-\x5b\x5d-\x7e]+( [\x21\x23-\x5b\x5d-\x7e]+)*$/.test(pending.scope)) result.scope = pending.scope;
  // RFC 7636 §4.1: 43 to 128 unreserved characters.
  if (typeof pending.codeVerifier === 'string' && /^[A-Za-z0-9._~-]{43,128}$/.test(pending.codeVerifier)) result.codeVerifier = pending.codeVerifier;
  const outcome = asOutcome(pending.outcome);
  if (outcome) result.outcome = outcome;
  return result;
}

/** Only the known fields, so a hand-edited file cannot smuggle anything else into what `npm run link` prints. */
function asOutcome(value: unknown): AuthorizationOutcome | undefined {
  const outcome = value as Partial<{ result: string; reason: string; status: number; oauthError: string }> | null | undefined;
  if (typeof outcome !== 'object' || outcome === null) return undefined;
  if (outcome.result === 'linked' || outcome.result === 'cancelled') return { result: outcome.result };
  if (outcome.result !== 'failed' || !FAILURE_REASONS.includes(outcome.reason as never)) return undefined;
  const failed: AuthorizationOutcome = { result: 'failed', reason: outcome.reason as LinkingErrorCode | 'unexpected' };
  if (typeof outcome.status === 'number') failed.status = outcome.status;
  if (typeof outcome.oauthError === 'string' && /^[\x20-\x7e]{1,64}$/.test(outcome.oauthError)) failed.oauthError = outcome.oauthError;
  return failed;
}

/** What a failed outcome may name: every linking error but the user's own "no" (that is `cancelled`), or `unexpected`. */
const FAILURE_REASONS: readonly string[] = [...LINKING_ERROR_CODES.filter((code) => code !== 'access_denied'), 'unexpected'];
export class MemoryPendingStates implements PendingStates {
  private readonly states = new Map<string, StateEntry>();

  async add(stateHash: string, pending: PendingAuthorization, forgetIssuedBefore: number): Promise<void> {
    for (const [hash, entry] of this.states) if (entry.issuedAt < forgetIssuedBefore) this.states.delete(hash);
    this.states.set(stateHash, { ...pending });
  }

  async take(stateHash: string): Promise<PendingAuthorization | undefined> {
    const entry = this.states.get(stateHash);
    if (entry === undefined || entry.outcome !== undefined) return undefined;
    this.states.delete(stateHash);
    return entry;
  }

  async has(stateHash: string): Promise<boolean> {
    return this.states.get(stateHash)?.outcome === undefined && this.states.has(stateHash);
  }

  async settle(stateHash: string, taken: PendingAuthorization, outcome: AuthorizationOutcome): Promise<void> {
    this.states.set(stateHash, { ...taken, outcome: { ...outcome } });
  }

  async outcome(stateHash: string): Promise<AuthorizationOutcome | undefined> {
    return this.states.get(stateHash)?.outcome;
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
