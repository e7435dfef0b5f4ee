/**
 * The store's contract (bridge/store/store.ts), one suite run against every implementation: SQLite and DynamoDB (on
 * a local dynalite server, the table created from the deployed template). Each store is opened twice on the same
 * data — two handles, as two bridge instances would hold — so "first use wins" and the version-conditional replace
 * are checked across handles, not only within one.
 */
import { expect } from 'chai';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoDbBridgeStore, PARTITION_KEY, TTL_ATTRIBUTE } from '../../bridge/store/dynamodb.js';
import { openStore } from '../../bridge/store/open.js';
import { SqliteBridgeStore } from '../../bridge/store/sqlite.js';
import type { BridgeStore, LinkRecord } from '../../bridge/store/store.js';
import { LOCAL_DYNAMODB_CREDENTIALS, LOCAL_DYNAMODB_REGION, startLocalDynamoDb, type LocalDynamoDb } from '../../local/dynamodb.js';

interface StoreUnderTest {
  /** Two handles on the same data. */
  a: BridgeStore;
  b: BridgeStore;
  close(): Promise<void>;
}

interface Implementation {
  name: string;
  open(): Promise<StoreUnderTest>;
  /** Once for the whole suite (a server to start). */
  before?(): Promise<void>;
  after?(): Promise<void>;
}

const NOW = Date.UTC(2030, 0, 1);
let serial = 0;
const unique = (prefix: string) => `${prefix}-${(serial += 1)}-${Math.random().toString(36).slice(2)}`;

function sampleLink(overrides: Partial<LinkRecord> = {}): LinkRecord {
  return { id: unique('link'), version: 1, clientId: 'alexa-skill', upstreamRefreshToken: 'sealed.upstream.token', expiresAt: NOW + 60_000, ...overrides };
}

let dynamo: LocalDynamoDb | undefined;
const tempDirs: string[] = [];

const implementations: Implementation[] = [
  {
    name: 'SQLite (one file, two connections)',
    async open() {
      const dir = mkdtempSync(join(tmpdir(), 'bridge-contract-'));
      tempDirs.push(dir);
      const a = new SqliteBridgeStore(join(dir, 'bridge.sqlite'));
      const b = new SqliteBridgeStore(join(dir, 'bridge.sqlite'));
      return { a, b, close: async () => void (await Promise.all([a.close(), b.close()])) };
    },
    async after() {
      for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
    },
  },
  {
    name: 'DynamoDB (dynalite, the deployed table definition, two clients)',
    async before() {
      dynamo = await startLocalDynamoDb();
    },
    async open() {
      // A fresh table per test, so no test sees another's items.
      const table = unique('bridge');
      await dynamo!.createTable(table);
      const open = () => new DynamoDbBridgeStore({ table, region: LOCAL_DYNAMODB_REGION, endpoint: dynamo!.endpoint, credentials: LOCAL_DYNAMODB_CREDENTIALS });
      const a = open();
      const b = open();
      return { a, b, close: async () => void (await Promise.all([a.close(), b.close()])) };
    },
    async after() {
      await dynamo?.close();
    },
  },
];

