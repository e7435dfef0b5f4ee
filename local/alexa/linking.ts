/**
 * Account linking as Alexa performs it: the authorization URI with an unguessable `state` (and a PKCE challenge when
 * the skill turned PKCE on), the redirect back (state checked, `error=access_denied` handled), and then, for the
 * authorization-code grant, the code exchange at the access-token URI with the configured client authentication and
 * refreshes — including dropping the link when a refresh is refused, which is what Alexa does. For the implicit grant
 * the token arrives in the redirect's fragment (`#state=…&access_token=…&token_type=Bearer`) and there is nothing to
 * refresh: the user links again. The requests themselves are oauth-client.ts's (oauth4webapi).
 */
import { createHash } from 'node:crypto';
import { decodeJwt } from 'jose';
import type { Logger } from '../../common/logging.js';
import { LinkingError, type AccessTokenScheme, type GrantType, type LinkRoute } from './linking-vocabulary.js';
import { authorizationRequestUrl, exchangeCode, fragmentAnswer, newPkcePair, newState, refreshGrant, revokeRefreshToken, type TokenAnswer } from './oauth-client.js';
import { MemoryPendingStates, type AuthorizationOutcome, type PendingAuthorization, type PendingStates, type StoredLink, type TokenStore } from './token-store.js';

export type { AccessTokenScheme, GrantType, LinkingErrorCode, LinkRoute } from './linking-vocabulary.js';
export { LinkingError } from './linking-vocabulary.js';

export interface LinkingConfig {
  /** Default AUTH_CODE. */
  grant?: GrantType;
  /** Default direct; recorded with the link so its refreshes go where it was made. */
  route?: LinkRoute;
  authorizationUrl: URL;
  accessTokenUrl: URL;
  accessTokenScheme: AccessTokenScheme;
  clientId: string;
  clientSecret: string;
  scopes: string[];
  /**
   * Alexa's PKCE option for the code grant (off unless the skill's developer turns it on): an S256 `code_challenge`
   * with each authorization, its verifier with the code.
   */
  pkce?: boolean;
  /** Where the authorization server sends the browser back (Alexa's …/api/skill/link/<vendorId>; ours locally). */
  redirectUri: string;
  /** Used when the token response has no `expires_in` (accountLinking.json → defaultTokenExpirationInSeconds). */
  defaultTokenExpirationSeconds: number;
  tokenRequestTimeoutMs: number;
  /** Refresh when the access token expires within this many seconds. */
  refreshLeewaySeconds: number;
}

export interface AccountLinkerOptions {
  config: LinkingConfig;
  store: TokenStore;
  /**
   * Other setups (route and grant) this linker may meet: an authorization another simulator of the store started through one of
   * them, or a link made through one that needs refreshing where it was made (e.g. through the bridge).
   */
  alternatives?: LinkingConfig[];
  /**
   * Settings for a route known only later (the deployed bridge's URL exists once it is deployed): asked when no
   * setup above matches, e.g. when a link made through the deployed bridge is refreshed by another simulator.
   */
  discoverSetup?: (route: LinkRoute, grant: GrantType) => Promise<LinkingConfig | undefined>;
  now?: () => Date;
  fetch?: typeof fetch;
  logger?: Logger;
}

/** How long a started authorization may take before its `state` is forgotten. */
export const STATE_LIFETIME_MS = 15 * 60 * 1000;

const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

export class AccountLinker {
  readonly config: LinkingConfig;
  private readonly store: TokenStore;
  private readonly setups: LinkingConfig[];
  private readonly now: () => Date;
  private readonly fetch: typeof fetch;
  private readonly logger: Logger;
  /**
   * Outstanding `state` values (hashed) and when they were issued; each is good for one redirect. Kept by the token
   * store when it can, so any simulator sharing the store (npm start's callback, console and linking API) can complete
   * the redirect.
   */
  private readonly pendingStates: PendingStates;
  private refreshing: Promise<string | undefined> | undefined;
  private readonly discoverSetup: AccountLinkerOptions['discoverSetup'];

