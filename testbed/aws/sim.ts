/**
 * Glue between a synthesized payprobe template, moto and the alarm evaluator: what CloudWatch would do
 * with the stack's alarms, on a simulated clock. It creates the template's SNS topics and metric alarms in
 * moto, subscribes an HTTP subscriber (./subscriber.ts) to every topic, then for a time range reads the
 * metrics back from moto with GetMetricData, evaluates the alarms (./alarm-evaluator.ts), publishes each
 * alarm action to SNS in CloudWatch's notification format and hands every state-change event to a
 * callback (where the diagnose Lambda will plug in).
 *
 * Kept out of moto on purpose: the template's own subscriptions (email, https to a pager, sms: a test must
 * not reach them), KMS keys on topics, composite alarms (moto has no PutCompositeAlarm; the evaluator still
 * evaluates them) and alarm mute rules (the evaluator applies the template's, ./mute-rules.ts). moto does not evaluate alarms: after each transition the sim sets the state in
 * moto (SetAlarmState) so DescribeAlarms tells the same story. GetMetricData in moto has no percentiles and
 * no metric math: math is the evaluator's; a percentile is computed from 10-second Sum and SampleCount
 * buckets (exact while a metric has at most one datapoint per 10 s, as each probe run publishes one).
 */
import {
  CloudWatchClient,
  GetMetricDataCommand,
  type MetricDataQuery,
  PutMetricAlarmCommand,
  type PutMetricAlarmCommandInput,
  PutMetricDataCommand,
  type PutMetricDataCommandInput,
  SetAlarmStateCommand,
} from '@aws-sdk/client-cloudwatch';
import { CreateTopicCommand, PublishCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import {
  type ActionInvocation,
  AlarmEvaluator,
  type AlarmTransition,
  EVALUATION_STEP_MS,
  type EvaluatorOptions,
} from './alarm-evaluator';
import type { AlarmStateChangeEvent } from './alarm-events';
import {
  type AlarmDefinition,
  alarmsFromTemplate,
  type CfnTemplate,
  type MetricAlarmDefinition,
  type MetricId,
  templateContext,
} from './alarm-model';
import type { MotoClientConfig } from './moto';
import { muteRulesFromTemplate } from './mute-rules';
import {
  aggregate,
  type PeriodValue,
  parseStatistic,
  type StatisticQuery,
  type StatisticSource,
} from './statistics';

/** moto's default account: topic and alarm ARNs carry it. */
export const MOTO_ACCOUNT = '123456789012';

export interface SimOptions {
  /** The synthesized template (Template.fromStack(stack).toJSON()). */
  readonly template: CfnTemplate;
  readonly aws: { readonly clientConfig: MotoClientConfig };
  /**
   * Subscribed (protocol http) to every topic of the template but the internal ones (a topic with a Lambda
   * subscription in the template: its subscriber is the function, see onPublished).
   */
  readonly subscriber?: { readonly endpoint: string };
  /** @default MOTO_ACCOUNT */
  readonly account?: string;
  /** Physical names for `Ref`s, by logical ID (topics get moto's ARNs; everything else defaults to its logical ID). */
  readonly refs?: Readonly<Record<string, string>>;
  readonly evaluator?: Omit<EvaluatorOptions, 'region' | 'account'>;
  /** Every alarm state change, in order, after its actions were published. */
  readonly onStateChange?: (
    event: AlarmStateChangeEvent,
    transition: AlarmTransition,
  ) => void | Promise<void>;
  /** Every alarm action published, after the Publish (where a topic's Lambda subscriber plugs in). */
  readonly onPublished?: (notification: PublishedNotification) => void | Promise<void>;
  /** Width of the buckets a percentile is computed from. @default 10 */
  readonly percentileBucketSeconds?: number;
}

/** One SNS Publish the sim made for an alarm action. */
export interface PublishedNotification {
  readonly at: number;
  readonly alarmName: string;
  readonly state: string;
  readonly topicArn: string;
  readonly subject: string;
  readonly message: string;
}

export interface SimRunResult {
  readonly transitions: readonly AlarmTransition[];
  readonly actions: readonly ActionInvocation[];
  readonly published: readonly PublishedNotification[];
  /** Action ARNs that are not SNS topics (Auto Scaling, SSM, ...): not simulated. */
  readonly skippedActions: readonly string[];
}

/** A run's results as they accumulate. */
interface Collector {
  readonly transitions: AlarmTransition[];
  readonly actions: ActionInvocation[];
  readonly published: PublishedNotification[];
  readonly skippedActions: string[];
}

export class AwsSim {
  readonly cloudWatch: CloudWatchClient;
  readonly sns: SNSClient;
  private readonly log: PublishedNotification[] = [];

  private constructor(
    private readonly options: SimOptions,
    /** Topic ARNs by logical ID. */
    readonly topics: ReadonlyMap<string, string>,
    readonly alarms: readonly AlarmDefinition[],
    readonly evaluator: AlarmEvaluator,
    clients: { cloudWatch: CloudWatchClient; sns: SNSClient },
  ) {
    this.cloudWatch = clients.cloudWatch;
    this.sns = clients.sns;
  }

  /** Every notification published so far. */
  get published(): readonly PublishedNotification[] {
    return this.log;
  }

  /** Creates the template's topics and metric alarms in moto and subscribes the subscriber. */
  static async create(options: SimOptions): Promise<AwsSim> {
    const config = options.aws.clientConfig;
    const cloudWatch = new CloudWatchClient(config);
    const sns = new SNSClient(config);
    const account = options.account ?? MOTO_ACCOUNT;
    const topics = new Map<string, string>();
    const internal = new Set(
      Object.values(options.template.Resources ?? {})
        .filter((r) => r.Type === 'AWS::SNS::Subscription' && r.Properties?.Protocol === 'lambda')
        .map((r) => (r.Properties?.TopicArn as { Ref?: unknown } | undefined)?.Ref),
    );
    for (const [id, r] of Object.entries(options.template.Resources ?? {})) {
      if (r.Type !== 'AWS::SNS::Topic') continue;
      const p = r.Properties ?? {};
      const name = typeof p.TopicName === 'string' ? p.TopicName : id;
      const attributes: Record<string, string> = {};
      if (typeof p.DisplayName === 'string') attributes.DisplayName = p.DisplayName;
      if (p.FifoTopic === true) attributes.FifoTopic = 'true';
      const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: name, Attributes: attributes }));
      if (!TopicArn) throw new Error(`moto created topic ${id} without an ARN`);
      topics.set(id, TopicArn);
      if (options.subscriber && !internal.has(id)) {
        await sns.send(
          new SubscribeCommand({ TopicArn, Protocol: 'http', Endpoint: options.subscriber.endpoint }),
        );
      }
    }
    const ctx = templateContext(
      options.template,
      { region: config.region, account },
      { ...Object.fromEntries(topics), ...options.refs },
    );
    const alarms = alarmsFromTemplate(options.template, ctx);
    for (const a of alarms) {
      if (a.kind !== 'metric') continue;
      await cloudWatch.send(new PutMetricAlarmCommand(putMetricAlarmInput(a)));
      // CloudWatch creates an alarm in INSUFFICIENT_DATA; moto starts it in OK. An alarm that never gets data
      // (the daily live audit's, in a short run) must read the same in both.
      await cloudWatch.send(
        new SetAlarmStateCommand({
          AlarmName: a.name,
          StateValue: 'INSUFFICIENT_DATA',
          StateReason: 'created (as CloudWatch creates an alarm)',
        }),
      );
    }
    // moto has no alarm mute rules: the template's are the evaluator's.
    const muteRules = [
      ...(options.evaluator?.muteRules ?? []),
      ...muteRulesFromTemplate(options.template, ctx),
    ];
    const evaluator = new AlarmEvaluator(alarms, {
      ...options.evaluator,
      muteRules,
      region: config.region,
      account,
    });
    return new AwsSim(options, topics, alarms, evaluator, { cloudWatch, sns });
  }

  /** PutMetricData to moto, in requests of at most 1000 datapoints (CloudWatch's limit). */
  async putMetricData(input: PutMetricDataCommandInput): Promise<void> {
    const data = input.MetricData ?? [];
    for (let i = 0; i < data.length; i += 1000) {
      await this.cloudWatch.send(new PutMetricDataCommand({ ...input, MetricData: data.slice(i, i + 1000) }));
    }
  }

  /**
   * Evaluates every 10 s from `from` to `to` (epoch ms, inclusive) and at suppression expiries, reading
   * the metrics from moto; publishes the actions and calls onStateChange for each transition.
   */
  async run(from: number, to: number): Promise<SimRunResult> {
    const out: Collector = { transitions: [], actions: [], published: [], skippedActions: [] };
    let last = from - 1;
    for (
      let t = Math.ceil(from / EVALUATION_STEP_MS) * EVALUATION_STEP_MS;
      t <= to;
      t += EVALUATION_STEP_MS
    ) {
      for (let timer = this.evaluator.nextTimerAfter(last); timer !== undefined && timer < t; ) {
        await this.tickAt(timer, out);
        last = timer;
        timer = this.evaluator.nextTimerAfter(last);
      }
      await this.tickAt(t, out);
      last = t;
    }
    return out;
  }

  destroy(): void {
    this.cloudWatch.destroy();
    this.sns.destroy();
  }

  private async tickAt(at: number, out: Collector): Promise<void> {
    const source = await this.prefetch(this.evaluator.queriesAt(at));
    const r = this.evaluator.tick(at, source);
    out.transitions.push(...r.transitions);
    out.actions.push(...r.actions);
    for (const action of r.actions) {
      for (const arn of action.actions) {
        if (!/^arn:[^:]+:sns:/.test(arn)) {
          out.skippedActions.push(arn);
          continue;
        }
        const message = JSON.stringify(action.notification.message);
        await this.sns.send(
          new PublishCommand({ TopicArn: arn, Subject: action.notification.subject, Message: message }),
        );
        const p = {
          at,
          alarmName: action.alarmName,
          state: action.state,
          topicArn: arn,
          subject: action.notification.subject,
          message,
        };
        this.log.push(p);
        out.published.push(p);
        await this.options.onPublished?.(p);
      }
    }
    for (const t of r.transitions) {
      if (t.alarm.kind === 'metric') {
        await this.cloudWatch.send(
          new SetAlarmStateCommand({
            AlarmName: t.alarm.name,
            StateValue: t.current.value,
            StateReason: t.current.reason.slice(0, 1023),
            ...(t.current.reasonData ? { StateReasonData: t.current.reasonData } : {}),
          }),
        );
      }
      await this.options.onStateChange?.(t.event, t);
    }
  }

  /** Answers an evaluation's statistic queries from moto's GetMetricData, grouped by time range. */
  private async prefetch(queries: readonly StatisticQuery[]): Promise<StatisticSource> {
    const answers = new Map<string, readonly PeriodValue[]>();
    const groups = new Map<string, StatisticQuery[]>();
    for (const q of queries) {
      const key = `${q.start}/${q.end}`;
      groups.set(key, [...(groups.get(key) ?? []), q]);
    }
    for (const group of groups.values()) {
      const { start, end } = group[0] as StatisticQuery;
      const requests: { id: string; metric: MetricId; stat: string; period: number; unit?: string }[] = [];
      group.forEach((q, i) => {
        if (parseStatistic(q.stat).kind === 'percentile') {
          const period = this.options.percentileBucketSeconds ?? 10;
          requests.push({
            id: `q${i}sum`,
            metric: q.metric,
            stat: 'Sum',
            period,
            ...(q.unit ? { unit: q.unit } : {}),
          });
          requests.push({
            id: `q${i}count`,
            metric: q.metric,
            stat: 'SampleCount',
            period,
            ...(q.unit ? { unit: q.unit } : {}),
          });
        } else {
          requests.push({
            id: `q${i}`,
            metric: q.metric,
            stat: q.stat,
            period: q.period,
            ...(q.unit ? { unit: q.unit } : {}),
          });
        }
      });
      const series = await this.getMetricData(requests, start, end);
      group.forEach((q, i) => {
        answers.set(
          keyOf(q),
          parseStatistic(q.stat).kind === 'percentile'
            ? percentileFrom(q, series, `q${i}`)
            : (series.get(`q${i}`) ?? []),
        );
      });
    }
    return {
      statistics: (q) => {
        const hit = answers.get(keyOf(q));
        if (hit) return hit;
        throw new Error(
          `sim: statistic ${q.stat} of ${q.metric.metricName} was not fetched from moto for this evaluation`,
        );
      },
    };
  }

  private async getMetricData(
    requests: readonly { id: string; metric: MetricId; stat: string; period: number; unit?: string }[],
    start: number,
    end: number,
  ): Promise<Map<string, PeriodValue[]>> {
    const out = new Map<string, PeriodValue[]>();
    for (let i = 0; i < requests.length; i += 500) {
      const MetricDataQueries: MetricDataQuery[] = requests.slice(i, i + 500).map((r) => ({
        Id: r.id,
        ReturnData: true,
        MetricStat: {
          Metric: {
            Namespace: r.metric.namespace,
            MetricName: r.metric.metricName,
            Dimensions: Object.entries(r.metric.dimensions).map(([Name, Value]) => ({ Name, Value })),
          },
          Period: r.period,
          Stat: r.stat,
          ...(r.unit ? { Unit: r.unit as never } : {}),
        },
      }));
      let NextToken: string | undefined;
      do {
        const res = await this.cloudWatch.send(
          new GetMetricDataCommand({
            StartTime: new Date(start),
            EndTime: new Date(end),
            MetricDataQueries,
            NextToken,
            ScanBy: 'TimestampAscending',
          }),
        );
        for (const r of res.MetricDataResults ?? []) {
          const rows = out.get(r.Id ?? '') ?? [];
          (r.Timestamps ?? []).forEach((t, k) => {
            const value = r.Values?.[k];
            if (value !== undefined) rows.push({ timestamp: t.getTime(), value });
          });
          out.set(r.Id ?? '', rows);
        }
        NextToken = res.NextToken;
      } while (NextToken);
    }
    for (const rows of out.values()) rows.sort((a, b) => a.timestamp - b.timestamp);
    return out;
  }
}

