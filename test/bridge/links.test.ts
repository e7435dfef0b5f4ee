/**
 * bridge/links.ts in this process: two `Links` on one store, an upstream that is a plain object, and a clock the
 * test sets. The lease, the move to the current key and the first spend are the same logic the child-process tests
 * (instances.test.ts, first-spend.test.ts) prove end to end; here each rule is one `it`, so a change to it fails a
 * test Stryker's per-test coverage can see.
 *
 * Time: every `now` is the test's `clock`. Only the lease's poll (25 ms between reads of the store) runs on the real
 * timer; a test that needs a waiting instance to have looked at the store counts its reads instead of sleeping.
 */
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeProtectedHeader } from 'jose';
import { createMemoryLogger } from '../../common/logging.js';
import { loadBridgeConfig, type BridgeConfig } from '../../bridge/config.js';
import { deriveKeys, keyId, refreshTokenId, seal, type BridgeKeys } from '../../bridge/keys.js';
import { Links, REPEAT_ANSWER_S, type RefreshOutcome } from '../../bridge/links.js';
import type { TokenGrant, UpstreamResult } from '../../bridge/profiles/profile.js';
import { SqliteBridgeStore } from '../../bridge/store/sqlite.js';
import type { BridgeStore, LinkRecord } from '../../bridge/store/store.js';
import type { UpstreamClient } from '../../bridge/upstream.js';
import { tracked } from '../support/fake-clock.js';
import { bridgeEnv } from './helpers.js';

const BUDGET_MS = 1000;
/** links.ts: the lease covers the budget and the write after it. */
const LEASE_MS = BUDGET_MS + 1000;
const GRACE_S = 300;
const TTL_DAYS = 2;
const TTL_MS = TTL_DAYS * 86_400_000;
const T0 = Date.UTC(2031, 0, 1); // far from the wall clock: only the injected clock decides
const CLIENT = 'alexa-skill-at-bridge';

/**
 * Resolves once `condition` holds; polls on the event loop. Fails at once when `pending` settles first (a refresh
 * that should still be waiting has answered), rather than waiting for the mocha timeout.
 */
