/**
 * The history store (lambdas/core/diagnosis/history.ts) in a DynamoDB table (lib/constructs/history.ts): one
 * item per processor, key `pk` = the processor's name, one per failure class for the open incident, key
 * `~incident#<class>`, and one per gateway alarm whose ALARM was held, key `~incident#held#<alarm>` (written
 * like an incident item). Probe functions may write only their own processor's item (IAM dynamodb:LeadingKeys);
 * the diagnose function reads every item and writes only incident items.
 *
 * A processor's item: `good` (the last passing snapshot, JSON) and `goodAt` from a passing run, which replaces
 * the whole item; `failSince` (kept from the first failing write of an episode, if_not_exists), `failure`
 * (JSON: latest failing run, stage, class, facts) and `lastPassAt` from failing runs. An incident item: `doc`
 * (JSON) and `version`, written only if `version` is still the one read (ConditionExpression). Every write sets
 * `expiresAt` (the table's TTL attribute).
 */
import type { FailureClass, Stage } from '../core/contract/classes';
import {
  type FailureState,
  HISTORY_TABLE_SCHEMA,
  type HistoryStore,
  ITEM_TTL_MS,
  type ProcessorRecord,
  type Versioned,
} from '../core/diagnosis/history';
import type { Snapshot } from '../core/diagnosis/snapshot';
import { DynamoDb, DynamoDbError, type Item, num, str } from './dynamodb';

const HISTORY_PARTITION_KEY = HISTORY_TABLE_SCHEMA.partitionKey;
const HISTORY_TTL_ATTRIBUTE = HISTORY_TABLE_SCHEMA.ttlAttribute;

/** BatchGetItem takes at most 100 keys. */
const BATCH = 100;

export interface DynamoHistoryOptions {
  readonly table: string;
  /** @default a DynamoDb client from the function's environment */
  readonly client?: Pick<DynamoDb, 'call'>;
  /** @default Date.now */
  readonly now?: () => number;
}

function parse<T>(json: string | undefined): T | null {
  if (json === undefined) return null;
  try {
    return JSON.parse(json) as T;
  } catch {
    return null;
  }
}

export class DynamoHistoryStore implements HistoryStore {
  private readonly table: string;
  private readonly client: Pick<DynamoDb, 'call'>;
  private readonly now: () => number;

  constructor(options: DynamoHistoryOptions) {
    this.table = options.table;
    this.client = options.client ?? new DynamoDb();
    this.now = options.now ?? Date.now;
  }

  private expiresAt(): { N: string } {
    return { N: String(Math.floor((this.now() + ITEM_TTL_MS) / 1000)) };
  }

  async recordPass(snapshot: Snapshot): Promise<void> {
    await this.client.call('PutItem', {
      TableName: this.table,
      Item: {
        [HISTORY_PARTITION_KEY]: { S: snapshot.processor },
        good: { S: JSON.stringify(snapshot) },
        goodAt: { S: snapshot.at },
        [HISTORY_TTL_ATTRIBUTE]: this.expiresAt(),
      },
    });
  }

  async recordFailure(
    processor: string,
    failure: Omit<FailureState, 'since'> & { readonly at: string },
  ): Promise<void> {
    const { at, lastPassAt, ...rest } = failure;
    await this.client.call('UpdateItem', {
      TableName: this.table,
      Key: { [HISTORY_PARTITION_KEY]: { S: processor } },
      UpdateExpression: `SET failSince = if_not_exists(failSince, :at), failure = :f, #ttl = :ttl${lastPassAt ? ', lastPassAt = if_not_exists(lastPassAt, :lp)' : ''}`,
      ExpressionAttributeNames: { '#ttl': HISTORY_TTL_ATTRIBUTE },
      ExpressionAttributeValues: {
        ':at': { S: at },
        ':f': { S: JSON.stringify(rest) },
        ':ttl': this.expiresAt(),
        ...(lastPassAt ? { ':lp': { S: lastPassAt } } : {}),
      },
    });
  }

  async readProcessors(names: readonly string[]): Promise<ReadonlyMap<string, ProcessorRecord>> {
    const items = await this.batchGet(names);
    const out = new Map<string, ProcessorRecord>();
    for (const [key, item] of items) {
      const good = parse<Snapshot>(str(item.good));
      const failure = parse<Omit<FailureState, 'since' | 'lastPassAt'>>(str(item.failure));
      const since = str(item.failSince);
      const failing: FailureState | null =
        failure && since
          ? {
              since,
              last: failure.last,
              stage: failure.stage as Stage,
              class: failure.class as FailureClass,
              snapshot: failure.snapshot,
              lastPassAt: str(item.lastPassAt) ?? null,
            }
          : null;
      out.set(key, { processor: key, good, failing });
    }
    return out;
  }

  async readIncidents<T>(keys: readonly string[]): Promise<ReadonlyMap<string, Versioned<T>>> {
    const items = await this.batchGet(keys);
    const out = new Map<string, Versioned<T>>();
    for (const [key, item] of items) {
      const value = parse<T>(str(item.doc));
      const version = num(item.version);
      if (value !== null && version !== undefined) out.set(key, { value, version });
    }
    return out;
  }

  async writeIncident<T>(key: string, value: T, expected: number | null): Promise<boolean> {
    try {
      await this.client.call('PutItem', {
        TableName: this.table,
        Item: {
          [HISTORY_PARTITION_KEY]: { S: key },
          doc: { S: JSON.stringify(value) },
          version: { N: String((expected ?? 0) + 1) },
          [HISTORY_TTL_ATTRIBUTE]: this.expiresAt(),
        },
        ...(expected === null
          ? {
              ConditionExpression: 'attribute_not_exists(#pk)',
              ExpressionAttributeNames: { '#pk': HISTORY_PARTITION_KEY },
            }
          : {
              ConditionExpression: '#v = :v',
              ExpressionAttributeNames: { '#v': 'version' },
              ExpressionAttributeValues: { ':v': { N: String(expected) } },
            }),
      });
      return true;
    } catch (err) {
      if (err instanceof DynamoDbError && err.name === 'ConditionalCheckFailedException') return false;
      throw err;
    }
  }

  /** Strongly consistent BatchGetItem in chunks of 100; unprocessed keys are asked for again (3 rounds). */
  private async batchGet(keys: readonly string[]): Promise<Map<string, Item>> {
    const out = new Map<string, Item>();
    const chunks: string[][] = [];
    for (let i = 0; i < keys.length; i += BATCH) chunks.push(keys.slice(i, i + BATCH));
    await Promise.all(
      chunks.map(async (chunk) => {
        let pending: unknown[] = chunk.map((k) => ({ [HISTORY_PARTITION_KEY]: { S: k } }));
        for (let round = 0; round < 3 && pending.length > 0; round++) {
          const res = await this.client.call<{
            Responses?: Record<string, Item[]>;
            UnprocessedKeys?: Record<string, { Keys?: unknown[] }>;
          }>('BatchGetItem', {
            RequestItems: { [this.table]: { Keys: pending, ConsistentRead: true } },
          });
          for (const item of res.Responses?.[this.table] ?? []) {
            const k = str(item[HISTORY_PARTITION_KEY]);
            if (k !== undefined) out.set(k, item);
          }
          pending = res.UnprocessedKeys?.[this.table]?.Keys ?? [];
        }
      }),
    );
    return out;
  }
}
