/**
 * The state a metric alarm's datapoints decide: the "M out of N" rule with CloudWatch's missing-data
 * handling, written to the CloudWatch user guide, "Using Amazon CloudWatch alarms"
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html, now split into
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarms-and-missing-data.html; source text:
 * awsdocs/amazon-cloudwatch-user-guide, doc_source/AlarmThatSendsEmail.md, last revision 2023-05-17):
 *
 * "How alarm state is evaluated when data is missing": the alarm retrieves more datapoints than
 * Evaluation Periods (N), the *evaluation range*, then
 *  1. no datapoint missing, or at least N real datapoints in the range: the N most recent REAL datapoints
 *     are evaluated and TreatMissingData is not used ("the extra data points from farther back in the
 *     evaluation range" fill in for missing recent ones);
 *  2. fewer than N real datapoints: every real datapoint in the range is used and the missing ones are
 *     filled as TreatMissingData says, "only as few times as possible" (N − real of them, the most recent
 *     missing periods). "If fewer than Datapoints to Alarm (M) are breaching, the alarm state is set to
 *     OK. Otherwise, the state is set to ALARM."
 *
 * TreatMissingData: `breaching` fills count as breaching, `notBreaching` as not breaching. `missing` and
 * `ignore` do not invent values; the documented tables decide them:
 *  - M or more real breaching datapoints: ALARM;
 *  - no real datapoint in the range: `missing` → INSUFFICIENT_DATA ("If all data points in the alarm
 *    evaluation range are missing, the alarm transitions to INSUFFICIENT_DATA"), `ignore` → state kept;
 *  - a real non-breaching datapoint in the range (and fewer than M breaching): OK (table 1 row `0 - - - -`,
 *    table 2 rows `0 - X - -` and `- - - - 0`: OK under MISSING and IGNORE);
 *  - only breaching real datapoints, fewer than M: "Avoiding premature transitions to alarm state": with
 *    `missing` the alarm goes to ALARM when the oldest breaching datapoint is at least M periods old ("the
 *    oldest breaching data point during the evaluation range is at least as old as the value of Datapoints
 *    to Alarm, and all of the more recent data points are either breaching or missing"), else it stays
 *    undecided, which is INSUFFICIENT_DATA (row `- - - - X` of the 2019 revision's tables); `ignore` keeps its
 *    state (every such IGNORE cell reads "Retain current state").
 * Reading the premature-ALARM rule only where no real non-breaching datapoint is present is what makes
 * table 2's `0 - X - -` come out OK under MISSING (X is 3 periods old, M = 2): the 2019 revision's row
 * `X - - - -` explains it the same way ("the oldest evaluated data point is breaching and there aren't any
 * non-breaching data points").
 *
 * The evaluation range itself is not documented beyond "depends on the length of the alarm period and
 * whether it is based on a metric with standard resolution or high resolution"; the docs' examples use 5
 * for N = 3. The evaluator takes it as a parameter (default N + 2).
 */
import type { AlarmStateValue, ComparisonOperator, TreatMissingData } from './alarm-model';

/** A decided state, or RETAIN: keep the current one (TreatMissingData ignore). */
export type Decision = AlarmStateValue | 'RETAIN';

/** Which documented case decided. */
export type DecisionRule =
  | 'enough-real-datapoints'
  | 'filled'
  | 'all-missing'
  | 'breaching-count'
  | 'non-breaching-present'
  | 'oldest-breaching-old-enough'
  | 'undecided';

export interface EvaluatedDatapoint {
  readonly timestamp: number;
  /** Undefined for a filled (missing) datapoint. */
  readonly value?: number;
  readonly breaching: boolean;
}

export interface MOfNInput {
  /** The evaluation range, oldest first: a value per period, undefined where missing. */
  readonly values: readonly (number | undefined)[];
  /** Period start of each value (for reasons); defaults to the index. */
  readonly timestamps?: readonly number[];
  readonly threshold: number;
  readonly comparisonOperator: ComparisonOperator;
  readonly evaluationPeriods: number;
  readonly datapointsToAlarm: number;
  readonly treatMissingData: TreatMissingData;
}

