/**
 * What CloudWatch emits when an alarm changes state, rebuilt from an alarm definition and its two states:
 * the EventBridge "CloudWatch Alarm State Change" event (the diagnose Lambda's input; shape from the user
 * guide's "Alarm events and EventBridge" samples) and the JSON message CloudWatch publishes to an SNS
 * alarm action (AlarmName, NewStateValue, OldStateValue, NewStateReason, StateChangeTime, Region, Trigger,
 * ...; subject `ALARM: "name" in EU (Ireland)`), and the state reasons in CloudWatch's wording
 * ("Threshold Crossed: 1 out of the last 1 datapoints [...] was greater than ..."). Pure: the evaluator and
 * the moto glue both call it.
 */
import { createHash } from 'node:crypto';
import type { AlarmDefinition, AlarmStateValue, MetricAlarmDefinition, MetricId } from './alarm-model';
import type { MOfNResult } from './m-of-n';

/** Why a composite alarm's actions are held back (DescribeAlarms ActionsSuppressedBy). */
export type ActionsSuppressedBy = 'WaitPeriod' | 'ExtensionPeriod' | 'Alarm';

/** An alarm's state at a moment. */
export interface AlarmStatus {
  readonly value: AlarmStateValue;
  readonly reason: string;
  /** JSON text, as CloudWatch's StateReasonData. */
  readonly reasonData?: string;
  /** Epoch ms. */
  readonly timestamp: number;
  readonly actionsSuppressedBy?: ActionsSuppressedBy;
  readonly actionsSuppressedReason?: string;
}

export interface EventState {
  readonly value: AlarmStateValue;
  readonly reason: string;
  readonly reasonData?: string;
  readonly timestamp: string;
  readonly actionsSuppressedBy?: ActionsSuppressedBy;
  readonly actionsSuppressedReason?: string;
}

export interface EventMetricStat {
  readonly metric: {
    readonly dimensions: Readonly<Record<string, string>>;
    readonly name: string;
    readonly namespace: string;
  };
  readonly period: number;
  readonly stat: string;
  readonly unit?: string;
}

export type EventMetric =
  | {
      readonly id: string;
      readonly metricStat: EventMetricStat;
      readonly returnData: boolean;
      readonly label?: string;
    }
  | {
      readonly id: string;
      readonly expression: string;
      readonly returnData: boolean;
      readonly label?: string;
    };

/** The EventBridge event CloudWatch sends on every alarm state change. */
export interface AlarmStateChangeEvent {
  readonly version: '0';
  readonly id: string;
  readonly 'detail-type': 'CloudWatch Alarm State Change';
  readonly source: 'aws.cloudwatch';
  readonly account: string;
  readonly time: string;
  readonly region: string;
  readonly resources: readonly string[];
  readonly detail: {
    readonly alarmName: string;
    readonly state: EventState;
    readonly previousState: EventState;
    readonly configuration:
      | { readonly description?: string; readonly metrics: readonly EventMetric[] }
      | {
          readonly description?: string;
          readonly alarmRule: string;
          readonly actionsSuppressor?: string;
          readonly actionsSuppressorWaitPeriod?: number;
          readonly actionsSuppressorExtensionPeriod?: number;
        };
  };
}

/** Where the alarm lives, for ARNs, events and notifications. */
export interface AlarmLocation {
  readonly arn: string;
  readonly region: string;
  readonly account: string;
  /** When the alarm was created (AlarmConfigurationUpdatedTimestamp), epoch ms. */
  readonly configuredAt: number;
}

/** CloudWatch's state timestamp format: 2019-10-02T17:04:40.989+0000. */
export function cloudWatchTimestamp(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '+0000');
}

/** A datapoint time as reasons print it: dd/MM/yy HH:mm:ss (UTC). */
export function reasonTime(ms: number): string {
  const iso = new Date(ms).toISOString();
  return `${iso.slice(8, 10)}/${iso.slice(5, 7)}/${iso.slice(2, 4)} ${iso.slice(11, 19)}`;
}

/** A number as CloudWatch prints it in reasons and notifications (1 → 1.0). */
export function cloudWatchNumber(v: number): string {
  return Number.isInteger(v) ? v.toFixed(1) : String(v);
}

