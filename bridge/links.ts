/**
 * Links: the stable refresh token Alexa holds ↔ the upstream refresh token behind it, and the refresh grant.
 *
 * Alexa keeps ONE bridge refresh token for the life of the link (opaque, random; only its keyed hash is stored),
 * whatever the upstream does, so Alexa never sees a rotation and never loses a link to a lost answer.
 *
 * Refresh semantics (see also store/store.ts):
 * - One caller at a time spends the upstream token. In process, concurrent refreshes of one link share one promise
 *   (single flight). Across processes — whenever the store is shared (a SQLite file, DynamoDB) — the caller first
 *   takes a short lease (a free link: one conditional store call that leases and reads it, `leaseLink`; otherwise a
 *   read and a version-conditional replace), others wait for its answer. This holds for profiles
 *   that declare a non-rotating provider too: a provider may rotate all the same (oidc-provider does when so
 *   configured, or once a token is past part of its life), and the first rotation spent twice by two instances at
 *   once would revoke a reuse-detecting provider's whole family. Only a private store (SQLite `:memory:`) with a
 *   non-rotating profile and link skips the lease: single flight already covers its one process. There a refresh
 *   usually writes nothing; if the upstream rotates anyway, the new token is stored (version-conditional) and the
 *   link is treated as rotating from then on.
 * - Rotating upstream: the lease is taken whatever the store. The rotation is then written with the newest token,
 *   the one it replaced (`previous`, kept for BRIDGE_REFRESH_GRACE_S) and the answer given (sealed). A refresh
 *   within REPEAT_ANSWER_S of a rotation gets that same answer instead of spending the new token again: Alexa
 *   retrying after a lost answer, or racing itself, never presents a rotated-away token — which providers with
 *   reuse detection (auth0) would take for theft and revoke the whole family.
 * - `previous` is presented only after the upstream refused the newest token within the grace window (an upstream
 *   that handed out a rotation it then did not keep). With reuse detection the family is already gone then, so the
 *   attempt costs nothing.
 * - Crash ordering: the stored token is only ever replaced after the upstream's answer is in hand, by one
 *   conditional write. A crash before that write leaves the old token (and a lease that lapses by itself), so the
 *   link survives as far as the upstream still honours the old token.
 * - Key rotation (BRIDGE_PREVIOUS_KEYS): a link's id is the keyed hash of Alexa's token under the current key, else
 *   under a previous one. A link found under a previous key's id is moved, under its lease, to the current key's id
 *   with its tokens sealed again under the current key; the old row is then emptied and expired. A crash between
 *   the two writes leaves both rows: the current id is always looked up first, the old row's lease lapses.
 */
import type { Logger } from '../common/logging.js';
import type { BridgeConfig } from './config.js';
import { refreshTokenId, seal, unseal, type BridgeKeys, type PurposeKey } from './keys.js';
import type { UpstreamRefusal, UpstreamResult, UpstreamTokens } from './profiles/profile.js';
import type { BridgeStore, LinkRecord } from './store/store.js';
import type { UpstreamClient } from './upstream.js';

/** RFC 6749 §5.1, as Alexa gets it. */
export interface TokenAnswer {
  access_token: string;
  token_type: 'Bearer';
  expires_in?: number;
  refresh_token?: string;
}

export type RefreshOutcome =
  | { kind: 'tokens'; answer: TokenAnswer; source: 'upstream' | 'repeated' }
  /** `by`: whether the bridge refused on its own (no such link, another client's) or passes on the upstream's refusal. */
  | { kind: 'refused'; by: 'bridge' | 'upstream'; error: UpstreamRefusal['error']; reason: string }
  | { kind: 'unavailable'; reason: string };

/** How long after a rotation a refresh is answered from the stored answer (never longer than the grace). */
export const REPEAT_ANSWER_S = 30;
/** The lease covers the upstream call and the write after it. */
const LEASE_MARGIN_MS = 1000;
const LEASE_POLL_MS = 25;
/** A revocation races at most the refreshes in flight, each of which changes the link once or twice. */
const REVOKE_ATTEMPTS = 10;

const TOKEN_TYP = 'bridge-stored-token';
const ANSWER_TYP = 'bridge-stored-answer';

interface StoredAnswer {
  linkId: string;
  accessToken: string;
  expiresIn?: number;
  issuedAtMs: number;
}

