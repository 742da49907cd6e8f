/**
 * PayProbe: the whole monitor of one config as one construct, for any stack of any CDK app
 * (`new PayProbe(this, 'PayProbe', { config })`). Alerting (topics, unless the app brings its own), one
 * ProcessorMonitor per processor with the one role EventBridge Scheduler runs their probes with, the history
 * table, the gateway alarm, the maintenance windows (alarm mute rules), the dashboard, the diagnosis, the stack outputs and, with
 * `preflight: true`, the preflight. The whole config is validated against the deployment rules of the
 * stack's region before anything is added (lib/deploy/validate.ts): every processor's problems come in one
 * ConfigError, and no construct error is ever caught. PayProbeStack is a Stack around this construct.
 */
import { Annotations, CfnOutput, type CfnResource, Duration, Stack, Validations } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { ConfigError, type LoadedConfig } from '../../lambdas/core/config/load';
import { TOPIC_OUTPUTS } from '../../lambdas/core/contract/stack';
import { DEFAULT_VERDICT } from '../../lambdas/core/diagnosis/verdict';
import { reservedConcurrencyWarning } from '../deploy/concurrency';
import { processorConstructId } from '../deploy/ids';
import { placementId, placements } from '../deploy/placement';
import { validateStackConfig } from '../deploy/validate';
import { type FunctionNetwork, functionNetworkProblem } from '../function/network';
import type { PayProbeFunctionOptions } from '../function/payprobe-function';
import { Alerting } from './alerting';
import { ProbeDashboard } from './dashboard';
import { Diagnosis, diagnoseErrorsAlarmName } from './diagnosis';
import { GatewayAlarm } from './gateway-alarm';
import { History } from './history';
import { DEFAULT_AUDIT_EVERY_HOURS, LiveAudit } from './live-audit';
import { MaintenanceWindows } from './maintenance';
import { knownRegion, type ProbingOptions } from './options';
import { Preflight } from './preflight';
import { type ProbeAlarm, ProcessorMonitor } from './processor-monitor';

export interface PayProbeProps extends ProbingOptions {
  /** The validated config: `loadConfigFile('payprobe.yaml')` or `defineConfig({ ... })` (payprobe/config). */
  readonly config: LoadedConfig;

  /**
   * The app's own topic for critical alarms (the pager), instead of the one Alerting creates. Give
   * `warningTopic` with it. CloudWatch alarms must be allowed to publish to it (with a KMS key, its key
   * policy must let `cloudwatch.amazonaws.com` use the key); the config's `alerting` subscriptions are then
   * not created: subscribe the topic yourself.
   *
   * @default - a topic created by an Alerting construct, with the config's `alerting.critical` subscriptions
   */
  readonly criticalTopic?: ITopic;

  /**
   * The app's own topic for warning alarms, instead of the one Alerting creates. Give `criticalTopic` with it.
   *
   * @default - a topic created by an Alerting construct, with the config's `alerting.warning` subscriptions
   */
  readonly warningTopic?: ITopic;

  /**
   * The KMS key of the app's own topics, when it is not visible on them (imported topics): the diagnose
   * function gets kms:GenerateDataKey and kms:Decrypt on it to publish its pages.
   *
   * @default - no extra key grant (a Topic's own `masterKey` is granted without this)
   */
  readonly topicKey?: IKey;

  /**
   * Retention of the log group of every payprobe function.
   *
   * @default RetentionDays.ONE_MONTH
   */
  readonly logRetention?: PayProbeFunctionOptions['logRetention'];

  /**
   * The probe handler's source file, to run a probe handler of your own (bundled with esbuild at synth).
   *
   * @default - payprobe's probe handler
   */
  readonly probeEntry?: string;

  /**
   * Reserve concurrency for each probe function (ProcessorMonitorProps.reserveConcurrency).
   *
   * @default true
   */
  readonly reserveConcurrency?: boolean;

  /**
   * Where the functions of the processors without `network` in the config run, when the CDK app owns the
   * network: the integration's VPC (an IVpc), its subnets and security groups. A processor's own
   * `network.vpc` in the config wins for that processor.
   *
   * @default - processors without `network` run outside any VPC
   */
  readonly network?: FunctionNetwork;

  /**
   * The dashboard's name. Dashboards are global to an account: give each region's copy its own.
   *
   * @default - the stack name, with `-<region>` appended unless it already ends with it
   */
  readonly dashboardName?: string;
}

/** Warning id when the probe functions reserve more than an account's default quota leaves reservable. */
export const RESERVED_CONCURRENCY_WARNING = 'payprobe:concurrency:aboveDefaultQuota';

/**
 * All monitors of one config. Throws ConfigError listing every problem when the config cannot be deployed
 * to the stack's region (nothing is added to `scope` then).
 */