function keyOf(q: StatisticQuery): string {
  return JSON.stringify([
    q.metric.namespace,
    q.metric.metricName,
    Object.entries(q.metric.dimensions).sort(),
    q.stat,
    q.period,
    q.start,
    q.end,
    q.unit ?? null,
  ]);
}

/** A percentile per period from bucketed Sum and SampleCount (each bucket's average, count times). */
function percentileFrom(
  q: StatisticQuery,
  series: ReadonlyMap<string, readonly PeriodValue[]>,
  id: string,
): PeriodValue[] {
  const counts = new Map((series.get(`${id}count`) ?? []).map((r) => [r.timestamp, r.value]));
  const step = q.period * 1000;
  const buckets = new Map<number, number[]>();
  for (const { timestamp, value: sum } of series.get(`${id}sum`) ?? []) {
    const n = counts.get(timestamp) ?? 0;
    if (n <= 0) continue;
    const slot = q.start + Math.floor((timestamp - q.start) / step) * step;
    const list = buckets.get(slot) ?? [];
    for (let k = 0; k < n; k++) list.push(sum / n);
    buckets.set(slot, list);
  }
  const stat = parseStatistic(q.stat);
  return [...buckets]
    .sort((a, b) => a[0] - b[0])
    .flatMap(([timestamp, values]) => {
      const value = aggregate(values, stat);
      return value === undefined ? [] : [{ timestamp, value }];
    });
}