for (const implementation of implementations) {
  describe(`bridge store contract: ${implementation.name}`, () => {
    let s: StoreUnderTest;
    before(async () => implementation.before?.());
    after(async () => implementation.after?.());
    beforeEach(async () => {
      s = await implementation.open();
    });
    afterEach(async () => s.close());

    it('useOnce: the first use wins, on whichever handle; other keys are independent', async () => {
      expect(await s.a.useOnce('code:one', NOW + 120_000)).to.equal(true);
      expect(await s.a.useOnce('code:one', NOW + 120_000)).to.equal(false);
      expect(await s.b.useOnce('code:one', NOW + 120_000)).to.equal(false);
      expect(await s.b.useOnce('code:two', NOW + 120_000)).to.equal(true);
      expect(await s.a.useOnce('state:one', NOW + 120_000)).to.equal(true);
    });

    it('useOnce: of many concurrent uses over both handles, exactly one wins', async () => {
      const results = await Promise.all(Array.from({ length: 16 }, (_, i) => (i % 2 === 0 ? s.a : s.b).useOnce('code:raced', NOW + 120_000)));
      expect(results.filter(Boolean)).to.have.length(1);
    });

    it('createLink / getLink: the record comes back as stored, optional fields absent when unset', async () => {
      const full = sampleLink({
        version: 7,
        rotates: true,
        previousUpstreamRefreshToken: 'sealed.previous',
        previousUntil: NOW + 120_000,
        lastAnswer: 'sealed.answer',
        lastAnswerUntil: NOW + 30_000,
        leaseUntil: NOW + 4_500,
      });
      const bare = sampleLink();
      await s.a.createLink(full);
      await s.a.createLink(bare);
      expect(await s.b.getLink(full.id, NOW)).to.deep.equal(full);
      const read = await s.b.getLink(bare.id, NOW);
      expect(read).to.deep.equal(bare);
      expect(Object.keys(read!).sort()).to.deep.equal(Object.keys(bare).sort());
    });

    it('getLink: unknown → undefined; an expired link is absent even before anything deletes it', async () => {
      expect(await s.a.getLink('no-such-link', NOW)).to.equal(undefined);
      const link = sampleLink({ expiresAt: NOW + 1_000 });
      await s.a.createLink(link);
      expect(await s.a.getLink(link.id, NOW + 999)).to.deep.equal(link);
      expect(await s.a.getLink(link.id, NOW + 1_000)).to.equal(undefined);
      expect(await s.b.getLink(link.id, NOW + 50_000)).to.equal(undefined);
    });

    it('replaceLink: succeeds on the expected version only; a stale writer changes nothing', async () => {
      const link = sampleLink({ leaseUntil: NOW + 4_000 });
      await s.a.createLink(link);
      const next: LinkRecord = { ...link, version: 2, upstreamRefreshToken: 'sealed.rotated', leaseUntil: undefined, expiresAt: NOW + 90_000 };
      expect(await s.a.replaceLink(next, 1)).to.equal(true);
      const read = await s.b.getLink(link.id, NOW);
      expect(read).to.include({ version: 2, upstreamRefreshToken: 'sealed.rotated', expiresAt: NOW + 90_000 });
      expect(read).not.to.have.property('leaseUntil'); // a lifted lease is gone, not kept from the older item

      const stale: LinkRecord = { ...link, version: 2, upstreamRefreshToken: 'sealed.stale' };
      expect(await s.b.replaceLink(stale, 1)).to.equal(false);
      expect((await s.a.getLink(link.id, NOW))!.upstreamRefreshToken).to.equal('sealed.rotated');
    });

    it('replaceLink: of concurrent writers expecting the same version, exactly one wins and its record is stored', async () => {
      const link = sampleLink();
      await s.a.createLink(link);
      const writers = Array.from({ length: 8 }, (_, i) => ({ handle: i % 2 === 0 ? s.a : s.b, record: { ...link, version: 2, upstreamRefreshToken: `sealed.writer-${i}` } }));
      const results = await Promise.all(writers.map((w) => w.handle.replaceLink(w.record, 1)));
      expect(results.filter(Boolean)).to.have.length(1);
      const winner = writers[results.indexOf(true)]!;
      expect(await s.b.getLink(link.id, NOW)).to.deep.equal(winner.record);
    });

    it('createLink: a taken id is refused, on either handle; with a clock, an expired row under it is replaced, a live one never', async () => {
      const link = sampleLink({ expiresAt: NOW + 1_000 });
      expect(await s.a.createLink(link)).to.equal(true);
      const again: LinkRecord = { ...link, version: 9, upstreamRefreshToken: 'sealed.other', expiresAt: NOW + 90_000 };
      expect(await s.b.createLink(again)).to.equal(false);
      expect(await s.b.createLink(again, NOW + 999)).to.equal(false); // still live then
      expect(await s.a.getLink(link.id, NOW)).to.deep.equal(link);
      expect(await s.b.createLink(again, NOW + 1_000)).to.equal(true); // expired then: replaced
      expect(await s.a.getLink(link.id, NOW + 1_000)).to.deep.equal(again);
      expect(await s.a.createLink({ ...again, version: 10 }, NOW + 1_000)).to.equal(false);
    });

    it('replaceLink: an unknown link is not created', async () => {
      const ghost = sampleLink();
      expect(await s.a.replaceLink({ ...ghost, version: 2 }, 1)).to.equal(false);
      expect(await s.a.getLink(ghost.id, NOW)).to.equal(undefined);
    });

    it('leaseLink: a free link is leased in one step — version up by one, lease set, the rest kept — and answered as stored', async () => {
      const link = sampleLink({ version: 4, rotates: true, previousUpstreamRefreshToken: 'sealed.previous', previousUntil: NOW + 120_000, lastAnswer: 'sealed.answer', lastAnswerUntil: NOW });
      await s.a.createLink(link);
      const leased = await s.b.leaseLink(link.id, NOW, NOW + 5_500);
      expect(leased).to.deep.equal({ ...link, version: 5, leaseUntil: NOW + 5_500 });
      expect(await s.a.getLink(link.id, NOW)).to.deep.equal(leased);
      // The version is the one every later replace is conditioned on.
      expect(await s.a.replaceLink({ ...link, version: 6 }, 4)).to.equal(false);
      expect(await s.a.replaceLink({ ...link, version: 6 }, 5)).to.equal(true);
    });

    it('leaseLink: a link leased by another, with an answer to repeat, expired or unknown is left as it is (undefined); a lapsed lease or answer is free', async () => {
      const leasedByOther = sampleLink({ leaseUntil: NOW + 1 });
      const repeating = sampleLink({ lastAnswer: 'sealed.answer', lastAnswerUntil: NOW + 1 });
      const expired = sampleLink({ expiresAt: NOW });
      for (const link of [leasedByOther, repeating, expired]) {
        await s.a.createLink(link);
        expect(await s.b.leaseLink(link.id, NOW, NOW + 5_500), link.id).to.equal(undefined);
        expect(await s.a.getLink(link.id, NOW - 1), link.id).to.deep.equal(link);
      }
      expect(await s.a.leaseLink('no-such-link', NOW, NOW + 5_500)).to.equal(undefined);
      expect(await s.a.getLink('no-such-link', NOW)).to.equal(undefined);
      expect(await s.b.leaseLink(leasedByOther.id, NOW + 1, NOW + 5_500)).to.include({ version: 2, leaseUntil: NOW + 5_500 });
      expect(await s.b.leaseLink(repeating.id, NOW + 1, NOW + 5_500)).to.include({ version: 2, leaseUntil: NOW + 5_500 });
    });

    it('leaseLink: of concurrent leases over both handles, exactly one wins', async () => {
      const link = sampleLink();
      await s.a.createLink(link);
      const results = await Promise.all(Array.from({ length: 8 }, (_, i) => (i % 2 === 0 ? s.a : s.b).leaseLink(link.id, NOW, NOW + 5_000 + i)));
      const winners = results.filter((r) => r !== undefined);
      expect(winners).to.have.length(1);
      expect(await s.b.getLink(link.id, NOW)).to.deep.equal(winners[0]);
    });
  });
}

