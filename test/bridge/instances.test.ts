/**
 * Several bridge instances on one DynamoDB table: real processes (`bridge/server.ts`, BRIDGE_STORE=dynamodb) on a
 * local dynalite server, in front of a fake upstream that rotates refresh tokens with reuse detection (a
 * rotated-away token presented again revokes the whole family, as auth0 does). The fitbit profile is used because
 * it declares rotation and the fake speaks the RFC 6749 JSON it also reads.
 *
 * - a code (and a state) redeemed on one instance is dead on the other;
 * - concurrent refreshes of one link spread over both instances all get a usable token, and the upstream sees one
 *   rotation per window, never a reused token;
 * - an instance killed while its upstream call hangs leaves the link intact: while its lease stands the other
 *   instance answers a retryable 503, once it lapses the other instance refreshes.
 */
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { expect } from 'chai';
import { localDynamoDbEnv, startLocalDynamoDb, type LocalDynamoDb } from '../../local/dynamodb.js';
import { startBridgeProcess, type BridgeProcess } from './bridge-process.js';
import { startFakeTokenEndpoint, type FakeTokenEndpoint } from './fake-token-endpoint.js';
import { bridgeEnv, callbackUrl, exchangeCode, expectNoSecretsIn, get, refresh, startAuthorization } from './helpers.js';
import type { BridgeServer } from '../../bridge/server.js';

/** The repeat window is min(30 s, grace): a short grace lets the test see two windows. */
const GRACE_S = 2;
const BUDGET_MS = 1500;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Resolves once `condition` holds: polls every 5 ms (the mocha timeout bounds the wait). */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await sleep(5);
}

