/**
 * The rate limits' counters in DynamoDB, shared by every instance: a table beside the store's
 * (BRIDGE_DYNAMODB_RATE_LIMIT_TABLE, default `<BRIDGE_DYNAMODB_TABLE>-rate-limits`; bridge/deploy/dynamodb-table.json
 * creates it), in rate-limiter-flexible's own schema — partition key `key` (string), counters `points`, expiry
 * `expire` (epoch seconds, the table's TTL attribute). Its counters are atomic UpdateItem calls (and GetItem to read);
 * the table is never created or altered from here (tableCreated, ttlSet), so the function needs no table rights.
 *
 * The limiter calls the v2-style `getItem`/`updateItem` methods of an aggregated client; rather than bundling the
 * whole aggregated DynamoDB client for two calls, the store's client sends the two commands.
 */
import { GetItemCommand, UpdateItemCommand, type GetItemCommandInput, type UpdateItemCommandInput } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type * as Flexible from 'rate-limiter-flexible';
import limiter from 'rate-limiter-flexible/lib/RateLimiterDynamo.js'; // its own file, not the package's index: bridge/rate-limiter-parts.ts
import type { LimiterFactory } from './rate-limit-policy.js';

const RateLimiterDynamo = limiter as typeof Flexible.RateLimiterDynamo;

export function dynamoDbLimiters(client: DynamoDBDocumentClient, table: string): LimiterFactory {
  const storeClient = {
    getItem: (input: GetItemCommandInput) => client.send(new GetItemCommand(input)),
    updateItem: (input: UpdateItemCommandInput) => client.send(new UpdateItemCommand(input)),
  };
  return (keyPrefix, { points, windowSeconds }) =>
    new RateLimiterDynamo({ storeClient, tableName: table, tableCreated: true, ttlSet: true, keyPrefix, points, duration: windowSeconds });
}