  constructor(options: AccountLinkerOptions) {
    this.config = options.config;
    this.store = options.store;
    this.setups = [options.config, ...(options.alternatives ?? [])];
    this.discoverSetup = options.discoverSetup;
    this.now = options.now ?? (() => new Date());
    this.fetch = options.fetch ?? fetch;
    this.logger = options.logger ?? silentLogger;
    this.pendingStates = options.store.pendingStates ?? new MemoryPendingStates();
  }

  /**
   * The URL the user opens to log in and consent. Resolves once its `state` is saved among the pending states, so
   * any simulator sharing the token store can complete the redirect from then on; the PKCE verifier is kept with it,
   * so that simulator can send it. `scopes`: ask for fewer than accountLinking.json lists (a user who grants only
   * some), default all of them.
   */
  async beginAuthorization({ scopes = this.config.scopes }: { scopes?: string[] } = {}): Promise<URL> {
    const state = newState();
    const grant = grantOf(this.config);
    const pkce = grant === 'AUTH_CODE' && this.config.pkce === true ? await newPkcePair() : undefined;
    const issuedAt = this.now().getTime();
    const pending: PendingAuthorization = { issuedAt, route: routeOf(this.config), grant, scope: scopes.join(' ') };
    if (pkce) pending.codeVerifier = pkce.verifier;
    await this.pendingStates.add(hashState(state), pending, issuedAt - STATE_LIFETIME_MS);
    return authorizationRequestUrl(this.config, {
      responseType: grant === 'IMPLICIT' ? 'token' : 'code',
      state,
      scopes,
      ...(pkce ? { codeChallenge: pkce.challenge } : {}),
    });
  }

  /** Whether the authorization behind this URL still waits for its redirect (false once any simulator used its state). */
  async isPending(authorizationUrl: URL): Promise<boolean> {
    const state = authorizationUrl.searchParams.get('state');
    return state !== null && (await this.pendingStates.has(hashState(state)));
  }

  /**
   * Handles the redirect back from the authorization server: checks state, then exchanges the code (or, for the
   * implicit grant, reads the token from the fragment) and stores the tokens.
   */
  async completeAuthorization(redirect: URL | string): Promise<StoredLink> {
    const url = new URL(redirect);
    // The state says how the authorization was started, maybe by another simulator of the store (`npm run link --
    // --via bridge` asks npm start, whose callback receives the redirect): that decides where the answer is and where
    // the code goes.
    const { stateHash, started } = await this.consumeState(stateOf(url));
    try {
      const link = await this.finishAuthorization(url, started);
      await this.settle(stateHash, started, { result: 'linked' });
      return link;
    } catch (error) {
      await this.settle(stateHash, started, outcomeOf(error));
      throw error;
    }
  }

  /** How the authorization behind this URL ended, once any simulator of the store received its redirect; undefined until then. */
  async outcomeOf(authorizationUrl: URL): Promise<AuthorizationOutcome | undefined> {
    const state = authorizationUrl.searchParams.get('state');
    return state === null ? undefined : this.pendingStates.outcome(hashState(state));
  }

  /**
   * Waits for the authorization behind this URL to end (its redirect handled by any simulator of this store) and
   * answers how; undefined when its state is unknown here or `signal` aborts first.
   */
  async awaitOutcome(authorizationUrl: URL, signal: AbortSignal): Promise<AuthorizationOutcome | undefined> {
    const state = authorizationUrl.searchParams.get('state');
    return state === null ? undefined : this.pendingStates.waitForOutcome(hashState(state), signal);
  }

  /** Left for whoever waits for the outcome (`npm run link`, through the linking API); the link itself does not depend on it. */
  private async settle(stateHash: string, started: PendingAuthorization, outcome: AuthorizationOutcome): Promise<void> {
    // The verifier was good for this one exchange: the settled record keeps no secret.
    const { codeVerifier: _spent, ...settled } = started;
    try {
      await this.pendingStates.settle(stateHash, settled, outcome);
    } catch (error) {
      this.logger.warn('link.outcome_not_saved', { reason: (error as Error).message });
    }
  }

