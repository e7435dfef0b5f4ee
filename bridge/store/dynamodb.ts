/**
 * The shared store: one DynamoDB table for every bridge instance (Lambda containers, hosts behind a balancer).
 *
 * Single-table design, one string key `pk`, no sort key, no index (bridge/deploy/dynamodb-table.json):
 *   used#<kind>:<jti>   a redeemed state or code            { pk, expiresAt, ttl }
 *   link#<id>           a link (id = keyed hash of the      { pk, version, clientId, upstreamRefreshToken, …, expiresAt, ttl }
 *                       bridge refresh token)
 * `expiresAt` is epoch ms (what the bridge compares); `ttl` is the same instant in epoch seconds, the table's TTL
 * attribute, so DynamoDB deletes expired items on its own — lazily (within days), which is why reads ignore an item
 * whose `expiresAt` has passed. The upstream tokens arrive sealed (bridge/links.ts); this module never sees them clear.
 *
 * Both concurrency primitives are single conditional writes, so no read-then-write race exists between instances:
 * first use = PutItem if `attribute_not_exists(pk)`; replace = PutItem if `#version = :expected`. Reads are strongly
 * consistent: a lease or a rotation written by another instance is seen at once. The store calls only GetItem and
 * PutItem (bridge/deploy/iam-policy.json grants exactly these two).
 */
import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { BridgeStore, LinkRecord } from './store.js';

/** The table's partition key and TTL attribute (bridge/deploy/dynamodb-table.json must name the same). */
export const PARTITION_KEY = 'pk';
export const TTL_ATTRIBUTE = 'ttl';

const USED_PREFIX = 'used#';
const LINK_PREFIX = 'link#';

export interface DynamoDbStoreOptions {
  table: string;
  region: string;
  endpoint?: string;
  /** Anything else for the SDK client (tests: static credentials for a local server). */
  client?: Omit<DynamoDBClientConfig, 'region' | 'endpoint'>;
}

const ttlOf = (expiresAtMs: number) => Math.ceil(expiresAtMs / 1000);

interface Condition {
  expression: string;
  names: Record<string, string>;
  values?: Record<string, unknown>;
}
const ABSENT: Condition = { expression: 'attribute_not_exists(#pk)', names: { '#pk': PARTITION_KEY } };
const ABSENT_OR_EXPIRED = (nowMs: number): Condition => ({
  expression: 'attribute_not_exists(#pk) OR #expiresAt <= :now',
  names: { '#pk': PARTITION_KEY, '#expiresAt': 'expiresAt' },
  values: { ':now': nowMs },
});
const versionIs = (expected: number): Condition => ({ expression: '#version = :expected', names: { '#version': 'version' }, values: { ':expected': expected } });

export class DynamoDbBridgeStore implements BridgeStore {
  /** The document client (exposed for tests that watch which commands are sent). */
  readonly client: DynamoDBDocumentClient;
  readonly shared = true;
  private readonly table: string;

  constructor(options: DynamoDbStoreOptions) {
    this.table = options.table;
    const base = new DynamoDBClient({
      ...options.client,
      region: options.region,
      // Undefined: AWS's own endpoint for the region (the SDK treats an undefined endpoint as none).
      endpoint: options.endpoint,
      // Alexa gives the token endpoint 4.5 s in all, for a few store calls and the upstream's: a store call that
      // hangs must fail (a 503 Alexa retries) rather than use it up. A single call normally takes milliseconds. (Without
      // throwOnRequestTimeout the SDK only logs a warning and goes on waiting.)
      maxAttempts: options.client?.maxAttempts ?? 2,
      requestHandler: options.client?.requestHandler ?? { connectionTimeout: 500, requestTimeout: 1000, throwOnRequestTimeout: true },
    });
    // Optional record fields are left out of the item rather than written as NULL.
    this.client = DynamoDBDocumentClient.from(base, { marshallOptions: { removeUndefinedValues: true } });
  }

  async useOnce(key: string, expiresAt: number): Promise<boolean> {
    return this.conditionalPut({ [PARTITION_KEY]: USED_PREFIX + key, expiresAt, [TTL_ATTRIBUTE]: ttlOf(expiresAt) }, ABSENT);
  }

  async createLink(link: LinkRecord, nowMs?: number): Promise<boolean> {
    return this.conditionalPut(this.linkItem(link), nowMs === undefined ? ABSENT : ABSENT_OR_EXPIRED(nowMs));
  }

  async getLink(id: string, nowMs: number): Promise<LinkRecord | undefined> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.table, Key: { [PARTITION_KEY]: LINK_PREFIX + id }, ConsistentRead: true }));
    if (Item === undefined || typeof Item.expiresAt !== 'number' || Item.expiresAt <= nowMs) return undefined; // expired, TTL not yet run
    const { [PARTITION_KEY]: _pk, [TTL_ATTRIBUTE]: _ttl, ...fields } = Item;
    return { ...fields, id } as LinkRecord;
  }

  async replaceLink(link: LinkRecord, expectedVersion: number): Promise<boolean> {
    return this.conditionalPut(this.linkItem(link), versionIs(expectedVersion));
  }

  async close(): Promise<void> {
    this.client.destroy();
  }

  private linkItem(link: LinkRecord): Record<string, unknown> {
    const { id, ...fields } = link;
    return { ...fields, [PARTITION_KEY]: LINK_PREFIX + id, [TTL_ATTRIBUTE]: ttlOf(link.expiresAt) };
  }

  /**
   * PutItem under a condition: false when the condition did not hold (someone else was first). The refusal is
   * recognised by its name, which holds whichever copy of the SDK's classes threw it. A condition without values
   * leaves ExpressionAttributeValues undefined, which the SDK leaves out of the request.
   */
  private async conditionalPut(item: Record<string, unknown>, condition: Condition): Promise<boolean> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.table,
          Item: item,
          ConditionExpression: condition.expression,
          ExpressionAttributeNames: condition.names,
          ExpressionAttributeValues: condition.values,
        }),
      );
      return true;
    } catch (error) {
      if ((error as { name?: unknown } | null)?.name === 'ConditionalCheckFailedException') return false;
      throw error;
    }
  }
}
