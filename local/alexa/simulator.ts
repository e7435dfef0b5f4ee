/**
 * AlexaSimulator: the programmatic face of the simulator for the CLIs, `npm start` and end-to-end tests.
 * It ties together understanding (nlu), one conversation (DialogSession), the account link (AccountLinker)
 * and the signed HTTP sender.
 */
import { join } from 'node:path';
import type { Intent, SessionEndedReason } from 'ask-sdk-model';
import type { Logger } from '../../lambda/logging.js';
import { DEMO } from '../demo.js';
import { startCallbackServer } from './callback-server.js';
import { PROJECT_ROOT } from './config.js';
import { DialogSession, type Turn } from './dialog-session.js';
import { simulatorIdentity, skillEventRequest, type AlexaIdentity, type SkillEventType } from './envelopes.js';
import { loadInteractionModel, type InteractionModel, type Locale } from './interaction-model.js';
import { AccountLinker, LinkingError, type LinkingConfig } from './linking.js';
import { createNlu } from './nlu.js';
import { createSkillClient, type RequestSigner, type SendToSkill } from './skill-client.js';
import type { TokenStore } from './token-store.js';

/** The headless login of local/auth/headless-login.ts: follows login + consent, returns the redirect URL (not requested). */
export type HeadlessLogin = (
  authorizationUrl: string,
  credentials: { email: string; password: string },
  opts?: { acceptLanguage?: string },
) => Promise<URL>;

export interface AlexaSimulatorOptions {
  skillEndpoint: URL | string;
  locale?: Locale;
  linking: LinkingConfig;
  tokenStore: TokenStore;
  sign: RequestSigner;
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
}

/** The result of linking; deliberately without tokens so it can be printed. */
export interface LinkOutcome {
  expiresAt: string;
  scope?: string;
  /** Whether the skill accepted the AlexaSkillEvent.SkillAccountLinked that follows a link. */
  event: { delivered: boolean; problem?: string };
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
    this.send = createSkillClient({ endpoint: options.skillEndpoint, sign: options.sign, ...(options.fetch ? { fetch: options.fetch } : {}) });
    this.linker = new AccountLinker({
      config: options.linking,
      store: options.tokenStore,
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

  /** An out-of-session skill event; throws SkillRequestError when the skill refuses it. */
  async sendSkillEvent(type: SkillEventType): Promise<void> {
    const accessToken = await this.linker.accessToken();
    await this.send(skillEventRequest({ identity: this.identity, locale: this.locale, accessToken, now: this.now() }, type));
  }

  /** The browser path, step 1: the authorization URL to open. */
  beginLinking(): URL {
    return this.linker.authorizationUrl();
  }

  /** The browser path, step 2: the redirect that came back. Exchanges the code, stores tokens, tells the skill. */
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
  async link(credentials: { email: string; password: string }): Promise<LinkOutcome> {
    const login = this.options.headlessLogin ?? (await import('../auth/headless-login.js')).completeLoginHeadlessly;
    const redirect = await login(this.beginLinking().toString(), credentials, { acceptLanguage: this.locale });
    return this.completeLinking(redirect);
  }

  /**
   * The browser path in one call: serves the callback on the redirect URI's port, hands the authorization URL
   * (and the callback server's base URL) to `showUrl` (print it, open a browser) and resolves once a redirect completed the link. A stray request with a
   * wrong state is refused without ending the wait; a denial or a failed code exchange ends it.
   */
  async linkWithCallback(options: { showUrl: (authorizationUrl: URL, callbackServer: URL) => void; port?: number; host?: string; signal?: AbortSignal }): Promise<LinkOutcome> {
    const port = options.port ?? Number(new URL(this.options.linking.redirectUri).port || 80);
    let resolve!: (outcome: LinkOutcome) => void;
    let reject!: (reason: unknown) => void;
    const promise = new Promise<LinkOutcome>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    const server = await startCallbackServer({
      port,
      ...(options.host ? { host: options.host } : {}),
      onCallback: async (url) => {
        try {
          resolve(await this.completeLinking(url));
        } catch (error) {
          if (!(error instanceof LinkingError && error.code === 'state_mismatch')) reject(error);
          throw error;
        }
      },
    });
    const abort = () => reject(options.signal?.reason ?? new Error('linking aborted'));
    options.signal?.addEventListener('abort', abort, { once: true });
    try {
      options.showUrl(this.beginLinking(), server.url);
      return await promise;
    } finally {
      options.signal?.removeEventListener('abort', abort);
      await server.close();
    }
  }

  /** The current access token, refreshed first if it expires soon; undefined when not linked. */
  async accessToken(): Promise<string | undefined> {
    return this.linker.accessToken();
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
      accessToken: () => this.linker.accessToken(),
      now: this.now,
    });
  }
}

