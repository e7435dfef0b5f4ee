import { expect } from 'chai';
import type { RideApi } from '../../local/ride-api/server.js';
import { ANN, BOB, call, startApi, startAuthority } from './helpers.js';
import type { Authority } from './helpers.js';

const MINUTE = 60_000;

describe('ride API: routes', () => {
  let authority: Authority;
  let api: RideApi;
  let clock: number;
  let annToken: string;
  let bobToken: string;
  let keyCounter = 0;
  const freshKey = () => `key-${++keyCounter}`;

  before(async () => {
    authority = await startAuthority();
    clock = Date.parse('2030-01-01T08:00:00Z');
    ({ api } = await startApi(authority, { now: () => clock }));
    annToken = await authority.token({ sub: ANN.id });
    bobToken = await authority.token({ sub: BOB.id });
  });
  after(async () => {
    await api.close();
    await authority.close();
  });
  afterEach(async () => {
    // Leave no ride on the way for the next test.
    await call(api.url, 'DELETE', '/v1/rides/current', { token: annToken });
    await call(api.url, 'DELETE', '/v1/rides/current', { token: bobToken });
  });

  const order = (destination: unknown, idempotencyKey = freshKey(), token = annToken) =>
    call(api.url, 'POST', '/v1/rides', { token, idempotencyKey, body: { destination } });

  describe('GET /v1/me', () => {
    it('answers the profile of the token subject', async () => {
      const answer = await call(api.url, 'GET', '/v1/me', { token: bobToken });
      expect(answer.status).to.equal(200);
      expect(answer.json).to.deep.equal(BOB);
    });

    it('answers 401 invalid_token when the account behind the token no longer exists', async () => {
      const answer = await call(api.url, 'GET', '/v1/me', { token: await authority.token({ sub: 'user-gone' }) });
      expect(answer.status).to.equal(401);
      expect(answer.headers.get('www-authenticate')).to.contain('error="invalid_token"');
      expect(answer.json.error).to.equal('invalid_token');
    });

    it('answers only id, name and email, whatever else the directory knows', async () => {
      const { api: other } = await startApi(authority, {
        profiles: async (sub) => ({ id: sub, name: 'N', email: 'n@example.com', passwordHash: 'x' }) as never,
      });
      try {
        const answer = await call(other.url, 'GET', '/v1/me', { token: annToken });
        expect(answer.json).to.deep.equal({ id: ANN.id, name: 'N', email: 'n@example.com' });
      } finally {
        await other.close();
      }
    });

    it('answers a bare 500 without a stack trace when the profile lookup fails', async () => {
      const { api: other, lines } = await startApi(authority, {
        profiles: async () => {
          throw new Error('directory is down');
        },
      });
      try {
        const answer = await call(other.url, 'GET', '/v1/me', { token: annToken });
        expect(answer.status).to.equal(500);
        expect(answer.json).to.deep.equal({ error: 'server_error', error_description: 'Something went wrong on our side.' });
        const record = lines.map((line) => JSON.parse(line)).find((r) => r.event === 'server_error');
        expect(record, 'logged by name and place').to.include({ error: 'Error' });
        expect(record.at).to.match(/^test\/ride-api\/rides\.test\.ts:\d+:\d+/);
        expect(lines.join('\n'), 'never the message').not.to.contain('directory is down');
      } finally {
        await other.close();
      }
    });
  });

  describe('ordering, status and cancelling', () => {
    it('orders a ride: 201 with an ETA from 3 to 9 minutes, then reports it as current', async () => {
      const created = await order('  the airport  ');
      expect(created.status).to.equal(201);
      expect(created.json).to.include({ status: 'on_the_way', destination: 'the airport' });
      expect(created.json.id).to.be.a('string').that.is.not.empty;
      expect(created.json.etaMinutes).to.be.within(3, 9);

      const current = await call(api.url, 'GET', '/v1/rides/current', { token: annToken });
      expect(current.status).to.equal(200);
      expect(current.json).to.deep.equal(created.json);
    });

    it('answers 404 no_active_ride when the user has no ride', async () => {
      const answer = await call(api.url, 'GET', '/v1/rides/current', { token: bobToken });
      expect(answer.status).to.equal(404);
      expect(answer.json.error).to.equal('no_active_ride');
    });

    it('keeps rides apart per user', async () => {
      expect((await order('the station')).status).to.equal(201);
      const bobs = await call(api.url, 'GET', '/v1/rides/current', { token: bobToken });
      expect(bobs.status).to.equal(404);
    });

    it('answers 409 ride_already_active with the ride while one is on the way', async () => {
      const first = await order('the station');
      const second = await order('the museum');
      expect(second.status).to.equal(409);
      expect(second.json.error).to.equal('ride_already_active');
      expect(second.json.ride).to.deep.equal(first.json);
    });

    it('cancels the current ride, after which the user can order again', async () => {
      const first = await order('the station');
      const cancelled = await call(api.url, 'DELETE', '/v1/rides/current', { token: annToken });
      expect(cancelled.status).to.equal(200);
      expect(cancelled.json).to.include({ id: first.json.id, status: 'cancelled', etaMinutes: 0 });

      expect((await call(api.url, 'GET', '/v1/rides/current', { token: annToken })).status).to.equal(404);
      expect((await call(api.url, 'DELETE', '/v1/rides/current', { token: annToken })).json.error).to.equal(
        'no_active_ride',
      );
      const again = await order('the museum');
      expect(again.status).to.equal(201);
      expect(again.json.id).not.to.equal(first.json.id);
    });

    it('counts the ETA down with the clock and reports arrived at 0', async () => {
      const created = await order('the harbour');
      const eta: number = created.json.etaMinutes;
      const current = async () => (await call(api.url, 'GET', '/v1/rides/current', { token: annToken })).json;

      clock += 30_000;
      expect((await current()).etaMinutes).to.equal(eta);
      clock += 30_000;
      expect(await current()).to.include({ status: 'on_the_way', etaMinutes: eta - 1 });
      clock += (eta - 1) * MINUTE - 1;
      expect(await current()).to.include({ status: 'on_the_way', etaMinutes: 1 });
      clock += 1;
      expect(await current()).to.include({ id: created.json.id, status: 'arrived', etaMinutes: 0 });

      // An arrived ride no longer blocks a new order.
      const next = await order('home');
      expect(next.status).to.equal(201);
    });

    it('stops reporting an arrived ride as current after a while', async () => {
      const created = await order('the harbour');
      clock += created.json.etaMinutes * MINUTE + 15 * MINUTE;
      expect((await call(api.url, 'GET', '/v1/rides/current', { token: annToken })).status).to.equal(404);
    });
  });

  describe('Idempotency-Key', () => {
    it('replays the same ride with 200 instead of ordering a second one', async () => {
      const key = freshKey();
      const first = await order('the airport', key);
      const replay = await order('the airport', key);
      expect(first.status).to.equal(201);
      expect(replay.status).to.equal(200);
      expect(replay.json).to.deep.equal(first.json);
    });

    it('replays even after the ride was cancelled, showing its current state', async () => {
      const key = freshKey();
      const first = await order('the airport', key);
      await call(api.url, 'DELETE', '/v1/rides/current', { token: annToken });
      const replay = await order('the airport', key);
      expect(replay.status).to.equal(200);
      expect(replay.json).to.include({ id: first.json.id, status: 'cancelled' });
    });

    it('answers 422 idempotency_key_reused when the key comes back with another body', async () => {
      const key = freshKey();
      await order('the airport', key);
      const reused = await order('the zoo', key);
      expect(reused.status).to.equal(422);
      expect(reused.json.error).to.equal('idempotency_key_reused');
    });

    it('scopes keys per user', async () => {
      const key = freshKey();
      const anns = await order('the airport', key, annToken);
      const bobs = await order('the zoo', key, bobToken);
      expect(bobs.status).to.equal(201);
      expect(bobs.json.id).not.to.equal(anns.json.id);
    });

    it('creates exactly one ride from 10 concurrent requests with one key', async () => {
      const key = freshKey();
      const answers = await Promise.all(Array.from({ length: 10 }, () => order('the airport', key)));
      const statuses = answers.map((answer) => answer.status).sort();
      expect(statuses).to.deep.equal([200, 200, 200, 200, 200, 200, 200, 200, 200, 201]);
      expect(new Set(answers.map((answer) => answer.json.id)).size).to.equal(1);
    });

    it('lets only one of 10 concurrent orders with different keys through', async () => {
      const answers = await Promise.all(Array.from({ length: 10 }, () => order('the airport')));
      expect(answers.filter((answer) => answer.status === 201)).to.have.length(1);
      expect(answers.filter((answer) => answer.status === 409)).to.have.length(9);
    });

    it('answers 400 invalid_request without an Idempotency-Key and orders nothing', async () => {
      const answer = await call(api.url, 'POST', '/v1/rides', { token: annToken, body: { destination: 'the airport' } });
      expect(answer.status).to.equal(400);
      expect(answer.json.error).to.equal('invalid_request');
      expect(answer.json.error_description).to.contain('Idempotency-Key');
      expect((await call(api.url, 'GET', '/v1/rides/current', { token: annToken })).status).to.equal(404);
    });
  });

  describe('malformed requests', () => {
    const post = (options: Parameters<typeof call>[3]) =>
      call(api.url, 'POST', '/v1/rides', { token: annToken, idempotencyKey: freshKey(), ...options });

    it('answers 400 invalid_request for a body that is not JSON', async () => {
      const answer = await post({ rawBody: '{"destination": "the air' });
      expect(answer.status).to.equal(400);
      expect(answer.json).to.deep.equal({ error: 'invalid_request', error_description: 'The request body is not valid JSON.' });
    });

    it('answers 400 for a destination that is missing, empty, blank, too long or not a string', async () => {
      for (const body of [{}, { destination: '' }, { destination: '   ' }, { destination: 'x'.repeat(101) }, { destination: 42 }, []]) {
        const answer = await post({ body });
        expect(answer.status, JSON.stringify(body)).to.equal(400);
        expect(answer.json.error).to.equal('invalid_request');
      }
    });

    it('accepts a destination of exactly 100 characters', async () => {
      expect((await post({ body: { destination: 'x'.repeat(100) } })).status).to.equal(201);
    });

    it('answers 400 for a body sent without a JSON content type', async () => {
      const answer = await post({ headers: { 'content-type': 'text/plain' } });
      expect(answer.status).to.equal(400);
    });

    it('answers 413 for an oversized body, never 500', async () => {
      const answer = await post({ rawBody: JSON.stringify({ destination: 'x'.repeat(10_000) }) });
      expect(answer.status).to.equal(413);
      expect(answer.json.error).to.equal('invalid_request');
    });

    it('answers unknown routes with a JSON 404', async () => {
      const answer = await call(api.url, 'GET', '/v1/nowhere', { token: annToken });
      expect(answer.status).to.equal(404);
      expect(answer.json.error).to.equal('not_found');
    });
  });
});
