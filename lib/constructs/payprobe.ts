/**
 * PayProbe: the whole monitor of one config as one construct, for any stack of any CDK app
 * (`new PayProbe(this, 'PayProbe', { config })`). Alerting (topics, unless the app brings its own), one
 * ProcessorMonitor per processor with the one role EventBridge Scheduler runs their probes with, the history
 * table, the gateway alarm, the maintenance windows (alarm mute rules), the dashboard, the diagnosis, the stack outputs and, with
 * `preflight: true`, the preflight. The whole config is validated against the deployment rules of the
 * stack's region before anything is added (lib/deploy/validate.ts): every processor's problems come in one
 * ConfigError, and no construct error is ever caught. PayProbeStack is a Stack around this construct.
 */
import { Annotations, CfnOutput, Duration, Stack } from 'aws-cdk-lib';
import type { Role } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { ConfigError, type LoadedConfig, type ProcessorConfig } from '../../lambdas/core/config/load';
import { TOPIC_OUTPUTS } from '../../lambdas/core/contract/stack';
import { DEFAULT_VERDICT } from '../../lambdas/core/diagnosis/verdict';
import { planShards, shardId, shardingIssues } from '../../lambdas/core/policy/sharding';
import { reservedConcurrencyWarning } from '../deploy/concurrency';
import { validateStackConfig } from '../deploy/validate';
import { type FunctionNetwork, functionNetworkProblem } from '../function/network';
import type { PayProbeFunctionOptions } from '../function/payprobe-function';
import { Alerting } from './alerting';
import { defaultDashboardName, type ProbeDashboard } from './dashboard';
import type { Diagnosis } from './diagnosis';
import { FleetDashboard } from './fleet-dashboard';
import { GatewayAlarm } from './gateway-alarm';
import type { HeldAlarms } from './held-alarms';
import { History } from './history';
import { DEFAULT_AUDIT_EVERY_HOURS, type LiveAudit } from './live-audit';
import type { MaintenanceWindows } from './maintenance';
import { addMonitorGroup } from './monitor-group';
import { knownRegion, type ProbingOptions } from './options';
import type { Preflight } from './preflight';
import type { ProbeAlarm, ProcessorMonitor } from './processor-monitor';
import { ProbeShard } from './shard';
import { checkStackLimits } from './stack-limits';

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
   * Also send CloudWatch's own ALARM notifications of the processors', the gateway's and the live audit's
   * alarms to the topics, beside the diagnose function's pages: for a pager integration that wants
   * CloudWatch's format (e.g. PagerDuty's CloudWatch integration). Each incident then pages once per alarm
   * plus the diagnosis; split them with a subscription filter policy on the `event` attribute (docs/deploy.md
   * "Who pages"). Overrides the config's `alerting.directAlarmNotifications` when set.
   *
   * @default - the config's `alerting.directAlarmNotifications`, else false: the diagnose function is the one
   * pager (one page per incident), with the DiagnoseErrors alarm and its failure destination as fallbacks
   */
  readonly directAlarmNotifications?: boolean;

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

  /**
   * Whether each group of processors (the main stack's, and each shard's) gets a dashboard of its own, with
   * every processor's alarm states and graphs. At 500 processors that is 34 dashboards, about $100 a month
   * at $3 each beyond CloudWatch's free three. Off: one dashboard for the region, the fixed-size fleet overview
   * (the worst processors by each signal, any one processor in detail), also for a config without shards.
   * `payprobe cost --no-group-dashboards` prices it. Turning it off or on later only adds or removes
   * dashboards: no processor's resources change.
   *
   * @default true
   */
  readonly groupDashboards?: boolean;

  /**
   * How many processors, the first in config order, the construct's own stack holds; the others go to shards
   * (nested stacks). Changing it moves processors between stacks, which replaces their resources: set it once.
   *
   * @default 25 (MAIN_STACK_PROCESSORS)
   */
  readonly mainStackProcessors?: number;

  /**
   * Shards (nested stacks) for the processors beyond `mainStackProcessors`: each goes to shard
   * `sha256(name) mod shardCount`. Changing it moves nearly every sharded processor: set it once.
   *
   * @default 32 (DEFAULT_SHARD_COUNT)
   */
  readonly shardCount?: number;
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
  /** The pager: the diagnose function's critical pages, the DiagnoseErrors alarm and its failure destination. */
  public readonly criticalTopic: ITopic;
  /** The diagnose function's warning pages and the live audit's pages. */
  public readonly warningTopic: ITopic;
  /** One monitor per processor, in config order (in the main stack or a shard). */
  public readonly monitors: readonly ProcessorMonitor[];
  /** The shards (nested stacks) of the processors beyond the main stack's, by shard number. */
  public readonly shards: readonly ProbeShard[];
  /** The overview of every processor and group, when the config has shards or `groupDashboards` is false. */
  public readonly fleetDashboard?: FleetDashboard;
  /** Every alarm of every monitor. */
  public readonly alarms: readonly ProbeAlarm[];
  /** The role EventBridge Scheduler assumes for the main stack's probe schedules (each shard has its own). */
  public readonly schedulerRole: Role;
  /** The config's maintenance windows, as alarm mute rules (none without `maintenance:`). */
  public readonly maintenance: MaintenanceWindows;
  /**
   * The main stack's internal held-alarms topic: the alarms of its processors with maintenance windows act on
   * it, and the diagnose function subscribes (each shard has its own).
   *
   * @default - none: no processor has a window, or `directAlarmNotifications` is set
   */
  public readonly heldAlarms?: HeldAlarms;
  /** The dashboard of the main stack's processors (none with `groupDashboards: false`). */
  public readonly dashboard?: ProbeDashboard;
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
    const shardingProblems = shardingIssues(props);
    if (shardingProblems.length > 0) throw new Error(`PayProbe ${id}: ${shardingProblems.join('; ')}`);
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

    const stack = Stack.of(this);
    this.history = new History(this, 'History');
    // The gateway-wide count of failing processors: the stack name names the gateway, for every shard too.
    const gateway = stack.stackName;
    const verdict = props.config.raw.verdict;
    const minProcessors = verdict?.minProcessors ?? DEFAULT_VERDICT.minProcessors;
    // The diagnose function pages for every alarm below; CloudWatch's own notifications only on request.
    const direct =
      props.directAlarmNotifications ?? props.config.raw.alerting?.directAlarmNotifications ?? false;
    if (props.config.processors.length >= minProcessors) {
      this.gatewayAlarm = new GatewayAlarm(this, 'GatewayAlarm', {
        gateway,
        minProcessors,
        ...(direct ? { criticalTopic: this.criticalTopic } : {}),
      });
    }

    // The first processors live in this stack under the ids they always had; the rest go to shards
    // (lambdas/core/policy/sharding.ts: an assignment that never moves a deployed processor).
    const processors = props.config.processors;
    const plan = planShards(
      processors.map((p) => p.name),
      props,
    );
    // The held-alarms topics (processors with maintenance windows) share the alert topics' key.
    const alertingKey = this.alerting?.masterKey ?? props.topicKey;
    const groupProps = {
      configFile: file,
      criticalTopic: this.criticalTopic,
      warningTopic: this.warningTopic,
      directAlarmNotifications: direct,
      ...(props.topicKey ? { topicKey: props.topicKey } : {}),
      ...(alertingKey ? { alertingKey } : {}),
      ...(props.config.raw.audit?.live === false
        ? {}
        : {
            liveAuditEvery: Duration.hours(props.config.raw.audit?.everyHours ?? DEFAULT_AUDIT_EVERY_HOURS),
          }),
      maintenance: props.config.maintenance ?? [],
      preflight: props.config.raw.preflight === true,
      runbookBaseUrl,
      secretCacheTtl,
      logRetention,
      probeEntry: props.probeEntry,
      reserveConcurrency: props.reserveConcurrency,
      history: this.history,
      gateway,
      groupDashboard: props.groupDashboards !== false,
      ...(verdict ? { verdict } : {}),
      ...(props.network ? { network: props.network } : {}),
    };
    const entries = (indexes: readonly number[]) =>
      indexes.map((index) => ({ processor: processors[index] as ProcessorConfig, index }));
    // The main group's diagnose function also diagnoses the gateway alarm (one function must own it).
    const main = addMonitorGroup(this, {
      ...groupProps,
      diagnosesGateway: this.gatewayAlarm !== undefined,
      processors: entries(plan.main),
      ...(props.dashboardName !== undefined ? { dashboardName: props.dashboardName } : {}),
    });
    this.schedulerRole = main.schedulerRole;
    this.maintenance = main.maintenance;
    if (main.heldAlarms) this.heldAlarms = main.heldAlarms;
    if (main.dashboard) this.dashboard = main.dashboard;
    this.diagnosis = main.diagnosis;
    this.diagnoses = main.diagnoses;
    this.preflight = main.preflight;
    this.preflights = main.preflights;
    if (main.liveAudit) this.liveAudit = main.liveAudit;
    const dashboardName = props.dashboardName ?? defaultDashboardName(stack);
    const shardDashboardName = (shard: number) => `${dashboardName}-${shardId(shard)}`;
    this.shards = [...plan.shards.entries()].map(
      ([shard, indexes]) =>
        new ProbeShard(this, shardId(shard), {
          ...groupProps,
          shard,
          processors: entries(indexes),
          dashboardName: shardDashboardName(shard),
        }),
    );
    const byIndex = new Map<number, ProcessorMonitor>();
    for (const [i, m] of main.monitors.entries()) byIndex.set(plan.main[i] as number, m);
    for (const s of this.shards) {
      const indexes = plan.shards.get(s.shard) ?? [];
      for (const [i, m] of s.monitors.entries()) byIndex.set(indexes[i] as number, m);
    }
    this.monitors = processors.map((_, i) => byIndex.get(i) as ProcessorMonitor);
    this.alarms = this.monitors.flatMap((m) => m.alarms);
    const warning = reservedConcurrencyWarning(this.monitors.reduce((n, m) => n + m.reservedConcurrency, 0));
    if (warning) Annotations.of(this).addWarningV2(RESERVED_CONCURRENCY_WARNING, warning);

    // Sharded, or without group dashboards: one overview of the whole fleet, linking each group's dashboard.
    if (this.shards.length > 0 || props.groupDashboards === false) {
      const link = (name: string | undefined) => (name === undefined ? {} : { dashboardName: name });
      this.fleetDashboard = new FleetDashboard(this, 'FleetDashboard', {
        dashboardName: `${dashboardName}-fleet`,
        groups: [
          {
            title: 'main stack',
            ...link(main.dashboard?.dashboard.dashboardName),
            processors: main.monitors.map((m) => m.processor.name),
          },
          ...this.shards.map((s) => ({
            title: shardId(s.shard),
            ...link(s.dashboard ? shardDashboardName(s.shard) : undefined),
            processors: s.monitors.map((m) => m.processor.name),
          })),
        ],
      });
    }

    // Every stack within CloudFormation's limits, checked at synth (lib/constructs/stack-limits.ts).
    const fix =
      'Its processors: the first processors of the config stay in the main stack (mainStackProcessors), the others go ' +
      'to shards by a hash of their name (shardCount); see docs/deploy.md "Limits and sharding".';
    checkStackLimits(stack, stack.stackName, fix);
    for (const s of this.shards) checkStackLimits(s, `${stack.stackName}/${s.node.id}`, fix);

    // `payprobe page-test` finds the topics by these outputs.
    new CfnOutput(this, TOPIC_OUTPUTS.critical, {
      description: 'Subscribe the pager here (email, https webhook, sms)',
      value: this.criticalTopic.topicArn,
    });
    new CfnOutput(this, TOPIC_OUTPUTS.warning, {
      description: 'Warnings: certificates expiring, latency above budget',
      value: this.warningTopic.topicArn,
    });
    if (this.fleetDashboard) {
      new CfnOutput(this, 'FleetDashboardUrl', {
        description: 'The payprobe fleet overview: every processor, and a dashboard per group',
        value: dashboardUrl(stack.region, this.fleetDashboard.dashboard.dashboardName),
      });
    }
    // The main dashboard; without group dashboards, the fleet overview (the one dashboard there is).
    const mainDashboard = this.dashboard?.dashboard ?? this.fleetDashboard?.dashboard;
    if (mainDashboard) {
      new CfnOutput(this, 'DashboardUrl', {
        description: 'The payprobe dashboard',
        value: dashboardUrl(stack.region, mainDashboard.dashboardName),
      });
    }
  }
}

/** The console address of a dashboard. */
function dashboardUrl(region: string, name: string): string {
  return `https://console.aws.amazon.com/cloudwatch/home?region=${region}#dashboards:name=${name}`;
}
