/**
 * AlexaSimulator: the programmatic face of the simulator for the CLIs, `npm start` and end-to-end tests.
 * It ties together understanding (nlu), one conversation (DialogSession), the account link (AccountLinker)
 * and the signed HTTP sender.
 */
import { join } from 'node:path';
import type { Intent, RequestEnvelope, ResponseEnvelope, SessionEndedReason } from 'ask-sdk-model';
import type { Logger } from '../../common/logging.js';
import { DEMO } from '../demo.js';
import { SIMULATOR_HEALTH, startCallbackServer, type CallbackServer } from './callback-server.js';
import { PROJECT_ROOT } from './config.js';
import { DialogSession, type Turn } from './dialog-session.js';
import { endPageForOutcome } from './end-pages.js';
import { simulatorIdentity, skillEventRequest, type AlexaIdentity, type SkillEventType } from './envelopes.js';
import { loadInteractionModel, type InteractionModel, type Locale } from './interaction-model.js';
import { AccountLinker, LinkingError, type GrantType, type LinkingConfig, type LinkRoute } from './linking.js';
import { createNlu } from './nlu.js';
import { createSkillClient, type RequestSigner, type SendToSkill } from './skill-client.js';
import type { AuthorizationOutcome, TokenStore } from './token-store.js';

/** The headless login of local/auth/headless-login.ts: follows login + consent, returns the redirect URL (not requested). */
export type HeadlessLogin = (
  authorizationUrl: string,
  credentials: { email: string; password: string },
  opts?: { acceptLanguage?: string },
) => Promise<URL>;

export interface AlexaSimulatorOptions {
  /** The skill's HTTPS endpoint (with `sign`); or leave both out and give `send`. */
  skillEndpoint?: URL | string;
  locale?: Locale;
  linking: LinkingConfig;
  /** Other setups (route, grant) whose authorizations and links this simulator completes and refreshes too. */
  linkingAlternatives?: LinkingConfig[];
  /** A setup for a route known only later (the deployed bridge); see AccountLinkerOptions.discoverSetup. */
  discoverLinkingSetup?: (route: LinkRoute, grant: GrantType) => Promise<LinkingConfig | undefined>;
  tokenStore: TokenStore;
  /**
   * Where the access token of each request comes from when another process owns the link (the CLIs ask npm start's
   * simulator, link-client.ts); default this simulator's own linker over `tokenStore`.
   */
  accessToken?: () => Promise<string | undefined>;
  sign?: RequestSigner;
  /**
   * Delivers requests some other way than a signed POST to `skillEndpoint`: e.g. to a function deployed to the local
   * Alexa cloud (local/alexa-cloud/runtime/send-to-function.ts), as Alexa invokes a Lambda ARN endpoint.
   */
  send?: SendToSkill;
  now?: () => Date;
  skillId?: string;
  /** Defaults to the project's skill-package/. */
  skillPackageDir?: string;
  /** Use this model instead of reading skill-package/interactionModels/custom/<locale>.json. */
  interactionModel?: InteractionModel;
  /** For the skill endpoint and the token endpoint. */
  fetch?: typeof fetch;
  logger?: Logger;
  /** Defaults to completeLoginHeadlessly from local/auth/headless-login.ts. */
  headlessLogin?: HeadlessLogin;
  /** Sees every envelope sent and the skill's answer (the console's and `npm run dialog -- --json`'s JSON view). */
  onExchange?: ExchangeListener;
}

/** Called after each exchange with the skill; `response` is undefined when the skill did not answer usably. */
export type ExchangeListener = (request: RequestEnvelope, response: ResponseEnvelope | undefined) => void;

/** The result of linking; deliberately without tokens so it can be printed. */
export interface LinkOutcome {
  expiresAt: string;
  scope?: string;
  /** Whether the skill accepted the AlexaSkillEvent.SkillAccountLinked that follows a link. */
  event: { delivered: boolean; problem?: string };
}

export interface BrowserLinkOptions {
  /** Gets the URL to open (print it, open a browser) and the callback server's base URL. */
  showUrl: (authorizationUrl: URL, callbackServer: URL) => void;
  /** Default: the redirect URI's port. */
  port?: number;
  host?: string;
  signal?: AbortSignal;
  /** Ask for fewer scopes than accountLinking.json lists. */
  scopes?: string[];
}

export class AlexaSimulator {
  readonly locale: Locale;
  readonly identity: AlexaIdentity;
  readonly linker: AccountLinker;
  private readonly send: SendToSkill;
  private readonly now: () => Date;
  private readonly options: AlexaSimulatorOptions;
  private dialog: Promise<DialogSession> | undefined;
  private dialogSession: DialogSession | undefined;

