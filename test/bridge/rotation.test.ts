/**
 * Refresh-token rotation against a fake upstream that rotates on every refresh and treats a rotated-away token as
 * theft (auth0-style reuse detection): Alexa's bridge token stays the same, concurrent refreshes share one
 * rotation, a repeated refresh within the window gets the stored answer, and the previous upstream token is used
 * only when the upstream refused the newest one within the grace window.
 */
import { expect } from 'chai';
import { startFakeTokenEndpoint, type FakeTokenEndpoint } from './fake-token-endpoint.js';
import { callbackUrl, exchangeCode, expectNoSecretsIn, get, refresh, startAuthorization, startTestBridge, type TestBridge } from './helpers.js';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

async function linkThroughFake(t: TestBridge): Promise<string> {
  const up = await startAuthorization(t.bridge);
  const back = await get(callbackUrl(t.bridge, new URL(`https://bridge.ride-hailer.example/callback?code=fake-code-r&state=${encodeURIComponent(up.searchParams.get('state')!)}`)));
  const exchanged = await exchangeCode(t.bridge, new URL(back.location!).searchParams.get('code')!);
  expect(exchanged.status, exchanged.text).to.equal(200);
  return exchanged.body.refresh_token as string;
}

const ROTATING = { rotatesRefreshTokens: true };
const tempDirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'bridge-store-'));
  tempDirs.push(dir);
  return dir;
};

