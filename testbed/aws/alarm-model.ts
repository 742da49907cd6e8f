/**
 * CloudWatch alarm definitions as a synthesized CloudFormation template states them
 * (`AWS::CloudWatch::Alarm`, `AWS::CloudWatch::CompositeAlarm`), turned into plain readonly data the alarm
 * evaluator (./alarm-evaluator.ts) and the moto glue (./sim.ts) share. It also holds the small resolver
 * for the intrinsic functions alarm properties contain (`Ref`, `Fn::GetAtt`, `Fn::Join`, `Fn::Sub`): a
 * template names topics and functions by logical ID, the evaluator needs their physical names and ARNs.
 *
 * Anything the evaluator cannot honour (anomaly-detection thresholds, Metrics Insights queries, a
 * statistic it does not compute, a resource condition) is refused here with a message naming the alarm.
 */
import { parseStatistic } from './statistics';

export type AlarmStateValue = 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';

export const COMPARISON_OPERATORS = [
  'GreaterThanOrEqualToThreshold',
  'GreaterThanThreshold',
  'LessThanThreshold',
  'LessThanOrEqualToThreshold',
] as const;
export type ComparisonOperator = (typeof COMPARISON_OPERATORS)[number];

export const TREAT_MISSING_DATA = ['missing', 'notBreaching', 'breaching', 'ignore'] as const;
export type TreatMissingData = (typeof TREAT_MISSING_DATA)[number];

/** One metric: namespace, name and the full dimension set (CloudWatch matches dimension sets exactly). */
export interface MetricId {
  readonly namespace: string;
  readonly metricName: string;
  readonly dimensions: Readonly<Record<string, string>>;
}

/** A `MetricStat` entry of an alarm's `Metrics` (a single-metric alarm becomes one of these, id `m1`). */
export interface MetricStatQuery {
  readonly kind: 'metric';
  readonly id: string;
  readonly metric: MetricId;
  readonly period: number;
  /** Sum, Average, Minimum, Maximum, SampleCount or a percentile such as p90. */
  readonly stat: string;
  readonly unit?: string;
  readonly returnData: boolean;
  readonly label?: string;
}

/** An `Expression` entry of an alarm's `Metrics` (metric math, see ./metric-math.ts). */
export interface ExpressionQuery {
  readonly kind: 'expression';
  readonly id: string;
  readonly expression: string;
  readonly returnData: boolean;
  readonly label?: string;
}

export type MetricDataQuery = MetricStatQuery | ExpressionQuery;

interface AlarmActions {
  readonly name: string;
  /** The CloudFormation logical ID, when the alarm came from a template. */
  readonly logicalId?: string;
  readonly description?: string;
  readonly actionsEnabled: boolean;
  readonly alarmActions: readonly string[];
  readonly okActions: readonly string[];
  readonly insufficientDataActions: readonly string[];
}

export interface MetricAlarmDefinition extends AlarmActions {
  readonly kind: 'metric';
  /** True for a MetricName/Namespace/Statistic alarm (one query, id m1), false for a `Metrics` alarm. */
  readonly singleMetric: boolean;
  /** The queries; exactly one has returnData true: the alarm's time series. */
  readonly queries: readonly MetricDataQuery[];
  /** Seconds: the period of every MetricStat (CloudWatch requires one period per alarm). */
  readonly period: number;
  readonly evaluationPeriods: number;
  readonly datapointsToAlarm: number;
  readonly threshold: number;
  readonly comparisonOperator: ComparisonOperator;
  readonly treatMissingData: TreatMissingData;
  readonly evaluateLowSampleCountPercentile?: 'evaluate' | 'ignore';
  /**
   * `WarmUpConfiguration`: after the alarm is created (or updated) it stays INSUFFICIENT_DATA, without actions,
   * for `minutes`; with `onlyAfterPeriodEnds` false it starts evaluating earlier, as soon as it has enough metric
   * data to fill its evaluation window.
   */
  readonly warmUp?: { readonly minutes: number; readonly onlyAfterPeriodEnds: boolean };
}

export interface CompositeAlarmDefinition extends AlarmActions {
  readonly kind: 'composite';
  /** ALARM(x) / OK(x) / INSUFFICIENT_DATA(x) / TRUE / FALSE with AND, OR, NOT (./composite-rule.ts). */
  readonly alarmRule: string;
  /** Name or ARN of the alarm whose ALARM state suppresses this alarm's actions. */
  readonly actionsSuppressor?: string;
  /** Seconds; CloudFormation and CDK default both periods to 60 when a suppressor is set. */
  readonly actionsSuppressorWaitPeriod: number;
  readonly actionsSuppressorExtensionPeriod: number;
}

export type AlarmDefinition = MetricAlarmDefinition | CompositeAlarmDefinition;