  constructor(options: AlexaSimulatorOptions) {
    this.options = options;
    this.locale = options.locale ?? 'en-US';
    this.now = options.now ?? (() => new Date());
    this.identity = simulatorIdentity(options.skillId ?? DEMO.skillId, this.locale);
    this.send = observed(options.send ?? httpSender(options), options.onExchange);
    this.linker = new AccountLinker({
      config: options.linking,
      store: options.tokenStore,
      alternatives: options.linkingAlternatives ?? [],
      ...(options.discoverLinkingSetup ? { discoverSetup: options.discoverLinkingSetup } : {}),
      now: this.now,
      ...(options.fetch ? { fetch: options.fetch } : {}),
      ...(options.logger ? { logger: options.logger } : {}),
    });
  }

  /** One utterance, understood and sent; the skill's answer as a Turn. */
  async say(utterance: string): Promise<Turn> {
    return (await this.session()).say(utterance);
  }

  async launch(): Promise<Turn> {
    return (await this.session()).launch();
  }

  /** Sends an intent exactly as given, bypassing understanding. */
  async sendIntent(intent: Intent): Promise<Turn> {
    return (await this.session()).sendIntent(intent);
  }

  get sessionOpen(): boolean {
    return this.dialogSession?.isOpen ?? false;
  }

  /** Sends a SessionEndedRequest when a session is open (USER_INITIATED: the user quit). */
  async endSession(reason: SessionEndedReason = 'USER_INITIATED'): Promise<void> {
    await (await this.session()).end(reason);
  }

  /** An out-of-session skill event and the skill's answer; throws SkillRequestError when the skill refuses it. */
  async sendSkillEvent(type: SkillEventType): Promise<ResponseEnvelope> {
    const accessToken = await this.accessToken();
    return this.send(skillEventRequest({ identity: this.identity, locale: this.locale, accessToken, now: this.now() }, type));
  }

  /** The browser path, after linker.beginAuthorization(): the redirect that came back. Exchanges the code, stores tokens, tells the skill. */
  async completeLinking(redirect: URL | string): Promise<LinkOutcome> {
    const link = await this.linker.completeAuthorization(redirect);
    const outcome: LinkOutcome = { expiresAt: link.expiresAt, event: { delivered: true } };
    if (link.scope !== undefined) outcome.scope = link.scope;
    try {
      await this.sendSkillEvent('SkillAccountLinked');
    } catch (error) {
      // The link stands even if the skill missed the event; Alexa does not retry it either.
      outcome.event = { delivered: false, problem: (error as Error).message };
    }
    return outcome;
  }

  /** Links headlessly through the real login form (tests, `npm run link -- --user … --password …`). */
  async link(credentials: { email: string; password: string }, options: { scopes?: string[] } = {}): Promise<LinkOutcome> {
    const login = this.options.headlessLogin ?? (await import('../auth/headless-login.js')).completeLoginHeadlessly;
    const authorizationUrl = await this.linker.beginAuthorization(options);
    const leftLogin = await login(authorizationUrl.toString(), credentials, { acceptLanguage: this.locale });
    return this.completeLinking(await followToRedirectUri(leftLogin, this.linker.config.redirectUri));
  }

  /**
   * The browser path in one call, for a simulator that owns its callback port: serves the callback on the redirect
   * URI's port, hands the authorization URL (and the callback server's base URL) to `showUrl` (print it, open a
   * browser) and resolves once a redirect completed the link. A stray request with a wrong state is refused without
   * ending the wait; a denial or a failed code exchange ends it. When npm start's simulator holds the port, it owns
   * the link: ask it instead (link-client.ts, as `npm run link` does).
   */
  async linkWithCallback(options: BrowserLinkOptions): Promise<LinkOutcome> {
    const port = options.port ?? Number(new URL(this.options.linking.redirectUri).port || 80);
    const host = options.host ?? '127.0.0.1';
    let resolve!: (outcome: LinkOutcome) => void;
    let reject!: (reason: unknown) => void;
    const promise = new Promise<LinkOutcome>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    let server: CallbackServer;
    try {
      server = await startCallbackServer({
        port,
        host,
        onCallback: async (url) => {
          try {
            resolve(await this.completeLinking(url));
          } catch (error) {
            if (!(error instanceof LinkingError && error.code === 'state_mismatch')) reject(error);
            throw error;
          }
        },
      });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
      const owner = (await answersAsSimulator(new URL(`http://${host.includes(':') ? `[${host}]` : host}:${port}/`)))
        ? "the simulator of npm start, which owns the link: link with npm run link, which asks it"
        : 'another program; free it or choose another SIMULATOR_PORT';
      throw new Error(`port ${port} is in use by ${owner}`);
    }
    const abort = () => reject(options.signal?.reason ?? new Error('linking aborted'));
    options.signal?.addEventListener('abort', abort, { once: true });
    try {
      options.showUrl(await this.linker.beginAuthorization(scopesOption(options)), server.url);
      return await promise;
    } finally {
      options.signal?.removeEventListener('abort', abort);
      await server.close();
    }
  }