describe('bridge: refresh-token rotation', () => {
  let upstream: FakeTokenEndpoint;
  let t: TestBridge;
  let clock = Date.now();

  beforeEach(async () => {
    clock = Date.now();
    upstream = await startFakeTokenEndpoint({ rotate: true });
    // The oidc profile (the fake speaks plain RFC 6749) declared as rotating, like an oidc-provider with rotation on.
    t = await startTestBridge(
      { BRIDGE_UPSTREAM_AUTHORIZATION_URL: upstream.authorizationUrl, BRIDGE_UPSTREAM_TOKEN_URL: upstream.tokenUrl, BRIDGE_REFRESH_GRACE_S: '300' },
      { now: () => clock, profile: ROTATING },
    );
  });
  afterEach(async () => {
    await t?.close();
    await upstream?.close();
  });
  after(() => {
    for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
  });

  it('keeps one stable bridge refresh token across rotations; the upstream sees each token once', async () => {
    const bridgeToken = await linkThroughFake(t);
    const seen = new Set<string>();
    for (let i = 0; i < 4; i += 1) {
      clock += 60_000; // past the repeat window: each refresh really goes upstream
      const answer = await refresh(t.bridge, bridgeToken);
      expect(answer.status, answer.text).to.equal(200);
      expect(answer.body.refresh_token).to.equal(bridgeToken);
      expect(seen.has(answer.body.access_token as string)).to.equal(false);
      seen.add(answer.body.access_token as string);
    }
    expect(upstream.rotations).to.equal(4);
    expect(upstream.familyRevoked).to.equal(false);
    const presented = upstream.requests.filter((r) => r.grant === 'refresh_token').map((r) => r.body.get('refresh_token'));
    expect(new Set(presented).size).to.equal(presented.length);
    expectNoSecretsIn(t.logger.lines, [bridgeToken, upstream.current, ...presented, ...seen]);
  });

  it('N concurrent refreshes get the same access token and the upstream sees one rotation', async () => {
    const bridgeToken = await linkThroughFake(t);
    upstream.delayMs = 150;
    const answers = await Promise.all(Array.from({ length: 8 }, () => refresh(t.bridge, bridgeToken)));
    for (const answer of answers) expect(answer.status, answer.text).to.equal(200);
    expect(new Set(answers.map((a) => a.body.access_token)).size).to.equal(1);
    expect(upstream.rotations).to.equal(1);
    expect(upstream.familyRevoked).to.equal(false);
  });

  it('two bridge instances on one store: concurrent refreshes spend the upstream token once (lease + version)', async () => {
    const file = `${tempDir()}/bridge.sqlite`;
    await t.close();
    const env = { BRIDGE_UPSTREAM_AUTHORIZATION_URL: upstream.authorizationUrl, BRIDGE_UPSTREAM_TOKEN_URL: upstream.tokenUrl, BRIDGE_DATA: file };
    const a = await startTestBridge(env, { now: () => clock, profile: ROTATING });
    const b = await startTestBridge(env, { now: () => clock, profile: ROTATING });
    t = a;
    try {
      const bridgeToken = await linkThroughFake(a);
      upstream.delayMs = 200;
      const answers = await Promise.all([refresh(a.bridge, bridgeToken), refresh(b.bridge, bridgeToken), refresh(a.bridge, bridgeToken), refresh(b.bridge, bridgeToken)]);
      for (const answer of answers) expect(answer.status, answer.text).to.equal(200);
      expect(new Set(answers.map((x) => x.body.access_token)).size).to.equal(1);
      expect(upstream.rotations).to.equal(1);
      expect(upstream.familyRevoked).to.equal(false);
    } finally {
      await b.close();
    }
  });

  it('a refresh repeated within the window (a lost answer) gets the stored answer instead of spending the new token', async () => {
    const bridgeToken = await linkThroughFake(t);
    const first = await refresh(t.bridge, bridgeToken);
    clock += 5_000;
    const repeated = await refresh(t.bridge, bridgeToken);
    expect(repeated.status).to.equal(200);
    expect(repeated.body.access_token).to.equal(first.body.access_token);
    expect(repeated.body.expires_in).to.equal((first.body.expires_in as number) - 5);
    expect(upstream.rotations).to.equal(1);
    clock += 60_000;
    const later = await refresh(t.bridge, bridgeToken);
    expect(later.body.access_token).not.to.equal(first.body.access_token);
    expect(upstream.rotations).to.equal(2);
  });

  it('the previous upstream token is used within the grace window when the upstream refused the newest one', async () => {
    const bridgeToken = await linkThroughFake(t);
    clock += 60_000;
    expect((await refresh(t.bridge, bridgeToken)).status).to.equal(200);
    // The upstream "loses" that rotation: the token the bridge now holds is unknown there, the previous one valid.
    upstream.forgetLatestRotation();
    clock += 60_000;
    const answer = await refresh(t.bridge, bridgeToken);
    expect(answer.status, answer.text).to.equal(200);
    expect(answer.body.refresh_token).to.equal(bridgeToken);
    // …and the link goes on with the token that answer rotated to.
    clock += 60_000;
    expect((await refresh(t.bridge, bridgeToken)).status).to.equal(200);
  });

  it('after the grace window the previous token is no longer presented: a refused refresh is invalid_grant', async () => {
    const bridgeToken = await linkThroughFake(t);
    clock += 60_000;
    expect((await refresh(t.bridge, bridgeToken)).status).to.equal(200);
    upstream.forgetLatestRotation();
    clock += 301_000;
    const answer = await refresh(t.bridge, bridgeToken);
    expect(answer.status).to.equal(400);
    expect(answer.body).to.deep.equal({ error: 'invalid_grant' });
  });

  it('stores upstream refresh tokens encrypted and the bridge token only as a keyed hash', async () => {
    const file = `${tempDir()}/bridge.sqlite`;
    await t.close();
    t = await startTestBridge({ BRIDGE_UPSTREAM_AUTHORIZATION_URL: upstream.authorizationUrl, BRIDGE_UPSTREAM_TOKEN_URL: upstream.tokenUrl, BRIDGE_DATA: file }, { now: () => clock, profile: ROTATING });
    const bridgeToken = await linkThroughFake(t);
    clock += 60_000;
    await refresh(t.bridge, bridgeToken);
    // The raw bytes of the database and its WAL, whatever has been checkpointed.
    const raw = ['', '-wal'].map((suffix) => { try { return readFileSync(file + suffix).toString('latin1'); } catch { return ''; } }).join('');
    expect(raw).to.contain('bridge_links');
    expect(raw).not.to.contain('fake-rt-');
    expect(raw).not.to.contain('fake-at-');
    expect(raw).not.to.contain(bridgeToken);
  });
});
