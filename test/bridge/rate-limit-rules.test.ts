/**
 * bridge/rate-limits.ts in this process, rule by rule, on small limits and a mocked clock (node:test's timers: the
 * counters' windows and the class's own caches read Date): what counts at each path, when an address is shut and
 * for how long, how the client a request names is read, what a failing counter store does, and which store the
 * counters live in (openRateLimits). The HTTP tests (rate-limits.test.ts) prove the same limits end to end with the
 * real budgets.
 */
import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mock } from 'node:test';
import { DatabaseSync } from 'node:sqlite';
import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import { createMemoryLogger } from '../../common/logging.js';
import { loadBridgeConfig } from '../../bridge/config.js';
import type { BridgeRequest, BridgeResponse } from '../../bridge/http/types.js';
import { memoryLimiters, type LimiterFactory, type RateLimitPolicy } from '../../bridge/rate-limit-policy.js';
import { CLEAR_FOR_MS, openRateLimits, RateLimits } from '../../bridge/rate-limits.js';
import { sqliteLimiters } from '../../bridge/rate-limits-sqlite.js';
import { DynamoDbBridgeStore } from '../../bridge/store/dynamodb.js';
import { SqliteBridgeStore } from '../../bridge/store/sqlite.js';
import type { BridgeStore } from '../../bridge/store/store.js';
import { LOCAL_DYNAMODB_CREDENTIALS, LOCAL_DYNAMODB_REGION, startLocalDynamoDb } from '../../local/dynamodb.js';
import { bridgeEnv } from './helpers.js';

const POLICY: RateLimitPolicy = {
  pagesPerAddress: { points: 3, windowSeconds: 60 },
  tokenAuthFailuresPerAddress: { points: 2, windowSeconds: 600 },
  tokenAuthFailuresPerClient: { points: 6, windowSeconds: 600 },
};
/** The address caches on Date, which node:test's mocked timers move together with the counters' windows. */
const DATE_CLOCK = { now: () => Date.now() };
const CONFIG = { alexa: { clientId: 'alexa skill', clientSecret: 'unused', redirectUris: [] } };

const request = (path: string, headers: Record<string, string> = {}, body = ''): BridgeRequest => ({ method: 'POST', path, query: new URLSearchParams(), headers, body });
const basic = (credentials: string) => ({ authorization: `Basic ${Buffer.from(credentials).toString('base64')}` });

/** A route that answers `status` and counts its calls. */
function route(status = 200) {
  const r = Object.assign(async (): Promise<BridgeResponse> => {
    r.calls += 1;
    return { status: r.status, headers: {}, body: '' };
  }, { calls: 0, status });
  return r;
}

/** Memory counters, one set shared by every RateLimits built from this factory (as two instances share a store), counting reads and able to fail. */
function sharedCounters() {
  const reads: Record<string, number> = {};
  const failing = new Map<string, unknown>();
  const made = new Map<string, RateLimiterAbstract>();
  const factory: LimiterFactory = (prefix, limit) => {
    if (!made.has(prefix)) made.set(prefix, memoryLimiters(prefix, limit));
    const inner = made.get(prefix)!;
    return new Proxy(inner, {
      get(target, property, receiver) {
        if (property === 'get') {
          return async (key: string) => {
            reads[prefix] = (reads[prefix] ?? 0) + 1;
            if (failing.has(prefix)) throw failing.get(prefix);
            return target.get(key);
          };
        }
        if (property === 'consume') {
          return async (key: string) => {
            if (failing.has(prefix)) throw failing.get(prefix);
            return target.consume(key);
          };
        }
        return Reflect.get(target, property, receiver) as unknown;
      },
    });
  };
  return { factory, reads, failing };
}

const logged = (logger: ReturnType<typeof createMemoryLogger>, event: string) =>
  logger.lines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((line) => line.event === event).map(({ time: _t, event: _e, ...rest }) => rest);