function stableId(...parts: readonly (string | number)[]): string {
  const h = createHash('sha256').update(parts.join('|')).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

function eventState(s: AlarmStatus): EventState {
  return {
    value: s.value,
    reason: s.reason,
    ...(s.reasonData !== undefined ? { reasonData: s.reasonData } : {}),
    timestamp: cloudWatchTimestamp(s.timestamp),
    ...(s.actionsSuppressedBy
      ? {
          actionsSuppressedBy: s.actionsSuppressedBy,
          actionsSuppressedReason: s.actionsSuppressedReason ?? '',
        }
      : {}),
  };
}

/** The EventBridge "CloudWatch Alarm State Change" event of a transition. */
export function stateChangeEvent(
  alarm: AlarmDefinition,
  where: AlarmLocation,
  previous: AlarmStatus,
  current: AlarmStatus,
): AlarmStateChangeEvent {
  const description = alarm.description ? { description: alarm.description } : {};
  const configuration =
    alarm.kind === 'metric'
      ? { ...description, metrics: eventMetrics(alarm) }
      : {
          ...description,
          alarmRule: alarm.alarmRule,
          ...(alarm.actionsSuppressor
            ? {
                actionsSuppressor: alarm.actionsSuppressor,
                actionsSuppressorWaitPeriod: alarm.actionsSuppressorWaitPeriod,
                actionsSuppressorExtensionPeriod: alarm.actionsSuppressorExtensionPeriod,
              }
            : {}),
        };
  return {
    version: '0',
    id: stableId(alarm.name, current.timestamp, current.value, 'event'),
    'detail-type': 'CloudWatch Alarm State Change',
    source: 'aws.cloudwatch',
    account: where.account,
    time: new Date(current.timestamp).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region: where.region,
    resources: [where.arn],
    detail: {
      alarmName: alarm.name,
      state: eventState(current),
      previousState: eventState(previous),
      configuration,
    },
  };
}

function eventMetrics(alarm: MetricAlarmDefinition): EventMetric[] {
  return alarm.queries.map((q) => {
    // A single-metric alarm's event carries a generated id (a UUID in AWS's samples).
    const id = alarm.singleMetric ? stableId(alarm.name, 'metric') : q.id;
    const label = q.label ? { label: q.label } : {};
    if (q.kind === 'expression') return { id, expression: q.expression, ...label, returnData: q.returnData };
    return {
      id,
      metricStat: {
        metric: { dimensions: q.metric.dimensions, name: q.metric.metricName, namespace: q.metric.namespace },
        period: q.period,
        stat: q.stat,
        ...(q.unit ? { unit: q.unit } : {}),
      },
      ...label,
      returnData: q.returnData,
    };
  });
}

/** An SNS alarm action's message: subject and the JSON body CloudWatch publishes. */
export interface AlarmNotification {
  readonly subject: string;
  readonly message: Readonly<Record<string, unknown>>;
}

/** The notification CloudWatch publishes to an SNS topic in an alarm's actions. */
export function alarmNotification(
  alarm: AlarmDefinition,
  where: AlarmLocation,
  previous: AlarmStatus,
  current: AlarmStatus,
  triggeringChildren: readonly { readonly arn: string; readonly state: AlarmStatus }[] = [],
): AlarmNotification {
  const region = regionName(where.region);
  const common = {
    AlarmName: alarm.name,
    AlarmDescription: alarm.description ?? null,
    AWSAccountId: where.account,
    AlarmConfigurationUpdatedTimestamp: cloudWatchTimestamp(where.configuredAt),
    NewStateValue: current.value,
    NewStateReason: current.reason,
    StateChangeTime: cloudWatchTimestamp(current.timestamp),
    Region: region,
    AlarmArn: where.arn,
    OldStateValue: previous.value,
    OKActions: alarm.okActions,
    AlarmActions: alarm.alarmActions,
    InsufficientDataActions: alarm.insufficientDataActions,
  };
  const message =
    alarm.kind === 'metric'
      ? { ...common, Trigger: trigger(alarm) }
      : {
          ...common,
          AlarmRule: alarm.alarmRule,
          TriggeringChildren: triggeringChildren.map((c) => ({
            Arn: c.arn,
            State: { Value: c.state.value, Timestamp: cloudWatchTimestamp(c.state.timestamp) },
          })),
        };
  // SNS subjects are limited to 100 characters.
  const subject = `${current.value}: "${alarm.name}" in ${region}`.slice(0, 100);
  return { subject, message };
}

const STATISTIC_NAMES: Readonly<Record<string, string>> = {
  Sum: 'SUM',
  Average: 'AVERAGE',
  Minimum: 'MINIMUM',
  Maximum: 'MAXIMUM',
  SampleCount: 'SAMPLE_COUNT',
};

function dimensionList(m: MetricId): { value: string; name: string }[] {
  return Object.entries(m.dimensions).map(([name, value]) => ({ value, name }));
}

function trigger(alarm: MetricAlarmDefinition): Record<string, unknown> {
  const rule = {
    Period: alarm.period,
    EvaluationPeriods: alarm.evaluationPeriods,
    DatapointsToAlarm: alarm.datapointsToAlarm,
    ComparisonOperator: alarm.comparisonOperator,
    Threshold: alarm.threshold,
    TreatMissingData: alarm.treatMissingData,
    EvaluateLowSampleCountPercentile: alarm.evaluateLowSampleCountPercentile ?? '',
  };
  const [only] = alarm.queries;
  if (alarm.singleMetric && only?.kind === 'metric') {
    const standard = STATISTIC_NAMES[only.stat];
    return {
      MetricName: only.metric.metricName,
      Namespace: only.metric.namespace,
      StatisticType: standard ? 'Statistic' : 'ExtendedStatistic',
      ...(standard ? { Statistic: standard } : { ExtendedStatistic: only.stat }),
      Unit: only.unit ?? null,
      Dimensions: dimensionList(only.metric),
      ...rule,
    };
  }
  return {
    ...rule,
    Metrics: alarm.queries.map((q) =>
      q.kind === 'expression'
        ? {
            Expression: q.expression,
            Id: q.id,
            ...(q.label ? { Label: q.label } : {}),
            ReturnData: q.returnData,
          }
        : {
            Id: q.id,
            MetricStat: {
              Metric: {
                Dimensions: dimensionList(q.metric),
                MetricName: q.metric.metricName,
                Namespace: q.metric.namespace,
              },
              Period: q.period,
              Stat: q.stat,
            },
            ReturnData: q.returnData,
          },
    ),
  };
}

const REGION_NAMES: Readonly<Record<string, string>> = {
  'us-east-1': 'US East (N. Virginia)',
  'us-east-2': 'US East (Ohio)',
  'us-west-1': 'US West (N. California)',
  'us-west-2': 'US West (Oregon)',
  'eu-west-1': 'EU (Ireland)',
  'eu-west-2': 'EU (London)',
  'eu-west-3': 'EU (Paris)',
  'eu-central-1': 'EU (Frankfurt)',
  'eu-north-1': 'EU (Stockholm)',
  'ap-southeast-1': 'Asia Pacific (Singapore)',
  'ap-southeast-2': 'Asia Pacific (Sydney)',
  'ap-northeast-1': 'Asia Pacific (Tokyo)',
};

/** The region's name as alarm notifications print it (the code itself for regions not listed). */
export function regionName(region: string): string {
  return REGION_NAMES[region] ?? region;
}

const OPERATOR_WORDS: Readonly<Record<MetricAlarmDefinition['comparisonOperator'], string>> = {
  GreaterThanOrEqualToThreshold: 'greater than or equal to',
  GreaterThanThreshold: 'greater than',
  LessThanThreshold: 'less than',
  LessThanOrEqualToThreshold: 'less than or equal to',
};

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** A state reason in CloudWatch's wording ("Threshold Crossed: ...", "Insufficient Data: ..."). */
export function thresholdReason(
  a: MetricAlarmDefinition,
  d: MOfNResult,
  from: AlarmStateValue,
  to: AlarmStateValue,
): string {
  if (to === 'INSUFFICIENT_DATA') {
    const unknown = a.evaluationPeriods - d.evaluated.length;
    return `Insufficient Data: ${plural(unknown, 'datapoint')} ${unknown === 1 ? 'was' : 'were'} unknown.`;
  }
  const fillWord = a.treatMissingData === 'breaching' ? 'Breaching' : 'NonBreaching';
  const filled = `${plural(d.filled, 'missing datapoint')} ${d.filled === 1 ? 'was' : 'were'} treated as [${fillWord}]`;
  const real = d.evaluated.filter((p) => p.value !== undefined);
  if (real.length === 0) {
    return `Threshold Crossed: no datapoints were received for ${plural(d.filled, 'period')} and ${filled}.`;
  }
  const count = to === 'ALARM' ? d.breaching : d.evaluated.length - d.breaching;
  const list = [...real]
    .reverse()
    .map((p) => `${cloudWatchNumber(p.value as number)} (${reasonTime(p.timestamp)})`)
    .join(', ');
  const minimum = to === 'ALARM' ? a.datapointsToAlarm : a.evaluationPeriods - a.datapointsToAlarm + 1;
  return (
    `Threshold Crossed: ${count} out of the last ${d.evaluated.length} datapoints [${list}] ` +
    `${count === 1 ? 'was' : 'were'} ${to === 'OK' ? 'not ' : ''}${OPERATOR_WORDS[a.comparisonOperator]} the threshold ` +
    `(${cloudWatchNumber(a.threshold)}) (minimum ${plural(minimum, 'datapoint')} for ${from} -> ${to} transition).` +
    (d.filled > 0 ? ` ${filled}.` : '')
  );
}

export function thresholdReasonData(
  a: MetricAlarmDefinition,
  d: MOfNResult,
  at: number,
): Record<string, unknown> {
  const [only] = a.queries;
  const newestFirst = [...d.evaluated].reverse();
  return {
    version: '1.0',
    queryDate: cloudWatchTimestamp(at),
    ...(d.evaluated[0] ? { startDate: cloudWatchTimestamp(d.evaluated[0].timestamp) } : {}),
    ...(a.singleMetric && only?.kind === 'metric' ? { statistic: only.stat } : {}),
    period: a.period,
    recentDatapoints: newestFirst.flatMap((p) => (p.value === undefined ? [] : [p.value])).reverse(),
    threshold: a.threshold,
    evaluatedDatapoints: newestFirst.map((p) => ({
      timestamp: cloudWatchTimestamp(p.timestamp),
      ...(p.value !== undefined ? { value: p.value } : {}),
    })),
  };
}

const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

/** "Friday 22 July, 2022 15:57:45 UTC", as composite reasons print it. */
export function longDate(ms: number): string {
  const d = new Date(ms);
  return `${DAYS[d.getUTCDay()]} ${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]}, ${d.getUTCFullYear()} ${d.toISOString().slice(11, 19)} UTC`;
}
