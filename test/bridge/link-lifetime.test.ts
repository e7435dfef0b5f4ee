/**
 * A link lives BRIDGE_LINK_TTL_DAYS from its last use: a refresh in the second half of its life pushes the expiry
 * forward (written at most once per half lifetime), so a link Alexa keeps using never expires — also when the
 * provider does not rotate and nothing else is ever written (no lease on a private store). A link left unused for
 * the whole lifetime is forgotten.
 */
import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFakeTokenEndpoint, type FakeTokenEndpoint } from './fake-token-endpoint.js';
import { callbackUrl, exchangeCode, get, refresh, startAuthorization, startTestBridge, type TestBridge } from './helpers.js';

const DAY_MS = 86_400_000;
const TTL_DAYS = 2;

async function link(t: TestBridge): Promise<string> {
  const up = await startAuthorization(t.bridge);
  const back = await get(callbackUrl(t.bridge, new URL(`https://bridge.ride-hailer.example/callback?code=fake-code-l&state=${encodeURIComponent(up.searchParams.get('state')!)}`)));
  const exchanged = await exchangeCode(t.bridge, new URL(back.location!).searchParams.get('code')!);
  expect(exchanged.status, exchanged.text).to.equal(200);
  return exchanged.body.refresh_token as string;
}

// A private store takes no lease for a non-rotating provider, so only the half-lifetime rule writes the expiry; on a
// file the lease is lifted with the same write.
for (const [name, data] of [['a private store (:memory:)', ':memory:'], ['a SQLite file', 'file']] as const) {
  describe(`bridge: link lifetime, non-rotating provider, ${name}`, () => {
    let upstream: FakeTokenEndpoint;
    let t: TestBridge;
    let dir: string | undefined;
    let clock: number;

    beforeEach(async () => {
      clock = Date.now();
      upstream = await startFakeTokenEndpoint({ rotate: false });
      if (data === 'file') dir = mkdtempSync(join(tmpdir(), 'bridge-lifetime-'));
      t = await startTestBridge(
        {
          BRIDGE_UPSTREAM_AUTHORIZATION_URL: upstream.authorizationUrl,
          BRIDGE_UPSTREAM_TOKEN_URL: upstream.tokenUrl,
          BRIDGE_LINK_TTL_DAYS: String(TTL_DAYS),
          BRIDGE_DATA: dir === undefined ? ':memory:' : join(dir, 'bridge.sqlite'),
        },
        { now: () => clock },
      );
    });
    afterEach(async () => {
      await t?.close();
      await upstream?.close();
      if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
      dir = undefined;
    });

    it('a link refreshed in the second half of its life outlives its first expiry, again and again', async () => {
      const bridgeToken = await link(t);
      const start = clock;
      for (const day of [1.2, 2.5, 3.8, 5.1]) {
        clock = start + day * DAY_MS; // each refresh comes after the expiry the previous one would have left alone
        const answer = await refresh(t.bridge, bridgeToken);
        expect(answer.status, `day ${day}: ${answer.text}`).to.equal(200);
      }
    });

    it('a link left unused for its whole lifetime is forgotten', async () => {
      const bridgeToken = await link(t);
      clock += TTL_DAYS * DAY_MS;
      const answer = await refresh(t.bridge, bridgeToken);
      expect(answer.status).to.equal(400);
      expect(answer.body).to.deep.equal({ error: 'invalid_grant' });
    });
  });
}
