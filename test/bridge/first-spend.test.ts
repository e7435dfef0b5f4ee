/**
 * The first spend of a link on a shared store (issue 16, item 8). The oidc profile declares a provider that does
 * not rotate refresh tokens; the fake upstream rotates all the same, with reuse detection (a rotated-away token
 * presented again revokes the whole family). Two bridge processes share one store — a SQLite file, a DynamoDB table
 * (dynalite) — and get 20 concurrent first refreshes of one link. Before leases were taken on every shared store,
 * both instances spent the provider's token at once: the second spend was taken for theft, Alexa got a 400 and the
 * user was unlinked.
 *
 * After the burst a bridge in this process, on the same store with its clock an hour ahead, refreshes once more:
 * the token the store holds is the provider's current one, so the link is alive.
 */
import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDbBridgeStore } from '../../bridge/store/dynamodb.js';
import type { BridgeStore } from '../../bridge/store/store.js';
import { LOCAL_DYNAMODB_CREDENTIALS, LOCAL_DYNAMODB_REGION, localDynamoDbEnv, startLocalDynamoDb, type LocalDynamoDb } from '../../local/dynamodb.js';
import type { BridgeServer } from '../../bridge/server.js';
import { startBridgeProcess, type BridgeProcess } from './bridge-process.js';
import { startFakeTokenEndpoint, type FakeTokenEndpoint } from './fake-token-endpoint.js';
import { bridgeEnv, callbackUrl, exchangeCode, expectNoSecretsIn, get, refresh, startAuthorization, startTestBridge } from './helpers.js';

const CONCURRENT = 20;
const HOUR_MS = 3_600_000;

async function link(on: BridgeServer): Promise<string> {
  const up = await startAuthorization(on);
  const back = await get(callbackUrl(on, new URL(`https://bridge.ride-hailer.example/callback?code=fake-code-f&state=${encodeURIComponent(up.searchParams.get('state')!)}`)));
  expect(back.status, back.text).to.equal(302);
  const exchanged = await exchangeCode(on, new URL(back.location!).searchParams.get('code')!);
  expect(exchanged.status, exchanged.text).to.equal(200);
  return exchanged.body.refresh_token as string;
}

interface SharedStore {
  /** The environment of a bridge process on this store. */
  env(): Record<string, string | undefined>;
  /** Another connection to the same data, for the bridge in this process. */
  connect(now: () => number): { env: Record<string, string | undefined>; store?: BridgeStore };
  close(): Promise<void>;
}

async function sqliteFile(): Promise<SharedStore> {
  const dir = mkdtempSync(join(tmpdir(), 'bridge-first-spend-'));
  const file = join(dir, 'bridge.sqlite'); // fresh: the two processes also create it at the same moment
  return {
    env: () => ({ BRIDGE_DATA: file }),
    connect: () => ({ env: { BRIDGE_DATA: file } }),
    close: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

async function dynamoDbTable(): Promise<SharedStore> {
  const db: LocalDynamoDb = await startLocalDynamoDb();
  return {
    env: () => ({ BRIDGE_DATA: undefined, ...localDynamoDbEnv(db) }),
    connect: () => ({
      env: {},
      store: new DynamoDbBridgeStore({ table: db.table, region: LOCAL_DYNAMODB_REGION, endpoint: db.endpoint, credentials: LOCAL_DYNAMODB_CREDENTIALS }),
    }),
    close: () => db.close(),
  };
}

const STORES: [string, () => Promise<SharedStore>][] = [
  ['one SQLite file', sqliteFile],
  ['one DynamoDB table (dynalite)', dynamoDbTable],
];

for (const [name, open] of STORES) {
  describe(`bridge: the first spend of a link, two processes on ${name}`, function () {
    this.timeout(60_000);
    let shared: SharedStore;
    let upstream: FakeTokenEndpoint;
    let processes: BridgeProcess[] = [];

    before(async () => {
      shared = await open();
      upstream = await startFakeTokenEndpoint({ rotate: true });
      const env = bridgeEnv({
        // BRIDGE_PROFILE unset: oidc, which declares rotatesRefreshTokens false.
        BRIDGE_UPSTREAM_AUTHORIZATION_URL: upstream.authorizationUrl,
        BRIDGE_UPSTREAM_TOKEN_URL: upstream.tokenUrl,
        LOG_LEVEL: 'info',
        ...shared.env(),
      });
      processes = await Promise.all([startBridgeProcess(env), startBridgeProcess(env)]);
    });
    after(async () => {
      await Promise.all(processes.map((p) => p.close()));
      await upstream?.close();
      await shared?.close();
    });

    it(`${CONCURRENT} concurrent first refreshes over both: none refused, one upstream call, the link alive after`, async () => {
      const [a, b] = processes as [BridgeProcess, BridgeProcess];
      const bridgeToken = await link(a);
      upstream.delayMs = 200; // every refresh overlaps the one upstream call

      const answers = await Promise.all(Array.from({ length: CONCURRENT }, (_, i) => refresh(i % 2 === 0 ? a : b, bridgeToken)));
      for (const answer of answers) {
        expect([200, 503], answer.text).to.include(answer.status);
        if (answer.status === 200) expect(answer.body.refresh_token).to.equal(bridgeToken);
      }
      const refreshes = () => upstream.requests.filter((r) => r.grant === 'refresh_token');
      expect(refreshes(), 'upstream refresh calls').to.have.length(1);
      expect(upstream.familyRevoked).to.equal(false);
      expect(answers.filter((x) => x.status === 200).length, 'answered with tokens').to.be.greaterThan(0);

      // An hour later, from a third instance: the stored token is the provider's current one.
      upstream.delayMs = 0;
      const later = () => Date.now() + HOUR_MS;
      const connection = shared.connect(later);
      const c = await startTestBridge(
        { BRIDGE_UPSTREAM_AUTHORIZATION_URL: upstream.authorizationUrl, BRIDGE_UPSTREAM_TOKEN_URL: upstream.tokenUrl, ...connection.env },
        { now: later, ...(connection.store ? { store: connection.store } : {}) },
      );
      try {
        const after = await refresh(c.bridge, bridgeToken);
        expect(after.status, after.text).to.equal(200);
        expect(upstream.familyRevoked).to.equal(false);
        expect(upstream.rotations).to.equal(2);
        const presented = refreshes().map((r) => r.body.get('refresh_token'));
        expect(new Set(presented).size, 'an upstream refresh token was presented twice').to.equal(presented.length);
        expectNoSecretsIn([...a.lines, ...b.lines, ...c.logger.lines], [bridgeToken, upstream.current, ...presented]);
      } finally {
        await c.close();
      }
    });
  });
}
