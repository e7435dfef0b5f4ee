import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { call, startApi, startAuthority } from './helpers.js';
import type { Authority } from './helpers.js';

describe('ride API: server', () => {
  let authority: Authority;
  let token: string;

  before(async () => {
    authority = await startAuthority();
    token = await authority.token();
  });
  after(() => authority.close());

  it('answers /healthz without a token', async () => {
    const { api } = await startApi(authority);
    try {
      const answer = await call(api.url, 'GET', '/healthz');
      expect(answer.status).to.equal(200);
      expect(answer.json).to.deep.equal({ status: 'ok' });
    } finally {
      await api.close();
    }
  });

  it('keeps connections alive for 65 seconds so clients can reuse them', async () => {
    const { api } = await startApi(authority);
    try {
      const headers = await new Promise<Record<string, unknown>>((resolve, reject) => {
        request(`${api.url}/healthz`, { headers: { connection: 'keep-alive' } }, (response) => {
          response.resume();
          response.on('end', () => resolve(response.headers));
        })
          .on('error', reject)
          .end();
      });
      expect(headers.connection).to.equal('keep-alive');
      expect(headers['keep-alive']).to.equal('timeout=65');
    } finally {
      await api.close();
    }
  });

  it('keeps rides and idempotency keys across a restart on a database file', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'ride-api-'));
    const databaseFile = join(directory, 'nested', 'rides.sqlite');
    try {
      const first = await startApi(authority, { databaseFile });
      const created = await call(first.api.url, 'POST', '/v1/rides', {
        token,
        idempotencyKey: 'restart-key',
        body: { destination: 'the airport' },
      });
      expect(created.status).to.equal(201);
      await first.api.close();

      const second = await startApi(authority, { databaseFile });
      try {
        const current = await call(second.api.url, 'GET', '/v1/rides/current', { token });
        expect(current.json).to.include({ id: created.json.id, destination: 'the airport' });
        const replay = await call(second.api.url, 'POST', '/v1/rides', {
          token,
          idempotencyKey: 'restart-key',
          body: { destination: 'the airport' },
        });
        expect(replay.status).to.equal(200);
        expect(replay.json.id).to.equal(created.json.id);
      } finally {
        await second.api.close();
      }
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });

  it('writes no request line of its own; the stack logs one per request with method, path, status, latency, never the token', async () => {
    const { api, lines, requests } = await startApi(authority);
    try {
      await call(api.url, 'GET', '/v1/rides/current?access_token=leak', { token });
      await call(api.url, 'POST', '/v1/rides', { token, idempotencyKey: 'log-key', body: { destination: 'the zoo' } });
      await call(api.url, 'GET', '/v1/me', { token: `${token}x` });
      await new Promise((resolve) => setImmediate(resolve));

      expect(lines).to.deep.equal([]);
      const records = requests.map((line) => JSON.parse(line) as Record<string, unknown>);
      expect(records.map(({ service, event, method, path, status }) => ({ service, event, method, path, status }))).to.deep.equal([
        { service: 'api', event: 'http_request', method: 'GET', path: '/v1/rides/current', status: 404 },
        { service: 'api', event: 'http_request', method: 'POST', path: '/v1/rides', status: 201 },
        { service: 'api', event: 'http_request', method: 'GET', path: '/v1/me', status: 401 },
      ]);
      for (const record of records) expect(record.latencyMs).to.be.a('number');
      const signature = token.split('.')[2]!;
      for (const line of requests) {
        expect(line).not.to.contain(signature);
        expect(line).not.to.contain('leak');
        expect(line).not.to.contain('the zoo');
      }
    } finally {
      await api.close();
    }
  });

  it('logs a server error as one JSON line naming the error, where it was thrown and the route — never its message, the token, query or body', async () => {
    const { api, lines } = await startApi(authority, {
      profiles: async () => {
        throw new TypeError('the user directory is gone');
      },
    });
    try {
      const answer = await call(api.url, 'GET', '/v1/me?access_token=leak', { token });
      expect(answer.status).to.equal(500);
      expect(answer.json).to.deep.equal({ error: 'server_error', error_description: 'Something went wrong on our side.' });
      expect(lines).to.have.length(1);
      const record = JSON.parse(lines[0]!) as Record<string, unknown>;
      expect(record).to.include({ level: 'error', event: 'server_error', method: 'GET', path: '/v1/me', error: 'TypeError' });
      expect(record.at).to.match(/^test\/ride-api\/server\.test\.ts:\d+:\d+/);
      expect(lines[0]).not.to.contain('user directory');
      expect(lines[0]).not.to.contain(token.split('.')[2]!);
      expect(lines[0]).not.to.contain('leak');
    } finally {
      await api.close();
    }
  });

  it('fails to start with a clear error when the port is taken', async () => {
    const { api } = await startApi(authority);
    try {
      const port = Number(new URL(api.url).port);
      let failure: unknown;
      try {
        const clash = await startApi(authority, { port });
        await clash.api.close();
      } catch (error) {
        failure = error;
      }
      expect((failure as NodeJS.ErrnoException)?.code).to.equal('EADDRINUSE');
    } finally {
      await api.close();
    }
  });
});
