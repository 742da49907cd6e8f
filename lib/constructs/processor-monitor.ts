/**
 * ProcessorMonitor: everything that watches one payment processor. The probe function (bundled locally
 * with esbuild, with reserved concurrency), its once-a-minute EventBridge Scheduler schedule, its log group, a
 * least-privilege role, and the processor's alarms, named and described from lambdas/core/contract/alarm-names.ts
 * so the diagnose Lambda can parse them. The diagnose Lambda pages for them (one page per incident, RESOLVED for
 * ALARM -> OK); the alarms notify a topic themselves only when given one, on ALARM only: an OK (also the
 * INSUFFICIENT_DATA -> OK of a first deploy) notifies nobody.
 */
import { Duration, Stack } from 'aws-cdk-lib';
import {
  Alarm,
  type CfnAlarm,
  ComparisonOperator,
  type IMetric,
  MathExpression,
  Metric,
  type MetricOptions,
  Stats,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { IRole } from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { Schedule, ScheduleExpression, TimeWindow } from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { ConfigError, type ProcessorConfig } from '../../lambdas/core/config/load';
import {
  ALARM_KINDS,
  type AlarmKindName,
  alarmName,
  type Severity,
} from '../../lambdas/core/contract/alarm-names';
import {
  ENV_GATEWAY,
  ENV_HISTORY_TABLE,
  ENV_PROCESSOR,
  ENV_SECRET_TTL_SECONDS,
} from '../../lambdas/core/contract/env-names';
import {
  DIMENSION_PROCESSOR,
  METRIC_NAMESPACE,
  METRICS,
  type MetricName,
} from '../../lambdas/core/contract/metric-names';
import { DEFAULT_SECRET_TTL_SECONDS } from '../../lambdas/core/policy/deployment';
import { runWorkMs } from '../../lambdas/core/policy/probe-policy';
import {
  AVAILABILITY_ALARM,
  CERT_EXPIRY,
  DEFAULT_AVAILABILITY_THRESHOLD,
  LATENCY,
  type MOfN,
  NOT_RUNNING,
  probePeriodSeconds,
} from '../alarms/alarm-policy';
import { alarmDescription } from '../alarms/alarm-text';
import { reservedConcurrencyFor } from '../deploy/concurrency';
import type { ConfigLocation, DeployedProcessor } from '../deploy/deployed-processor';
import { planMonitor } from '../deploy/validate';
import type { FunctionNetwork } from '../function/network';
import { PayProbeFunction, type PayProbeFunctionOptions } from '../function/payprobe-function';
import type { History } from './history';
import { importedNetwork } from './network';
import { DEFAULT_RUNBOOK_BASE_URL, knownRegion, type ProbingOptions } from './options';

/** Seconds the function timeout leaves beyond the run's own probing time. */
const TIMEOUT_MARGIN_SECONDS = 15;
/** In sub-minute mode one invocation probes for a minute: 60 s plus margin. */
const SUB_MINUTE_TIMEOUT_SECONDS = 75;

export interface ProcessorMonitorProps extends PayProbeFunctionOptions, ProbingOptions {
  /** The processor to probe, as `loadConfigFile` resolved it (defaults and preset merged). */
  readonly processor: ProcessorConfig;

  /**
   * Where CloudWatch's own ALARM notifications of the critical alarms (HandshakeFailing, AuthRejected,
   * AvailabilityLow, ProbeNotRunning) go. The diagnose Lambda (Diagnosis) pages for these alarms; give a topic
   * only when the pager wants CloudWatch's raw notification too (PayProbeProps.directAlarmNotifications).
   *
   * @default - critical alarms have no actions: the diagnose Lambda pages
   */
  readonly criticalTopic?: ITopic;

  /**
   * Where CloudWatch's own ALARM notifications of the warning alarms (LatencyHigh, CertExpiring,
   * ClientCertExpiring) go, as `criticalTopic`.
   *
   * @default - warning alarms have no actions: the diagnose Lambda pages
   */
  readonly warningTopic?: ITopic;

  /**
   * The role EventBridge Scheduler assumes to invoke the probe function. Share one role across monitors: each
   * monitor grants it lambda:InvokeFunction on its own function (no per-function Lambda permission).
   *
   * @default - a role for this schedule, created by the target
   */
  readonly schedulerRole?: IRole;

  /**
   * Reserve concurrency for the probe function (1 when its runs cannot overlap, 2 when one may run into the
   * next minute), so an account-wide throttle cannot stop the probes. Turn it off in an account whose
   * concurrency quota has no room (new accounts start below the 100 unreserved executions Lambda keeps).
   *
   * @default true
   */
  readonly reserveConcurrency?: boolean;

  /**
   * The history table the probe writes its last passing probe and failures to (its own item only).
   *
   * @default - no history: pages cannot say what changed, and the processor joins no incident
   */
  readonly history?: History;

  /**
   * The gateway the processor belongs to: each run adds to the gateway-wide FailingProcessors metric with this
   * Gateway dimension (the gateway alarm's).
   *
   * @default - no FailingProcessors datum
   */
  readonly gateway?: string;

  /**
   * Where the processor sits in its config file, for field-level error messages.
   *
   * @default - { file: 'the payprobe config', path: 'processors[name=<name>]' }
   */
  readonly configLocation?: ConfigLocation;
}

/** One of a processor's alarms, with what the diagnose Lambda and the dashboard need to know. */
export interface ProbeAlarm {
  /** The processor name (the metric dimension). */
  readonly processor: string;
  /** Which of the processor's alarms (lambdas/core/contract/alarm-names.ts). */
  readonly kind: AlarmKindName;
  /** Its severity: which topic its pages go to. */
  readonly severity: Severity;
  /** The CloudWatch alarm. */
  readonly alarm: Alarm;
}

/**
 * Watches one payment processor: probe function, schedule, logs, role and alarms. Throws ConfigError, before
 * anything is added to `scope`, when the processor breaks a deployment rule (lib/deploy/validate.ts).
 */
export class ProcessorMonitor extends Construct {
  /** The processor this monitor probes. */
  public readonly processor: ProcessorConfig;
  /** The probe function with its log group (structured JSON results) and role. */
  public readonly probe: PayProbeFunction;
  /** The probe Lambda function. */
  public readonly probeFunction: lambda.Function;
  /** The once-a-minute EventBridge Scheduler schedule (flexible time window off). */
  public readonly schedule: Schedule;
  /** Concurrent executions reserved for the probe function (0 when `reserveConcurrency` is false). */
  public readonly reservedConcurrency: number;
  /** The processor's alarms, critical first. */
  public readonly alarms: readonly ProbeAlarm[];
  /** The M-of-N of the probe-failure alarms (config `alarms` over the interval's default). */
  public readonly failureMOfN: MOfN;
  /** What was deployed: environment JSON, bundled files, readable secrets and parameters. */
  public readonly deployed: DeployedProcessor;
  /** Where the probe function runs: the `network` prop, or the config's `network.vpc` imported; none outside a VPC. */
  public readonly network?: FunctionNetwork;

  constructor(scope: Construct, id: string, props: ProcessorMonitorProps) {
    // Validate first: an undeployable processor adds nothing to `scope`.
    const p = props.processor;
    const at = props.configLocation ?? { file: 'the payprobe config', path: `processors[name=${p.name}]` };
    const { issues, plan } = planMonitor(p, at, { region: knownRegion(Stack.of(scope).region) });
    if (props.network && p.network) {
      issues.push({
        file: at.file,
        path: `${at.path}.network`,
        message: `the processor names a VPC in the config (${p.network.vpc.vpcId}) and the ProcessorMonitor was given a network: use one of the two`,
      });
    }
    if (!plan || issues.length > 0) throw new ConfigError(issues);
    super(scope, id);
    // The app's placement, or the config's ids imported (the integration's VPC, subnets, security groups).
    this.network =
      props.network ?? (p.network ? importedNetwork(new Construct(this, 'Network'), p.network) : undefined);
    this.processor = p;
    this.deployed = plan.deployed;
    this.failureMOfN = plan.failureMOfN;

    // At 60 s a failed probe is re-probed after a pause: the run may take two budgets and the pause.
    const timeoutSeconds =
      p.intervalSeconds < 60
        ? SUB_MINUTE_TIMEOUT_SECONDS
        : Math.ceil(runWorkMs(p.intervalSeconds, p.budgetMs) / 1000) + TIMEOUT_MARGIN_SECONDS;
    const secretCacheTtl = props.secretCacheTtl ?? Duration.seconds(DEFAULT_SECRET_TTL_SECONDS);
    this.reservedConcurrency =
      props.reserveConcurrency === false ? 0 : reservedConcurrencyFor(timeoutSeconds);

    // `Default`: the log group, role and function keep the logical IDs they had as this construct's children.
    this.probe = new PayProbeFunction(this, 'Default', {
      handler: 'probe',
      entry: props.entry,
      memorySize: props.memorySize,
      logRetention: props.logRetention,
      timeout: Duration.seconds(timeoutSeconds),
      description: `payprobe: probes ${p.name} every ${p.intervalSeconds} s`,
      roleDescription: `payprobe probe of ${p.name}: writes its log, publishes PayProbe metrics, reads its own secrets`,
      // A missed run is replaced by the next scheduled one; a retry would only overlap it.
      retryAttempts: 0,
      maxEventAge: Duration.seconds(60),
      ...(this.reservedConcurrency > 0 ? { reservedConcurrentExecutions: this.reservedConcurrency } : {}),
      environment: {
        [ENV_PROCESSOR]: plan.deployed.environmentJson,
        [ENV_SECRET_TTL_SECONDS]: String(secretCacheTtl.toSeconds()),
        ...(props.history ? { [ENV_HISTORY_TABLE]: props.history.tableName } : {}),
        ...(props.gateway ? { [ENV_GATEWAY]: props.gateway } : {}),
      },
      // The processor's public `{ file }` references, at the paths its deployed config names.
      files: plan.deployed.files,
      network: this.network,
    });
    this.probe.grantPutMetricData(METRIC_NAMESPACE);
    this.probe.grantReadSecrets(plan.deployed, { sid: 'Own', owner: "this processor's" });
    props.history?.grantRecord(this.probe, p.name);
    this.probeFunction = this.probe.function;

    // EventBridge Scheduler (scheduled rules are legacy): on the minute, no flexible window, no retry (the next
    // minute's run replaces a missed one). A new construct id: CloudFormation cannot change a resource's type.
    this.schedule = new Schedule(this, 'ProbeSchedule', {
      description: `payprobe: run the ${p.name} probe once a minute (it probes every ${p.intervalSeconds} s)`,
      schedule: ScheduleExpression.rate(Duration.minutes(1)),
      timeWindow: TimeWindow.off(),
      target: new LambdaInvoke(this.probeFunction, {
        ...(props.schedulerRole ? { role: props.schedulerRole } : {}),
        retryAttempts: 0,
        maxEventAge: Duration.seconds(60),
      }),
    });

    this.alarms = this.createAlarms(props, at.file);
  }

  /** A PayProbe metric of this processor (dimension Processor). */
  public metric(metricName: MetricName, options: MetricOptions = {}): Metric {
    return new Metric({
      namespace: METRIC_NAMESPACE,
      metricName,
      dimensionsMap: { [DIMENSION_PROCESSOR]: this.processor.name },
      ...options,
    });
  }

  /** The alarm of one kind, if this monitor has it (ClientCertExpiring exists only with mTLS). */
  public alarm(kind: AlarmKindName): Alarm | undefined {
    return this.alarms.find((a) => a.kind === kind)?.alarm;
  }

  private createAlarms(props: ProcessorMonitorProps, configFile: string): ProbeAlarm[] {
    const p = this.processor;
    const periodSeconds = probePeriodSeconds(p.intervalSeconds);
    // CDK's Metric refuses 20-s periods, which CloudWatch accepts: such alarms get a placeholder period here and
    // the real one written into the template below (withPeriod).
    const stagePeriod = Duration.seconds(periodSeconds === 20 ? 10 : periodSeconds);
    const mOfN = this.failureMOfN;
    const availabilityThreshold = p.alarms.availabilityThreshold ?? DEFAULT_AVAILABILITY_THRESHOLD;
    const latencyBudgetMs = p.alarms.latencyBudgetMs ?? p.slowResponseMs;
    const ctx = {
      processor: p,
      configFile,
      runbookBaseUrl: props.runbookBaseUrl ?? DEFAULT_RUNBOOK_BASE_URL,
      failureMOfN: mOfN,
      stagePeriodSeconds: periodSeconds,
      availabilityThreshold,
      latencyBudgetMs,
      notRunningMinutes: NOT_RUNNING.datapointsToAlarm,
    };

    interface Spec {
      readonly kind: AlarmKindName;
      readonly metric: IMetric;
      readonly threshold: number;
      readonly comparisonOperator: ComparisonOperator;
      readonly mOfN: MOfN;
      readonly treatMissingData: TreatMissingData;
      /** One probe per period: the template gets the probe interval as the period (20 s included). */
      readonly probePeriod?: boolean;
      /** CloudWatch's alarm warm-up after the alarm is created or updated. */
      readonly warmUpMinutes?: number;
    }
    const specs: Spec[] = [
      {
        // Any handshake failure in a period; no data says nothing about the handshake (ProbeNotRunning owns absence).
        kind: 'HandshakeFailing',
        metric: this.metric(METRICS.handshakeFailure, { statistic: Stats.MAXIMUM, period: stagePeriod }),
        threshold: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        mOfN,
        treatMissingData: TreatMissingData.IGNORE,
        probePeriod: true,
      },
      {
        kind: 'AuthRejected',
        metric: this.metric(METRICS.authFailure, { statistic: Stats.MAXIMUM, period: stagePeriod }),
        threshold: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        mOfN,
        treatMissingData: TreatMissingData.IGNORE,
        probePeriod: true,
      },
      {
        // Catch-all for the stages without an alarm of their own (DNS, connect, HTTP, config), counted per probe:
        // a period is one run, breaching when it failed there (TLS and auth failures page through the two alarms
        // above). The math and why it holds: AVAILABILITY_ALARM (lib/alarms/alarm-policy.ts).
        kind: 'AvailabilityLow',
        metric: new MathExpression({
          expression: AVAILABILITY_ALARM.expression,
          usingMetrics: Object.fromEntries(
            Object.entries(AVAILABILITY_ALARM.metrics).map(([id, name]) => [
              id,
              this.metric(name, { statistic: AVAILABILITY_ALARM.statistic }),
            ]),
          ),
          period: stagePeriod,
          label: `${p.name} probes not failing at DNS, connect, HTTP or config (%)`,
        }),
        threshold: availabilityThreshold,
        comparisonOperator: ComparisonOperator.LESS_THAN_THRESHOLD,
        mOfN,
        treatMissingData: TreatMissingData.IGNORE,
        probePeriod: true,
      },
      {
        // No result published in a minute, or the function failed (e.g. PutMetricData denied, timeout).
        // No data at all (function deleted, schedule disabled) is the point of this alarm: breaching.
        kind: 'ProbeNotRunning',
        metric: new MathExpression({
          expression: 'IF(FILL(runs, 0) < 1 OR FILL(errors, 0) > 0, 1, 0)',
          usingMetrics: {
            runs: this.metric(METRICS.success, { statistic: Stats.SAMPLE_COUNT }),
            errors: this.probeFunction.metricErrors({ statistic: Stats.SUM }),
          },
          period: Duration.seconds(NOT_RUNNING.periodSeconds),
          label: `${p.name} probe not running`,
        }),
        threshold: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        mOfN: NOT_RUNNING,
        treatMissingData: TreatMissingData.BREACHING,
        // A new processor has no datapoint yet: without a warm-up this would page right after its first deploy.
        warmUpMinutes: NOT_RUNNING.warmUpMinutes,
      },
      {
        // The last 10 successful probes (only passed runs publish TotalTime; missing periods are ignored).
        kind: 'LatencyHigh',
        metric: this.metric(METRICS.totalTime, { statistic: LATENCY.statistic, period: stagePeriod }),
        threshold: latencyBudgetMs,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        mOfN: LATENCY,
        treatMissingData: TreatMissingData.IGNORE,
        probePeriod: true,
      },
      {
        // Published only when a certificate was seen: a DNS failure leaves no datapoint and must not clear the warning.
        kind: 'CertExpiring',
        metric: this.metric(METRICS.certDaysToExpiry, {
          statistic: Stats.MINIMUM,
          period: Duration.seconds(CERT_EXPIRY.periodSeconds),
        }),
        threshold: p.tls.certExpiryWarningDays,
        // The probe warns at days <= the warning days: the alarm fires on the same day, not a day later.
        comparisonOperator: ComparisonOperator.LESS_THAN_OR_EQUAL_TO_THRESHOLD,
        mOfN: CERT_EXPIRY,
        treatMissingData: TreatMissingData.IGNORE,
      },
    ];
    if (p.tls.clientCert !== undefined) {
      specs.push({
        kind: 'ClientCertExpiring',
        metric: this.metric(METRICS.clientCertDaysToExpiry, {
          statistic: Stats.MINIMUM,
          period: Duration.seconds(CERT_EXPIRY.periodSeconds),
        }),
        threshold: p.tls.clientCertExpiryWarningDays,
        // The probe warns at days <= the warning days: the alarm fires on the same day, not a day later.
        comparisonOperator: ComparisonOperator.LESS_THAN_OR_EQUAL_TO_THRESHOLD,
        mOfN: CERT_EXPIRY,
        treatMissingData: TreatMissingData.IGNORE,
      });
    }

    return specs.map((spec) => {
      const kind = ALARM_KINDS[spec.kind];
      const alarm = new Alarm(this, spec.kind, {
        alarmName: alarmName(p.name, spec.kind),
        alarmDescription: alarmDescription(spec.kind, ctx),
        metric: spec.metric,
        threshold: spec.threshold,
        comparisonOperator: spec.comparisonOperator,
        evaluationPeriods: spec.mOfN.evaluationPeriods,
        datapointsToAlarm: spec.mOfN.datapointsToAlarm,
        treatMissingData: spec.treatMissingData,
      });
      const cfn = alarm.node.defaultChild as CfnAlarm;
      if (spec.probePeriod && periodSeconds === 20) withPeriod(cfn, periodSeconds);
      if (spec.warmUpMinutes !== undefined) {
        cfn.warmUpConfiguration = {
          warmUpPeriodDurationInMinutes: spec.warmUpMinutes,
          onlyStartEvaluatingAfterWarmUpPeriodEnds: true,
        };
      }
      // The diagnose Lambda pages (lib/constructs/diagnosis.ts); CloudWatch's notification only when a topic is
      // given, ALARM only: an OK action would also fire on INSUFFICIENT_DATA -> OK (every first deploy).
      const topic = kind.severity === 'critical' ? props.criticalTopic : props.warningTopic;
      if (topic) alarm.addAlarmAction(new SnsAction(topic));
      return { processor: p.name, kind: spec.kind, severity: kind.severity, alarm };
    });
  }
}

/** Writes `seconds` as the period of every metric of an alarm (what CDK's Metric would refuse, e.g. 20 s). */
function withPeriod(cfn: CfnAlarm, seconds: number): void {
  const metrics = Stack.of(cfn).resolve(cfn.metrics) as { metricStat?: unknown }[] | undefined;
  if (!metrics) {
    cfn.addPropertyOverride('Period', seconds);
    return;
  }
  metrics.forEach((m, i) => {
    if (m.metricStat) cfn.addPropertyOverride(`Metrics.${i}.MetricStat.Period`, seconds);
  });
}
