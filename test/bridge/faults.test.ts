/**
 * Upstream faults at refresh time: down (closed port), hanging, 500, garbage, 429. Alexa must get a 503
 * temporarily_unavailable with Retry-After — never invalid_grant, which would unlink the user — and the link must
 * survive: once the upstream is back, the same bridge refresh token works.
 *
 * Alexa's 4.5 s is kept by the budget (BRIDGE_UPSTREAM_BUDGET_MS, at most 4000: test/bridge/config.test.ts), not
 * measured here: the bridge runs with a small budget, and a hanging upstream answered 503 shows the budget ended
 * the wait (without it the refresh would never answer).
 */
import { expect } from 'chai';
import { readRfc6749Answer } from '../../bridge/profiles/rfc6749.js';
import { startFakeTokenEndpoint, type Fault, type FakeTokenEndpoint } from './fake-token-endpoint.js';
import { callbackUrl, exchangeCode, get, refresh, startAuthorization, startTestBridge, type TestBridge } from './helpers.js';

/** Small, so the hanging upstream costs the suite half a second; the outcome is the same as under the default. */
const SMALL_BUDGET_MS = 500;

describe('bridge: upstream faults', function () {
  this.timeout(15_000);
  let upstream: FakeTokenEndpoint;
  let t: TestBridge;

  before(async () => {
    upstream = await startFakeTokenEndpoint({ rotate: true });
    t = await startTestBridge(
      { BRIDGE_UPSTREAM_AUTHORIZATION_URL: upstream.authorizationUrl, BRIDGE_UPSTREAM_TOKEN_URL: upstream.tokenUrl, BRIDGE_UPSTREAM_BUDGET_MS: String(SMALL_BUDGET_MS) },
      { profile: { rotatesRefreshTokens: true } },
    );
  });
  after(async () => {
    await t?.close();
    await upstream?.close();
  });

  async function link(): Promise<string> {
    const up = await startAuthorization(t.bridge);
    const back = await get(callbackUrl(t.bridge, new URL(`https://bridge.ride-hailer.example/callback?code=fake-code-f&state=${encodeURIComponent(up.searchParams.get('state')!)}`)));
    const exchanged = await exchangeCode(t.bridge, new URL(back.location!).searchParams.get('code')!);
    expect(exchanged.status, exchanged.text).to.equal(200);
    return exchanged.body.refresh_token as string;
  }

  async function expectTemporarilyUnavailable(bridgeToken: string): Promise<void> {
    const answer = await refresh(t.bridge, bridgeToken);
    expect(answer.status, answer.text).to.equal(503);
    expect(answer.body).to.deep.equal({ error: 'temporarily_unavailable' });
    expect(Number(answer.headers.get('retry-after'))).to.be.above(0);
    expect(answer.headers.get('cache-control')).to.equal('no-store');
  }

  const faults: Fault[] = ['status500', 'status429', 'garbage', 'hang'];
  for (const fault of faults) {
    it(`${fault}: 503 temporarily_unavailable, and the link survives`, async () => {
      const bridgeToken = await link();
      upstream.fault = fault;
      try {
        await expectTemporarilyUnavailable(bridgeToken);
      } finally {
        upstream.fault = 'none';
      }
      const later = await refresh(t.bridge, bridgeToken);
      expect(later.status, later.text).to.equal(200);
      expect(later.body.refresh_token).to.equal(bridgeToken);
      expect(upstream.familyRevoked).to.equal(false);
    });
  }

  it('down (closed port): 503; once it is back the same bridge token refreshes', async () => {
    const bridgeToken = await link();
    await upstream.stop();
    try {
      await expectTemporarilyUnavailable(bridgeToken);
      await expectTemporarilyUnavailable(bridgeToken);
    } finally {
      await upstream.restart();
    }
    const later = await refresh(t.bridge, bridgeToken);
    expect(later.status, later.text).to.equal(200);
  });

  it('a failed code exchange is 503 too, and is never retried (codes are single-use)', async () => {
    const up = await startAuthorization(t.bridge);
    const back = await get(callbackUrl(t.bridge, new URL(`https://bridge.ride-hailer.example/callback?code=fake-code-g&state=${encodeURIComponent(up.searchParams.get('state')!)}`)));
    const before = upstream.requests.length;
    upstream.fault = 'status500';
    try {
      const answer = await exchangeCode(t.bridge, new URL(back.location!).searchParams.get('code')!);
      expect(answer.status).to.equal(503);
      expect(answer.body.error).to.equal('temporarily_unavailable');
    } finally {
      upstream.fault = 'none';
    }
    expect(upstream.requests.length - before).to.equal(1);
  });

  it('the upstream refusing the bridge itself (invalid_client) is a 503, not invalid_client for Alexa', async () => {
    // The upstream accepts the bridge's secret for the link, then (rotated at the provider) no longer does.
    const refuseClient = { on: false };
    const secretBridge = await startTestBridge(
      { BRIDGE_UPSTREAM_AUTHORIZATION_URL: upstream.authorizationUrl, BRIDGE_UPSTREAM_TOKEN_URL: upstream.tokenUrl },
      { profile: { readTokenAnswer: (answer) => (refuseClient.on ? { kind: 'refused', error: 'invalid_client', detail: 'bad secret' } : readRfc6749Answer(answer)) } },
    );
    try {
      const up = await startAuthorization(secretBridge.bridge);
      const back = await get(callbackUrl(secretBridge.bridge, new URL(`https://bridge.ride-hailer.example/callback?code=fake-code-h&state=${encodeURIComponent(up.searchParams.get('state')!)}`)));
      const exchanged = await exchangeCode(secretBridge.bridge, new URL(back.location!).searchParams.get('code')!);
      expect(exchanged.status, exchanged.text).to.equal(200);
      refuseClient.on = true;
      const answer = await refresh(secretBridge.bridge, exchanged.body.refresh_token as string);
      expect(answer.status).to.equal(503);
      expect(answer.body.error).to.equal('temporarily_unavailable');
      expect(secretBridge.logger.lines.some((line) => line.includes('"level":"error"') && line.includes('upstream_refused_bridge'))).to.equal(true);
    } finally {
      await secretBridge.close();
    }
  });
});