  /** The redirect's answer: an error, or a code to exchange (a token in the fragment for the implicit grant). */
  private async finishAuthorization(url: URL, started: PendingAuthorization): Promise<StoredLink> {
    const config = await this.findSetup(started.route ?? 'direct', started.grant ?? 'AUTH_CODE');
    const params = redirectParameters(url, grantOf(config));
    const error = params.get('error');
    if (error === 'access_denied') {
      this.logger.info('link.denied');
      throw new LinkingError('access_denied', 'the user did not allow the skill to access the account');
    }
    if (error !== null) {
      const description = params.get('error_description');
      throw new LinkingError('authorization_error', `the authorization server answered ${error}${description ? `: ${description}` : ''}`, {
        oauthError: error,
      });
    }
    const link = grantOf(config) === 'IMPLICIT' ? await this.implicitLink(params, config) : await this.exchangeCode(params, config, started.codeVerifier);
    link.route = routeOf(config);
    link.grant = grantOf(config);
    // RFC 6749 §5.1: a token response without `scope` granted exactly what was asked for (the bridge answers so).
    if (link.scope === undefined && started.scope) link.scope = started.scope;
    await this.store.save(link);
    this.logger.info('link.completed', { expiresAt: link.expiresAt, scope: link.scope, route: link.route, grant: link.grant });
    return link;
  }

  private async exchangeCode(params: URLSearchParams, config: LinkingConfig, codeVerifier: string | undefined): Promise<StoredLink> {
    const code = params.get('code');
    if (!code) throw new LinkingError('authorization_error', 'the redirect carries neither a code nor an error');
    return this.toStoredLink(await exchangeCode(config, code, codeVerifier, this.fetch), config);
  }

  /** The implicit grant's fragment is a token response without a refresh token (RFC 6749 §4.2.2). */
  private async implicitLink(params: URLSearchParams, config: LinkingConfig): Promise<StoredLink> {
    if (!params.get('access_token')) {
      throw new LinkingError('authorization_error', 'the redirect carries neither an access token in its fragment nor an error');
    }
    const link = this.toStoredLink(await fragmentAnswer(config, params), config);
    delete link.refreshToken; // never part of the implicit grant; ignore one if a server sends it anyway
    return link;
  }

