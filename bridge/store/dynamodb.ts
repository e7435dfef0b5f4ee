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
 * consistent: a lease or a rotation written by another instance is seen at once. A free link's lease is one
 * conditional UpdateItem that also returns the record (leaseLink). The store calls only GetItem, PutItem and UpdateItem
 * (bridge/deploy/iam-policy.json grants exactly these), through bridge/aws/json-client.ts; items are marshalled by the
 * SDK's own @aws-sdk/util-dynamodb.
 */
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import type { AwsCredentialIdentity } from '@smithy/types';
import { AwsJsonClient, AwsServiceError, DYNAMODB } from '../aws/json-client.js';
import type { BridgeStore, LinkRecord } from './store.js';

/** The table's partition key and TTL attribute (bridge/deploy/dynamodb-table.json must name the same). */
export const PARTITION_KEY = 'pk';
export const TTL_ATTRIBUTE = 'ttl';

const USED_PREFIX = 'used#';
const LINK_PREFIX = 'link#';

export interface DynamoDbStoreOptions {
  table: string;
  region: string;
  endpoint?: string | undefined;
  /** Fixed credentials (tests, for a local server); otherwise the environment's or the AWS default chain. */
  credentials?: AwsCredentialIdentity;
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
  /** DynamoDB's API, shared with the rate limits on the same database (bridge/rate-limits-dynamodb.ts). */
  readonly client: AwsJsonClient;
  readonly shared = true;
  private readonly table: string;

  constructor(options: DynamoDbStoreOptions) {
    this.table = options.table;
    this.client = new AwsJsonClient(DYNAMODB, {
      region: options.region,
      endpoint: options.endpoint,
      credentials: options.credentials,
      // Alexa gives the token endpoint 4.5 s in all, for a few store calls and the upstream's: a store call that
      // hangs must fail (a 503 Alexa retries) rather than use it up. A single call normally takes milliseconds.
      timeoutMs: { connect: 500, request: 1000 },
      attempts: 2,
    });
  }

  async useOnce(key: string, expiresAt: number): Promise<boolean> {
    return this.conditionalPut({ [PARTITION_KEY]: USED_PREFIX + key, expiresAt, [TTL_ATTRIBUTE]: ttlOf(expiresAt) }, ABSENT);
  }

  async createLink(link: LinkRecord, nowMs?: number): Promise<boolean> {
    return this.conditionalPut(this.linkItem(link), nowMs === undefined ? ABSENT : ABSENT_OR_EXPIRED(nowMs));
  }

  async getLink(id: string, nowMs: number): Promise<LinkRecord | undefined> {
    const answer = await this.client.call<{ Item?: Parameters<typeof unmarshall>[0] }>('GetItem', {
      TableName: this.table,
      Key: marshall({ [PARTITION_KEY]: LINK_PREFIX + id }),
      ConsistentRead: true,
    });
    const Item = answer.Item && unmarshall(answer.Item);
    if (Item === undefined || typeof Item.expiresAt !== 'number' || Item.expiresAt <= nowMs) return undefined; // expired, TTL not yet run
    return this.linkOf(id, Item);
  }

  async replaceLink(link: LinkRecord, expectedVersion: number): Promise<boolean> {
    return this.conditionalPut(this.linkItem(link), versionIs(expectedVersion));
  }

  async leaseLink(id: string, nowMs: number, leaseUntil: number): Promise<LinkRecord | undefined> {
    try {
      const { Attributes } = await this.client.call<{ Attributes: Parameters<typeof unmarshall>[0] }>('UpdateItem', {
        TableName: this.table,
        Key: marshall({ [PARTITION_KEY]: LINK_PREFIX + id }),
        UpdateExpression: 'SET #version = #version + :one, #leaseUntil = :leaseUntil',
        ConditionExpression:
          'attribute_exists(#pk) AND #expiresAt > :now AND (attribute_not_exists(#leaseUntil) OR #leaseUntil <= :now) AND (attribute_not_exists(#lastAnswerUntil) OR #lastAnswerUntil <= :now)',
        ExpressionAttributeNames: { '#pk': PARTITION_KEY, '#version': 'version', '#leaseUntil': 'leaseUntil', '#expiresAt': 'expiresAt', '#lastAnswerUntil': 'lastAnswerUntil' },
        ExpressionAttributeValues: marshall({ ':one': 1, ':leaseUntil': leaseUntil, ':now': nowMs }),
        ReturnValues: 'ALL_NEW',
      });
      return this.linkOf(id, unmarshall(Attributes)); // ALL_NEW: the item as the update left it
    } catch (error) {
      if (refusedByCondition(error)) return undefined;
      throw error;
    }
  }

  async close(): Promise<void> {
    this.client.close();
  }

  private linkOf(id: string, item: Record<string, unknown>): LinkRecord {
    const { [PARTITION_KEY]: _pk, [TTL_ATTRIBUTE]: _ttl, ...fields } = item;
    return { ...fields, id } as LinkRecord;
  }

  private linkItem(link: LinkRecord): Record<string, unknown> {
    const { id, ...fields } = link;
    return { ...fields, [PARTITION_KEY]: LINK_PREFIX + id, [TTL_ATTRIBUTE]: ttlOf(link.expiresAt) };
  }

  /**
   * PutItem under a condition: false when the condition did not hold (someone else was first). The refusal is
   * recognised by its name. A condition without values sends no ExpressionAttributeValues (DynamoDB refuses an empty
   * map). Optional record fields are left out of the item rather than written as NULL.
   */
  private async conditionalPut(item: Record<string, unknown>, condition: Condition): Promise<boolean> {
    try {
      await this.client.call('PutItem', {
        TableName: this.table,
        Item: marshall(item, { removeUndefinedValues: true }),
        ConditionExpression: condition.expression,
        ExpressionAttributeNames: condition.names,
        ...(condition.values ? { ExpressionAttributeValues: marshall(condition.values) } : {}),
      });
      return true;
    } catch (error) {
      if (refusedByCondition(error)) return false;
      throw error;
    }
  }
}

/** A conditional write DynamoDB refused because its condition did not hold: someone else was first. */
const refusedByCondition = (error: unknown) => error instanceof AwsServiceError && error.name === 'ConditionalCheckFailedException';
