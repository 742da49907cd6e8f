/**
 * The history store (lambdas/core/diagnosis/history.ts) in memory, with the DynamoDB table's semantics
 * (lambdas/glue/history-table.ts): a passing write replaces the processor's item, a failing write keeps the
 * episode's onset, an incident write succeeds only if the version read is still current. One instance shared
 * by several handler instances plays the one table several Lambda containers share. `fault` makes every call
 * hang (a slow store) or fail (a store that is down), for the "history unavailable" paths.
 */
import type {
  FailureState,
  HistoryStore,
  ProcessorRecord,
  Versioned,
} from '../lambdas/core/diagnosis/history';
import type { Snapshot } from '../lambdas/core/diagnosis/snapshot';

export type HistoryFault = 'none' | 'hang' | 'fail';

export class MemoryHistory implements HistoryStore {
  private readonly processors = new Map<string, ProcessorRecord>();
  private readonly incidents = new Map<string, Versioned<string>>();
  /** Every write, in order, for assertions on how few there are. */
  readonly writes: { readonly kind: 'pass' | 'failure' | 'incident'; readonly key: string }[] = [];
  fault: HistoryFault = 'none';

  private async gate(): Promise<void> {
    if (this.fault === 'fail')
      throw new Error('ServiceUnavailable: the history store is down (MemoryHistory fault)');
    if (this.fault === 'hang') await new Promise<never>(() => {});
    // Every call yields, as a network call would: concurrent invocations interleave between read and write.
    await new Promise((r) => setImmediate(r));
  }

  async recordPass(snapshot: Snapshot): Promise<void> {
    await this.gate();
    this.writes.push({ kind: 'pass', key: snapshot.processor });
    this.processors.set(snapshot.processor, { processor: snapshot.processor, good: snapshot, failing: null });
  }

  async recordFailure(
    processor: string,
    failure: Omit<FailureState, 'since'> & { readonly at: string },
  ): Promise<void> {
    await this.gate();
    this.writes.push({ kind: 'failure', key: processor });
    const before = this.processors.get(processor);
    const { at, ...rest } = failure;
    this.processors.set(processor, {
      processor,
      good: before?.good ?? null,
      failing: {
        ...rest,
        since: before?.failing?.since ?? at,
        lastPassAt: before?.failing?.lastPassAt ?? failure.lastPassAt,
      },
    });
  }

  async readProcessors(names: readonly string[]): Promise<ReadonlyMap<string, ProcessorRecord>> {
    await this.gate();
    const out = new Map<string, ProcessorRecord>();
    for (const n of names) {
      const r = this.processors.get(n);
      if (r) out.set(n, structuredClone(r));
    }
    return out;
  }

  async readIncidents<T>(keys: readonly string[]): Promise<ReadonlyMap<string, Versioned<T>>> {
    await this.gate();
    const out = new Map<string, Versioned<T>>();
    for (const k of keys) {
      const r = this.incidents.get(k);
      if (r) out.set(k, { value: JSON.parse(r.value) as T, version: r.version });
    }
    return out;
  }

  async writeIncident<T>(key: string, value: T, expected: number | null): Promise<boolean> {
    await this.gate();
    const current = this.incidents.get(key);
    if ((current?.version ?? null) !== expected) return false;
    this.writes.push({ kind: 'incident', key });
    this.incidents.set(key, { value: JSON.stringify(value), version: (expected ?? 0) + 1 });
    return true;
  }

  /** The stored incident of a key (for assertions). */
  incident<T>(key: string): Versioned<T> | undefined {
    const r = this.incidents.get(key);
    return r ? { value: JSON.parse(r.value) as T, version: r.version } : undefined;
  }

  /** The stored item of a processor (for assertions). */
  processor(name: string): ProcessorRecord | undefined {
    return this.processors.get(name);
  }
}