describe('bridge store: DynamoDB items', () => {
  let db: LocalDynamoDb;
  let store: DynamoDbBridgeStore;
  before(async () => {
    db = await startLocalDynamoDb({ table: 'bridge-items' });
    store = new DynamoDbBridgeStore({ table: db.table, region: LOCAL_DYNAMODB_REGION, endpoint: db.endpoint, credentials: LOCAL_DYNAMODB_CREDENTIALS });
  });
  after(async () => {
    await store.close();
    await db.close();
  });

  const rawItem = async (pk: string) => {
    const { Item } = await DynamoDBDocumentClient.from(db.client).send(new GetCommand({ TableName: db.table, Key: { [PARTITION_KEY]: pk }, ConsistentRead: true }));
    return Item;
  };

  it('every item carries the TTL attribute in epoch seconds, the same instant as its expiry', async () => {
    const link = sampleLink({ expiresAt: NOW + 1_500 });
    await store.createLink(link);
    await store.useOnce('code:ttl', NOW + 120_250);
    expect(await rawItem(`link#${link.id}`)).to.include({ [TTL_ATTRIBUTE]: Math.ceil((NOW + 1_500) / 1000), expiresAt: NOW + 1_500, version: 1 });
    expect(await rawItem('used#code:ttl')).to.include({ [TTL_ATTRIBUTE]: Math.ceil((NOW + 120_250) / 1000) });
  });

  it('an expired item TTL has not deleted yet is still in the table, and getLink ignores it', async () => {
    const link = sampleLink({ expiresAt: Date.now() - 60_000 });
    await store.createLink(link);
    expect(await rawItem(`link#${link.id}`)).not.to.equal(undefined);
    expect(await store.getLink(link.id, Date.now())).to.equal(undefined);
  });

  it('openStore: BRIDGE_STORE=dynamodb opens the table at the configured endpoint; sqlite the file, with the bridge’s clock', async () => {
    // The SDK takes its (DEMO-ONLY, local) credentials from process.env, as on Lambda; put back after.
    const saved = { ...process.env };
    Object.assign(process.env, { AWS_ACCESS_KEY_ID: LOCAL_DYNAMODB_CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: LOCAL_DYNAMODB_CREDENTIALS.secretAccessKey, AWS_EC2_METADATA_DISABLED: 'true' });
    const opened = await openStore({ kind: 'dynamodb', table: db.table, region: LOCAL_DYNAMODB_REGION, endpoint: db.endpoint, rateLimitTable: 'unused' });
    try {
      expect(opened.shared).to.equal(true);
      const link = sampleLink();
      await store.createLink(link);
      expect(await opened.getLink(link.id, NOW)).to.deep.equal(link); // the same table, reached through the endpoint
    } finally {
      await opened.close();
      for (const name of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_EC2_METADATA_DISABLED']) {
        if (saved[name] === undefined) delete process.env[name];
        else process.env[name] = saved[name];
      }
    }
    const clock = NOW;
    const sqlite = await openStore({ kind: 'sqlite', path: ':memory:' }, { now: () => clock });
    try {
      expect(sqlite.shared).to.equal(false);
      await sqlite.createLink(sampleLink({ id: 'expired-by-the-bridge-clock', expiresAt: NOW - 1 }));
      await sqlite.useOnce('purge-now', NOW + 1); // the first write purges, by the clock given
      const rows = (sqlite as SqliteBridgeStore).db.prepare('SELECT count(*) AS n FROM bridge_links').get() as { n: number };
      expect(rows.n).to.equal(0);
    } finally {
      await sqlite.close();
    }
  });

  it('a write that fails — no answer, or a refusal other than its condition — is an error, never read as a lost race (false, undefined)', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const down = new DynamoDbBridgeStore({ table: db.table, region: LOCAL_DYNAMODB_REGION, endpoint: `http://127.0.0.1:${port}`, credentials: LOCAL_DYNAMODB_CREDENTIALS });
    const noTable = new DynamoDbBridgeStore({ table: 'no-such-table', region: LOCAL_DYNAMODB_REGION, endpoint: db.endpoint, credentials: LOCAL_DYNAMODB_CREDENTIALS });
    try {
      for (const store of [down, noTable]) {
        const writes = [() => store.useOnce('code:down', NOW + 1), () => store.createLink(sampleLink()), () => store.replaceLink(sampleLink(), 1), () => store.leaseLink('link-x', NOW, NOW + 1)];
        for (const write of writes) expect(await write().then((result) => `resolved ${result}`, (error: Error) => `rejected ${error.name}`)).to.match(/^rejected (ECONNREFUSED|Error|ResourceNotFoundException)$/);
      }
      expect(await noTable.leaseLink('link-x', NOW, NOW + 1).catch((error: Error) => error.name)).to.equal('ResourceNotFoundException');
    } finally {
      await Promise.all([down.close(), noTable.close()]);
    }
  });

  it('an item without a numeric expiry (not written by this store) is no link', async () => {
    await DynamoDBDocumentClient.from(db.client).send(new PutCommand({ TableName: db.table, Item: { [PARTITION_KEY]: 'link#by-hand', version: 1, clientId: 'alexa', upstreamRefreshToken: 'x', expiresAt: String(NOW + 60_000) } }));
    expect(await store.getLink('by-hand', NOW)).to.equal(undefined);
  });

  it('a DynamoDB endpoint that accepts connections but never answers fails the call after two attempts instead of hanging the token endpoint', async () => {
    let requests = 0;
    const silent = createServer(() => void (requests += 1)); // takes the request, never answers
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const stuck = new DynamoDbBridgeStore({ table: db.table, region: LOCAL_DYNAMODB_REGION, endpoint: `http://127.0.0.1:${(silent.address() as AddressInfo).port}`, credentials: LOCAL_DYNAMODB_CREDENTIALS });
    try {
      const outcome = await stuck.getLink('any', NOW).then(() => 'answered', (error: unknown) => (error instanceof Error ? error.name : 'rejected'));
      expect(outcome).not.to.equal('answered');
      expect(requests, 'attempts (each times out after 1 s: two fit in Alexa’s 4.5 s)').to.equal(2);
    } finally {
      await stuck.close();
      silent.closeAllConnections();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });
});