export class PayProbe extends Construct {
  /** The config the monitor was built from. */
  public readonly config: LoadedConfig;
  /** The critical and warning topics and their key, when the construct created them. */
  public readonly alerting?: Alerting;
  /** Critical alarms and the diagnosis of critical alarms notify this topic. */
  public readonly criticalTopic: ITopic;
  /** Warning alarms and their diagnoses notify this topic. */
  public readonly warningTopic: ITopic;
  /** One monitor per processor, in config order. */
  public readonly monitors: readonly ProcessorMonitor[];
  /** Every alarm of every monitor. */
  public readonly alarms: readonly ProbeAlarm[];
  /** The one role EventBridge Scheduler assumes for every probe schedule of the monitor. */
  public readonly schedulerRole: Role;
  /** The config's maintenance windows, as alarm mute rules (none without `maintenance:`). */
  public readonly maintenance: MaintenanceWindows;
  /** The dashboard. */
  public readonly dashboard: ProbeDashboard;
  /** The diagnose Lambda: re-probes on alarm state changes and pages with the diagnosis (first placement). */
  public readonly diagnosis: Diagnosis;
  /**
   * One diagnosis per network placement, in config order (the first is `diagnosis`): each re-probes its
   * processors from where their probes run.
   */
  public readonly diagnoses: readonly Diagnosis[];
  /** The history table: last passing probes, failures and the cross-processor incident. */
  public readonly history: History;
  /** Pages when several processors fail at once (absent with fewer processors than the verdict needs). */
  public readonly gatewayAlarm?: GatewayAlarm;
  /** The deploy-time preflight, when the config sets `preflight: true`. */
  public readonly preflight?: Preflight;
  /** One preflight per network placement with `preflight: true`, in config order (the first is `preflight`). */
  public readonly preflights: readonly Preflight[];
  /** The live audit of every processor's settings, unless the config sets `audit.live: false`. */
  public readonly liveAudit?: LiveAudit;

