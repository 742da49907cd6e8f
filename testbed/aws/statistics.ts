/**
 * Period aggregation for the alarm evaluator: turns raw datapoints (timestamp + value per metric) into one
 * value per period, as CloudWatch does for an alarm's statistic (Sum, Average, Minimum, Maximum,
 * SampleCount, pNN). The evaluator reads data only through a StatisticSource, so it runs the same on an
 * in-memory store (unit tests) and on moto's GetMetricData answers (./sim.ts).
 *
 * Percentiles use the nearest-rank method (the smallest value with at least p% of the samples at or below
 * it). CloudWatch computes percentiles from its own approximate distribution; for the handful of samples a
 * probe publishes per period the two agree on which side of a threshold a period falls unless a value sits
 * right at it.
 */
import type { MetricId } from './alarm-model';

export const STANDARD_STATISTICS = ['Sum', 'Average', 'Minimum', 'Maximum', 'SampleCount'] as const;
export type StandardStatistic = (typeof STANDARD_STATISTICS)[number];

export type Statistic =
  | { readonly kind: 'standard'; readonly name: StandardStatistic }
  | { readonly kind: 'percentile'; readonly percentile: number };

/** Parses Sum/Average/Minimum/Maximum/SampleCount or pNN / pNN.NN; throws on other extended statistics. */
export function parseStatistic(stat: string): Statistic {
  if ((STANDARD_STATISTICS as readonly string[]).includes(stat)) {
    return { kind: 'standard', name: stat as StandardStatistic };
  }
  const p = /^p(\d{1,2}(?:\.\d+)?|100)$/.exec(stat);
  if (p) return { kind: 'percentile', percentile: Number(p[1]) };
  throw new Error(
    `statistic ${stat} is not supported (supported: ${STANDARD_STATISTICS.join(', ')}, pNN); ` +
      'trimmed means, PR, TC, TS, WM and IQM are not simulated',
  );
}

/** One value of a period's statistic, or undefined when the period has no sample. */
export function aggregate(values: readonly number[], stat: Statistic): number | undefined {
  if (values.length === 0) return undefined;
  if (stat.kind === 'percentile') {
    const sorted = [...values].sort((a, b) => a - b);
    const rank = Math.max(1, Math.ceil((stat.percentile / 100) * sorted.length));
    return sorted[rank - 1];
  }
  switch (stat.name) {
    case 'Sum':
      return values.reduce((a, b) => a + b, 0);
    case 'Average':
      return values.reduce((a, b) => a + b, 0) / values.length;
    case 'Minimum':
      return Math.min(...values);
    case 'Maximum':
      return Math.max(...values);
    case 'SampleCount':
      return values.length;
  }
}

/** A raw datapoint as PutMetricData stored it. Times are epoch milliseconds throughout testbed/aws. */
export interface Datapoint {
  readonly timestamp: number;
  readonly value: number;
  readonly unit?: string;
}

/** Raw datapoints of one metric (exact dimension set) with start <= timestamp < end. */
export interface DatapointQuery {
  readonly metric: MetricId;
  readonly start: number;
  readonly end: number;
}

export interface MetricStore {
  datapoints(query: DatapointQuery): readonly Datapoint[];
}

/** A store, or just its lookup function. */
export type MetricStoreLike = MetricStore | ((query: DatapointQuery) => readonly Datapoint[]);

/** A statistic of one metric per period, periods starting at `start` and stepping by `period` seconds. */
export interface StatisticQuery {
  readonly metric: MetricId;
  readonly stat: string;
  /** Seconds. */
  readonly period: number;
  readonly start: number;
  readonly end: number;
  readonly unit?: string;
}

/** One period's value; `timestamp` is the period's start. */
export interface PeriodValue {
  readonly timestamp: number;
  readonly value: number;
}

/** Where the evaluator reads period values: aggregated raw data, or a service's GetMetricData. */
export interface StatisticSource {
  statistics(query: StatisticQuery): readonly PeriodValue[];
}

