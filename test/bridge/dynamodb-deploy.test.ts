/**
 * What is deployed agrees with the code: the table template (bridge/deploy/dynamodb-table.json) has the store's key
 * and TTL attribute (and the rate limits' table rate-limiter-flexible's schema), and the IAM policy
 * (bridge/deploy/iam-policy.json) grants exactly the DynamoDB actions the store and the rate limits really send, table
 * by table — watched on the wire while every store method runs, including a refused conditional write, and while the
 * limits count, read and refuse.
 */
import { expect } from 'chai';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DynamoDbBridgeStore, PARTITION_KEY, TTL_ATTRIBUTE } from '../../bridge/store/dynamodb.js';
import { dynamoDbLimiters } from '../../bridge/rate-limits-dynamodb.js';
import { LOCAL_DYNAMODB_CREDENTIALS, LOCAL_DYNAMODB_REGION, startLocalDynamoDb, type LocalDynamoDb } from '../../local/dynamodb.js';

const readJson = (path: string) => JSON.parse(readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8'));

interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: string | string[];
}

describe('bridge: DynamoDB deployment files', () => {
  const template = readJson('bridge/deploy/dynamodb-table.json');
  const policy = readJson('bridge/deploy/iam-policy.json') as { Version: string; Statement: Statement[] };
  const table = template.Resources.BridgeTable;
  const rateLimitTable = template.Resources.RateLimitTable;

  it('the table: partition key pk (string) only, the TTL attribute the store writes, on demand', () => {
    expect(table.Type).to.equal('AWS::DynamoDB::Table');
    expect(table.Properties.KeySchema).to.deep.equal([{ AttributeName: PARTITION_KEY, KeyType: 'HASH' }]);
    expect(table.Properties.AttributeDefinitions).to.deep.equal([{ AttributeName: PARTITION_KEY, AttributeType: 'S' }]);
    expect(table.Properties.TimeToLiveSpecification).to.deep.equal({ AttributeName: TTL_ATTRIBUTE, Enabled: true });
    expect(table.Properties.BillingMode).to.equal('PAY_PER_REQUEST');
    expect(table.Properties).not.to.have.property('GlobalSecondaryIndexes');
  });

  it("the rate limits' table: rate-limiter-flexible's schema (key, TTL on expire), on demand, named <table>-rate-limits by default", () => {
    expect(rateLimitTable.Type).to.equal('AWS::DynamoDB::Table');
    expect(rateLimitTable.Properties.KeySchema).to.deep.equal([{ AttributeName: 'key', KeyType: 'HASH' }]);
    expect(rateLimitTable.Properties.AttributeDefinitions).to.deep.equal([{ AttributeName: 'key', AttributeType: 'S' }]);
    expect(rateLimitTable.Properties.TimeToLiveSpecification).to.deep.equal({ AttributeName: 'expire', Enabled: true });
    expect(rateLimitTable.Properties.BillingMode).to.equal('PAY_PER_REQUEST');
    expect(template.Parameters.RateLimitTableName.Default).to.equal(`${template.Parameters.TableName.Default}-rate-limits`);
  });

  describe('the IAM policy', () => {
    let db: LocalDynamoDb;
    /** Table name → the operations sent to it. */
    const sent = new Map<string, Set<string>>();

    let wire: Server;

    before(async () => {
      db = await startLocalDynamoDb({ table: template.Parameters.TableName.Default });
      // On the wire: a pass-through in front of dynalite records the operation each request names
      // (X-Amz-Target: DynamoDB_20120810.PutItem) and the table in its body.
      wire = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (chunk: Buffer) => chunks.push(chunk));
        req.on('end', () => {
          const body = Buffer.concat(chunks);
          const target = req.headers['x-amz-target'] as string | undefined;
          const tableName = (JSON.parse(body.toString('utf8')) as { TableName?: string }).TableName ?? '';
          if (target !== undefined) sent.set(tableName, (sent.get(tableName) ?? new Set()).add(`dynamodb:${target.split('.').pop()}`));
          const forward = request(db.endpoint, { method: req.method, headers: req.headers }, (answer) => {
            res.writeHead(answer.statusCode!, answer.headers);
            answer.pipe(res);
          });
          forward.end(body);
        });
      });
      wire.listen(0, '127.0.0.1');
      await once(wire, 'listening');
      const endpoint = `http://127.0.0.1:${(wire.address() as AddressInfo).port}`;
      const store = new DynamoDbBridgeStore({ table: db.table, region: LOCAL_DYNAMODB_REGION, endpoint, credentials: LOCAL_DYNAMODB_CREDENTIALS });
      const now = Date.now();
      const link = { id: 'deploy-check', version: 1, clientId: 'c', upstreamRefreshToken: 'sealed', leaseUntil: now + 1000, expiresAt: now + 60_000 };
      await store.useOnce('code:x', now + 60_000);
      await store.useOnce('code:x', now + 60_000); // refused
      await store.createLink(link);
      await store.getLink(link.id, now);
      await store.replaceLink({ ...link, version: 2, leaseUntil: undefined }, 1);
      await store.replaceLink({ ...link, version: 2 }, 1); // refused
      await store.leaseLink(link.id, now, now + 1000);
      await store.leaseLink(link.id, now, now + 1000); // refused: leased
      // The rate limits on their table: count (first and later), read, refuse, give back.
      const limiter = dynamoDbLimiters(store.client, `${db.table}-rate-limits`)('deploy_check', { points: 1, windowSeconds: 60 });
      await limiter.consume('a');
      await limiter.get('a');
      await limiter.consume('a').catch(() => undefined); // refused
      await limiter.reward('a');
      await store.close();
    });
    after(async () => {
      wire?.close();
      await db?.close();
    });

    it('grants exactly the actions the store and the rate limits send, table by table, nothing more', () => {
      expect([...sent.keys()].sort()).to.deep.equal([template.Parameters.TableName.Default, template.Parameters.RateLimitTableName.Default].sort());
      const allowed = new Map<string, string[]>();
      for (const statement of policy.Statement) {
        const tableName = /:table\/([^/]+)$/.exec([statement.Resource].flat()[0]!)?.[1] ?? '';
        allowed.set(tableName, [...(allowed.get(tableName) ?? []), ...[statement.Action].flat()]);
      }
      for (const [tableName, operations] of sent) expect([...new Set(allowed.get(tableName))].sort(), tableName).to.deep.equal([...operations].sort());
      expect(policy.Statement.filter((s) => s.Effect !== 'Allow')).to.have.length(0);
    });

    it('on the two tables only: their ARNs with the template’s table names, no wildcard', () => {
      const resources = policy.Statement.flatMap((s) => [s.Resource].flat());
      expect(resources).to.have.length(2);
      const arn = (name: string) => new RegExp(`^arn:aws:dynamodb:[^:*]+:[^:*]+:table/${name}$`);
      expect(resources[0]).to.match(arn(template.Parameters.TableName.Default));
      expect(resources[1]).to.match(arn(template.Parameters.RateLimitTableName.Default));
      expect(policy.Version).to.equal('2012-10-17');
    });
  });
});