describe('bridge: two instances on one DynamoDB table', function () {
  this.timeout(30_000);
  let db: LocalDynamoDb;
  let upstream: FakeTokenEndpoint;
  let env: Record<string, string | undefined>;
  const processes: BridgeProcess[] = [];
  let a: BridgeProcess;
  let b: BridgeProcess;

  const start = async (overrides: Record<string, string> = {}) => {
    const started = await startBridgeProcess({ ...env, ...overrides });
    processes.push(started);
    return started;
  };

  /** /authorize and /callback on `first`; returns the bridge code Alexa would get. */
  async function bridgeCode(first: BridgeServer): Promise<{ code: string; callback: string }> {
    const up = await startAuthorization(first);
    const callback = callbackUrl(first, new URL(`https://bridge.ride-hailer.example/callback?code=fake-code-i&state=${encodeURIComponent(up.searchParams.get('state')!)}`));
    const back = await get(callback);
    expect(back.status, back.text).to.equal(302);
    return { code: new URL(back.location!).searchParams.get('code')!, callback };
  }

  async function link(on: BridgeServer): Promise<string> {
    const exchanged = await exchangeCode(on, (await bridgeCode(on)).code);
    expect(exchanged.status, exchanged.text).to.equal(200);
    return exchanged.body.refresh_token as string;
  }

  before(async () => {
    db = await startLocalDynamoDb();
    upstream = await startFakeTokenEndpoint({ rotate: true });
    env = {
      ...bridgeEnv({
        BRIDGE_PROFILE: 'fitbit',
        BRIDGE_UPSTREAM_AUTHORIZATION_URL: upstream.authorizationUrl,
        BRIDGE_UPSTREAM_TOKEN_URL: upstream.tokenUrl,
        BRIDGE_REFRESH_GRACE_S: String(GRACE_S),
        BRIDGE_UPSTREAM_BUDGET_MS: String(BUDGET_MS),
        BRIDGE_DATA: undefined,
        LOG_LEVEL: 'info',
      }),
      ...localDynamoDbEnv(db),
    };
    [a, b] = await Promise.all([start(), start()]);
  });
  beforeEach(() => {
    upstream.delayMs = 0;
    upstream.fault = 'none';
  });
  after(async () => {
    await Promise.all(processes.map((p) => p.close()));
    await upstream?.close();
    await db?.close();
  });

  it('a code redeemed on A is refused on B, and a state used on A is refused on B', async () => {
    const { code, callback } = await bridgeCode(a);
    const first = await exchangeCode(a, code);
    expect(first.status, first.text).to.equal(200);
    const again = await exchangeCode(b, code);
    expect(again.status).to.equal(400);
    expect(again.body).to.deep.equal({ error: 'invalid_grant' });
    // The callback of that state, replayed on B.
    const replayed = await get(callback.replace(a.url, b.url));
    expect(replayed.status).to.equal(400);
    expect(replayed.location).to.equal(null);
  });

  it('concurrent refreshes over A and B all get a usable token; the upstream rotates once per window, no token reused', async () => {
    const bridgeToken = await link(a);
    upstream.delayMs = 200; // the refreshes overlap the upstream call
    const round = async () => {
      const answers = await Promise.all(Array.from({ length: 8 }, (_, i) => refresh(i % 2 === 0 ? a : b, bridgeToken)));
      for (const answer of answers) {
        expect(answer.status, answer.text).to.equal(200);
        expect(answer.body.refresh_token).to.equal(bridgeToken);
      }
      return new Set(answers.map((x) => x.body.access_token as string));
    };

    const first = await round();
    expect(first.size).to.equal(1);
    expect(upstream.rotations).to.equal(1);
    // Within the window the same answer again, from either instance, without going upstream.
    expect(await round()).to.deep.equal(first);
    expect(upstream.rotations).to.equal(1);

    await sleep(GRACE_S * 1000 + 300);
    const second = await round();
    expect(second.size).to.equal(1);
    expect([...second][0]).not.to.equal([...first][0]);
    expect(upstream.rotations).to.equal(2);
    expect(upstream.familyRevoked).to.equal(false);
    const presented = upstream.requests.filter((r) => r.grant === 'refresh_token').map((r) => r.body.get('refresh_token'));
    expect(new Set(presented).size, 'an upstream refresh token was presented twice').to.equal(presented.length);
    // In the table: upstream tokens only sealed, the bridge token only as a keyed hash, no access token in clear.
    const { Items = [] } = await db.client.send(new ScanCommand({ TableName: db.table, ConsistentRead: true }));
    const raw = JSON.stringify(Items);
    expect(raw).to.contain('link#');
    for (const secret of [bridgeToken, ...presented, ...first, ...second]) expect(raw.includes(secret!), 'a token in clear in the table').to.equal(false);
    expectNoSecretsIn([...a.lines, ...b.lines], [bridgeToken, upstream.current, ...presented, ...first, ...second]);
  });

  /** A new instance links, starts a refresh whose upstream call hangs, and is killed: its lease stays in the table. */
  async function killedMidRefresh(budgetMs: number): Promise<{ bridgeToken: string; rotationsBefore: number }> {
    const victim = await start({ BRIDGE_UPSTREAM_BUDGET_MS: String(budgetMs) });
    const bridgeToken = await link(victim);
    const rotationsBefore = upstream.rotations;
    const requestsBefore = upstream.requests.length;
    upstream.fault = 'hang';
    const doomed = refresh(victim, bridgeToken).catch(() => undefined); // never answered: the process dies
    await until(() => upstream.requests.length > requestsBefore); // the victim’s upstream call has begun
    await victim.kill();
    upstream.fault = 'none';
    await doomed;
    return { bridgeToken, rotationsBefore };
  }

  it('an instance killed mid-refresh (its upstream call hanging) holds the link: B answers a retryable 503 while the lease stands', async () => {
    // The victim's lease is its budget + 1 s: with the longest budget the bridge accepts (4 s) it stands 5 s, more
    // than three times B's own wait on it (B's budget, 1.5 s), so B's answer is the 503 on any machine — the check
    // no longer depends on B being quick enough to see the lease.
    const { bridgeToken, rotationsBefore } = await killedMidRefresh(4000);
    const during = await refresh(b, bridgeToken);
    expect(during.status, during.text).to.equal(503);
    expect(during.body).to.deep.equal({ error: 'temporarily_unavailable' });
    expect(upstream.rotations, 'no refresh under another instance’s lease').to.equal(rotationsBefore);
  });

  it('an instance killed mid-refresh loses no link: after its lease lapses B refreshes', async () => {
    const { bridgeToken, rotationsBefore } = await killedMidRefresh(BUDGET_MS);
    // Each refresh on B waits within its budget on the lease; until the lease lapses the answer is a retryable 503.
    let after = await refresh(b, bridgeToken);
    while (after.status === 503) {
      expect(after.body).to.deep.equal({ error: 'temporarily_unavailable' });
      after = await refresh(b, bridgeToken);
    }
    expect(after.status, after.text).to.equal(200);
    expect(after.body.refresh_token).to.equal(bridgeToken);
    expect(upstream.rotations).to.equal(rotationsBefore + 1);
    expect(upstream.familyRevoked).to.equal(false);
    // …and the link goes on: A sees the rotation B wrote.
    expect((await refresh(a, bridgeToken)).body.access_token).to.equal(after.body.access_token);
  });
});
