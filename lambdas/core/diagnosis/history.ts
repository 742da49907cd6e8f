/**
 * The durable history the verdict needs (docs/diagnosis.md "The history store"): per processor, the last
 * passing probe's snapshot (./snapshot.ts) and whether it is failing now and since when; per stage, the open
 * cross-processor incident (./incident.ts). It survives cold starts and redeploys because it lives outside
 * the functions: lambdas/glue/history-table.ts keeps it in a DynamoDB table, testbed/memory-history.ts in
 * memory for tests.
 *
 * Writes stay tiny (SnapshotRecorder): a probe function writes its processor's item when the facts changed
 * (at most every MIN_WRITE_GAP_MS), when it recovers, on its first run after a cold start, and otherwise once
 * per HEARTBEAT_MS; a failing run writes on the transition and then at most every MIN_WRITE_GAP_MS; a
 * transition waits until MIN_TRANSITION_GAP_MS after the previous write (the next run writes it). A store
 * that is slow or down never delays a probe or a page: every call is bounded (within()) and a failure is
 * logged, never thrown.
 */
import type { FailureClass, Stage } from '../contract/classes';
import type { ProbeResult } from '../contract/result';
import { bounded } from '../engine/bounded';
import { factsDigest, type Snapshot, snapshotOf } from './snapshot';

/**
 * The history table's schema, shared by the CDK construct (lib/constructs/history.ts) and the runtime store
 * (lambdas/glue/history-table.ts): the partition key (a processor's name, or an incident key) and the TTL
 * attribute (epoch seconds).
 */
export const HISTORY_TABLE_SCHEMA = { partitionKey: 'pk', ttlAttribute: 'expiresAt' } as const;

/** A processor failing now, as its probe function recorded it. */
export interface FailureState {
  /** The first failing run of this episode (ISO 8601): the onset. */
  readonly since: string;
  /** The latest failing run recorded (refreshed at most every MIN_WRITE_GAP_MS while it fails). */
  readonly last: string;
  readonly stage: Stage;
  readonly class: FailureClass;
  /** The facts of the latest failing run recorded. */
  readonly snapshot: Snapshot;
  /** The last passing run before the failure, when the function that saw it recorded it (ISO 8601). */
  readonly lastPassAt: string | null;
}

/** One processor's item. */
export interface ProcessorRecord {
  readonly processor: string;
  /** The last passing probe recorded (its `at` may be up to HEARTBEAT_MS old while nothing changes). */
  readonly good: Snapshot | null;
  readonly failing: FailureState | null;
}

/** A value with the version the store holds it at (for conditional writes). */
export interface Versioned<T> {
  readonly value: T;
  readonly version: number;
}

/** The store, as the probe and diagnose functions use it. */
export interface HistoryStore {
  /** Records a passing run: the processor's item becomes this snapshot (its failure state is cleared). */
  recordPass(snapshot: Snapshot): Promise<void>;
  /** Records a failing run: the onset is kept from the first failing write of the episode. */
  recordFailure(
    processor: string,
    failure: Omit<FailureState, 'since'> & { readonly at: string },
  ): Promise<void>;
  /** The items of these processors (missing ones are absent from the map). */
  readProcessors(names: readonly string[]): Promise<ReadonlyMap<string, ProcessorRecord>>;
  /** Items by key (the incident keys of ./incident.ts). */
  readIncidents<T>(keys: readonly string[]): Promise<ReadonlyMap<string, Versioned<T>>>;
  /**
   * Writes an item if the stored version is still `expected` (null: the item must not exist). Resolves true
   * when written, false when another writer got there first; the new version is expected + 1 (or 1).
   */
  writeIncident<T>(key: string, value: T, expected: number | null): Promise<boolean>;
}

/** A store call that took too long: the caller goes on without history. */
export class HistoryTimeout extends Error {
  constructor(what: string, ms: number) {
    super(`the history store did not answer ${what} within ${ms} ms`);
    this.name = 'HistoryTimeout';
  }
}

/** `work`, or a HistoryTimeout after `ms` (the engine's time limit, ../engine/bounded.ts). The timer never keeps the process alive. */
export function within<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  return bounded(work, ms, () => new HistoryTimeout(what, ms), { unref: true });
}

/** A passing processor's item is rewritten at least this often while nothing changes. */
export const HEARTBEAT_MS = 60 * 60_000;
/** Changed facts, or a continuing failure, are written at most this often. */
export const MIN_WRITE_GAP_MS = 5 * 60_000;
/**
 * A transition (started failing, recovered) is written at once, but no sooner than this after the previous
 * write: a processor flapping every run of a 10-s probe writes at most about once a minute.
 */
