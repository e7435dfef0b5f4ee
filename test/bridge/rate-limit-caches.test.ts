/**
 * What one bridge instance remembers about client addresses at /token (bridge/rate-limits.ts, lru-cache with TTLs), on
 * a clock the test moves: an address read as open is not read again for CLEAR_FOR_MS; an address shut is refused
 * without a store read for as long as the store said, and read again after.
 */
import { expect } from 'chai';
import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import { createMemoryLogger } from '../../common/logging.js';
import type { BridgeRequest, BridgeResponse } from '../../bridge/http/types.js';
import { memoryLimiters, type LimiterFactory, type RateLimitPolicy } from '../../bridge/rate-limit-policy.js';
import { CLEAR_FOR_MS, RateLimits } from '../../bridge/rate-limits.js';

const POLICY: RateLimitPolicy = {
  pagesPerAddress: { points: 60, windowSeconds: 60 },
  tokenAuthFailuresPerAddress: { points: 2, windowSeconds: 600 },
  tokenAuthFailuresPerClient: { points: 200, windowSeconds: 600 },
};

const tokenRequest: BridgeRequest = { method: 'POST', path: '/token', query: new URLSearchParams(), headers: {}, body: 'client_id=alexa' };
const answer = (status: number): BridgeResponse => ({ status, headers: {}, body: '' });

describe('bridge rate limits: what an instance remembers per address (lru-cache, on the injected clock)', () => {
  let clock: { now: number };
  let reads: number;
  let limits: RateLimits;

  beforeEach(() => {
    clock = { now: 1_000_000 };
    reads = 0;
    // The store's counters, with every read of the per-address failures counted.
    const counting: LimiterFactory = (prefix, limit) => {
      const limiter = memoryLimiters(prefix, limit);
      if (prefix !== 'token_fail_addr') return limiter;
      const get = limiter.get.bind(limiter);
      limiter.get = ((key: string) => {
        reads++;
        return get(key);
      }) as RateLimiterAbstract['get'];
      return limiter;
    };
    limits = new RateLimits({ alexa: { clientId: 'alexa' } } as never, createMemoryLogger(), counting, POLICY, { now: () => clock.now });
  });

  it(`reads an open address from the store once per ${CLEAR_FOR_MS} ms, not once per request`, async () => {
    expect(CLEAR_FOR_MS).to.equal(1000);
    for (let i = 0; i < 5; i++) expect((await limits.apply(tokenRequest, '203.0.113.1', async () => answer(200))).status).to.equal(200);
    expect(reads).to.equal(1);
    clock.now += CLEAR_FOR_MS;
    await limits.apply(tokenRequest, '203.0.113.1', async () => answer(200));
    expect(reads, 'still open at exactly CLEAR_FOR_MS').to.equal(1);
    clock.now += 1;
    await limits.apply(tokenRequest, '203.0.113.1', async () => answer(200));
    expect(reads, 'read again after').to.equal(2);
    await limits.apply(tokenRequest, '203.0.113.2', async () => answer(200));
    expect(reads, 'another address is read on its own').to.equal(3);
  });

  it('refuses a shut address without a store read until its time is up on the clock, then asks the store again', async () => {
    const failures: number[] = [];
    for (let i = 0; i < 3; i++) failures.push((await limits.apply(tokenRequest, '203.0.113.9', async () => answer(401))).status);
    expect(failures, 'the failure past the budget of 2 shuts the address').to.deep.equal([401, 401, 429]);
    let routed = 0;
    const route = async () => {
      routed++;
      return answer(200);
    };
    const readsWhenShut = reads;
    const refused = await limits.apply(tokenRequest, '203.0.113.9', route);
    expect(refused.status).to.equal(429);
    expect(Number(refused.headers['retry-after'])).to.be.within(599, 600);
    expect(reads, 'shut by its own failures: no read').to.equal(readsWhenShut);
    clock.now += 599_000;
    expect(Number((await limits.apply(tokenRequest, '203.0.113.9', route)).headers['retry-after'])).to.be.within(1, 2);
    expect(reads).to.equal(readsWhenShut);
    clock.now += 2_000; // past the window on this clock; the store (on real time) still counts the failures
    expect((await limits.apply(tokenRequest, '203.0.113.9', route)).status).to.equal(429);
    expect(reads, 'asked the store again').to.equal(readsWhenShut + 1);
    expect(routed).to.equal(0);
  });
});
