/**
 * One metric alarm's evaluation for the harness's CloudWatch evaluator (./alarm-evaluator.ts): the window of
 * periods an evaluation at `at` reads, the statistic queries it makes, and the state it decides (metric math,
 * M out of N with missing data, low-sample percentiles). Pure functions of the alarm, the clock and a
 * statistic source; the evaluator keeps the state machine, actions and composites.
 */
import { type AlarmStatus, thresholdReason, thresholdReasonData } from './alarm-events';
import type { AlarmStateValue, MetricAlarmDefinition, MetricStatQuery } from './alarm-model';
import { decideState } from './m-of-n';
import { evaluateExpression, type Series } from './metric-math';
import { parseStatistic, type StatisticQuery, type StatisticSource } from './statistics';

/** The evaluation clock's step: high-resolution alarms are evaluated every 10 s. */
export const EVALUATION_STEP_MS = 10_000;

/** The evaluator options a window depends on (EvaluatorOptions in ./alarm-evaluator.ts). */
export interface WindowOptions {
  /** Seconds of ingestion delay: evaluation at t reads periods ending by t − lag. @default 0 */
  readonly evaluationLagSeconds?: number;
  /** Periods retrieved per evaluation (the docs' "evaluation range"). @default EvaluationPeriods + 2 */
  readonly evaluationRange?: (alarm: MetricAlarmDefinition) => number;
}

/** The period starts an evaluation reads, oldest first, and the window's end. */
export interface EvaluationWindow {
  readonly grid: readonly number[];
  readonly end: number;
}

/** What one evaluation reads besides the alarm and the clock. */
export interface EvaluationContext {
  readonly window: EvaluationWindow;
  readonly source: StatisticSource;
  /** The alarm's state before this evaluation. */
  readonly current: AlarmStateValue;
  /** Whether FILL gives values for a series with no datapoint in the range (./metric-math.ts). */
  readonly fillEmptySeries: boolean;
}

/** The schedule step of a metric alarm: every minute, or every 10 s for 10/30-s periods. */
export function stepOf(a: MetricAlarmDefinition): number {
  return a.period < 60 ? EVALUATION_STEP_MS : 60_000;
}

/** The period starts an evaluation at `at` reads, oldest first, and the window's end. */
export function evaluationWindow(
  alarm: MetricAlarmDefinition,
  at: number,
  options: WindowOptions,
): EvaluationWindow {
  const step = stepOf(alarm);
  const end = Math.floor((at - (options.evaluationLagSeconds ?? 0) * 1000) / step) * step;
  const range = options.evaluationRange?.(alarm) ?? alarm.evaluationPeriods + 2;
  if (range < alarm.evaluationPeriods) throw new Error(`alarm ${alarm.name}: evaluation range below N`);
  const p = alarm.period * 1000;
  return { end, grid: Array.from({ length: range }, (_, i) => end - (range - i) * p) };
}

export function statQueries(a: MetricAlarmDefinition, window: EvaluationWindow): StatisticQuery[] {
  const { grid, end } = window;
  const start = grid[0] ?? end;
  return a.queries.flatMap((q) => {
    if (q.kind !== 'metric') return [];
    const query = {
      metric: q.metric,
      stat: q.stat,
      period: q.period,
      start,
      end,
      ...(q.unit ? { unit: q.unit } : {}),
    };
    // EvaluateLowSampleCountPercentile ignore also reads the sample counts.
    const counts =
      a.evaluateLowSampleCountPercentile === 'ignore' && parseStatistic(q.stat).kind === 'percentile';
    return counts ? [query, { ...query, stat: 'SampleCount' }] : [query];
  });
}

/** The alarm's new status when its evaluation changes state, else undefined. */
export function evaluateMetricAlarm(
  a: MetricAlarmDefinition,
  at: number,
  ctx: EvaluationContext,
): AlarmStatus | undefined {
  const { window, source, current } = ctx;
  const { grid, end } = window;
  const onGrid = new Set(grid);
  const read = (q: MetricStatQuery, stat = q.stat): Map<number, number> => {
    const rows = source.statistics({
      metric: q.metric,
      stat,
      period: q.period,
      start: grid[0] ?? end,
      end,
      ...(q.unit ? { unit: q.unit } : {}),
    });
    return new Map(rows.filter((r) => onGrid.has(r.timestamp)).map((r) => [r.timestamp, r.value]));
  };
  const cache = new Map<string, Series>();
  const resolving = new Set<string>();
  const seriesOf = (id: string): Series => {
    const hit = cache.get(id);
    if (hit) return hit;
    const q = a.queries.find((x) => x.id === id);
    if (!q) throw new Error(`alarm ${a.name}: expression names ${id}, which is not in Metrics`);
    if (resolving.has(id)) throw new Error(`alarm ${a.name}: expression ${id} refers to itself`);
    resolving.add(id);
    const s =
      q.kind === 'metric'
        ? read(q)
        : evaluateExpression(q.expression, {
            grid,
            lookup: seriesOf,
            fillEmptySeries: ctx.fillEmptySeries,
          });
    resolving.delete(id);
    cache.set(id, s);
    return s;
  };
  const main = a.queries.find((q) => q.returnData);
  if (!main) throw new Error(`alarm ${a.name}: no ReturnData query`);
  const series = seriesOf(main.id);
  if (lowSampleCount(a, grid, read)) return undefined;

  const decision = decideState({
    values: grid.map((t) => series.get(t)),
    timestamps: grid,
    threshold: a.threshold,
    comparisonOperator: a.comparisonOperator,
    evaluationPeriods: a.evaluationPeriods,
    datapointsToAlarm: a.datapointsToAlarm,
    treatMissingData: a.treatMissingData,
  });
  const value = decision.state === 'RETAIN' ? current : decision.state;
  if (value === current) return undefined;
  return {
    value,
    reason: thresholdReason(a, decision, current, value),
    reasonData: JSON.stringify(thresholdReasonData(a, decision, at)),
    timestamp: at,
  };
}

/** EvaluateLowSampleCountPercentile ignore: true while a recent period has too few samples. */
function lowSampleCount(
  a: MetricAlarmDefinition,
  grid: readonly number[],
  read: (q: MetricStatQuery, stat: string) => Map<number, number>,
): boolean {
  if (a.evaluateLowSampleCountPercentile !== 'ignore') return false;
  const recent = grid.slice(-a.evaluationPeriods);
  for (const q of a.queries) {
    if (q.kind !== 'metric') continue;
    const stat = parseStatistic(q.stat);
    if (stat.kind !== 'percentile') continue;
    const p = stat.percentile / 100;
    const needed = p >= 0.5 ? 10 / (1 - p) : 10 / p;
    const counts = read(q, 'SampleCount');
    if (recent.some((t) => (counts.get(t) ?? 0) > 0 && (counts.get(t) ?? 0) < needed)) return true;
  }
  return false;
}