/** What the intrinsic resolver knows about the stack's resources. */
export interface IntrinsicContext {
  /** `Ref` of each logical ID: a topic's ARN, a function's name, a rule's name. */
  readonly refs: Readonly<Record<string, string>>;
  /** `Fn::GetAtt` values: logical ID → attribute → value. */
  readonly attributes?: Readonly<Record<string, Readonly<Record<string, string>>>>;
  readonly region: string;
  readonly account: string;
  /** @default 'aws' */
  readonly partition?: string;
  /** @default 'PayProbe' */
  readonly stackName?: string;
}

/** Resolves Ref, Fn::GetAtt, Fn::Join, Fn::Sub and Fn::Select; throws on anything unresolved. */
export function resolveIntrinsics(value: unknown, ctx: IntrinsicContext, where = 'value'): unknown {
  if (Array.isArray(value)) return value.map((v, i) => resolveIntrinsics(v, ctx, `${where}[${i}]`));
  if (typeof value !== 'object' || value === null) return value;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj);
  if (keys.length === 1 && (keys[0] === 'Ref' || keys[0]?.startsWith('Fn::'))) {
    return resolveFunction(keys[0], obj[keys[0]], ctx, where);
  }
  return Object.fromEntries(keys.map((k) => [k, resolveIntrinsics(obj[k], ctx, `${where}.${k}`)]));
}

function resolveFunction(fn: string, arg: unknown, ctx: IntrinsicContext, where: string): unknown {
  switch (fn) {
    case 'Ref':
      return refValue(String(arg), ctx, where);
    case 'Fn::GetAtt': {
      const [id, attr] = Array.isArray(arg) ? arg.map(String) : String(arg).split('.');
      const v = ctx.attributes?.[id ?? '']?.[attr ?? ''];
      if (v === undefined)
        throw new Error(`${where}: cannot resolve Fn::GetAtt ${id}.${attr} (not in the context)`);
      return v;
    }
    case 'Fn::Join': {
      const [sep, parts] = arg as [string, unknown[]];
      const resolved = resolveIntrinsics(parts, ctx, where);
      if (!Array.isArray(resolved)) throw new Error(`${where}: Fn::Join needs a list`);
      return resolved.map(String).join(sep);
    }
    case 'Fn::Select': {
      const [index, list] = arg as [number, unknown];
      const resolved = resolveIntrinsics(list, ctx, where) as unknown[];
      return resolved[Number(index)];
    }
    case 'Fn::Sub': {
      const [text, vars] = Array.isArray(arg)
        ? (arg as [string, Record<string, unknown>])
        : [String(arg), {}];
      const local = resolveIntrinsics(vars, ctx, where) as Record<string, unknown>;
      return text.replace(/\$\{([^}!]+)\}/g, (_m, name: string) => {
        if (name in local) return String(local[name]);
        if (name.includes('.') && !name.startsWith('AWS::')) {
          const [id, attr] = name.split('.');
          return String(resolveFunction('Fn::GetAtt', [id, attr], ctx, where));
        }
        return refValue(name, ctx, where);
      });
    }
    default:
      throw new Error(`${where}: unsupported intrinsic function ${fn}`);
  }
}

function refValue(id: string, ctx: IntrinsicContext, where: string): string {
  const pseudo: Record<string, string> = {
    'AWS::Region': ctx.region,
    'AWS::AccountId': ctx.account,
    'AWS::Partition': ctx.partition ?? 'aws',
    'AWS::URLSuffix': 'amazonaws.com',
    'AWS::StackName': ctx.stackName ?? 'PayProbe',
  };
  const v = pseudo[id] ?? ctx.refs[id];
  if (v === undefined) throw new Error(`${where}: cannot resolve Ref ${id} (no physical name given for it)`);
  return v;
}

/** The alarm's ARN, as CloudWatch forms it. */
export function alarmArn(name: string, region: string, account: string, partition = 'aws'): string {
  return `arn:${partition}:cloudwatch:${region}:${account}:alarm:${name}`;
}

type Props = Readonly<Record<string, unknown>>;