  /** The current access token, refreshed first if it expires soon; undefined when not linked. */
  async accessToken(): Promise<string | undefined> {
    return this.options.accessToken ? this.options.accessToken() : this.linker.accessToken();
  }

  async unlink(): Promise<void> {
    await this.linker.unlink();
  }

  private async session(): Promise<DialogSession> {
    this.dialog ??= this.createSession();
    this.dialogSession = await this.dialog;
    return this.dialogSession;
  }

  private async createSession(): Promise<DialogSession> {
    const model =
      this.options.interactionModel ?? (await loadInteractionModel(this.options.skillPackageDir ?? join(PROJECT_ROOT, 'skill-package'), this.locale));
    return new DialogSession({
      nlu: createNlu(model, { locale: this.locale, skillId: this.identity.skillId }),
      send: this.send,
      identity: this.identity,
      locale: this.locale,
      accessToken: () => this.accessToken(),
      now: this.now,
    });
  }
}

/** A cancel or failure recorded by the simulator that received the redirect, in the words of the end page it showed. */
export function authorizationFailure(outcome: Exclude<AuthorizationOutcome, { result: 'linked' }>): Error {
  const { message } = endPageForOutcome(outcome, 'en');
  if (outcome.result === 'cancelled') return new LinkingError('access_denied', message);
  if (outcome.reason === 'unexpected') return new Error(message);
  const details: { status?: number; oauthError?: string } = {};
  if (outcome.status !== undefined) details.status = outcome.status;
  if (outcome.oauthError !== undefined) details.oauthError = outcome.oauthError;
  return new LinkingError(outcome.reason, message, details);
}

function scopesOption(options: BrowserLinkOptions): { scopes?: string[] } {
  return options.scopes ? { scopes: options.scopes } : {};
}

function observed(send: SendToSkill, listener: ExchangeListener | undefined): SendToSkill {
  if (!listener) return send;
  return async (request) => {
    let response: ResponseEnvelope | undefined;
    try {
      response = await send(request);
      return response;
    } finally {
      listener(request, response);
    }
  };
}

/** The default delivery: a signed POST to the skill's HTTPS endpoint. */
function httpSender(options: AlexaSimulatorOptions): SendToSkill {
  if (options.skillEndpoint === undefined || options.sign === undefined) {
    throw new Error('AlexaSimulator needs either `send` or both `skillEndpoint` and `sign`');
  }
  return createSkillClient({ endpoint: options.skillEndpoint, sign: options.sign, ...(options.fetch ? { fetch: options.fetch } : {}) });
}

/**
 * The login pages send the browser on; through the bridge that is the bridge's /callback first, which redirects
 * again to Alexa's redirect URI. Follows such hops as a browser would (without requesting the redirect URI itself).
 */
async function followToRedirectUri(redirect: URL, redirectUri: string, hops = 5): Promise<URL> {
  const target = new URL(redirectUri);
  let current = redirect;
  for (let hop = 0; hop <= hops; hop += 1) {
    if (current.origin === target.origin && current.pathname === target.pathname) return current;
    const response = await fetch(current, { redirect: 'manual', signal: AbortSignal.timeout(10_000) });
    await response.body?.cancel();
    const location = response.headers.get('location');
    if (response.status < 300 || response.status >= 400 || location === null) {
      throw new LinkingError('authorization_error', `the sign-in ended at ${current.origin}${current.pathname} (${response.status}) instead of the redirect URI`);
    }
    current = new URL(location, current);
  }
  throw new LinkingError('authorization_error', 'too many redirects after the sign-in');
}

/** Whether the server at `base` is the simulator's (its /healthz says so), not some other program on the port. */
export async function answersAsSimulator(base: URL): Promise<boolean> {
  try {
    const response = await fetch(new URL('/healthz', base), { signal: AbortSignal.timeout(2000) });
    const body = (await response.json()) as { service?: unknown };
    return response.ok && body.service === SIMULATOR_HEALTH.service;
  } catch {
    return false;
  }
}
