import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { expect } from 'chai';
import { faultsFromEnvironment } from '../../local/ride-api/faults.js';
import type { RideApi } from '../../local/ride-api/server.js';
import { call, startApi, startAuthority } from './helpers.js';
import type { Authority } from './helpers.js';

/** Resolves when the server at `url` starts handling a request for `path`: the request is in, not just sent. */
function requestArrived(url: string, path: string): Promise<void> {
  const port = Number(new URL(url).port);
  return new Promise((resolve) => {
    const onStart = (message: unknown) => {
      const { request, socket } = message as { request: IncomingMessage; socket: Socket };
      if (socket.localPort !== port || request.url !== path) return;
      unsubscribe('http.server.request.start', onStart);
      resolve();
    };
    subscribe('http.server.request.start', onStart);
  });
}

describe('ride API: fault switches', () => {
  let authority: Authority;
  let token: string;

  before(async () => {
    authority = await startAuthority();
    token = await authority.token();
  });
  after(() => authority.close());

  describe('set with setFaults', () => {
    let api: RideApi;
    before(async () => {
      ({ api } = await startApi(authority));
    });
    after(() => api.close());
    afterEach(() => api.setFaults({}));

    const current = (signal?: AbortSignal) =>
      call(api.url, 'GET', '/v1/rides/current', { token, ...(signal ? { signal } : {}) });

    it('answers normally with no faults set', async () => {
      expect((await current()).status).to.equal(404);
    });

    it('adds latency before answering', async () => {
      api.setFaults({ latencyMs: 300 });
      const started = performance.now();
      const answer = await current();
      expect(performance.now() - started).to.be.at.least(290);
      expect(answer.status).to.equal(404);
    });

    it('forces a 500 with an ApiError body', async () => {
      api.setFaults({ status: 500 });
      const answer = await current();
      expect(answer.status).to.equal(500);
      expect(answer.json.error).to.equal('injected_fault');
    });

    it('forces a 429 with Retry-After', async () => {
      api.setFaults({ status: 429, retryAfterSeconds: 7 });
      const answer = await current();
      expect(answer.status).to.equal(429);
      expect(answer.headers.get('retry-after')).to.equal('7');
    });

    it('sends malformed JSON labelled as JSON', async () => {
      api.setFaults({ malformedJson: true });
      const answer = await current();
      expect(answer.headers.get('content-type')).to.match(/^application\/json/);
      expect(answer.text).to.match(/^\{/);
      expect(() => JSON.parse(answer.text)).to.throw(SyntaxError);
    });

    it('refuses every token with 401 invalid_token', async () => {
      api.setFaults({ refuseAllTokens: true });
      const answer = await current();
      expect(answer.status).to.equal(401);
      expect(answer.headers.get('www-authenticate')).to.contain('error="invalid_token"');
    });

    it('keeps /healthz answering whatever the faults', async () => {
      api.setFaults({ status: 503, hang: true });
      const answer = await call(api.url, 'GET', '/healthz');
      expect(answer.status).to.equal(200);
    });

    it('rejects faults that make no sense', () => {
      expect(() => api.setFaults({ status: 200 })).to.throw(/status/);
      expect(() => api.setFaults({ latencyMs: -1 })).to.throw(/latencyMs/);
      expect(() => api.setFaults({ hang: 'yes' } as never)).to.throw(/hang/);
    });

    it('clears every fault with an empty object', async () => {
      api.setFaults({ status: 500, refuseAllTokens: true });
      api.setFaults({});
      expect((await current()).status).to.equal(404);
    });
  });

  it('hangs: accepts the request and never answers, and close() still finishes', async () => {
    const { api, requests } = await startApi(authority, { faults: { hang: true } });
    let failure: unknown;
    try {
      await call(api.url, 'GET', '/v1/rides/current', { token, signal: AbortSignal.timeout(200) });
    } catch (error) {
      failure = error;
    }
    expect(failure).to.be.instanceOf(DOMException);
    expect((failure as DOMException).name).to.equal('TimeoutError');

    // Another request still hanging while we close.
    const arrived = requestArrived(api.url, '/v1/me');
    const pending = call(api.url, 'GET', '/v1/me', { token }).catch((error: unknown) => error);
    await arrived;
    await api.close();
    expect(await pending).to.be.instanceOf(Error);
    expect(requests.some((line) => (JSON.parse(line) as { status: unknown }).status === 'aborted')).to.equal(true);
  });

  it('close() does not wait out an injected latency', async () => {
    const { api } = await startApi(authority, { faults: { latencyMs: 60_000 } });
    const arrived = requestArrived(api.url, '/v1/rides/current');
    const pending = call(api.url, 'GET', '/v1/rides/current', { token }).catch((error: unknown) => error);
    await arrived;
    await api.close();
    expect(await pending).to.be.instanceOf(Error);
  });

  it('takes faults from the options at start', async () => {
    const { api } = await startApi(authority, { faults: { status: 503, retryAfterSeconds: 2 } });
    try {
      const answer = await call(api.url, 'GET', '/v1/me', { token });
      expect(answer.status).to.equal(503);
      expect(answer.headers.get('retry-after')).to.equal('2');
    } finally {
      await api.close();
    }
  });

  describe('admin route', () => {
    it('is not mounted unless enabled', async () => {
      const { api } = await startApi(authority);
      try {
        const answer = await call(api.url, 'PUT', '/_faults', { body: { status: 500 } });
        expect(answer.status).to.equal(404);
        expect((await call(api.url, 'GET', '/v1/rides/current', { token })).status).to.equal(404);
      } finally {
        await api.close();
      }
    });

    it('sets, shows and clears faults with PUT /_faults when enabled', async () => {
      const { api } = await startApi(authority, { adminRoutes: true });
      try {
        const set = await call(api.url, 'PUT', '/_faults', { body: { status: 502 } });
        expect(set.status).to.equal(200);
        expect(set.json).to.deep.equal({ status: 502 });
        expect((await call(api.url, 'GET', '/_faults')).json).to.deep.equal({ status: 502 });
        expect((await call(api.url, 'GET', '/v1/rides/current', { token })).status).to.equal(502);

        expect((await call(api.url, 'PUT', '/_faults', { body: {} })).status).to.equal(200);
        expect((await call(api.url, 'GET', '/v1/rides/current', { token })).status).to.equal(404);
      } finally {
        await api.close();
      }
    });

    it('answers 400 to an invalid faults body', async () => {
      const { api } = await startApi(authority, { adminRoutes: true });
      try {
        for (const options of [{ body: { status: 'broken' } }, { body: { nonsense: true } }, { rawBody: '{' }]) {
          const answer = await call(api.url, 'PUT', '/_faults', options);
          expect(answer.status, JSON.stringify(options)).to.equal(400);
          expect(answer.json.error).to.equal('invalid_request');
        }
      } finally {
        await api.close();
      }
    });
  });

  describe('faultsFromEnvironment', () => {
    it('reads the RIDE_API_FAULT_* variables', () => {
      expect(
        faultsFromEnvironment({
          RIDE_API_FAULT_LATENCY_MS: '250',
          RIDE_API_FAULT_STATUS: '429',
          RIDE_API_FAULT_RETRY_AFTER_S: '3',
          RIDE_API_FAULT_MALFORMED_JSON: '1',
          RIDE_API_FAULT_REFUSE_TOKENS: '0',
          RIDE_API_FAULT_HANG: '',
        }),
      ).to.deep.equal({ latencyMs: 250, status: 429, retryAfterSeconds: 3, malformedJson: true, refuseAllTokens: false });
    });

    it('has every fault off when nothing is set', () => {
      expect(faultsFromEnvironment({})).to.deep.equal({});
    });

    it('names the variable it cannot read', () => {
      expect(() => faultsFromEnvironment({ RIDE_API_FAULT_LATENCY_MS: 'slow' })).to.throw(/RIDE_API_FAULT_LATENCY_MS/);
      expect(() => faultsFromEnvironment({ RIDE_API_FAULT_HANG: 'maybe' })).to.throw(/RIDE_API_FAULT_HANG/);
    });
  });
});
