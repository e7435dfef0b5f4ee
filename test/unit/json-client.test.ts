/**
 * The generic authorised-JSON transport (lambda/api/json-client.ts) on its own, against the strict stub API: what a
 * cloner pointing the skill at another API relies on without reading rides/client.ts.
 */
import { expect } from 'chai';
import { ApiStatusError, createJsonApiClient, type JsonApiClient } from '../../lambda/api/json-client.js';
import { AccountLinkRequired, ApiUnavailable, ScopeMissing } from '../../lambda/errors.js';
import { fakeClock, tracked, type FakeClock } from '../support/fake-clock.js';
import { rejection } from '../support/rejection.js';
import { startStubApi, type StubApi } from '../support/stub-api.js';

describe('authorised JSON client', () => {
  let stub: StubApi;
  let api: JsonApiClient;

  before(async () => {
    stub = await startStubApi();
  });
  beforeEach(() => {
    stub.reset();
    // A client per test: got is configured on a client's first call, so each test runs that configuration itself
    // (one shared client would leave it to whichever test called first).
    api = createJsonApiClient({ baseUrl: new URL(`${stub.url}/base`), totalBudgetMs: 600, userAgent: 'my-skill' });
  });
  afterEach(() => stub.verify());
  after(() => stub.close());

  it('calls the path under the base URL with the bearer token, its own user agent and a JSON body', async () => {
    stub.script('PUT', '/base/v2/things/1', { status: 200, body: { ok: true } });
    expect(await api.call({ method: 'PUT', path: 'v2/things/1', token: 'tok', scope: 'order_car', json: { a: 1 } })).to.deep.equal({ ok: true });
    expect(stub.requests[0]!.headers).to.include({ authorization: 'Bearer tok', 'user-agent': 'my-skill', accept: 'application/json' });
    expect(JSON.parse(stub.requests[0]!.body)).to.deep.equal({ a: 1 });
  });

  it('names itself by default, and keeps the connection alive between calls', async () => {
    const plain = createJsonApiClient({ baseUrl: new URL(stub.url), totalBudgetMs: 600 });
    stub.script('GET', '/a', { status: 200, body: {} });
    await plain.call({ method: 'GET', path: 'a', token: 't', scope: 'basic_profile' });
    await plain.call({ method: 'GET', path: 'a', token: 't', scope: 'basic_profile' });
    expect(stub.requests[0]!.headers['user-agent']).to.equal('alexa-skill');
    expect(stub.requests[0]!.remotePort).to.be.a('number').and.to.equal(stub.requests[1]!.remotePort);
  });

  it('waits a Retry-After longer than one attempt\'s share of the budget when the wait still fits the budget', async () => {
    // Budget 2.5 s: one attempt may take 1.125 s, and got alone would refuse any Retry-After above that. A 2 s wait
    // plus a short second attempt fits in the 2.5 s, so the call waits and succeeds (maxRetryAfter = the budget).
    const patient = createJsonApiClient({ baseUrl: new URL(stub.url), totalBudgetMs: 2500 });
    stub.script('GET', '/busy', { status: 429, headers: { 'retry-after': '2' } }, { status: 200, body: { ok: true } });
    expect(await patient.call({ method: 'GET', path: 'busy', token: 't', scope: 'order_car' })).to.deep.equal({ ok: true });
    expect(stub.requests).to.have.length(2);
  });

  it('hands a status only the caller can interpret back with the parsed body', async () => {
    stub.script('GET', '/base/v2/things/9', { status: 404, body: { error: 'no_such_thing' } });
    const error = await rejection(api.call({ method: 'GET', path: 'v2/things/9', token: 't', scope: 'basic_profile' }));
    expect(error).to.be.instanceOf(ApiStatusError).and.to.include({ status: 404, name: 'ApiStatusError', message: 'api answered 404' });
    expect((error as ApiStatusError).body).to.deep.equal({ error: 'no_such_thing' });
  });

  it('names only a scope the skill knows from a 403, else the scope the call needed', async () => {
    stub.script('GET', '/base/a', { status: 403, headers: { 'www-authenticate': 'Bearer error="insufficient_scope", scope="admin"' } });
    expect(await rejection(api.call({ method: 'GET', path: 'a', token: 't', scope: 'order_car' }))).to.be.instanceOf(ScopeMissing).and.to.have.property('scope', 'order_car');
    stub.reset();
    stub.script('GET', '/base/a', { status: 403, headers: { 'www-authenticate': 'Bearer error="insufficient_scope", scope="admin basic_profile"' } });
    expect(await rejection(api.call({ method: 'GET', path: 'a', token: 't', scope: 'order_car' }))).to.have.property('scope', 'basic_profile');
  });

  it('takes an answer cut off after its status for an outage: a 401 whose body never arrived rejects no token', async () => {
    stub.script('GET', '/base/me', { status: 401, cutOff: true });
    const error = await rejection(api.call({ method: 'GET', path: 'me', token: 't', scope: 'basic_profile' }));
    expect(error).to.be.instanceOf(ApiUnavailable).and.not.to.be.instanceOf(AccountLinkRequired);
  });

  for (const method of ['GET', 'PUT', 'DELETE'] as const) {
    it(`retries a ${method} once after a 503: it is safe to repeat`, async () => {
      stub.script(method, '/base/things/1', { status: 503 }, { status: 200, body: { ok: method } });
      expect(await api.call({ method, path: 'things/1', token: 't', scope: 'order_car' })).to.deep.equal({ ok: method });
      expect(stub.requests).to.have.length(2);
    });
  }

  it('retries a PATCH only with an idempotency key', async () => {
    stub.script('PATCH', '/base/things/1', { status: 503 });
    expect(await rejection(api.call({ method: 'PATCH', path: 'things/1', token: 't', scope: 'order_car', json: {} }))).to.be.instanceOf(ApiUnavailable);
    expect(stub.requests).to.have.length(1);
    stub.reset();
    stub.script('PATCH', '/base/things/1', { status: 503 }, { status: 200, body: {} });
    await api.call({ method: 'PATCH', path: 'things/1', token: 't', scope: 'order_car', json: {}, idempotencyKey: 'k' });
    expect(stub.requests).to.have.length(2);
  });

  it('retries a POST only when it carries an idempotency key', async () => {
    stub.script('POST', '/base/orders', { status: 503 });
    expect(await rejection(api.call({ method: 'POST', path: 'orders', token: 't', scope: 'order_car', json: {} }))).to.be.instanceOf(ApiUnavailable).and.to.have.property('reason', 'status_503');
    expect(stub.requests, 'no key: one attempt').to.have.length(1);
    stub.reset();
    stub.script('POST', '/base/orders', { status: 503 }, { status: 201, body: { id: 'o-1' } });
    expect(await api.call({ method: 'POST', path: 'orders', token: 't', scope: 'order_car', json: {}, idempotencyKey: 'k-1' })).to.deep.equal({ id: 'o-1' });
    expect(stub.requests.map((r) => r.headers['idempotency-key'])).to.deep.equal(['k-1', 'k-1']);
  });

  it('sends no idempotency key and no body unless the call has them', async () => {
    stub.script('GET', '/base/things/1', { status: 200, body: {} });
    await api.call({ method: 'GET', path: 'things/1', token: 't', scope: 'order_car' });
    expect(stub.requests[0]!.headers).to.not.have.property('idempotency-key');
    expect(stub.requests[0]!.body).to.equal('');
  });

  describe('at the edge of its budget (a mocked clock)', () => {
    let clock: FakeClock;
    beforeEach(() => (clock = fakeClock()));
    afterEach(() => clock.restore());

    it('retries when the backoff and the shortest useful attempt (150 ms) fit the budget exactly', async () => {
      // Budget 636 ms: the first attempt gives up at 286 ms (45 %), and 286 + 200 ms backoff + 150 ms = 636.
      const edge = createJsonApiClient({ baseUrl: new URL(stub.url), totalBudgetMs: 636 });
      stub.script('GET', '/me', { status: 200, hang: true }, { status: 200, body: { id: 'u-1' } });
      const answer = tracked(edge.call({ method: 'GET', path: 'me', token: 't', scope: 'basic_profile' }));
      await stub.arrived(1);
      await clock.advance(286);
      await clock.advance(200);
      // Without the retry the call has already failed: wait for whichever comes first.
      await Promise.race([stub.arrived(2), answer.catch(() => {})]);
      expect(stub.requests, 'the retry was made').to.have.length(2);
      expect(await answer).to.deep.equal({ id: 'u-1' });
    });
  });
});