describe('bridge rate limits, rule by rule (small limits, a mocked clock)', () => {
  let logger: ReturnType<typeof createMemoryLogger>;
  beforeEach(() => {
    mock.timers.enable({ apis: ['Date', 'setTimeout', 'setInterval'], now: Date.UTC(2031, 0, 1) });
    logger = createMemoryLogger('debug');
  });
  afterEach(() => mock.timers.reset());

  it('/authorize and /callback share one budget per address; past it a 429 page with Retry-After, logged; other paths are never counted', async () => {
    const counters = sharedCounters();
    const limits = new RateLimits(CONFIG, logger, counters.factory, POLICY, DATE_CLOCK);
    const page = route();
    for (const path of ['/authorize', '/callback', '/authorize']) expect((await limits.apply(request(path), '192.0.2.1', page)).status).to.equal(200);
    const refused = await limits.apply(request('/callback'), '192.0.2.1', page);
    expect(refused.status).to.equal(429);
    expect(refused.headers).to.include({ 'retry-after': '60', 'cache-control': 'no-store' });
    expect(refused.headers['content-type']).to.contain('text/html');
    expect(refused.body).to.contain('<title>Too many requests</title>').and.to.contain('Too many requests came from your network. Please wait a minute.');
    expect(page.calls).to.equal(3);
    expect(logged(logger, 'bridge.rate_limited')).to.deep.equal([{ level: 'warn', path: '/callback', limit: 'pagesPerAddress' }]);
    expect((await limits.apply(request('/authorize'), '192.0.2.2', page)).status, 'another address').to.equal(200);
    for (let i = 0; i < 10; i += 1) expect((await limits.apply(request('/health'), '192.0.2.1', page)).status).to.equal(200);
    expect(counters.reads, 'other paths read no counter').to.deep.equal({});

    mock.timers.tick(59_500);
    expect((await limits.apply(request('/authorize'), '192.0.2.1', page)).headers['retry-after'], 'rounded up').to.equal('1');
    mock.timers.tick(500);
    expect((await limits.apply(request('/authorize'), '192.0.2.1', page)).status, 'a new window').to.equal(200);
  });

  it('/token: successes never count; failures do, per address; once spent, the address is refused before its credentials are looked at', async () => {
    const counters = sharedCounters();
    const limits = new RateLimits(CONFIG, logger, counters.factory, POLICY, DATE_CLOCK);
    const token = route(200);
    for (let i = 0; i < 10; i += 1) expect((await limits.apply(request('/token'), '192.0.2.1', token)).status).to.equal(200);

    token.status = 401;
    expect((await limits.apply(request('/token'), '192.0.2.1', token)).status).to.equal(401);
    // One failure is within the budget: read again once the open mark lapses, the address is still open.
    mock.timers.tick(CLEAR_FOR_MS + 1); // lru-cache: an entry is stale once its ttl has passed, not at the instant
    const readsBefore = counters.reads.token_fail_addr!;
    expect((await limits.apply(request('/token'), '192.0.2.1', token)).status).to.equal(401);
    expect(counters.reads.token_fail_addr).to.equal(readsBefore + 1);
    // The third failure was already past the check (the address read as open): its credentials were checked, and
    // its own failure shuts the address at once.
    const third = await limits.apply(request('/token'), '192.0.2.1', token);
    expect(third.status).to.equal(429);
    expect(JSON.parse(third.body)).to.deep.equal({ error: 'temporarily_unavailable' });
    expect(third.headers).to.include({ 'retry-after': '599', 'cache-control': 'no-store' }); // the window began with the first failure
    const calls = token.calls;
    expect(calls, 'ten successes and three failures, each looked at').to.equal(13);
    const readsAtShut = counters.reads.token_fail_addr;
    token.status = 200; // the right secret now: refused all the same, without a look
    const shut = await limits.apply(request('/token'), '192.0.2.1', token);
    expect(shut.status).to.equal(429);
    expect(token.calls).to.equal(calls);
    mock.timers.tick(CLEAR_FOR_MS); // long past the open mark: the address is known shut here, the store is not read
    expect((await limits.apply(request('/token'), '192.0.2.1', token)).status).to.equal(429);
    expect(counters.reads.token_fail_addr).to.equal(readsAtShut);
    expect(logged(logger, 'bridge.rate_limited').slice(0, 2)).to.deep.equal([
      { level: 'warn', path: '/token', limit: 'tokenAuthFailuresPerAddress' },
      { level: 'warn', path: '/token', limit: 'tokenAuthFailuresPerAddress' },
    ]);
    expect((await limits.apply(request('/token'), '192.0.2.9', token)).status, 'another address').to.equal(200);

    mock.timers.tick(599_000 - 2 * CLEAR_FOR_MS);
    expect((await limits.apply(request('/token'), '192.0.2.1', token)).headers['retry-after']).to.equal('1');
    mock.timers.tick(1_000);
    expect((await limits.apply(request('/token'), '192.0.2.1', token)).status, 'the window has ended').to.equal(200);
  });

  it('an address shut by failures on another instance: refused once its "open" mark (CLEAR_FOR_MS) lapses, then without reading the store again', async () => {
    const counters = sharedCounters();
    const here = new RateLimits(CONFIG, logger, counters.factory, POLICY, DATE_CLOCK);
    const there = new RateLimits(CONFIG, logger, counters.factory, POLICY, DATE_CLOCK);
    const ok = route(200);
    expect((await here.apply(request('/token'), '192.0.2.1', ok)).status).to.equal(200); // read as open here
    expect(counters.reads.token_fail_addr).to.equal(1);
    const failing = route(401);
    for (let i = 0; i < 2; i += 1) expect((await there.apply(request('/token'), '192.0.2.1', failing)).status).to.equal(401);

    mock.timers.tick(CLEAR_FOR_MS); // lru-cache: still fresh at the instant its ttl ends
    const readsBefore = counters.reads.token_fail_addr!;
    expect((await here.apply(request('/token'), '192.0.2.1', ok)).status, 'still marked open here').to.equal(200);
    expect(counters.reads.token_fail_addr).to.equal(readsBefore);
    mock.timers.tick(1);
    const refused = await here.apply(request('/token'), '192.0.2.1', ok);
    expect(refused.status).to.equal(429);
    expect(refused.headers['retry-after']).to.equal(String(600 - CLEAR_FOR_MS / 1000));
    expect(counters.reads.token_fail_addr).to.equal(readsBefore + 1);
    expect((await here.apply(request('/token'), '192.0.2.1', ok)).status).to.equal(429);
    expect(counters.reads.token_fail_addr, 'a shut address is not read again').to.equal(readsBefore + 1);
    expect(ok.calls).to.equal(2);

    // Shut here only for what was left of the store's window: once it has passed, the address is served again.
    mock.timers.tick(600_000);
    expect((await here.apply(request('/token'), '192.0.2.1', ok)).status, 'open again after the window').to.equal(200);
    expect(ok.calls).to.equal(3);
  });

  it('per client: failures naming the configured client count over all addresses; past the budget 429, but the right secret is served', async () => {
    const limits = new RateLimits(CONFIG, logger, sharedCounters().factory, POLICY, DATE_CLOCK);
    const wrong = route(401);
    let address = 0;
    const from = () => `198.51.100.${(address += 1)}`; // a new address each time: no address reaches its own budget
    const encoded = Buffer.from('alexa skill:wrong').toString('base64');
    const naming = [
      basic('alexa+skill:wrong'), // RFC 6749 §2.3.1: form-encoded
      { authorization: `basic  ${encoded} ` }, // any case, any spaces around the value
      basic('alexa%20skill:wrong'),
      {},
      basic('alexa skill:wrong'),
      basic('alexa skill:wrong'),
    ];
    const bodies = ['', '', '', 'client_id=alexa+skill', '', ''];
    for (const [i, headers] of naming.entries()) expect((await limits.apply(request('/token', headers, bodies[i]), from(), wrong)).status).to.equal(401);
    expect((await limits.apply(request('/token', basic('alexa skill:wrong')), from(), wrong)).status).to.equal(429);
    expect(logged(logger, 'bridge.rate_limited')).to.deep.equal([{ level: 'warn', path: '/token', limit: 'tokenAuthFailuresPerClient' }]);
    expect((await limits.apply(request('/token', basic('alexa skill:right')), from(), route(200))).status).to.equal(200);

    // Anything that does not name the configured client counts under one other key, with its own budget.
    const others = [
      basic('someone:wrong'),
      basic('alexa skill!'), // no colon: names no client (not even what comes before its last character)
      basic('alexa%zzskill:wrong'),
      { authorization: `NotBasic ${encoded}` },
      { authorization: `Basic ${encoded} trailing` },
    ];
    for (const headers of others) expect((await limits.apply(request('/token', headers), from(), wrong)).status, JSON.stringify(headers)).to.equal(401);
    expect((await limits.apply(request('/token', {}, 'client_id=another'), from(), wrong)).status).to.equal(401);
    expect((await limits.apply(request('/token', {}, 'client_id=another'), from(), wrong)).status).to.equal(429);
  });

  it('a failing counter store lets the request through and logs which counter failed, whatever was thrown', async () => {
    const counters = sharedCounters();
    const limits = new RateLimits(CONFIG, logger, counters.factory, POLICY, DATE_CLOCK);
    counters.failing.set('pages', Object.assign(new Error('connection reset'), { name: 'StoreError' }));
    expect((await limits.apply(request('/authorize'), '192.0.2.1', route())).status).to.equal(200);
    counters.failing.set('token_fail_addr', 'a thrown string');
    expect((await limits.apply(request('/token'), '192.0.2.1', route(401))).status).to.equal(401);
    counters.failing.clear();
    counters.failing.set('token_fail_client', new TypeError('bad answer'));
    expect((await limits.apply(request('/token'), '192.0.2.2', route(401))).status).to.equal(401);
    expect(logged(logger, 'bridge.rate_limit_store_failed')).to.deep.equal([
      { level: 'error', counter: 'pages', errorName: 'StoreError' },
      { level: 'error', counter: 'token_fail_addr', errorName: 'string' },
      { level: 'error', counter: 'token_fail_addr', errorName: 'string' },
      { level: 'error', counter: 'token_fail_client', errorName: 'TypeError' },
    ]);
  });

  describe('where the counters live (openRateLimits)', () => {
    let dir: string;
    const closing: BridgeStore[] = [];
    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), 'bridge-rl-rules-'));
    });
    afterEach(async () => {
      await Promise.all(closing.splice(0).map((s) => s.close()));
      rmSync(dir, { recursive: true, force: true });
    });

    /** Spends the address's failures on `a`; true when `b` then refuses the address (the counts are shared). */
    async function shared(a: RateLimits, b: RateLimits): Promise<boolean> {
      const failing = route(401);
      for (let i = 0; i < 20; i += 1) await a.apply(request('/token'), '192.0.2.7', failing);
      return (await b.apply(request('/token'), '192.0.2.7', route(200))).status === 429;
    }

    it('in the SQLite store’s database, shared by every connection to the file; in memory for a store of another kind', async () => {
      const config = await loadBridgeConfig(bridgeEnv({ BRIDGE_DATA: join(dir, 'bridge.sqlite') }));
      const [one, two] = [new SqliteBridgeStore(join(dir, 'bridge.sqlite')), new SqliteBridgeStore(join(dir, 'bridge.sqlite'))];
      closing.push(one, two);
      expect(await shared(await openRateLimits(config, one, logger), await openRateLimits(config, two, logger))).to.equal(true);
      const table = new DatabaseSync(join(dir, 'bridge.sqlite'));
      try {
        expect((table.prepare('SELECT count(*) AS n FROM bridge_rate_limits').get() as { n: number }).n).to.be.greaterThan(0);
      } finally {
        table.close();
      }
      const other = { ...one, shared: true } as unknown as BridgeStore; // not a SqliteBridgeStore
      expect(await shared(await openRateLimits(config, other, logger), await openRateLimits(config, other, logger))).to.equal(false);
    });

    it('in DynamoDB, in the rate limits’ table beside the store’s; in memory for a store of another kind', async function () {
      this.timeout(30_000);
      mock.timers.reset(); // the SDK's own timers run on the real clock
      const db = await startLocalDynamoDb();
      try {
        const config = await loadBridgeConfig(bridgeEnv({ BRIDGE_STORE: 'dynamodb', BRIDGE_DATA: undefined, BRIDGE_DYNAMODB_TABLE: db.table, BRIDGE_DYNAMODB_REGION: LOCAL_DYNAMODB_REGION, BRIDGE_DYNAMODB_ENDPOINT: db.endpoint }));
        const open = () => new DynamoDbBridgeStore({ table: db.table, region: LOCAL_DYNAMODB_REGION, endpoint: db.endpoint, credentials: LOCAL_DYNAMODB_CREDENTIALS });
        const [one, two] = [open(), open()];
        closing.push(one, two);
        expect(await shared(await openRateLimits(config, one, logger), await openRateLimits(config, two, logger))).to.equal(true);
        const sqlite = new SqliteBridgeStore(':memory:');
        closing.push(sqlite);
        expect(await shared(await openRateLimits(config, sqlite, logger), await openRateLimits(config, sqlite, logger))).to.equal(false);
        expect(logged(logger, 'bridge.rate_limit_store_failed')).to.deep.equal([]);
      } finally {
        await db.close();
      }
    });
  });

  it('SQLite counters: expired ones are purged every 5 minutes, live ones kept; the purge stops with the database', async () => {
    const db = new DatabaseSync(':memory:');
    const limiter = sqliteLimiters(db)('purge', { points: 5, windowSeconds: 60 });
    const lasting = sqliteLimiters(db)('lasting', { points: 5, windowSeconds: 3600 });
    await limiter.consume('a');
    await lasting.consume('b');
    const keys = () => (db.prepare('SELECT key FROM bridge_rate_limits ORDER BY key').all() as { key: string }[]).map((r) => r.key);
    expect(keys()).to.deep.equal(['lasting:b', 'purge:a']);
    mock.timers.tick(5 * 60_000 - 1);
    expect(keys(), 'not yet').to.deep.equal(['lasting:b', 'purge:a']);
    mock.timers.tick(1);
    expect(keys()).to.deep.equal(['lasting:b']);
    db.close();
    expect(() => mock.timers.tick(10 * 60_000)).not.to.throw();
  });
});
