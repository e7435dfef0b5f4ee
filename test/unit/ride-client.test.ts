/**
 * The Ride Hailer API client against the strict stub API: every HTTP outcome becomes a value or the right typed
 * failure, the request carries what the contract asks for, and only failures worth retrying are retried.
 */
import { expect } from 'chai';
import { ApiStatusError } from '../../lambda/api/json-client.js';
import { createRideClient, RideAlreadyActive, type RideClient } from '../../lambda/rides/client.js';
import { AccountLinkRequired, ApiUnavailable, ScopeMissing } from '../../lambda/errors.js';
import { fakeClock, tracked, type FakeClock } from '../support/fake-clock.js';
import { rejection } from '../support/rejection.js';
import { startStubApi, type StubApi } from '../support/stub-api.js';

const RIDE = { id: 'ride-1', status: 'on_the_way', etaMinutes: 4, destination: 'airport' };
const ANN = { id: 'user-ann', name: 'Ann Example', email: 'ann@example.com' };

describe('ride API client', () => {
  let stub: StubApi;
  let client: RideClient;

  before(async () => {
    stub = await startStubApi();
  });
  beforeEach(() => {
    stub.reset();
    // A client per test, so each test runs the client's construction itself (mutation testing counts only that).
    client = createRideClient({ baseUrl: new URL(stub.url), totalBudgetMs: 600 });
  });
  afterEach(() => stub.verify());
  after(() => stub.close());

  const calls = () => stub.requests.map((r) => `${r.method} ${r.path}`);

  it('sends the bearer token, asks for JSON and names itself', async () => {
    stub.script('GET', '/v1/me', { status: 200, body: ANN });
    const client = createRideClient({ baseUrl: new URL(stub.url), totalBudgetMs: 600 });
    expect(await client.me('tok-1')).to.deep.equal(ANN);
    expect(stub.requests[0]!.headers).to.include({ authorization: 'Bearer tok-1', accept: 'application/json', 'user-agent': 'ride-hailer-skill' });
  });

  it('keeps the connection alive between calls', async () => {
    stub.script('GET', '/v1/rides/current', { status: 200, body: RIDE });
    await client.currentRide('t');
    await client.currentRide('t');
    const [first, second] = stub.requests.map((r) => r.remotePort);
    expect(first).to.be.a('number').and.to.equal(second);
  });

  it('keeps a path prefix of the base URL, with or without its trailing slash', async () => {
    stub.script('GET', '/api/v1/rides/current', { status: 200, body: RIDE });
    for (const base of [`${stub.url}/api`, `${stub.url}/api/`]) {
      expect(await createRideClient({ baseUrl: new URL(base), totalBudgetMs: 600 }).currentRide('t')).to.deep.equal(RIDE);
    }
    expect(calls()).to.deep.equal(['GET /api/v1/rides/current', 'GET /api/v1/rides/current']);
  });

  it('refuses a profile or a ride that lacks a field or has the wrong type, without retrying', async () => {
    for (const broken of [{ ...ANN, id: 1 }, { ...ANN, name: undefined }, { ...ANN, email: null }, null]) {
      stub.reset();
      stub.script('GET', '/v1/me', { status: 200, body: broken });
      const error = await rejection(client.me('t'));
      expect(error, JSON.stringify(broken)).to.be.instanceOf(ApiUnavailable).and.to.have.property('reason', 'malformed_response');
      expect(calls()).to.have.length(1);
    }
    for (const broken of [{ ...RIDE, id: 7 }, { ...RIDE, status: undefined }, { ...RIDE, etaMinutes: '4' }, { ...RIDE, destination: null }]) {
      stub.reset();
      stub.script('GET', '/v1/rides/current', { status: 200, body: broken });
      expect(await rejection(client.currentRide('t')), JSON.stringify(broken)).to.have.property('reason', 'malformed_response');
    }
  });

  it('answers undefined for 404 on the current ride and on cancelling it', async () => {
    stub.script('GET', '/v1/rides/current', { status: 404, body: { error: 'no_active_ride' } });
    stub.script('DELETE', '/v1/rides/current', { status: 404, body: { error: 'no_active_ride' } });
    expect(await client.currentRide('t')).to.equal(undefined);
    expect(await client.cancelRide('t')).to.equal(undefined);
    expect(calls()).to.deep.equal(['GET /v1/rides/current', 'DELETE /v1/rides/current']);
  });

  it('does not read any other status as "no ride"', async () => {
    stub.script('GET', '/v1/rides/current', { status: 410, body: { error: 'gone' } });
    expect(await rejection(client.currentRide('t'))).to.be.instanceOf(ApiStatusError).and.to.have.property('status', 410);
  });

  it('trusts a 404 only when it says no_active_ride: any other 404 is the API not answering', async () => {
    for (const reply of [{ raw: '{"error": ' }, { raw: '<html>Not Found</html>' }, { body: { error: 'not_found' } }, { body: ['no_active_ride'] }, {}]) {
      stub.reset();
      stub.script('GET', '/v1/rides/current', { status: 404, ...reply });
      const error = await rejection(client.currentRide('t'));
      expect(error, JSON.stringify(reply)).to.be.instanceOf(ApiUnavailable).and.to.have.property('reason', 'malformed_response');
    }
  });

  it('turns 401 into re-linking and 403 into the scope the API names, or else the route needs', async () => {
    stub.script('GET', '/v1/me', { status: 401, body: { error: 'invalid_token' } });
    expect(await rejection(client.me('t'))).to.be.instanceOf(AccountLinkRequired).and.to.have.property('problem', 'token_rejected');
    const scopeOf = async (header: string | undefined) => {
      stub.reset();
      stub.script('POST', '/v1/rides', { status: 403, body: { error: 'insufficient_scope' }, ...(header ? { headers: { 'www-authenticate': header } } : {}) });
      const error = await rejection(client.orderRide('t', 'airport', 'key-1'));
      expect(error).to.be.instanceOf(ScopeMissing);
      expect(calls(), 'a 403 is not retried').to.have.length(1);
      return (error as ScopeMissing).scope;
    };
    expect(await scopeOf('Bearer error="insufficient_scope", scope="basic_profile"')).to.equal('basic_profile');
    expect(await scopeOf('Bearer error="insufficient_scope", scope="rides:admin order_car"')).to.equal('order_car');
    expect(await scopeOf('Bearer error="insufficient_scope", scope="rides:admin"')).to.equal('order_car');
    expect(await scopeOf('Bearer error="insufficient_scope"')).to.equal('order_car');
    expect(await scopeOf(undefined)).to.equal('order_car');
    // The scope the API names wins over the route's own.
    stub.reset();
    stub.script('GET', '/v1/me', { status: 403, body: { error: 'insufficient_scope' }, headers: { 'www-authenticate': 'Bearer error="insufficient_scope", scope="order_car"' } });
    expect(await rejection(client.me('t'))).to.have.property('scope', 'order_car');
  });

  it('reports the active ride on 409 only when the API names one', async () => {
    stub.script('POST', '/v1/rides', { status: 409, body: { error: 'ride_already_active', ride: RIDE } });
    const active = await rejection(client.orderRide('t', 'airport', 'k'));
    expect(active).to.be.instanceOf(RideAlreadyActive).and.to.have.deep.property('ride', RIDE);
    expect(active).to.include({ name: 'RideAlreadyActive', message: 'a ride is already active' });
    // Any other 409 is not the contract's: the API is not answering in a way the skill can trust.
    const broken = [
      {},
      { raw: '{"error": "ride_already_active", "ride": ' },
      { body: { error: 'ride_already_active', ride: { id: 'x' } } },
      { body: { error: 'ride_already_active' } },
      { body: { error: 'conflict', ride: RIDE } },
    ];
    for (const reply of broken) {
      stub.reset();
      stub.script('POST', '/v1/rides', { status: 409, ...reply });
      const error = await rejection(client.orderRide('t', 'airport', 'k'));
      expect(error, JSON.stringify(reply)).to.be.instanceOf(ApiUnavailable).and.to.have.property('reason', 'malformed_response');
    }
  });

  it('reads an unparseable body as the API not answering, whatever the status', async () => {
    for (const status of [400, 409, 410, 422]) {
      stub.reset();
      stub.script('POST', '/v1/rides', { status, raw: 'Bad Gateway?' });
      const error = await rejection(client.orderRide('t', 'airport', 'k'));
      expect(error, String(status)).to.be.instanceOf(ApiUnavailable).and.to.have.property('reason', 'malformed_response');
      expect(calls(), 'not retried').to.have.length(1);
    }
  });

  it('passes a 4xx it has no meaning for on as a plain error, without retrying', async () => {
    stub.script('POST', '/v1/rides', { status: 422, body: { error: 'idempotency_key_reused', ride: RIDE } });
    const error = await rejection(client.orderRide('t', 'airport', 'k'));
    expect(error).to.be.instanceOf(ApiStatusError).and.to.have.property('status', 422);
    expect(error, 'only a 409 reports the active ride').not.to.be.instanceOf(RideAlreadyActive);
    expect(error).not.to.be.instanceOf(ApiUnavailable);
    expect(calls()).to.have.length(1);
  });

  for (const status of [500, 502, 503, 504, 429]) {
    it(`retries ${status} once, then reports status_${status}`, async () => {
      stub.script('GET', '/v1/me', { status, body: { error: 'x' } });
      expect(await rejection(client.me('t'))).to.be.instanceOf(ApiUnavailable).and.to.have.property('reason', `status_${status}`);
      expect(calls()).to.have.length(2);
    });
  }

  it('retries DELETE like GET and POST: the cancel is idempotent', async () => {
    stub.script('DELETE', '/v1/rides/current', { status: 503 }, { status: 200, body: { ...RIDE, status: 'cancelled' } });
    expect(await client.cancelRide('t')).to.deep.include({ status: 'cancelled' });
    expect(calls()).to.have.length(2);
  });

  describe('within its time budget (a mocked clock: the budget is observed to the millisecond, not raced)', () => {
    let clock: FakeClock;
    beforeEach(() => (clock = fakeClock()));
    afterEach(() => clock.restore());

    it('gives up on an attempt at 45 % of the budget when no useful retry fits', async () => {
      // Budget 600 ms: the attempt gives up at 270 ms; a retry would need 200 ms of wait and 150 ms of attempt.
      stub.script('GET', '/v1/me', { status: 200, hang: true });
      const answer = tracked(rejection(client.me('t')));
      await stub.arrived(1);
      await clock.advance(269);
      expect(answer.settled, 'still waiting at 269 ms').to.equal(false);
      await clock.advance(1);
      expect(answer.settled, 'given up at 270 ms').to.equal(true);
      expect(await answer).to.be.instanceOf(ApiUnavailable).and.to.have.property('reason', 'ETIMEDOUT');
      expect(calls()).to.have.length(1);
    });

    it("gives the retry only what is left of the budget, not a whole attempt's time", async () => {
      // Budget 1 s: the first attempt gives up at 450 ms, the retry starts at 650 ms with 350 ms left (a whole
      // attempt would be 450 ms).
      stub.script('GET', '/v1/me', { status: 200, hang: true });
      const answer = tracked(rejection(createRideClient({ baseUrl: new URL(stub.url), totalBudgetMs: 1000 }).me('t')));
      await stub.arrived(1);
      await clock.advance(450);
      await clock.advance(199);
      expect(calls(), 'the retry waits its 200 ms backoff').to.have.length(1);
      await clock.advance(1);
      await stub.arrived(2);
      await clock.advance(349);
      expect(answer.settled, 'still waiting 349 ms into the retry').to.equal(false);
      await clock.advance(1);
      expect(answer.settled, 'given up when the budget is spent').to.equal(true);
      expect(await answer).to.be.instanceOf(ApiUnavailable).and.to.have.property('reason', 'ETIMEDOUT');
    });

    it('retries an attempt that timed out, within the budget, and takes the second answer', async () => {
      // Budget 1 s: the first attempt gives up at 450 ms, the retry waits 200 ms and answers at once.
      stub.script('GET', '/v1/me', { status: 200, hang: true }, { status: 200, body: ANN });
      const answer = tracked(createRideClient({ baseUrl: new URL(stub.url), totalBudgetMs: 1000 }).me('t'));
      await stub.arrived(1);
      await clock.advance(450);
      await clock.advance(200);
      await stub.arrived(2);
      expect(await answer).to.deep.equal(ANN);
      expect(calls()).to.have.length(2);
    });
  });

  it('names a reset connection and a malformed body in the reason', async () => {
    stub.script('GET', '/v1/me', { status: 0, reset: true });
    expect(await rejection(client.me('t'))).to.have.property('reason', 'ECONNRESET');
    stub.reset();
    stub.script('GET', '/v1/me', { status: 200, raw: '{"id": ' });
    expect(await rejection(client.me('t'))).to.have.property('reason', 'malformed_response');
  });
});
