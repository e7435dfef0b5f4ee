/**
 * The CLIs' side of the simulator's linking API (link-api.ts): npm start's simulator owns the link, and `npm run
 * link` and `npm run dialog` ask it — for the link's state, the access token of the next request, a new
 * authorization and how it ended — instead of reading and writing its file.
 */
import { LinkingError, STATE_LIFETIME_MS, type LinkingErrorCode } from './linking.js';
import { LINK_API_PATH, type LinkState, type LinkVariant } from './link-api.js';
import type { LinkOutcome } from './simulator.js';
import type { AuthorizationOutcome } from './token-store.js';

export interface StackLinkOptions {
  /** npm start's simulator, e.g. http://127.0.0.1:3003/ */
  simulatorUrl: URL;
  /** The key npm start keeps in its data directory; read when first needed (after the stack was found running). */
  key: () => Promise<string>;
  fetch?: typeof fetch;
}

/** How an authorization ended, and the link as it stands then. `outcome` is null when it was never heard of or timed out. */
export interface AuthorizationEnd {
  outcome: AuthorizationOutcome | null;
  link: LinkState;
}

export class StackLinkError extends Error {
  override name = 'StackLinkError';
}

/**
 * The user stopped waiting for a browser link (Ctrl-C). Only the waiting stopped: npm start still holds the
 * authorization, so finishing the sign-in still links the account.
 */
export class StoppedWaiting extends Error {
  override name = 'StoppedWaiting';
  constructor() {
    super(
      `Stopped waiting (Ctrl-C). The URL above stays valid for ${STATE_LIFETIME_MS / 60_000} minutes while npm start runs: ` +
        'finish the sign-in in the browser and the account is linked all the same (npm run link -- --status shows it).',
    );
  }
}

/** The simulator began its answer and the connection closed before the end of it. */
class StackStoppedAnswering extends StackLinkError {
  constructor(
    readonly origin: string,
    reason: string,
  ) {
    super(`npm start's simulator at ${origin} stopped before it finished answering (${reason}); was npm start stopped?`);
  }
}

export class StackLink {
  private readonly fetch: typeof fetch;

  constructor(private readonly options: StackLinkOptions) {
    this.fetch = options.fetch ?? fetch;
  }

  async state(): Promise<LinkState> {
    return (await this.call<{ link: LinkState }>('GET', '/state')).link;
  }

  /** The access token for the next request to the skill, refreshed by the owner first when due; undefined when not linked. */
  async accessToken(): Promise<string | undefined> {
    return (await this.call<{ accessToken: string | null }>('POST', '/access-token', {})).accessToken ?? undefined;
  }

  /** Starts an authorization at the owner; the URL to open in a browser. */
  async startAuthorization(variant: LinkVariant, scopes?: string[]): Promise<URL> {
    const { authorizationUrl } = await this.call<{ authorizationUrl: string }>('POST', '/authorizations', { ...variant, ...(scopes ? { scopes } : {}) });
    return new URL(authorizationUrl);
  }

  /** One request, answered when the authorization ends (the redirect handled by npm start), or `signal` aborts. */
  async outcome(authorizationUrl: URL, signal?: AbortSignal): Promise<AuthorizationEnd> {
    try {
      return await this.call<AuthorizationEnd>('POST', '/authorizations/outcome', { authorizationUrl: authorizationUrl.href }, signal);
    } catch (error) {
      // npm start stopped (Ctrl-C, a crash) during the wait: its pending authorizations lived in its memory, so the
      // printed URL can no longer complete a link, even after a restart.
      if (error instanceof StackStoppedAnswering) {
        throw new StackLinkError(`npm start's simulator at ${error.origin} stopped while waiting for the link, so the account was not linked; start npm start again, then run npm run link again (the URL printed above no longer works)`);
      }
      throw error;
    }
  }

  /** Links through the login form, done by the owner; what it reports (never a token). */
  async linkHeadlessly(credentials: { email: string; password: string }, variant: LinkVariant, scopes?: string[]): Promise<{ outcome: LinkOutcome; link: LinkState }> {
    return this.call('POST', '/headless', { user: credentials.email, password: credentials.password, ...variant, ...(scopes ? { scopes } : {}) });
  }

  async expire(): Promise<{ expired: boolean; link: LinkState }> {
    return this.call('POST', '/expire', {});
  }

  async revoke(): Promise<LinkState> {
    return (await this.call<{ link: LinkState }>('POST', '/revoke', {})).link;
  }

  async unlink(): Promise<void> {
    await this.call('POST', '/unlink', {});
  }

  private async call<T>(method: 'GET' | 'POST', path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
    const url = new URL(`${LINK_API_PATH}${path}`, this.options.simulatorUrl);
    const headers: Record<string, string> = { authorization: `Bearer ${await this.options.key()}`, accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    let response: Response;
    let text: string;
    try {
      response = await this.fetch(url, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}), ...(signal ? { signal } : {}) });
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      throw new StackLinkError(`npm start's simulator at ${url.origin} did not answer (${(error as Error).message}); is npm start still running?`);
    }
    try {
      text = await response.text();
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      // It had answered and then went away: npm start stopped while this request was under way.
      throw new StackStoppedAnswering(url.origin, (error as Error).message);
    }
    let answer: Record<string, unknown>;
    try {
      answer = JSON.parse(text) as Record<string, unknown>;
    } catch {
      throw new StackLinkError(`npm start's simulator at ${url.origin} answered ${response.status} without JSON`);
    }
    if (typeof answer.error === 'string') throw failureOf(response.status, answer);
    if (!response.ok) throw new StackLinkError(`npm start's simulator answered ${response.status}`);
    return answer as T;
  }
}

/** The owner's LinkingError comes back as one, so the CLIs print it exactly as before. */
function failureOf(status: number, answer: Record<string, unknown>): Error {
  const message = answer.error as string;
  if (status === 401) return new StackLinkError(`${message}: is LOCAL_DATA_DIR the one npm start uses?`);
  if (answer.code === 'sign_in_failed') return new StackLinkError(`Sign-in failed: ${message}`);
  if (typeof answer.code === 'string') {
    const details: { status?: number; oauthError?: string } = {};
    if (typeof answer.status === 'number') details.status = answer.status;
    if (typeof answer.oauthError === 'string') details.oauthError = answer.oauthError;
    return new LinkingError(answer.code as LinkingErrorCode, message, details);
  }
  return new StackLinkError(message);
}