/** PutMetricAlarm input for a metric alarm definition. */
export function putMetricAlarmInput(a: MetricAlarmDefinition): PutMetricAlarmCommandInput {
  const dims = (m: MetricId) => Object.entries(m.dimensions).map(([Name, Value]) => ({ Name, Value }));
  const common: PutMetricAlarmCommandInput = {
    AlarmName: a.name,
    ...(a.description ? { AlarmDescription: a.description } : {}),
    ActionsEnabled: a.actionsEnabled,
    AlarmActions: [...a.alarmActions],
    OKActions: [...a.okActions],
    InsufficientDataActions: [...a.insufficientDataActions],
    ComparisonOperator: a.comparisonOperator,
    Threshold: a.threshold,
    EvaluationPeriods: a.evaluationPeriods,
    DatapointsToAlarm: a.datapointsToAlarm,
    TreatMissingData: a.treatMissingData,
    ...(a.evaluateLowSampleCountPercentile
      ? { EvaluateLowSampleCountPercentile: a.evaluateLowSampleCountPercentile }
      : {}),
  };
  const [only] = a.queries;
  if (a.singleMetric && only?.kind === 'metric') {
    const standard = parseStatistic(only.stat).kind === 'standard';
    return {
      ...common,
      Namespace: only.metric.namespace,
      MetricName: only.metric.metricName,
      Dimensions: dims(only.metric),
      Period: only.period,
      ...(standard ? { Statistic: only.stat as never } : { ExtendedStatistic: only.stat }),
      ...(only.unit ? { Unit: only.unit as never } : {}),
    };
  }
  return {
    ...common,
    Metrics: a.queries.map((q) =>
      q.kind === 'expression'
        ? {
            Id: q.id,
            Expression: q.expression,
            ReturnData: q.returnData,
            ...(q.label ? { Label: q.label } : {}),
          }
        : {
            Id: q.id,
            ReturnData: q.returnData,
            ...(q.label ? { Label: q.label } : {}),
            MetricStat: {
              Metric: {
                Namespace: q.metric.namespace,
                MetricName: q.metric.metricName,
                Dimensions: dims(q.metric),
              },
              Period: q.period,
              Stat: q.stat,
            },
          },
    ),
  };
}