export interface MOfNResult {
  readonly state: Decision;
  readonly rule: DecisionRule;
  /** The datapoints the decision used, oldest first (real and filled; empty when nothing was used). */
  readonly evaluated: readonly EvaluatedDatapoint[];
  /** Breaching datapoints among `evaluated` (filled ones included when they count as breaching). */
  readonly breaching: number;
  /** Missing datapoints filled with the TreatMissingData value (breaching / notBreaching only). */
  readonly filled: number;
}

export function breaches(value: number, op: ComparisonOperator, threshold: number): boolean {
  switch (op) {
    case 'GreaterThanOrEqualToThreshold':
      return value >= threshold;
    case 'GreaterThanThreshold':
      return value > threshold;
    case 'LessThanThreshold':
      return value < threshold;
    case 'LessThanOrEqualToThreshold':
      return value <= threshold;
  }
}

export function decideState(input: MOfNInput): MOfNResult {
  const n = input.evaluationPeriods;
  const m = input.datapointsToAlarm;
  const slots = input.values.map((value, index) => ({
    index,
    value,
    timestamp: input.timestamps?.[index] ?? index,
  }));
  const real = slots.filter((s): s is typeof s & { value: number } => s.value !== undefined);
  const breachingReal = (s: { value: number }) =>
    breaches(s.value, input.comparisonOperator, input.threshold);
  const point = (s: { timestamp: number; value: number }): EvaluatedDatapoint => ({
    timestamp: s.timestamp,
    value: s.value,
    breaching: breachingReal(s),
  });

  // Case 1: at least N real datapoints in the range: the N most recent real ones decide.
  if (real.length >= n) {
    const evaluated = real.slice(-n).map(point);
    const b = evaluated.filter((p) => p.breaching).length;
    return {
      state: b >= m ? 'ALARM' : 'OK',
      rule: 'enough-real-datapoints',
      evaluated,
      breaching: b,
      filled: 0,
    };
  }

  // Case 2: fewer than N: all real datapoints plus the most recent missing ones, N in all.
  const fills = slots.filter((s) => s.value === undefined).slice(-(n - real.length));
  const realBreaching = real.filter(breachingReal).length;
  const tmd = input.treatMissingData;
  if (tmd === 'breaching' || tmd === 'notBreaching') {
    const fillBreaches = tmd === 'breaching';
    const evaluated = [
      ...real.map(point),
      ...fills.map((s) => ({ timestamp: s.timestamp, breaching: fillBreaches })),
    ].sort((a, b) => a.timestamp - b.timestamp);
    const b = realBreaching + (fillBreaches ? fills.length : 0);
    return {
      state: b >= m ? 'ALARM' : 'OK',
      rule: real.length === 0 ? 'all-missing' : 'filled',
      evaluated,
      breaching: b,
      filled: fills.length,
    };
  }

  // missing / ignore: only real datapoints count.
  const evaluated = real.map(point);
  const base = { evaluated, breaching: realBreaching, filled: 0 };
  if (realBreaching >= m) return { ...base, state: 'ALARM', rule: 'breaching-count' };
  if (real.length === 0) {
    return { ...base, state: tmd === 'missing' ? 'INSUFFICIENT_DATA' : 'RETAIN', rule: 'all-missing' };
  }
  if (realBreaching < real.length) return { ...base, state: 'OK', rule: 'non-breaching-present' };
  if (tmd === 'missing') {
    // Periods from the oldest breaching datapoint to now: 1 for the most recent period.
    const age = slots.length - (real[0] as { index: number }).index;
    if (age >= m) return { ...base, state: 'ALARM', rule: 'oldest-breaching-old-enough' };
    return { ...base, state: 'INSUFFICIENT_DATA', rule: 'undecided' };
  }
  return { ...base, state: 'RETAIN', rule: 'undecided' };
}