/** A metric alarm from its (already resolved) `AWS::CloudWatch::Alarm` properties. */
export function metricAlarmFromProperties(props: Props, logicalId?: string): MetricAlarmDefinition {
  const name = str(props.AlarmName) ?? logicalId;
  if (!name) throw new Error('AWS::CloudWatch::Alarm without AlarmName or logical ID');
  const fail = (message: string): never => {
    throw new Error(`alarm ${name}: ${message}`);
  };
  if (props.ThresholdMetricId !== undefined)
    fail('anomaly-detection alarms (ThresholdMetricId) are not supported');
  const comparisonOperator = oneOf(
    props.ComparisonOperator,
    COMPARISON_OPERATORS,
    'ComparisonOperator',
    fail,
  );
  const threshold = num(props.Threshold) ?? fail('Threshold is required');
  const evaluationPeriods = num(props.EvaluationPeriods) ?? fail('EvaluationPeriods is required');
  const datapointsToAlarm = num(props.DatapointsToAlarm) ?? evaluationPeriods;
  if (datapointsToAlarm < 1 || datapointsToAlarm > evaluationPeriods) {
    fail(
      `DatapointsToAlarm ${datapointsToAlarm} must be between 1 and EvaluationPeriods ${evaluationPeriods}`,
    );
  }
  const treatMissingData =
    props.TreatMissingData === undefined
      ? 'missing'
      : oneOf(props.TreatMissingData, TREAT_MISSING_DATA, 'TreatMissingData', fail);
  const lowSample =
    props.EvaluateLowSampleCountPercentile === undefined
      ? undefined
      : oneOf(
          props.EvaluateLowSampleCountPercentile,
          ['evaluate', 'ignore'] as const,
          'EvaluateLowSampleCountPercentile',
          fail,
        );

  let queries: MetricDataQuery[];
  let singleMetric: boolean;
  if (props.Metrics !== undefined) {
    singleMetric = false;
    queries = (props.Metrics as Props[]).map((m) => metricQuery(m, fail));
    if (queries.filter((q) => q.returnData).length !== 1) {
      fail('exactly one entry of Metrics must have ReturnData true (the alarm time series)');
    }
  } else {
    singleMetric = true;
    const stat =
      str(props.Statistic) ??
      str(props.ExtendedStatistic) ??
      fail('Statistic or ExtendedStatistic is required');
    checkStatistic(stat, fail);
    const unit = str(props.Unit);
    queries = [
      {
        kind: 'metric',
        id: 'm1',
        metric: {
          namespace: str(props.Namespace) ?? fail('Namespace is required'),
          metricName: str(props.MetricName) ?? fail('MetricName is required'),
          dimensions: dimensionMap(props.Dimensions),
        },
        period: num(props.Period) ?? fail('Period is required'),
        stat,
        ...(unit ? { unit } : {}),
        returnData: true,
      },
    ];
  }
  const periods = [...new Set(queries.flatMap((q) => (q.kind === 'metric' ? [q.period] : [])))];
  if (periods.length !== 1)
    fail(`every MetricStat must use one period (found ${periods.join(', ') || 'none'})`);

  return {
    kind: 'metric',
    name,
    ...(logicalId ? { logicalId } : {}),
    ...actionsOf(props),
    singleMetric,
    queries,
    period: periods[0] as number,
    evaluationPeriods,
    datapointsToAlarm,
    threshold,
    comparisonOperator,
    treatMissingData,
    ...(lowSample ? { evaluateLowSampleCountPercentile: lowSample } : {}),
    ...warmUpOf(props.WarmUpConfiguration, fail),
  };
}

function warmUpOf(
  v: unknown,
  fail: (message: string) => never,
): { warmUp?: MetricAlarmDefinition['warmUp'] } {
  if (v === undefined) return {};
  const w = v as Props;
  const minutes =
    num(w.WarmUpPeriodDurationInMinutes) ?? fail('WarmUpConfiguration needs WarmUpPeriodDurationInMinutes');
  const after = w.OnlyStartEvaluatingAfterWarmUpPeriodEnds;
  return { warmUp: { minutes, onlyAfterPeriodEnds: after === true || after === 'true' } };
}

function metricQuery(m: Props, fail: (message: string) => never): MetricDataQuery {
  const id = str(m.Id) ?? fail('a Metrics entry has no Id');
  const returnData = m.ReturnData === undefined ? true : m.ReturnData === true || m.ReturnData === 'true';
  const label = str(m.Label);
  if (m.Expression !== undefined) {
    const expression = String(m.Expression);
    if (/^\s*SELECT\b/i.test(expression)) fail(`${id}: Metrics Insights queries are not supported`);
    return { kind: 'expression', id, expression, returnData, ...(label ? { label } : {}) };
  }
  const stat = (m.MetricStat ?? fail(`${id}: neither Expression nor MetricStat`)) as Props;
  const metric = (stat.Metric ?? fail(`${id}: MetricStat without Metric`)) as Props;
  const statName = str(stat.Stat) ?? fail(`${id}: MetricStat without Stat`);
  checkStatistic(statName, fail);
  const unit = str(stat.Unit);
  return {
    kind: 'metric',
    id,
    metric: {
      namespace: str(metric.Namespace) ?? fail(`${id}: Metric without Namespace`),
      metricName: str(metric.MetricName) ?? fail(`${id}: Metric without MetricName`),
      dimensions: dimensionMap(metric.Dimensions),
    },
    period: num(stat.Period) ?? fail(`${id}: MetricStat without Period`),
    stat: statName,
    ...(unit ? { unit } : {}),
    returnData,
    ...(label ? { label } : {}),
  };
}