async function until(condition: () => boolean, pending: { settled: boolean }): Promise<void> {
  while (!condition()) {
    if (pending.settled) throw new Error('the refresh answered while it should have been waiting');
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

/** Waits for the provider's call, failing at once when `refresh` answers without making one. */
async function calledBy(call: Promise<void>, refresh: Promise<RefreshOutcome>): Promise<void> {
  await Promise.race([call, refresh.then((outcome) => Promise.reject(new Error(`answered without calling the provider: ${JSON.stringify(outcome)}`)))]);
}

interface Gate {
  promise: Promise<void>;
  open(): void;
}
function gate(): Gate {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

/**
 * A provider's token endpoint as an object: rotating or not, with reuse detection (a rotated-away token presented
 * again revokes the family, as auth0 does).
 */
class Provider implements UpstreamClient {
  current: string;
  /** Every refresh token presented, in order. */
  readonly presented: string[] = [];
  familyRevoked = false;
  expiresIn: number | undefined = 3600;
  /** Non-rotating providers: send the same refresh token back (true) or none (false). */
  echoRefreshToken = false;
  /** The answer to give instead of the normal one, once. */
  nextAnswer: UpstreamResult | undefined;
  private readonly retired = new Set<string>();
  private previous: string | undefined;
  private serial = 0;
  private holds: Gate[] = [];
  private called: (() => void)[] = [];

  constructor(readonly rotate: boolean) {
    this.current = 'upstream-rt-0';
  }

  /** The next call's answer waits until the gate opens (the call is in flight). */
  holdNext(): Gate {
    const g = gate();
    this.holds.push(g);
    return g;
  }

  /** Resolves when the next call arrives. */
  nextCall(): Promise<void> {
    return new Promise((resolve) => this.called.push(resolve));
  }

  forgetLatestRotation(): void {
    if (this.previous === undefined) return;
    this.retired.delete(this.previous);
    this.current = this.previous;
    this.previous = undefined;
  }

  async token(grant: TokenGrant, params: Record<string, string>): Promise<UpstreamResult> {
    expect(grant).to.equal('refresh_token');
    const presented = params.refresh_token!;
    this.presented.push(presented);
    this.called.shift()?.();
    const hold = this.holds.shift();
    if (hold) await hold.promise;
    if (this.nextAnswer !== undefined) {
      const answer = this.nextAnswer;
      this.nextAnswer = undefined;
      return answer;
    }
    if (this.familyRevoked) return { kind: 'refused', error: 'invalid_grant', detail: 'family revoked' };
    if (this.retired.has(presented)) {
      this.familyRevoked = true;
      return { kind: 'refused', error: 'invalid_grant', detail: 'reuse detected' };
    }
    if (presented !== this.current) return { kind: 'refused', error: 'invalid_grant', detail: 'unknown token' };
    this.serial += 1;
    const answer: UpstreamResult = { kind: 'tokens', accessToken: `access-${this.serial}`, ...(this.expiresIn === undefined ? {} : { expiresIn: this.expiresIn }) };
    if (this.rotate) {
      this.previous = this.current;
      this.retired.add(this.current);
      this.current = `upstream-rt-${this.serial}`;
      answer.refreshToken = this.current;
    } else if (this.echoRefreshToken) {
      answer.refreshToken = this.current;
    }
    return answer;
  }
}

/** A store handle that counts reads and can be made to fail or refuse writes. */
class WatchedStore implements BridgeStore {
  reads = 0;
  /** Replaces refused (as if someone else changed the link) for the next n calls. */
  refuseReplaces = 0;
  /** One-step leases refused (as if the link were not free) for the next n calls; `leaseCalls` counts them all. */
  refuseLeases = 0;
  leaseCalls = 0;
  failWrites = false;
  constructor(readonly inner: BridgeStore) {}
  get shared() {
    return this.inner.shared;
  }
  useOnce(key: string, expiresAt: number) {
    return this.inner.useOnce(key, expiresAt);
  }
  createLink(link: LinkRecord, nowMs?: number) {
    return this.inner.createLink(link, nowMs);
  }
  getLink(id: string, nowMs: number) {
    this.reads += 1;
    return this.inner.getLink(id, nowMs);
  }
  async replaceLink(link: LinkRecord, expectedVersion: number) {
    if (this.failWrites) throw Object.assign(new Error('disk I/O error'), { name: 'SqliteError' });
    if (this.refuseReplaces > 0) {
      this.refuseReplaces -= 1;
      return false;
    }
    return this.inner.replaceLink(link, expectedVersion);
  }
  async leaseLink(id: string, nowMs: number, leaseUntil: number) {
    this.reads += 1;
    this.leaseCalls += 1;
    if (this.refuseLeases > 0) {
      this.refuseLeases -= 1;
      return undefined;
    }
    return this.inner.leaseLink(id, nowMs, leaseUntil);
  }
  close() {
    return this.inner.close();
  }
}

interface Instance {
  links: Links;
  store: WatchedStore;
  logger: ReturnType<typeof createMemoryLogger>;
  keys: BridgeKeys;
  config: BridgeConfig;
}

const events = (i: Instance) => i.logger.lines.map((line) => JSON.parse(line) as Record<string, unknown>);
const eventNames = (i: Instance) => events(i).map((e) => e.event);

describe('bridge links, in process: leases, moves to the current key, the first spend', () => {
  let clock: number;
  let dir: string;
  let opened: BridgeStore[];
  let provider: Provider;
  const masterA = randomBytes(32);
  const masterB = randomBytes(32);

  beforeEach(() => {
    clock = T0;
    dir = mkdtempSync(join(tmpdir(), 'bridge-links-'));
    opened = [];
  });
  afterEach(async () => {
    await Promise.all(opened.map((s) => s.close()));
    rmSync(dir, { recursive: true, force: true });
  });

  /** One bridge instance: its own store connection (`file` shared with the others, or private), its keys. */
  async function instance(options: { file?: string; rotating?: boolean; key?: Uint8Array; previous?: Uint8Array[]; graceS?: number } = {}): Promise<Instance> {
    const config = await loadBridgeConfig(
      bridgeEnv({ BRIDGE_UPSTREAM_BUDGET_MS: String(BUDGET_MS), BRIDGE_REFRESH_GRACE_S: String(options.graceS ?? GRACE_S), BRIDGE_LINK_TTL_DAYS: String(TTL_DAYS) }),
    );
    config.profile = { ...config.profile, rotatesRefreshTokens: options.rotating ?? false };
    const sqlite = new SqliteBridgeStore(options.file ?? ':memory:', { now: () => clock });
    opened.push(sqlite);
    const store = new WatchedStore(sqlite);
    const logger = createMemoryLogger('debug');
    const keys = deriveKeys(options.key ?? masterA, options.previous ?? []);
    return { links: new Links({ config, keys, store, upstream: provider, logger, now: () => clock }), store, logger, keys, config };
  }

  const sharedFile = () => join(dir, 'bridge.sqlite');
  const idOf = (i: Instance, bridgeToken: string, key = i.keys.refreshTokenId.current) => refreshTokenId(key, bridgeToken);
  const stored = async (i: Instance, bridgeToken: string) => (await i.store.inner.getLink(idOf(i, bridgeToken), clock))!;
  const tokens = (outcome: RefreshOutcome) => {
    expect(outcome.kind, JSON.stringify(outcome)).to.equal('tokens');
    return outcome as Extract<RefreshOutcome, { kind: 'tokens' }>;
  };

  describe('two instances on one shared store (a SQLite file), a profile that declares no rotation', () => {
    let a: Instance;
    let b: Instance;
    let bridgeToken: string;

    async function start(rotate: boolean) {
      provider = new Provider(rotate);
      a = await instance({ file: sharedFile() });
      b = await instance({ file: sharedFile() });
      bridgeToken = await a.links.create(CLIENT, provider.current, 'code-1');
    }

    it('the first spend is leased: B waits for A’s call and gets A’s answer; the provider sees its token once', async () => {
      await start(true); // the provider rotates although the profile says it does not
      const held = provider.holdNext();
      const called = provider.nextCall();
      const first = a.links.refresh(bridgeToken, CLIENT);
      await calledBy(called, first);
      const readsBefore = b.store.reads;
      const second = tracked(b.links.refresh(bridgeToken, CLIENT));
      await until(() => b.store.reads >= readsBefore + 2, second); // B has seen the lease and looked again
      expect(second.settled).to.equal(false);
      held.open();

      const [fromA, fromB] = [tokens(await first), tokens(await second)];
      expect(fromA.source).to.equal('upstream');
      expect(fromB.source).to.equal('repeated');
      expect(fromB.answer).to.deep.equal(fromA.answer);
      expect(fromA.answer).to.deep.equal({ access_token: 'access-1', token_type: 'Bearer', expires_in: 3600, refresh_token: bridgeToken });
      expect(provider.presented).to.deep.equal(['upstream-rt-0']);
      // Seen rotating once, the link is leased as a rotating one from then on.
      expect(await stored(a, bridgeToken)).to.include({ rotates: true });
      expect((await stored(a, bridgeToken)).leaseUntil).to.equal(undefined);

      clock += REPEAT_ANSWER_S * 1000;
      expect(tokens(await b.links.refresh(bridgeToken, CLIENT)).answer.access_token).to.equal('access-2');
      expect(provider.presented).to.deep.equal(['upstream-rt-0', 'upstream-rt-1']);
      expect(provider.familyRevoked).to.equal(false);
    });

    it('a lease taken the long way (after a read: the one-step lease found the link changing) holds B off just the same', async () => {
      await start(true);
      a.store.refuseLeases = 1; // A reads the link and leases it with a version-conditional replace
      const held = provider.holdNext();
      const called = provider.nextCall();
      const first = a.links.refresh(bridgeToken, CLIENT);
      await calledBy(called, first);
      expect((await stored(a, bridgeToken)).leaseUntil, 'the lease lasts past now').to.be.greaterThan(clock);
      const readsBefore = b.store.reads;
      const second = tracked(b.links.refresh(bridgeToken, CLIENT));
      await until(() => b.store.reads >= readsBefore + 2, second);
      expect(second.settled).to.equal(false);
      held.open();
      expect(tokens(await second).source).to.equal('repeated');
      expect(provider.presented).to.deep.equal(['upstream-rt-0']);
    });

    it('B does not give up while its budget lasts, and answers unavailable (nothing spent) once it is used up', async () => {
      await start(true);
      const held = provider.holdNext();
      const called = provider.nextCall();
      const first = a.links.refresh(bridgeToken, CLIENT);
      await calledBy(called, first);

      clock += 1; // B's budget starts here and ends at clock + BUDGET_MS
      const patient = tracked(b.links.refresh(bridgeToken, CLIENT));
      const readsBefore = b.store.reads;
      clock += BUDGET_MS - 25 - 1; // one poll short of the end of B's budget: B waits on
      await until(() => b.store.reads >= readsBefore + 2, patient);
      expect(patient.settled).to.equal(false);

      clock += 1; // B's budget cannot cover another poll
      expect(await patient).to.deep.equal({ kind: 'unavailable', reason: 'another refresh of this link is in progress' });
      expect(provider.presented).to.have.length(1);

      held.open();
      expect(tokens(await first).source).to.equal('upstream');
      expect(provider.familyRevoked).to.equal(false);
    });

    it('a lease left by an instance that died mid-call stands for budget + 1 s: B waits until then and spends from then on', async () => {
      await start(false);
      provider.holdNext(); // never opened: A died during its upstream call
      const called = provider.nextCall();
      await calledBy(called, a.links.refresh(bridgeToken, CLIENT));
      const leasedAt = clock;
      expect((await stored(a, bridgeToken)).leaseUntil).to.equal(leasedAt + LEASE_MS);

      clock = leasedAt + LEASE_MS - 1;
      const readsBefore = b.store.reads;
      const waiting = tracked(b.links.refresh(bridgeToken, CLIENT));
      await until(() => b.store.reads >= readsBefore + 2, waiting);
      expect(waiting.settled, 'B waited while the lease stood').to.equal(false);
      expect(provider.presented).to.have.length(1);

      clock = leasedAt + LEASE_MS; // the lease has lapsed
      expect(tokens(await waiting).source).to.equal('upstream');
      expect(provider.presented).to.deep.equal(['upstream-rt-0', 'upstream-rt-0']);
      // B lifted its own lease with its write.
      expect((await stored(b, bridgeToken)).leaseUntil).to.equal(undefined);
    });

    it('a refusal or an outage lifts the lease at once: the other instance is not kept waiting, the link survives an outage', async () => {
      await start(false);
      provider.nextAnswer = { kind: 'unavailable', reason: 'upstream status 503' };
      const before = await stored(a, bridgeToken);
      expect(await a.links.refresh(bridgeToken, CLIENT)).to.deep.equal({ kind: 'unavailable', reason: 'upstream status 503' });
      const afterOutage = await stored(a, bridgeToken);
      expect(afterOutage.leaseUntil).to.equal(undefined);
      expect(afterOutage.version, 'leased, then released: each a new version').to.equal(before.version + 2);
      expect(tokens(await b.links.refresh(bridgeToken, CLIENT)).source).to.equal('upstream');

      provider.nextAnswer = { kind: 'refused', error: 'invalid_grant', detail: 'status 400' };
      expect(await b.links.refresh(bridgeToken, CLIENT)).to.deep.equal({ kind: 'refused', by: 'upstream', error: 'invalid_grant', reason: 'status 400' });
      expect((await stored(b, bridgeToken)).leaseUntil).to.equal(undefined);
      provider.nextAnswer = { kind: 'refused', error: 'invalid_grant' };
      expect(await a.links.refresh(bridgeToken, CLIENT)).to.deep.equal({ kind: 'refused', by: 'upstream', error: 'invalid_grant', reason: 'refused' });
    });

    it('a free link is leased and read in one store call before the upstream is asked, and its lease lifted after', async () => {
      await start(false);
      const before = { reads: a.store.reads, leases: a.store.leaseCalls };
      const held = provider.holdNext();
      const called = provider.nextCall();
      const pending = a.links.refresh(bridgeToken, CLIENT);
      await calledBy(called, pending);
      expect({ reads: a.store.reads - before.reads, leases: a.store.leaseCalls - before.leases }, 'the one-step lease, no read besides').to.deep.equal({ reads: 1, leases: 1 });
      expect((await b.store.inner.getLink(idOf(a, bridgeToken), clock))!.leaseUntil, 'leased while the upstream is asked').to.be.greaterThan(clock);
      held.open();
      expect(tokens(await pending).source).to.equal('upstream');
      expect(await b.store.inner.getLink(idOf(a, bridgeToken), clock)).not.to.have.property('leaseUntil');
    });

    it('when another writer wins the lease first, the refresh looks again instead of spending without one', async () => {
      await start(false);
      b.store.refuseLeases = 1; // B's one-step lease finds the link taken…
      b.store.refuseReplaces = 1; // …and its lease write after reading loses a race too
      const readsBefore = b.store.reads;
      expect(tokens(await b.links.refresh(bridgeToken, CLIENT)).source).to.equal('upstream');
      expect(b.store.reads - readsBefore, 'the one-step lease, then a read, and a read again after the lost race').to.equal(3);
      expect(provider.presented).to.have.length(1);
    });

    it('a failed write after the spend still answers with the tokens, and says so in the log', async () => {
      await start(true);
      const held = provider.holdNext();
      const called = provider.nextCall();
      const pending = a.links.refresh(bridgeToken, CLIENT);
      await calledBy(called, pending); // the lease is written; the rotation's write will fail
      a.store.failWrites = true;
      held.open();
      expect(tokens(await pending).answer.access_token).to.equal('access-1');
      expect(events(a).find((e) => e.event === 'bridge.store_write_failed')).to.include({ step: 'refresh', errorName: 'SqliteError' });
      expect(events(a).find((e) => e.event === 'bridge.rotation_not_recorded')).to.include({ profile: 'oidc', outcome: 'concurrent change' });
    });

    it('a lost write without a rotation is not reported as a lost rotation', async () => {
      await start(false);
      const held = provider.holdNext();
      const called = provider.nextCall();
      const pending = a.links.refresh(bridgeToken, CLIENT);
      await calledBy(called, pending);
      a.store.refuseReplaces = 1; // the write lifting the lease loses to another writer
      held.open();
      expect(tokens(await pending).source).to.equal('upstream');
      expect(eventNames(a)).not.to.include('bridge.rotation_not_recorded');
      expect(eventNames(a)).not.to.include('bridge.store_write_failed');
    });
  });

  describe('a private store (SQLite :memory:)', () => {
    it('a non-rotating link takes no lease and writes nothing in the first half of its life; after that one write extends it', async () => {
      provider = new Provider(false);
      const i = await instance();
      const bridgeToken = await i.links.create(CLIENT, provider.current, 'code-2');
      expect(await stored(i, bridgeToken)).to.include({ version: 1, expiresAt: T0 + TTL_MS });

      clock = T0 + TTL_MS / 2; // exactly half its life left: nothing to write yet
      expect(tokens(await i.links.refresh(bridgeToken, CLIENT)).source).to.equal('upstream');
      expect(await stored(i, bridgeToken)).to.include({ version: 1, expiresAt: T0 + TTL_MS });

      clock += 1; // less than half its life left
      expect(tokens(await i.links.refresh(bridgeToken, CLIENT)).answer.access_token).to.equal('access-2');
      const extended = await stored(i, bridgeToken);
      expect(extended).to.include({ version: 2, expiresAt: clock + TTL_MS });
      expect(extended).not.to.have.property('leaseUntil');
      expect(extended).not.to.have.property('rotates');

      // Echoing the same refresh token is not a rotation.
      provider.echoRefreshToken = true;
      clock += 1000;
      expect(tokens(await i.links.refresh(bridgeToken, CLIENT)).source).to.equal('upstream');
      expect(await stored(i, bridgeToken)).to.include({ version: 2 });
      expect(provider.presented).to.deep.equal(['upstream-rt-0', 'upstream-rt-0', 'upstream-rt-0']);

      // A refusal writes nothing either (there is no lease to lift).
      provider.nextAnswer = { kind: 'refused', error: 'invalid_grant' };
      expect((await i.links.refresh(bridgeToken, CLIENT)).kind).to.equal('refused');
      expect(await stored(i, bridgeToken)).to.include({ version: 2 });
      expect(eventNames(i)).not.to.include('bridge.store_write_failed');
    });

    it('an answer without expires_in is passed on without one, also when repeated', async () => {
      provider = new Provider(true);
      provider.expiresIn = undefined;
      const i = await instance({ rotating: true });
      const bridgeToken = await i.links.create(CLIENT, provider.current, 'code-3');
      const first = tokens(await i.links.refresh(bridgeToken, CLIENT));
      expect(first.answer).to.deep.equal({ access_token: 'access-1', token_type: 'Bearer', refresh_token: bridgeToken });
      clock += 1000;
      const again = tokens(await i.links.refresh(bridgeToken, CLIENT));
      expect(again.source).to.equal('repeated');
      expect(again.answer).to.deep.equal(first.answer);
    });

    it('a rotation is stored with the token it replaced until the grace ends and its answer until the repeat window ends', async () => {
      provider = new Provider(true);
      provider.expiresIn = 20;
      const i = await instance({ rotating: true });
      const bridgeToken = await i.links.create(CLIENT, provider.current, 'code-4');
      tokens(await i.links.refresh(bridgeToken, CLIENT));
      const row = await stored(i, bridgeToken);
      expect(row).to.include({ rotates: true, previousUntil: T0 + GRACE_S * 1000, lastAnswerUntil: T0 + REPEAT_ANSWER_S * 1000, expiresAt: T0 + TTL_MS });
      expect(row).not.to.have.property('leaseUntil');

      // The repeated answer's expires_in counts down and stops at 0.
      clock = T0 + 5_999;
      expect(tokens(await i.links.refresh(bridgeToken, CLIENT)).answer.expires_in).to.equal(15);
      clock = T0 + REPEAT_ANSWER_S * 1000 - 1;
      const last = tokens(await i.links.refresh(bridgeToken, CLIENT));
      expect(last).to.deep.include({ source: 'repeated' });
      expect(last.answer.expires_in).to.equal(0);
      expect(provider.presented).to.have.length(1);
      clock = T0 + REPEAT_ANSWER_S * 1000; // the window has closed
      expect(tokens(await i.links.refresh(bridgeToken, CLIENT)).source).to.equal('upstream');
    });

    it('the repeat window is never longer than the grace', async () => {
      provider = new Provider(true);
      const i = await instance({ rotating: true, graceS: 10 });
      const bridgeToken = await i.links.create(CLIENT, provider.current, 'code-5');
      tokens(await i.links.refresh(bridgeToken, CLIENT));
      expect(await stored(i, bridgeToken)).to.include({ previousUntil: T0 + 10_000, lastAnswerUntil: T0 + 10_000 });
      clock = T0 + 10_000;
      expect(tokens(await i.links.refresh(bridgeToken, CLIENT)).source).to.equal('upstream');
    });

    it('the previous token is presented only after the newest was refused, and only until the grace ends', async () => {
      provider = new Provider(true);
      const i = await instance({ rotating: true });
      const bridgeToken = await i.links.create(CLIENT, provider.current, 'code-6');
      tokens(await i.links.refresh(bridgeToken, CLIENT)); // rt-0 → rt-1
      provider.forgetLatestRotation(); // the provider did not keep rt-1
      clock = T0 + GRACE_S * 1000 - 1;
      const saved = tokens(await i.links.refresh(bridgeToken, CLIENT));
      expect(saved.source).to.equal('upstream');
      expect(provider.presented).to.deep.equal(['upstream-rt-0', 'upstream-rt-1', 'upstream-rt-0']);
      expect(events(i).find((e) => e.event === 'bridge.refresh_previous_token')).to.include({ profile: 'oidc', outcome: 'newest refused within grace' });
      // The token kept as the previous one is the one spent (rt-0), not the refused one: lost again, rescued again.
      provider.forgetLatestRotation();
      clock += 60_000;
      expect(tokens(await i.links.refresh(bridgeToken, CLIENT)).source).to.equal('upstream');
      expect(provider.presented.slice(3)).to.deep.equal(['upstream-rt-2', 'upstream-rt-0']);
      provider.presented.splice(3);
      const rotatedAt = clock; // the last rotation: rt-0 → rt-3, rt-0 kept until rotatedAt + the grace

      // An outage is not a refusal: the previous token is not tried.
      clock += 60_000;
      provider.nextAnswer = { kind: 'unavailable', reason: 'upstream status 503' };
      expect((await i.links.refresh(bridgeToken, CLIENT)).kind).to.equal('unavailable');
      expect(provider.presented).to.have.length(4);
      // Another refusal than invalid_grant neither.
      provider.nextAnswer = { kind: 'refused', error: 'invalid_client' };
      expect(await i.links.refresh(bridgeToken, CLIENT)).to.deep.include({ kind: 'refused', error: 'invalid_client' });
      expect(provider.presented).to.have.length(5);

      // Past the grace of the last rotation: a refused newest token is the end.
      provider.forgetLatestRotation();
      clock = rotatedAt + GRACE_S * 1000;
      expect(await i.links.refresh(bridgeToken, CLIENT)).to.deep.include({ kind: 'refused', error: 'invalid_grant' });
      expect(provider.presented).to.have.length(6);
    });
  });

  describe('what the store holds is bound to its row and its key', () => {
    /** Two links on a private store with a rotating provider, each refreshed once (a previous token and an answer stored). */
    async function twoLinks() {
      provider = new Provider(true);
      const i = await instance({ rotating: true });
      const x = await i.links.create(CLIENT, provider.current, 'code-x');
      const y = await i.links.create(CLIENT, 'other-upstream-token', 'code-y');
      return { i, x, y };
    }
    const rewrite = async (i: Instance, bridgeToken: string, change: Partial<LinkRecord>) => {
      const row = await stored(i, bridgeToken);
      expect(await i.store.inner.replaceLink({ ...row, ...change, version: row.version + 1 }, row.version)).to.equal(true);
    };

    it('an upstream token copied from another link’s row does not open: unavailable, nothing presented', async () => {
      const { i, x, y } = await twoLinks();
      await rewrite(i, y, { upstreamRefreshToken: (await stored(i, x)).upstreamRefreshToken });
      expect(await i.links.refresh(y, CLIENT)).to.deep.equal({ kind: 'unavailable', reason: 'stored token could not be opened (BRIDGE_KEY changed?)' });
      expect(provider.presented).to.deep.equal([]);
    });

    it('a sealed value that is not a token string does not open as one', async () => {
      const { i, x } = await twoLinks();
      const id = idOf(i, x);
      await rewrite(i, x, { upstreamRefreshToken: await seal(i.keys.storedToken, 'bridge-stored-token', { linkId: id, token: 42 }) });
      expect((await i.links.refresh(x, CLIENT)).kind).to.equal('unavailable');
    });

    it('an answer copied from another link’s row is not repeated: the link spends its own token', async () => {
      const { i, x, y } = await twoLinks();
      tokens(await i.links.refresh(x, CLIENT)); // x: a rotation, its answer stored
      provider.current = 'other-upstream-token'; // the provider now honours y's token
      const fromX = await stored(i, x);
      await rewrite(i, y, { lastAnswer: fromX.lastAnswer!, lastAnswerUntil: fromX.lastAnswerUntil! });
      const answer = tokens(await i.links.refresh(y, CLIENT));
      expect(answer.source).to.equal('upstream');
      expect(provider.presented).to.deep.equal(['upstream-rt-0', 'other-upstream-token']);
    });

    it('a stored answer that no longer opens is not repeated: the link spends its token', async () => {
      const { i, x } = await twoLinks();
      tokens(await i.links.refresh(x, CLIENT));
      await rewrite(i, x, { lastAnswer: await seal(deriveKeys(randomBytes(32)).storedToken, 'bridge-stored-answer', { linkId: idOf(i, x), accessToken: 'forged', issuedAtMs: clock }) });
      clock += 1000; // within the repeat window
      expect(tokens(await i.links.refresh(x, CLIENT)).source).to.equal('upstream');
    });

    it('a previous token that no longer opens is not presented', async () => {
      const { i, x } = await twoLinks();
      tokens(await i.links.refresh(x, CLIENT));
      provider.forgetLatestRotation();
      await rewrite(i, x, { previousUpstreamRefreshToken: await seal(deriveKeys(randomBytes(32)).storedToken, 'bridge-stored-token', { linkId: idOf(i, x), token: 'upstream-rt-0' }) });
      clock += 60_000;
      expect(await i.links.refresh(x, CLIENT)).to.deep.include({ kind: 'refused', error: 'invalid_grant' });
      expect(provider.presented).to.deep.equal(['upstream-rt-0', 'upstream-rt-1']);
    });
  });

  describe('refresh(), create() and revokeFromCode()', () => {
    it('a token of another client is refused; an unknown one is invalid_grant', async () => {
      provider = new Provider(false);
      const i = await instance();
      const bridgeToken = await i.links.create(CLIENT, provider.current, 'code-7');
      expect(await i.links.refresh(bridgeToken, 'another-client')).to.deep.equal({ kind: 'refused', by: 'bridge', error: 'invalid_grant', reason: 'refresh token of another client' });
      expect(await i.links.refresh('brt_unknown', CLIENT)).to.deep.equal({ kind: 'refused', by: 'bridge', error: 'invalid_grant', reason: 'unknown or expired refresh token' });
    });

    it('concurrent refreshes in one instance share one call; the next refresh after it goes upstream again', async () => {
      provider = new Provider(false);
      const i = await instance();
      const bridgeToken = await i.links.create(CLIENT, provider.current, 'code-8');
      const answers = await Promise.all([1, 2, 3].map(() => i.links.refresh(bridgeToken, CLIENT)));
      expect(new Set(answers.map((x) => tokens(x).answer.access_token))).to.deep.equal(new Set(['access-1']));
      expect(tokens(await i.links.refresh(bridgeToken, CLIENT)).answer.access_token).to.equal('access-2');
    });

    it('a code redeemed twice cannot make a second link', async () => {
      provider = new Provider(false);
      const i = await instance();
      await i.links.create(CLIENT, provider.current, 'code-9');
      const error = await i.links.create(CLIENT, provider.current, 'code-9').then(() => undefined, (e: unknown) => e as Error);
      expect(error?.message).to.equal('link id already exists');
    });

    it('revokes the link a code issued, under the current key or a previous one; false when there is none', async () => {
      provider = new Provider(false);
      const underA = await instance({ file: sharedFile() });
      const token = await underA.links.create(CLIENT, provider.current, 'code-10');
      const underB = await instance({ file: sharedFile(), key: masterB, previous: [masterA] });
      expect(await underB.links.revokeFromCode('code-10')).to.equal(true);
      expect(await underA.links.refresh(token, CLIENT)).to.deep.include({ kind: 'refused', error: 'invalid_grant' });
      expect(await underB.links.revokeFromCode('code-never-redeemed')).to.equal(false);
    });

    it('a revocation racing a refresh looks again; one that never gets through fails instead of giving up silently', async () => {
      provider = new Provider(false);
      const i = await instance();
      const raced = await i.links.create(CLIENT, provider.current, 'code-11');
      i.store.refuseReplaces = 1;
      expect(await i.links.revokeFromCode('code-11')).to.equal(true);
      expect(await i.store.inner.getLink(idOf(i, raced), clock - 1)).to.include({ version: 2, expiresAt: clock });
      expect((await i.links.refresh(raced, CLIENT)).kind).to.equal('refused');

      await i.links.create(CLIENT, provider.current, 'code-12');
      i.store.refuseReplaces = 1000;
      const error = await i.links.revokeFromCode('code-12').then(() => undefined, (e: unknown) => e as Error);
      expect(error?.message).to.equal('the link kept changing while it was revoked');
      expect(1000 - i.store.refuseReplaces, 'attempts before giving up').to.equal(10);
    });
  });

  describe('a link stored under a previous key (BRIDGE_KEY rotated)', () => {
    it('is moved to the current key’s id, its tokens sealed again under the current key; the old row is emptied', async () => {
      provider = new Provider(true);
      const underA = await instance({ file: sharedFile(), rotating: true });
      const bridgeToken = await underA.links.create(CLIENT, provider.current, 'code-13');
      tokens(await underA.links.refresh(bridgeToken, CLIENT)); // a rotation at T0: rt-0 → rt-1, rt-0 kept as the previous token

      const underB = await instance({ file: sharedFile(), rotating: true, key: masterB, previous: [masterA] });
      provider.forgetLatestRotation(); // the provider lost rt-1: only the previous token, moved with the link, saves it
      clock = T0 + 60_000;
      expect(tokens(await underB.links.refresh(bridgeToken, CLIENT)).source).to.equal('upstream');
      expect(provider.presented).to.deep.equal(['upstream-rt-0', 'upstream-rt-1', 'upstream-rt-0']);
      expect(provider.familyRevoked).to.equal(false);

      const moved = await stored(underB, bridgeToken);
      expect(moved).to.include({ version: 3, clientId: CLIENT, rotates: true }); // moved (1), leased (2), rotated (3)
      const kids = [moved.upstreamRefreshToken, moved.previousUpstreamRefreshToken, moved.lastAnswer].map((v) => decodeProtectedHeader(v!).kid);
      expect(kids).to.deep.equal([keyId(masterB), keyId(masterB), keyId(masterB)]);
      const oldId = idOf(underB, bridgeToken, underB.keys.refreshTokenId.previous[0]);
      expect(await underB.store.inner.getLink(oldId, clock)).to.equal(undefined);
      expect(await underB.store.inner.getLink(oldId, clock - 1)).to.deep.equal({ id: oldId, version: 5, clientId: CLIENT, upstreamRefreshToken: '', expiresAt: clock });
      expect(events(underB).find((e) => e.event === 'bridge.link_rekeyed')).to.include({ profile: 'oidc' });
    });

    it('a link with neither previous token nor answer moves with neither', async () => {
      provider = new Provider(false);
      const underA = await instance({ file: sharedFile() });
      const bridgeToken = await underA.links.create(CLIENT, provider.current, 'code-14');
      const underB = await instance({ file: sharedFile(), key: masterB, previous: [masterA] });
      expect(tokens(await underB.links.refresh(bridgeToken, CLIENT)).source).to.equal('upstream');
      const moved = await stored(underB, bridgeToken);
      expect(moved).not.to.have.property('previousUpstreamRefreshToken');
      expect(moved).not.to.have.property('lastAnswer');
    });

    it('both rows live (a mover that died between its writes): the current id’s row is the one used', async () => {
      provider = new Provider(false);
      const underA = await instance({ file: sharedFile() });
      const bridgeToken = await underA.links.create(CLIENT, 'stale-token-under-a', 'code-15');
      const underB = await instance({ file: sharedFile(), key: masterB, previous: [masterA] });
      const currentId = idOf(underB, bridgeToken);
      const sealedUnderB = await seal(underB.keys.storedToken, 'bridge-stored-token', { linkId: currentId, token: provider.current });
      await underB.store.inner.createLink({ id: currentId, version: 1, clientId: CLIENT, upstreamRefreshToken: sealedUnderB, expiresAt: clock + TTL_MS });
      expect(tokens(await underB.links.refresh(bridgeToken, CLIENT)).source).to.equal('upstream');
      expect(provider.presented).to.deep.equal([provider.current]);
    });

    it('a stored token no configured key opens: unavailable, and the lease is lifted (under either id)', async () => {
      provider = new Provider(false);
      const underA = await instance({ file: sharedFile() });
      const bridgeToken = await underA.links.create(CLIENT, provider.current, 'code-16');
      // Only B: A's row is not found at all.
      const onlyB = await instance({ file: sharedFile(), key: masterB });
      expect((await onlyB.links.refresh(bridgeToken, CLIENT)).kind).to.equal('refused');
      // B + a wrong previous key whose id matches… cannot exist; so break the stored token instead.
      const oldId = idOf(underA, bridgeToken);
      const row = (await underA.store.inner.getLink(oldId, clock))!;
      const garbled = { ...row, version: row.version + 1, upstreamRefreshToken: await seal(deriveKeys(randomBytes(32)).storedToken, 'bridge-stored-token', { linkId: oldId, token: 'x' }) };
      expect(await underA.store.inner.replaceLink(garbled, row.version)).to.equal(true);

      const underB = await instance({ file: sharedFile(), key: masterB, previous: [masterA] });
      const unavailable = { kind: 'unavailable', reason: 'stored token could not be opened (BRIDGE_KEY changed?)' };
      expect(await underB.links.refresh(bridgeToken, CLIENT)).to.deep.equal(unavailable);
      expect((await underA.store.inner.getLink(oldId, clock))!.leaseUntil).to.equal(undefined);
      expect(await underA.links.refresh(bridgeToken, CLIENT)).to.deep.equal(unavailable);
      expect((await underA.store.inner.getLink(oldId, clock))!.leaseUntil).to.equal(undefined);
      expect(provider.presented).to.deep.equal([]);
    });
  });
});