export function isStatisticSource(x: unknown): x is StatisticSource {
  return typeof x === 'object' && x !== null && typeof (x as StatisticSource).statistics === 'function';
}

/** Aggregates a raw store's datapoints into periods (what CloudWatch does before an alarm compares). */
export function statisticSource(store: MetricStoreLike): StatisticSource {
  const read = typeof store === 'function' ? store : (q: DatapointQuery) => store.datapoints(q);
  return {
    statistics(q: StatisticQuery): PeriodValue[] {
      const stat = parseStatistic(q.stat);
      const step = q.period * 1000;
      const buckets = new Map<number, number[]>();
      for (const d of read({ metric: q.metric, start: q.start, end: q.end })) {
        if (d.timestamp < q.start || d.timestamp >= q.end) continue;
        if (q.unit !== undefined && d.unit !== undefined && d.unit !== q.unit) continue;
        const slot = q.start + Math.floor((d.timestamp - q.start) / step) * step;
        const list = buckets.get(slot) ?? [];
        list.push(d.value);
        buckets.set(slot, list);
      }
      const out: PeriodValue[] = [];
      for (const [timestamp, values] of [...buckets].sort((a, b) => a[0] - b[0])) {
        const value = aggregate(values, stat);
        if (value !== undefined) out.push({ timestamp, value });
      }
      return out;
    },
  };
}

/** True when two dimension sets are the same set (CloudWatch treats each set as a separate metric). */
export function sameDimensions(
  a: Readonly<Record<string, string>>,
  b: Readonly<Record<string, string>>,
): boolean {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => b[k] === a[k]);
}

/** The fields of a PutMetricData request the store reads (structurally the SDK's PutMetricDataCommandInput). */
export interface PutMetricDataInput {
  readonly Namespace?: string;
  readonly MetricData?: readonly {
    readonly MetricName?: string;
    readonly Dimensions?: readonly { readonly Name?: string; readonly Value?: string }[];
    readonly Timestamp?: Date | string | number;
    readonly Value?: number;
    readonly Values?: readonly number[];
    readonly Counts?: readonly number[];
    readonly Unit?: string;
  }[];
}

/** A metric store in memory, for tests and for simulations that need no AWS. */
export class InMemoryMetricStore implements MetricStore {
  private readonly series: { readonly metric: MetricId; readonly points: Datapoint[] }[] = [];

  put(metric: MetricId, timestamp: number, value: number, unit?: string): void {
    let s = this.series.find((x) => sameMetric(x.metric, metric));
    if (!s) {
      s = { metric, points: [] };
      this.series.push(s);
    }
    s.points.push({ timestamp, value, ...(unit ? { unit } : {}) });
  }

  /** Stores a PutMetricData request's datapoints (Value, or Values with Counts), as CloudWatch would. */
  putMetricData(input: PutMetricDataInput, now = Date.now()): void {
    for (const d of input.MetricData ?? []) {
      const metric: MetricId = {
        namespace: input.Namespace ?? '',
        metricName: d.MetricName ?? '',
        dimensions: Object.fromEntries((d.Dimensions ?? []).map((x) => [x.Name ?? '', x.Value ?? ''])),
      };
      const t = d.Timestamp ? new Date(d.Timestamp).getTime() : now;
      const values = d.Values ?? (d.Value !== undefined ? [d.Value] : []);
      values.forEach((v, i) => {
        for (let c = 0; c < (d.Counts?.[i] ?? 1); c++) this.put(metric, t, v, d.Unit);
      });
    }
  }

  datapoints(q: DatapointQuery): readonly Datapoint[] {
    const s = this.series.find((x) => sameMetric(x.metric, q.metric));
    return (s?.points ?? []).filter((d) => d.timestamp >= q.start && d.timestamp < q.end);
  }
}

export function sameMetric(a: MetricId, b: MetricId): boolean {
  return (
    a.namespace === b.namespace && a.metricName === b.metricName && sameDimensions(a.dimensions, b.dimensions)
  );
}