  constructor(scope: Construct, id: string, props: PayProbeProps) {
    // Validate first: the props, then every processor's problems at once, like the CLI.
    if ((props.criticalTopic === undefined) !== (props.warningTopic === undefined)) {
      throw new Error(
        "PayProbe: give criticalTopic and warningTopic together (or neither: payprobe then creates both, with the config's `alerting` subscriptions)",
      );
    }
    const issues = validateStackConfig(props.config, knownRegion(Stack.of(scope).region));
    if (issues.length > 0) throw new ConfigError(issues);
    const problem = functionNetworkProblem(props.network);
    if (problem) throw new Error(`PayProbe ${id}: ${problem}`);
    super(scope, id);
    this.config = props.config;
    const file = props.config.file;
    const { runbookBaseUrl, secretCacheTtl, logRetention } = props;

    if (props.criticalTopic && props.warningTopic) {
      this.criticalTopic = props.criticalTopic;
      this.warningTopic = props.warningTopic;
    } else {
      this.alerting = new Alerting(this, 'Alerting', {
        critical: props.config.raw.alerting?.critical ?? [],
        warning: props.config.raw.alerting?.warning ?? [],
      });
      this.criticalTopic = this.alerting.criticalTopic;
      this.warningTopic = this.alerting.warningTopic;
    }

    // One role for every schedule: each monitor adds lambda:InvokeFunction on its own function to it, and no
    // function needs a resource policy for the scheduler.
    const stack = Stack.of(this);
    this.schedulerRole = new Role(this, 'SchedulerRole', {
      description: 'payprobe: EventBridge Scheduler runs the probe functions once a minute',
      assumedBy: new ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
      }),
    });

    this.history = new History(this, 'History');
    // The gateway-wide count of failing processors: the stack name names the gateway.
    const gateway = stack.stackName;
    const verdict = props.config.raw.verdict;

    const monitors = props.config.processors.map(
      (processor, index) =>
        new ProcessorMonitor(this, processorConstructId(processor.name), {
          processor,
          configLocation: { file, path: `processors[${index}]` },
          criticalTopic: this.criticalTopic,
          warningTopic: this.warningTopic,
          schedulerRole: this.schedulerRole,
          reserveConcurrency: props.reserveConcurrency,
          runbookBaseUrl,
          secretCacheTtl,
          logRetention,
          entry: props.probeEntry,
          // The config's network.vpc wins; the app's network is the default.
          ...(processor.network ? {} : { network: props.network }),
          history: this.history,
          gateway,
        }),
    );
    this.monitors = monitors;
    this.alarms = monitors.flatMap((m) => m.alarms);
    for (const m of monitors) {
      Validations.of(this.schedulerRole).acknowledge({
        id: `AwsSolutions-IAM5[Resource::<${stack.getLogicalId(m.probeFunction.node.defaultChild as CfnResource)}.Arn>:*]`,
        reason: `The scheduler role may invoke ${m.processor.name}'s probe function and its versions (lambda grantInvoke); nothing else.`,
      });
    }
    const warning = reservedConcurrencyWarning(monitors.reduce((n, m) => n + m.reservedConcurrency, 0));
    if (warning) Annotations.of(this).addWarningV2(RESERVED_CONCURRENCY_WARNING, warning);

    // Pages held back in maintenance windows; probes and metrics go on.
    this.maintenance = new MaintenanceWindows(this, 'Maintenance', {
      windows: props.config.maintenance ?? [],
      alarms: this.alarms,
    });

    const minProcessors = verdict?.minProcessors ?? DEFAULT_VERDICT.minProcessors;
    if (props.config.processors.length >= minProcessors) {
      this.gatewayAlarm = new GatewayAlarm(this, 'GatewayAlarm', {
        gateway,
        minProcessors,
        criticalTopic: this.criticalTopic,
      });
    }

    this.dashboard = new ProbeDashboard(this, 'Dashboard', {
      monitors,
      ...(props.dashboardName !== undefined ? { dashboardName: props.dashboardName } : {}),
    });

    // `payprobe page-test` finds the topics by these outputs.
    new CfnOutput(this, TOPIC_OUTPUTS.critical, {
      description: 'Subscribe the pager here (email, https webhook, sms)',
      value: this.criticalTopic.topicArn,
    });
    new CfnOutput(this, TOPIC_OUTPUTS.warning, {
      description: 'Warnings: certificates expiring, latency above budget',
      value: this.warningTopic.topicArn,
    });
    new CfnOutput(this, 'DashboardUrl', {
      description: 'The payprobe dashboard',
      value: `https://console.aws.amazon.com/cloudwatch/home?region=${stack.region}#dashboards:name=${this.dashboard.dashboard.dashboardName}`,
    });

    // Alarm state changes -> re-probe -> a page with the diagnosis (the alarms' own actions page regardless).
    // The re-probe runs where the probe runs: one diagnose function per network placement, so a re-probe is
    // never a false "it works from here". The first keeps the ids a single placement always had.
    const groups = placements(props.config.processors);
    const suffix = (i: number, key: string) => (i === 0 ? '' : placementId(key));
    this.diagnoses = groups.map(
      (g, i) =>
        new Diagnosis(this, `Diagnosis${suffix(i, g.key)}`, {
          processors: g.processors,
          criticalTopic: this.criticalTopic,
          warningTopic: this.warningTopic,
          ...(props.topicKey ? { topicKey: props.topicKey } : {}),
          maintenance: props.config.maintenance,
          configFile: file,
          runbookBaseUrl,
          secretCacheTtl,
          logRetention,
          // Every diagnosis reads the one history table (the verdict spans placements); the gateway
          // alarm's state changes go to the first only, so one incident page opens, not one per placement.
          history: this.history,
          ...(i === 0 && this.gatewayAlarm ? { gateway } : {}),
          ...(verdict ? { verdict } : {}),
          ...(g.network ? {} : { network: props.network }),
          ...(i === 0
            ? {}
            : { errorsAlarmName: `${diagnoseErrorsAlarmName(stack.stackName)}-${suffix(i, g.key)}` }),
        }),
    );
    this.diagnosis = this.diagnoses[0] as Diagnosis;

    // With `preflight: true`, probe every processor during `cdk deploy`, after the monitors; any failure
    // class fails the deployment and CloudFormation rolls it back. From each placement, like the diagnosis.
    this.preflights =
      props.config.raw.preflight === true
        ? groups.map(
            (g, i) =>
              new Preflight(this, `Preflight${suffix(i, g.key)}`, {
                processors: g.processors,
                configFile: file,
                executeAfter: [...monitors],
                logRetention,
                ...(g.network ? {} : { network: props.network }),
              }),
          )
        : [];
    this.preflight = this.preflights[0];

    // The live audit: each probe function audits its processor's live settings on a schedule (daily by default)
    // and after an input change, and pages new findings on the warning topic (docs/audit.md "Live audit").
    const audit = props.config.raw.audit;
    if (audit?.live !== false) {
      this.liveAudit = new LiveAudit(this, 'LiveAudit', {
        monitors,
        warningTopic: this.warningTopic,
        every: Duration.hours(audit?.everyHours ?? DEFAULT_AUDIT_EVERY_HOURS),
        schedulerRole: this.schedulerRole,
        ...(runbookBaseUrl !== undefined ? { runbookBaseUrl } : {}),
        ...(props.topicKey ? { topicKey: props.topicKey } : {}),
      });
    }
  }
}
