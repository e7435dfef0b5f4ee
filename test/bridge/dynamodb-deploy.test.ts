/**
 * What is deployed agrees with the code: the table template (bridge/deploy/dynamodb-table.json) has the store's key
 * and TTL attribute, and the IAM policy (bridge/deploy/iam-policy.json) grants exactly the DynamoDB actions the store
 * really sends — watched on the wire while every store method runs, including a refused conditional write.
 */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { DynamoDbBridgeStore, PARTITION_KEY, TTL_ATTRIBUTE } from '../../bridge/store/dynamodb.js';
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

  it('the table: partition key pk (string) only, the TTL attribute the store writes, on demand', () => {
    expect(table.Type).to.equal('AWS::DynamoDB::Table');
    expect(table.Properties.KeySchema).to.deep.equal([{ AttributeName: PARTITION_KEY, KeyType: 'HASH' }]);
    expect(table.Properties.AttributeDefinitions).to.deep.equal([{ AttributeName: PARTITION_KEY, AttributeType: 'S' }]);
    expect(table.Properties.TimeToLiveSpecification).to.deep.equal({ AttributeName: TTL_ATTRIBUTE, Enabled: true });
    expect(table.Properties.BillingMode).to.equal('PAY_PER_REQUEST');
    expect(table.Properties).not.to.have.property('GlobalSecondaryIndexes');
  });

  describe('the IAM policy', () => {
    let db: LocalDynamoDb;
    const sent = new Set<string>();

    before(async () => {
      db = await startLocalDynamoDb({ table: template.Parameters.TableName.Default });
      const store = new DynamoDbBridgeStore({ table: db.table, region: LOCAL_DYNAMODB_REGION, endpoint: db.endpoint, client: { credentials: LOCAL_DYNAMODB_CREDENTIALS } });
      // The operation each request names (X-Amz-Target: DynamoDB_20120810.PutItem), whatever wrapper sent it.
      store.client.middlewareStack.add(
        (next) => async (args) => {
          const target = (args.request as { headers?: Record<string, string> }).headers?.['x-amz-target'];
          if (target !== undefined) sent.add(`dynamodb:${target.split('.').pop()}`);
          return next(args);
        },
        { step: 'finalizeRequest', name: 'recordOperations' },
      );
      const now = Date.now();
      const link = { id: 'deploy-check', version: 1, clientId: 'c', upstreamRefreshToken: 'sealed', leaseUntil: now + 1000, expiresAt: now + 60_000 };
      await store.useOnce('code:x', now + 60_000);
      await store.useOnce('code:x', now + 60_000); // refused
      await store.createLink(link);
      await store.getLink(link.id, now);
      await store.replaceLink({ ...link, version: 2, leaseUntil: undefined }, 1);
      await store.replaceLink({ ...link, version: 2 }, 1); // refused
      await store.purgeExpired(now);
      await store.close();
    });
    after(async () => db?.close());

    it('grants exactly the actions the store sends, nothing more', () => {
      expect(sent.size).to.be.greaterThan(0);
      const allowed = policy.Statement.filter((s) => s.Effect === 'Allow').flatMap((s) => [s.Action].flat());
      expect([...new Set(allowed)].sort()).to.deep.equal([...sent].sort());
      expect(policy.Statement.filter((s) => s.Effect !== 'Allow')).to.have.length(0);
    });

    it('on the one table only: its ARN with the template’s table name, no wildcard', () => {
      const resources = policy.Statement.flatMap((s) => [s.Resource].flat());
      expect(resources).to.have.length(1);
      expect(resources[0]).to.match(new RegExp(`^arn:aws:dynamodb:[^:*]+:[^:*]+:table/${template.Parameters.TableName.Default}$`));
      expect(policy.Version).to.equal('2012-10-17');
    });
  });
});
