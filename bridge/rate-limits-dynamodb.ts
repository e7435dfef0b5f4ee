/**
 * The rate limits' counters in DynamoDB, shared by every instance: a table beside the store's
 * (BRIDGE_DYNAMODB_RATE_LIMIT_TABLE, default `<BRIDGE_DYNAMODB_TABLE>-rate-limits`; bridge/deploy/dynamodb-table.json
 * creates it), in rate-limiter-flexible's own schema — partition key `key` (string), counters `points`, expiry
 * `expire` (epoch seconds, the table's TTL attribute). Its counters are atomic UpdateItem calls (and GetItem to read);
 * the table is never created or altered from here (tableCreated, ttlSet), so the function needs no table rights.
 *
 * The limiter calls the v2-style `getItem`/`updateItem` methods of an aggregated SDK client, with DynamoDB's own
 * input (attribute values already typed); the store's client (bridge/aws/json-client.ts) sends them as they are.
 */
import type * as Flexible from 'rate-limiter-flexible';
import type { AwsJsonClient } from './aws/json-client.js';
import limiter from 'rate-limiter-flexible/lib/RateLimiterDynamo.js'; // its own file, not the package's index: bridge/rate-limiter-parts.ts
import type { LimiterFactory } from './rate-limit-policy.js';

const RateLimiterDynamo = limiter as typeof Flexible.RateLimiterDynamo;

export function dynamoDbLimiters(client: AwsJsonClient, table: string): LimiterFactory {
  const storeClient = {
    getItem: (input: object) => client.call('GetItem', input),
    updateItem: (input: object) => client.call('UpdateItem', input),
  };
  return (keyPrefix, { points, windowSeconds }) =>
    new RateLimiterDynamo({ storeClient, tableName: table, tableCreated: true, ttlSet: true, keyPrefix, points, duration: windowSeconds });
}