export interface LinksOptions {
  config: BridgeConfig;
  keys: BridgeKeys;
  store: BridgeStore;
  upstream: UpstreamClient;
  logger: Logger;
  now: () => number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class Links {
  private readonly inflight = new Map<string, Promise<RefreshOutcome & { clientId?: string }>>();

  constructor(private readonly options: LinksOptions) {}

  /**
   * Stores a new link for an upstream refresh token, issued by redeeming the bridge code `codeJti`; returns the
   * bridge refresh token for Alexa.
   */
  async create(clientId: string, upstreamRefreshToken: string, codeJti: string): Promise<string> {
    const { keys, store, config, now } = this.options;
    const bridgeToken = this.tokenForCode(codeJti, keys.refreshTokenId.current);
    const id = refreshTokenId(keys.refreshTokenId.current, bridgeToken);
    const created = await store.createLink({
      id,
      version: 1,
      clientId,
      upstreamRefreshToken: await this.sealToken(id, upstreamRefreshToken),
      expiresAt: now() + config.linkTtlSeconds * 1000,
    });
    // The id is the hash of a token derived from a single-use code's random id: a collision would be a bug, never
    // overwritten silently.
    if (!created) throw new Error('link id already exists');
    return bridgeToken;
  }

  /**
   * RFC 6749 §4.1.2: a replayed code revokes what its first redemption issued. The link is found again from the
   * code alone (its token is derived from the code's id), so the store keeps no second index; revoking is expiring
   * it now, with the same version-conditional replace as every other change. False when there was no link.
   */
  async revokeFromCode(codeJti: string): Promise<boolean> {
    const { keys, store, now } = this.options;
    // The token was derived under the key current at redemption; BRIDGE_KEY may have rotated since.
    const { current, previous } = keys.refreshTokenId;
    const tokens = [current, ...previous].map((key) => this.tokenForCode(codeJti, key));
    for (let attempt = 0; attempt < REVOKE_ATTEMPTS; attempt += 1) {
      let link: LinkRecord | undefined;
      for (const token of tokens) link ??= (await this.findLink(this.idsOf(token)))?.link;
      if (link === undefined) return false;
      const { leaseUntil: _lease, ...rest } = link;
      if (await store.replaceLink({ ...rest, version: link.version + 1, expiresAt: now() }, link.version)) return true;
      // Someone changed it meanwhile (a refresh): look again.
    }
    // Never given up silently: the caller's answer becomes a 503 and the replay can be tried again.
    throw new Error('the link kept changing while it was revoked');
  }

  /**
   * The bridge refresh token a code's redemption issues: a keyed hash of the code's random single-use id, as
   * unguessable as a random token without BRIDGE_KEY, and computable again when the code is replayed.
   */
  private tokenForCode(codeJti: string, key: PurposeKey): string {
    return `brt_${refreshTokenId(key, `code-link:${codeJti}`)}`;
  }

  /** The refresh grant. Concurrent calls for one bridge token in this process share one outcome. */
  async refresh(bridgeToken: string, clientId: string): Promise<RefreshOutcome> {
    const ids = this.idsOf(bridgeToken);
    const id = ids[0]!;
    let flight = this.inflight.get(id);
    if (flight === undefined) {
      flight = this.refreshLink(ids).finally(() => this.inflight.delete(id));
      this.inflight.set(id, flight);
    }
    const { clientId: owner, ...outcome } = await flight;
    if (outcome.kind === 'tokens' && owner !== clientId) return { kind: 'refused', by: 'bridge', error: 'invalid_grant', reason: 'refresh token of another client' };
    return outcome.kind === 'tokens' ? { ...outcome, answer: { ...outcome.answer, refresh_token: bridgeToken } } : outcome;
  }

  /** The ids a bridge token's link may be stored under: the current key's first, then each previous key's. Hashed once per request. */
  private idsOf(bridgeToken: string): string[] {
    const { current, previous } = this.options.keys.refreshTokenId;
    return [current, ...previous].map((key) => refreshTokenId(key, bridgeToken));
  }

  /** The link under the current key's id (`ids[0]`), else under a previous key's (not moved yet). */
  private async findLink(ids: readonly string[]): Promise<{ link: LinkRecord; underCurrentKey: boolean } | undefined> {
    const { store, now } = this.options;
    for (const [index, id] of ids.entries()) {
      const link = await store.getLink(id, now());
      if (link !== undefined) return { link, underCurrentKey: index === 0 };
    }
    return undefined;
  }

  /** `ids`: the bridge token's, from idsOf. */
  private async refreshLink(ids: readonly string[]): Promise<RefreshOutcome & { clientId?: string }> {
    const { config, store, now } = this.options;
    const deadline = now() + config.upstream.budgetMs;
    if (store.shared) {
      // The usual case in one store call: the link under the current key, free (no lease, no answer to repeat), leased.
      // Anything else (absent, leased by another, a rotation's answer to repeat, under a previous key) takes the way below.
      const leased = await store.leaseLink(ids[0]!, now(), now() + config.upstream.budgetMs + LEASE_MARGIN_MS);
      if (leased !== undefined) return { ...(await this.spend(leased)), clientId: leased.clientId };
    }
    for (;;) {
      const found = await this.findLink(ids);
      if (found === undefined) return { kind: 'refused', by: 'bridge', error: 'invalid_grant', reason: 'unknown or expired refresh token' };
      const { link, underCurrentKey } = found;
      const withClient = <T extends RefreshOutcome>(outcome: T) => ({ ...outcome, clientId: link.clientId });

      const repeated = await this.repeatedAnswer(link);
      if (repeated !== undefined) return withClient({ kind: 'tokens', answer: repeated, source: 'repeated' });

      const rotating = config.profile.rotatesRefreshTokens || link.rotates === true;
      if (!store.shared && !rotating && underCurrentKey) return withClient(await this.spend(link));

      if ((link.leaseUntil ?? 0) > now()) {
        // Another process is spending the token: wait for its answer rather than spend it twice.
        if (now() + LEASE_POLL_MS >= deadline) return { kind: 'unavailable', reason: 'another refresh of this link is in progress' };
        await sleep(LEASE_POLL_MS);
        continue;
      }
      const leased: LinkRecord = { ...link, version: link.version + 1, leaseUntil: now() + config.upstream.budgetMs + LEASE_MARGIN_MS };
      if (!(await store.replaceLink(leased, link.version))) continue; // someone else changed it: look again
      if (!underCurrentKey) {
        if (!(await this.moveToCurrentKey(leased, ids[0]!))) return withClient({ kind: 'unavailable', reason: 'stored token could not be opened (BRIDGE_KEY changed?)' });
        continue; // refresh from the moved link
      }
      return withClient(await this.spend(leased));
    }
  }

  /**
   * Moves a link found under a previous key's id (`leased`: we hold its lease, so nobody else writes it) to the
   * current key's id (`id`), its tokens sealed again under the current key; then empties and expires the old row.
   * False when the stored token cannot be opened with any configured key.
   *
   * The stored answer is not moved: a link is only moved after `repeatedAnswer` found no answer to repeat, so its
   * repeat window has already closed and the answer would never be served again.
   */
  private async moveToCurrentKey(leased: LinkRecord, id: string): Promise<boolean> {
    const { store, now, logger } = this.options;
    const token = await this.openToken(leased.id, leased.upstreamRefreshToken);
    if (token === undefined) {
      await this.releaseLease(leased);
      return false;
    }
    const { leaseUntil: _lease, previousUpstreamRefreshToken, lastAnswer: _answer, lastAnswerUntil: _answerUntil, ...kept } = leased;
    const moved: LinkRecord = { ...kept, id, version: 1, upstreamRefreshToken: await this.sealToken(id, token) };
    const previous = await this.openToken(leased.id, previousUpstreamRefreshToken);
    if (previous !== undefined) moved.previousUpstreamRefreshToken = await this.sealToken(id, previous);
    // A live row under the new id can only be a mover's that crashed before emptying the old row: it is the newer
    // one (it may have been refreshed since) and stays. An expired one (the link was moved away from this id before,
    // e.g. back and forth during a two-step rotation) is replaced.
    await store.createLink(moved, now());
    const emptied: LinkRecord = { id: leased.id, version: leased.version + 1, clientId: leased.clientId, upstreamRefreshToken: '', expiresAt: now() };
    await store.replaceLink(emptied, leased.version).catch(() => false);
    logger.info('bridge.link_rekeyed', { profile: this.options.config.profile.name });
    return true;
  }

  /** Presents the stored upstream token (and the previous one, if the upstream refused it within the grace). */
  private async spend(link: LinkRecord): Promise<RefreshOutcome> {
    const { now, upstream } = this.options;
    const current = await this.openToken(link.id, link.upstreamRefreshToken);
    if (current === undefined) {
      await this.releaseLease(link);
      return { kind: 'unavailable', reason: 'stored token could not be opened (BRIDGE_KEY changed?)' };
    }
    let result: UpstreamResult = await upstream.token('refresh_token', { refresh_token: current });
    let spent = current;
    // `previousUntil` is set together with the previous token: a link without one never passes this test.
    if (result.kind === 'refused' && result.error === 'invalid_grant' && (link.previousUntil ?? 0) > now()) {
      const previous = await this.openToken(link.id, link.previousUpstreamRefreshToken);
      if (previous !== undefined) {
        this.options.logger.warn('bridge.refresh_previous_token', { profile: this.options.config.profile.name, outcome: 'newest refused within grace' });
        result = await upstream.token('refresh_token', { refresh_token: previous });
        spent = previous;
      }
    }
    if (result.kind === 'tokens') return { kind: 'tokens', answer: await this.recordTokens(link, result, spent), source: 'upstream' };
    await this.releaseLease(link);
    if (result.kind === 'refused') return { kind: 'refused', by: 'upstream', error: result.error, reason: result.detail ?? 'refused' };
    return result;
  }

  /** Writes a rotation (or just lifts the lease / extends the expiry) and returns Alexa's answer. */
  private async recordTokens(link: LinkRecord, tokens: UpstreamTokens, spent: string): Promise<TokenAnswer> {
    const { config, store, now, logger } = this.options;
    const answer: TokenAnswer = { access_token: tokens.accessToken, token_type: 'Bearer' };
    if (tokens.expiresIn !== undefined) answer.expires_in = tokens.expiresIn;
    const rotated = tokens.refreshToken !== undefined && tokens.refreshToken !== spent;
    const at = now();
    const expiresAt = at + config.linkTtlSeconds * 1000;

    let next: LinkRecord | undefined;
    if (rotated) {
      // An absent expires_in stays absent: the sealed JSON leaves `undefined` out.
      const stored: StoredAnswer = { linkId: link.id, accessToken: tokens.accessToken, issuedAtMs: at, expiresIn: tokens.expiresIn };
      next = {
        id: link.id,
        version: link.version + 1,
        clientId: link.clientId,
        rotates: true,
        upstreamRefreshToken: await this.sealToken(link.id, tokens.refreshToken!),
        previousUpstreamRefreshToken: await this.sealToken(link.id, spent),
        previousUntil: at + config.refreshGraceSeconds * 1000,
        lastAnswer: await seal(this.options.keys.storedToken, ANSWER_TYP, stored),
        lastAnswerUntil: at + Math.min(REPEAT_ANSWER_S, config.refreshGraceSeconds) * 1000,
        expiresAt,
      };
    } else if (link.leaseUntil !== undefined || link.expiresAt - at < (config.linkTtlSeconds * 1000) / 2) {
      // Lift our lease; and keep a link Alexa still uses from expiring (written at most once per half lifetime).
      next = { ...link, version: link.version + 1, leaseUntil: undefined, expiresAt };
    }
    if (next !== undefined) {
      const written = await store.replaceLink(next, link.version).catch((error: unknown) => {
        logger.error('bridge.store_write_failed', { step: 'refresh', errorName: error instanceof Error ? error.name : typeof error });
        return false;
      });
      // The tokens are valid either way; a lost write leaves the older upstream token stored, which is the safe side.
      if (!written && rotated) logger.warn('bridge.rotation_not_recorded', { profile: config.profile.name, outcome: 'concurrent change' });
    }
    return answer;
  }

  private async releaseLease(link: LinkRecord): Promise<void> {
    if (link.leaseUntil === undefined) return;
    await this.options.store.replaceLink({ ...link, version: link.version + 1, leaseUntil: undefined }, link.version).catch(() => false);
  }

  private async repeatedAnswer(link: LinkRecord): Promise<TokenAnswer | undefined> {
    const at = this.options.now();
    // `lastAnswerUntil` is set together with the answer: a link without one returns here.
    if ((link.lastAnswerUntil ?? 0) <= at) return undefined;
    const stored = await this.openAnswer(link.id, link.lastAnswer);
    if (stored === undefined) return undefined;
    const answer: TokenAnswer = { access_token: stored.accessToken, token_type: 'Bearer' };
    if (stored.expiresIn !== undefined) answer.expires_in = Math.max(0, stored.expiresIn - Math.floor((at - stored.issuedAtMs) / 1000));
    return answer;
  }

  /** Undefined when there is none (unseal opens anything but a sealed string as undefined), or it does not open here. */
  private async openAnswer(linkId: string, sealed: string | undefined): Promise<StoredAnswer | undefined> {
    const stored = (await unseal(this.options.keys.storedToken, ANSWER_TYP, sealed as string)) as StoredAnswer | undefined;
    return stored?.linkId === linkId ? stored : undefined;
  }

  /** Sealed with the link's id inside, so a token cannot be moved from one row to another. */
  private sealToken(linkId: string, token: string): Promise<string> {
    return seal(this.options.keys.storedToken, TOKEN_TYP, { linkId, token });
  }

  /** Undefined when there is none (unseal opens anything but a sealed string as undefined), or it does not open here. */
  private async openToken(linkId: string, sealed: string | undefined): Promise<string | undefined> {
    const value = (await unseal(this.options.keys.storedToken, TOKEN_TYP, sealed as string)) as { linkId?: string; token?: string } | undefined;
    return value?.linkId === linkId && typeof value.token === 'string' ? value.token : undefined;
  }
}
