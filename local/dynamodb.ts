/**
 * A local DynamoDB for the bridge's tests and benchmarks: dynalite (a DynamoDB-compatible server in this process,
 * in memory) on an ephemeral loopback port, with the bridge's tables (the store's and the rate limits') created from
 * the very template that is deployed (bridge/deploy/dynamodb-table.json). dynalite does not run TTL deletions — the bridge never relies on them.
 *
 * The SDK needs credentials even for a local endpoint; LOCAL_DYNAMODB_ENV gives it DEMO-ONLY ones (and keeps it off
 * the instance-metadata service, which would be network beyond loopback).
 */
import { readFileSync } from 'node:fs';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { CreateTableCommand, DynamoDBClient, type CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';

/** DEMO-ONLY: what a local endpoint accepts; never real AWS credentials. */
export const LOCAL_DYNAMODB_CREDENTIALS = { accessKeyId: 'DEMO-ONLY-local-key', secretAccessKey: 'DEMO-ONLY-local-secret' };
export const LOCAL_DYNAMODB_REGION = 'eu-west-1';

/** The environment a bridge process needs to use the local table (besides its other BRIDGE_* settings). */
export const localDynamoDbEnv = (db: { endpoint: string; table: string }) => ({
  BRIDGE_STORE: 'dynamodb',
  BRIDGE_DYNAMODB_TABLE: db.table,
  BRIDGE_DYNAMODB_REGION: LOCAL_DYNAMODB_REGION,
  BRIDGE_DYNAMODB_ENDPOINT: db.endpoint,
  AWS_ACCESS_KEY_ID: LOCAL_DYNAMODB_CREDENTIALS.accessKeyId,
  AWS_SECRET_ACCESS_KEY: LOCAL_DYNAMODB_CREDENTIALS.secretAccessKey,
  AWS_EC2_METADATA_DISABLED: 'true',
});

export interface LocalDynamoDb {
  endpoint: string;
  table: string;
  /** A client on the local endpoint, for looking at raw items. */
  client: DynamoDBClient;
  /** Another table with the same definition, and its rate limits' table (a clean slate). */
  createTable(name: string): Promise<void>;
  close(): Promise<void>;
}

interface TableTemplate {
  Resources: Record<'BridgeTable' | 'RateLimitTable', { Properties: Record<string, unknown> }>;
}

/** A deployed table's CreateTable input: the template's key schema, attributes and billing mode. */
export function tableDefinition(name: string, resource: keyof TableTemplate['Resources'] = 'BridgeTable'): CreateTableCommandInput {
  const template = JSON.parse(readFileSync(new URL('../bridge/deploy/dynamodb-table.json', import.meta.url), 'utf8')) as TableTemplate;
  const { AttributeDefinitions, KeySchema, BillingMode } = template.Resources[resource].Properties;
  return { TableName: name, AttributeDefinitions, KeySchema, BillingMode } as CreateTableCommandInput;
}

export async function startLocalDynamoDb(options: { table?: string } = {}): Promise<LocalDynamoDb> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = new DynamoDBClient({ endpoint, region: LOCAL_DYNAMODB_REGION, credentials: LOCAL_DYNAMODB_CREDENTIALS });
  // The store's table and, beside it, the rate limits' table under the name the bridge defaults to.
  const createTable = async (name: string) => {
    await client.send(new CreateTableCommand(tableDefinition(name)));
    await client.send(new CreateTableCommand(tableDefinition(`${name}-rate-limits`, 'RateLimitTable')));
  };
  const table = options.table ?? 'ride-hailer-bridge';
  await createTable(table);
  return {
    endpoint,
    table,
    client,
    createTable,
    close: async () => {
      client.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
