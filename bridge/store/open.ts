/**
 * Opens the store BRIDGE_STORE names. Each implementation is imported only when chosen, so a SQLite deployment
 * never loads DynamoDB's client (in the Lambda bundle it is a chunk of its own, parsed only by a DynamoDB deployment).
 */
import type { StoreConfig } from '../config.js';
import type { SqliteStoreOptions } from './sqlite.js';
import type { BridgeStore } from './store.js';

/** SQLite's options: the bridge's clock (epoch ms) for its own purge of expired rows, the bridge's log. */
export async function openStore(config: StoreConfig, options: SqliteStoreOptions = {}): Promise<BridgeStore> {
  if (config.kind === 'dynamodb') {
    const { DynamoDbBridgeStore } = await import('./dynamodb.js');
    return new DynamoDbBridgeStore({ table: config.table, region: config.region, endpoint: config.endpoint });
  }
  const { SqliteBridgeStore } = await import('./sqlite.js');
  return new SqliteBridgeStore(config.path, options);
}