/** A composite alarm from its (already resolved) `AWS::CloudWatch::CompositeAlarm` properties. */
export function compositeAlarmFromProperties(props: Props, logicalId?: string): CompositeAlarmDefinition {
  const name = str(props.AlarmName) ?? logicalId;
  if (!name) throw new Error('AWS::CloudWatch::CompositeAlarm without AlarmName or logical ID');
  const alarmRule = str(props.AlarmRule);
  if (!alarmRule) throw new Error(`composite alarm ${name}: AlarmRule is required`);
  const suppressor = str(props.ActionsSuppressor);
  return {
    kind: 'composite',
    name,
    ...(logicalId ? { logicalId } : {}),
    ...actionsOf(props),
    alarmRule,
    ...(suppressor ? { actionsSuppressor: suppressor } : {}),
    actionsSuppressorWaitPeriod: num(props.ActionsSuppressorWaitPeriod) ?? 60,
    actionsSuppressorExtensionPeriod: num(props.ActionsSuppressorExtensionPeriod) ?? 60,
  };
}

/** A template's resources section, as far as this module reads it. */
export interface CfnTemplate {
  readonly Resources?: Readonly<
    Record<string, { readonly Type: string; readonly Properties?: Props; readonly Condition?: string }>
  >;
}

/**
 * An intrinsic context for a template with stand-in physical names: each SNS topic's Ref is an ARN in
 * `region`/`account` named after its logical ID, an alarm's Ref its AlarmName (as CloudFormation returns it;
 * mute rules target alarms by that Ref), every other resource's Ref its logical ID. `refs` overrides any of
 * them (for example the ARNs moto gave the topics).
 */
export function templateContext(
  template: CfnTemplate,
  where: { readonly region: string; readonly account: string },
  refs: Readonly<Record<string, string>> = {},
): IntrinsicContext {
  const defaults: Record<string, string> = {};
  for (const [id, r] of Object.entries(template.Resources ?? {})) {
    const alarmName = r.Properties?.AlarmName;
    defaults[id] =
      r.Type === 'AWS::SNS::Topic'
        ? `arn:aws:sns:${where.region}:${where.account}:${id}`
        : /^AWS::CloudWatch::(Composite)?Alarm$/.test(r.Type) && typeof alarmName === 'string'
          ? alarmName
          : id;
  }
  return { region: where.region, account: where.account, refs: { ...defaults, ...refs } };
}

/** Every metric and composite alarm of a template, its intrinsics resolved with `ctx`. */
export function alarmsFromTemplate(template: CfnTemplate, ctx: IntrinsicContext): AlarmDefinition[] {
  const out: AlarmDefinition[] = [];
  for (const [id, r] of Object.entries(template.Resources ?? {})) {
    const isMetric = r.Type === 'AWS::CloudWatch::Alarm';
    if (!isMetric && r.Type !== 'AWS::CloudWatch::CompositeAlarm') continue;
    if (r.Condition !== undefined)
      throw new Error(`${id}: alarms with a resource Condition are not supported`);
    const props = resolveIntrinsics(r.Properties ?? {}, ctx, id) as Props;
    out.push(isMetric ? metricAlarmFromProperties(props, id) : compositeAlarmFromProperties(props, id));
  }
  return out;
}

function actionsOf(props: Props): Omit<AlarmActions, 'name' | 'logicalId' | 'description'> & {
  description?: string;
} {
  const description = str(props.AlarmDescription);
  return {
    ...(description ? { description } : {}),
    actionsEnabled: props.ActionsEnabled === undefined ? true : props.ActionsEnabled === true,
    alarmActions: strings(props.AlarmActions),
    okActions: strings(props.OKActions),
    insufficientDataActions: strings(props.InsufficientDataActions),
  };
}

function checkStatistic(stat: string, fail: (message: string) => never): void {
  try {
    parseStatistic(stat);
  } catch (e) {
    fail((e as Error).message);
  }
}

function dimensionMap(dims: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const d of (dims ?? []) as { Name: string; Value: unknown }[]) out[d.Name] = String(d.Value);
  return out;
}

function oneOf<T extends string>(
  v: unknown,
  allowed: readonly T[],
  field: string,
  fail: (message: string) => never,
): T {
  if (typeof v === 'string' && (allowed as readonly string[]).includes(v)) return v as T;
  return fail(`${field} ${String(v)} is not supported (expected one of ${allowed.join(', ')})`);
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

function num(v: unknown): number | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  const n = Number(v);
  return Number.isFinite(n) ? n : undefined;
}

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.map(String) : [];
}