  /**
   * The access token to put into the next request, refreshed first when it has expired or is about to;
   * undefined when no account is linked (or a refused refresh has just unlinked it).
   */
  async accessToken(): Promise<string | undefined> {
    const link = await this.store.load();
    if (!link) return undefined;
    if (link.refreshToken === undefined) {
      // The implicit grant has nothing to refresh with. An expired token is sent as it is: the skill checks its
      // expiry and answers with a new LinkAccount card, which is how Alexa's users relink. Only the testers' "expire
      // now" makes a token Alexa counts as expired that would still verify; Alexa cannot use it any more, so the link
      // ends here and the request goes without a token (the card again).
      if (Date.parse(link.expiresAt) > this.now().getTime() || !stillValidJwt(link.accessToken, this.now())) return link.accessToken;
      await this.store.clear();
      this.logger.info('link.expired', { grant: 'implicit' });
      return undefined;
    }
    if (!this.expiresSoon(link)) return link.accessToken;
    // One refresh at a time: concurrent requests share it instead of spending the refresh token twice.
    this.refreshing ??= this.refresh(link).finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  async linked(): Promise<StoredLink | undefined> {
    return this.store.load();
  }

  async unlink(): Promise<void> {
    await this.store.clear();
    this.logger.info('link.removed');
  }

  /**
   * Marks the stored access token as expired (the testers' "expire now"): the next request refreshes it, or, for an
   * implicit link (no refresh token), goes without a token, so the skill asks to link again.
   */
  async expireAccessToken(): Promise<boolean> {
    const link = await this.store.load();
    if (!link) return false;
    await this.store.save({ ...link, expiresAt: new Date(this.now().getTime() - 1000).toISOString() });
    this.logger.info('link.expired_by_hand');
    return true;
  }

  /**
   * Revokes the link's refresh token at the authorization server (RFC 7009, with the client's own credentials), as
   * a user does who removes the skill's access in their account settings. The link stays stored, as Alexa keeps it
   * until its next refresh is refused; the access token is marked expired so that refresh happens on the next request.
   */
  async revokeAtServer(revocationUrl: URL | string): Promise<void> {
    const link = await this.store.load();
    if (!link) throw new LinkingError('authorization_error', 'no account is linked');
    if (link.refreshToken === undefined) throw new LinkingError('authorization_error', 'this link has no refresh token to revoke (implicit grant)');
    if ((link.route ?? 'direct') !== 'direct') {
      throw new LinkingError('authorization_error', 'a link made through the bridge holds the bridge\'s token; revoke works on direct links');
    }
    await revokeRefreshToken(this.setupFor('direct', 'AUTH_CODE'), new URL(revocationUrl), link.refreshToken, this.fetch);
    await this.store.save({ ...link, expiresAt: new Date(this.now().getTime() - 1000).toISOString() });
    this.logger.info('link.revoked_at_server');
  }

  private async refresh(link: StoredLink): Promise<string | undefined> {
    let config: LinkingConfig;
    try {
      config = await this.findSetup(link.route ?? 'direct', 'AUTH_CODE');
    } catch {
      this.logger.warn('link.refresh_failed', { reason: 'route_unknown', route: link.route });
      return link.accessToken;
    }
    try {
      const fresh = this.toStoredLink(await refreshGrant(config, link.refreshToken ?? '', this.fetch), config);
      // A token server may keep the refresh token (and not send it again); the old one then stays valid.
      const kept: StoredLink = { ...fresh, refreshToken: fresh.refreshToken ?? link.refreshToken, linkedAt: link.linkedAt };
      if (link.route !== undefined) kept.route = link.route;
      if (link.grant !== undefined) kept.grant = link.grant;
      if (kept.scope === undefined && link.scope !== undefined) kept.scope = link.scope;
      await this.store.save(kept);
      this.logger.info('link.refreshed', { expiresAt: kept.expiresAt });
      return kept.accessToken;
    } catch (error) {
      if (error instanceof LinkingError && error.code === 'token_request_failed' && refusedForGood(error.details.status)) {
        // Alexa unlinks the account when a refresh is refused; the user has to link again.
        await this.store.clear();
        this.logger.warn('link.dropped', { status: error.details.status, oauthError: error.details.oauthError });
        return undefined;
      }
      // A network error or a 5xx says nothing about the grant: keep the link and send what we have.
      this.logger.warn('link.refresh_failed', { reason: error instanceof LinkingError ? error.code : 'unexpected' });
      return link.accessToken;
    }
  }

  /** A usable answer as the link to store; `defaultTokenExpirationSeconds` when it names no lifetime, as Alexa does. */
  private toStoredLink(answer: TokenAnswer, config: LinkingConfig): StoredLink {
    const now = this.now();
    const link: StoredLink = {
      accessToken: answer.accessToken,
      tokenType: 'Bearer',
      expiresAt: new Date(now.getTime() + (answer.expiresInSeconds ?? config.defaultTokenExpirationSeconds) * 1000).toISOString(),
      linkedAt: now.toISOString(),
    };
    if (answer.refreshToken !== undefined) link.refreshToken = answer.refreshToken;
    if (answer.scope !== undefined) link.scope = answer.scope;
    return link;
  }

  private expiresSoon(link: StoredLink): boolean {
    return Date.parse(link.expiresAt) - this.config.refreshLeewaySeconds * 1000 <= this.now().getTime();
  }

  /** Single use: the state is taken out before anything else happens, whether the redirect then succeeds or not. */
  private async consumeState(received: string | null): Promise<{ stateHash: string; started: PendingAuthorization }> {
    const stateHash = received === null || received === '' ? undefined : hashState(received);
    const pending = stateHash === undefined ? undefined : await this.pendingStates.take(stateHash);
    if (stateHash === undefined || pending === undefined) {
      throw new LinkingError('state_mismatch', 'the redirect has a missing or unknown state; refusing it');
    }
    if (pending.issuedAt < this.now().getTime() - STATE_LIFETIME_MS) {
      throw new LinkingError('state_mismatch', 'the redirect came more than 15 minutes after the authorization started; refusing it');
    }
    return { stateHash, started: pending };
  }

  /** setupFor, or else what discoverSetup finds (kept for the next time). */
  private async findSetup(route: LinkRoute, grant: GrantType): Promise<LinkingConfig> {
    if (!this.setups.some((config) => routeOf(config) === route && grantOf(config) === grant)) {
      const found = await this.discoverSetup?.(route, grant).catch(() => undefined);
      if (found && routeOf(found) === route && grantOf(found) === grant) this.setups.push(found);
    }
    return this.setupFor(route, grant);
  }

  private setupFor(route: LinkRoute, grant: GrantType): LinkingConfig {
    const setup = this.setups.find((config) => routeOf(config) === route && grantOf(config) === grant);
    if (setup === undefined) {
      throw new LinkingError('authorization_error', `this simulator has no settings for the ${grant} grant through the ${route} route`);
    }
    return setup;
  }
}

/** What whoever started it is told: the reason code and the token endpoint's status and OAuth error, nothing else. */
function outcomeOf(error: unknown): AuthorizationOutcome {
  if (!(error instanceof LinkingError)) return { result: 'failed', reason: 'unexpected' };
  if (error.code === 'access_denied') return { result: 'cancelled' };
  const failed: AuthorizationOutcome = { result: 'failed', reason: error.code };
  if (error.details.status !== undefined) failed.status = error.details.status;
  if (error.details.oauthError !== undefined) failed.oauthError = error.details.oauthError;
  return failed;
}

function routeOf(config: LinkingConfig): LinkRoute {
  return config.route ?? 'direct';
}

function grantOf(config: LinkingConfig): GrantType {
  return config.grant ?? 'AUTH_CODE';
}

/** The state of a redirect: in the fragment for the implicit grant, in the query otherwise. */
function stateOf(redirect: URL): string | null {
  return new URLSearchParams(redirect.hash.replace(/^#/, '')).get('state') ?? redirect.searchParams.get('state');
}

/**
 * Where the redirect's answer is: the query for the code grant; the fragment for the implicit grant (RFC 6749
 * §4.2.2), where an error may also come in the query from a server that does not know better.
 */
function redirectParameters(redirect: URL, grant: GrantType): URLSearchParams {
  if (grant !== 'IMPLICIT') return redirect.searchParams;
  const fragment = new URLSearchParams(redirect.hash.replace(/^#/, ''));
  if (fragment.has('state')) return fragment;
  return redirect.searchParams.has('error') ? redirect.searchParams : fragment;
}

/**
 * Only a hash of each state is stored: the file then holds nothing an attacker could put into a redirect. Lookup
 * by hash also needs no constant-time comparison, since the hash of a guess tells nothing about the real state.
 */
function hashState(state: string): string {
  return createHash('sha256').update(state).digest('base64url');
}

/** 400 (invalid_grant and friends) and 401 (invalid_client) mean the grant is gone; anything else may pass. */
function refusedForGood(status: number | undefined): boolean {
  return status === 400 || status === 401;
}


/** Whether a token is a JWT whose own `exp` is still ahead (read, not verified: only its lifetime matters here). */
function stillValidJwt(token: string, now: Date): boolean {
  try {
    const { exp } = decodeJwt(token);
    return typeof exp === 'number' && exp * 1000 > now.getTime();
  } catch {
    return false; // opaque: the skill and the API decide
  }
}