export const MIN_TRANSITION_GAP_MS = 45_000;
/** A failure state older than this is stale (its function stopped recording): not failing "now". */
export const FAILURE_FRESH_MS = 2 * MIN_WRITE_GAP_MS + 60_000;
/** How long the probe function waits for its write. */
export const PROBE_WRITE_TIMEOUT_MS = 1_000;
/** Items expire (DynamoDB TTL) this long after their last write: a removed processor's item goes away. */
export const ITEM_TTL_MS = 35 * 24 * 3_600_000;

/** Whether a record says its processor is failing at `nowMs` (a fresh failure state). */
export function failingNow(r: ProcessorRecord | undefined, nowMs: number): boolean {
  return !!r?.failing && nowMs - Date.parse(r.failing.last) <= FAILURE_FRESH_MS;
}

/** What a probe function writes after a run, if anything. */
export type HistoryWrite =
  | { readonly kind: 'pass'; readonly snapshot: Snapshot; readonly reason: string }
  | {
      readonly kind: 'failure';
      readonly failure: Omit<FailureState, 'since'> & { readonly at: string };
      readonly reason: string;
    };

/**
 * The probe function's side of the store: decides from its own memory (module scope, so a cold start writes
 * once) whether a run needs a write, and never lets the write delay or break the run.
 */
export class SnapshotRecorder {
  private lastWrite: {
    readonly digest: string;
    readonly atMs: number;
    readonly failing: boolean;
    /** `stage CLASS` of a failing write. */
    readonly cls?: string;
  } | null = null;
  private lastPassAt: string | null = null;

  constructor(private readonly store: HistoryStore) {}

  /** The write a run needs (pure, but remembers the run). */
  plan(result: ProbeResult, nowMs: number): HistoryWrite | null {
    const snapshot = snapshotOf(result);
    const digest = factsDigest(snapshot);
    const last = this.lastWrite;
    if (result.ok) {
      this.lastPassAt = result.startedAt;
      const reason = !last
        ? 'first run of this function instance'
        : last.failing
          ? nowMs - last.atMs >= MIN_TRANSITION_GAP_MS
            ? 'recovered'
            : null
          : nowMs - last.atMs >= HEARTBEAT_MS
            ? 'heartbeat'
            : last.digest !== digest && nowMs - last.atMs >= MIN_WRITE_GAP_MS
              ? 'facts changed'
              : null;
      if (!reason) return null;
      this.lastWrite = { digest, atMs: nowMs, failing: false };
      return { kind: 'pass', snapshot, reason };
    }
    if (!result.stage || !result.class) return null;
    const cls = `${result.stage} ${result.class}`;
    const reason = !last?.failing
      ? !last || nowMs - last.atMs >= MIN_TRANSITION_GAP_MS
        ? 'started failing'
        : null
      : last.cls !== cls && nowMs - last.atMs >= MIN_TRANSITION_GAP_MS
        ? 'failure changed'
        : nowMs - last.atMs >= MIN_WRITE_GAP_MS
          ? 'still failing'
          : null;
    if (!reason) return null;
    this.lastWrite = { digest, atMs: nowMs, failing: true, cls };
    return {
      kind: 'failure',
      reason,
      failure: {
        at: result.startedAt,
        last: result.startedAt,
        stage: result.stage,
        class: result.class,
        snapshot,
        lastPassAt: this.lastPassAt,
      },
    };
  }

  /**
   * Plans and writes, bounded by `timeoutMs`. Resolves with what happened; never rejects. A failed write is
   * forgotten, so the next run tries again.
   */
  async record(
    result: ProbeResult,
    nowMs: number,
    timeoutMs = PROBE_WRITE_TIMEOUT_MS,
  ): Promise<{ readonly written: HistoryWrite | null; readonly error?: string }> {
    const before = this.lastWrite;
    const write = this.plan(result, nowMs);
    if (!write) return { written: null };
    try {
      const work =
        write.kind === 'pass'
          ? this.store.recordPass(write.snapshot)
          : this.store.recordFailure(result.processor, write.failure);
      await within(work, timeoutMs, `the ${write.kind} write`);
      return { written: write };
    } catch (err) {
      this.lastWrite = before;
      return { written: null, error: err instanceof Error ? `${err.name}: ${err.message}` : String(err) };
    }
  }
}
