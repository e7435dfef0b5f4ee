/**
 * The local cloud's Login with Amazon (local/alexa-cloud/lwa.ts): an issued access token is good for its lifetime on
 * the cloud's clock and no longer (lru-cache with a TTL); a fixed ASK_ACCESS_TOKEN never expires.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import express from 'express';
import { createLwa, type TokenAuthority } from '../../local/alexa-cloud/lwa.js';

describe('local cloud: LWA access tokens live for their lifetime on the injected clock', () => {
  const clock = { now: 1_700_000_000_000 };
  let lwa: TokenAuthority;
  let server: Server;
  let tokenUrl: string;

  before(async () => {
    lwa = createLwa({ refreshTokens: ['Atzr|known'], fixedAccessTokens: ['Atza|fixed'], accessTokenTtlSeconds: 3600, now: () => clock.now });
    const app = express();
    app.use(lwa.router);
    server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    tokenUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/auth/o2/token`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  async function issue(): Promise<string> {
    const response = await fetch(tokenUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ grant_type: 'refresh_token', refresh_token: 'Atzr|known' }) });
    const body = (await response.json()) as { access_token: string; expires_in: number };
    expect(body.expires_in).to.equal(3600);
    return body.access_token;
  }

  it('accepts an issued token through exactly 3600 s and refuses it 1 ms later; others are unaffected', async () => {
    const started = clock.now;
    const first = await issue();
    clock.now = started + 1_800_000;
    const second = await issue();
    clock.now = started + 3_600_000;
    expect(lwa.isValidAccessToken(first)).to.equal(true);
    clock.now += 1;
    expect(lwa.isValidAccessToken(first)).to.equal(false);
    expect(lwa.isValidAccessToken(second), 'issued later, still valid').to.equal(true);
    expect(lwa.isValidAccessToken('Atza|never-issued')).to.equal(false);
    expect(lwa.isValidAccessToken('Atza|fixed')).to.equal(true);
  });
});
