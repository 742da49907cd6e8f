/**
 * A group of processors monitored together in one stack: the main stack's first processors, or one shard.
 * Everything that needs the processors' own resources lives with them, so no stack refers to another's
 * functions or alarms: the scheduler role that invokes their functions, their monitors, the mute rules of their
 * maintenance windows, the diagnose function that re-probes them (its role reads exactly their secrets: one
 * role for 500 processors' secrets would not fit IAM's policy size limits), the preflight and the dashboard.
 * The construct ids are those the stack used before sharding, so the main stack's logical IDs stay.
 */
import { type CfnResource, type Duration, Stack, Validations } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import type { ProcessorConfig } from '../../lambdas/core/config/load';
import type { MaintenanceWindow } from '../../lambdas/core/config/maintenance';
import type { RawConfig } from '../../lambdas/core/config/schema';
import { processorConstructId } from '../deploy/ids';
import { placementId, placements } from '../deploy/placement';
import type { FunctionNetwork } from '../function/network';
import type { PayProbeFunctionOptions } from '../function/payprobe-function';
import { ProbeDashboard } from './dashboard';
import { Diagnosis, diagnoseErrorsAlarmName } from './diagnosis';
import { HeldAlarms } from './held-alarms';
import type { History } from './history';
import { LiveAudit } from './live-audit';
import { MaintenanceWindows } from './maintenance';
import type { ProbingOptions } from './options';
import { Preflight } from './preflight';
import { type ProbeAlarm, ProcessorMonitor } from './processor-monitor';

/** A processor and where it sits in its config file. */
export interface GroupProcessor {
  /** The processor, as `loadConfigFile` resolved it. */
  readonly processor: ProcessorConfig;
  /** Its index in the config's `processors` (for messages: `processors[<index>]`). */
  readonly index: number;
}

export interface MonitorGroupProps extends ProbingOptions {
  /** The processors of the group, in config order (at least one). */
  readonly processors: readonly GroupProcessor[];
  /** The config file, for messages. */
  readonly configFile: string;
  /** Critical alarms and diagnoses go here. */
  readonly criticalTopic: ITopic;
  /** Warning alarms and diagnoses go here. */
  readonly warningTopic: ITopic;
  /**
   * Send CloudWatch's own ALARM notifications of the processors' and the live audit's alarms to the topics too
   * (PayProbeProps.directAlarmNotifications).
   *
   * @default false: the diagnose function pages for the processors' alarms, the live audit for its findings
   */
  readonly directAlarmNotifications?: boolean;
  /**
   * The topics' key when it is not visible on them (see DiagnosisProps.topicKey).
   *
   * @default - no extra key grant
   */
  readonly topicKey?: IKey;
  /**
   * The alert topics' key, for the held-alarms topic of processors with maintenance windows (HeldAlarms).
   *
   * @default - the held-alarms topic gets a key of its own
   */
  readonly alertingKey?: IKey;
  /** Every maintenance window of the config (each group mutes the alarms of its own processors). */
  readonly maintenance: readonly MaintenanceWindow[];
  /**
   * Time between scheduled live audits of the group's processors (docs/audit.md "Live audit").
   *
   * @default - no live audit (the config sets `audit.live: false`)
   */
  readonly liveAuditEvery?: Duration;
  /** Whether to run the preflight for the group's processors during deployment. */
  readonly preflight: boolean;
  /**
   * Whether the group has a dashboard of its own (PayProbeProps.groupDashboards).
   *
   * @default true
   */
  readonly groupDashboard?: boolean;
  /**
   * The group dashboard's name.
   *
   * @default - the stack name, with `-<region>` appended unless it already ends with it
   */
  readonly dashboardName?: string;
  /**
   * Retention of every function's log group.
   *
   * @default RetentionDays.ONE_MONTH
   */
  readonly logRetention?: PayProbeFunctionOptions['logRetention'];
  /**
   * The probe handler's source file.
   *
   * @default - payprobe's probe handler
   */
  readonly probeEntry?: string;
  /**
   * Reserve concurrency for each probe function.
   *
   * @default true
   */
  readonly reserveConcurrency?: boolean;
  /**
   * The history table every probe records to and every diagnose function reads (one for the region, so the
   * verdict sees every processor whatever its group).
   *
   * @default - no history
   */
  readonly history?: History;
  /**
   * The gateway the processors count toward (FailingProcessors' Gateway dimension).
   *
   * @default - none
   */
  readonly gateway?: string;
  /**
   * Whether this group's diagnose function also diagnoses the gateway alarm (exactly one group's does).
   *
   * @default false
   */
  readonly diagnosesGateway?: boolean;
  /**
   * The cross-processor verdict's settings (the config's `verdict`).
   *
   * @default - DEFAULT_VERDICT
   */
  readonly verdict?: RawConfig['verdict'];
  /**
   * Where the functions of the processors without `network` in the config run (PayProbeStackProps.network).
   *
   * @default - outside any VPC
   */
  readonly network?: FunctionNetwork;
}

/** What a group is made of. */
export interface MonitorGroup {
  /** The role EventBridge Scheduler assumes for the group's schedules. */
  readonly schedulerRole: Role;
  /** The monitors, in config order. */
  readonly monitors: readonly ProcessorMonitor[];
  /** Every alarm of the monitors. */
  readonly alarms: readonly ProbeAlarm[];
  /** The mute rules of the maintenance windows of the group's processors. */
  readonly maintenance: MaintenanceWindows;
  /**
   * The internal topic the alarms of the group's processors with maintenance windows act on.
   *
   * @default - none: no processor of the group has a window, or `directAlarmNotifications` is set
   */
  readonly heldAlarms?: HeldAlarms;
  /**
   * The group's dashboard.
   *
   * @default - none: `groupDashboard` is false
   */
  readonly dashboard?: ProbeDashboard;
  /** The group's first diagnose function. */
  readonly diagnosis: Diagnosis;
  /** The group's diagnose functions, one per network placement (the first is `diagnosis`). */
  readonly diagnoses: readonly Diagnosis[];
  /**
   * The group's first deploy-time preflight.
   *
   * @default - none: the config does not set `preflight: true`
   */
  readonly preflight?: Preflight;
  /** The group's preflights, one per network placement with `preflight: true`. */
  readonly preflights: readonly Preflight[];
  /**
   * The live audit of the group's processors.
   *
   * @default - none: the config sets `audit.live: false`
   */
  readonly liveAudit?: LiveAudit;
}

/** Builds a group's constructs in `scope` (a stack) under the ids the main stack has always used. */
export function addMonitorGroup(scope: Construct, props: MonitorGroupProps): MonitorGroup {
  const { runbookBaseUrl, secretCacheTtl, logRetention, configFile } = props;
  const stack = Stack.of(scope);

  // One role for every schedule of the group: each monitor adds lambda:InvokeFunction on its own function to
  // it, and no function needs a resource policy for the scheduler.
  const schedulerRole = new Role(scope, 'SchedulerRole', {
    description: 'payprobe: EventBridge Scheduler runs the probe functions once a minute',
    assumedBy: new ServicePrincipal('scheduler.amazonaws.com', {
      conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
    }),
  });

  // The alarms' own actions only on request: the diagnose function below pages for them. A processor with
  // maintenance windows is the exception: the diagnose function holds an ALARM inside a window and is not told
  // when the window ends, while CloudWatch runs the action the window's mute rule held back when it ends with
  // the alarm still in ALARM. Its alarms act on the internal held-alarms topic the diagnose function subscribes
  // to, so that held action reaches it and pages diagnosed (docs/deploy.md "Maintenance windows").
  const maintained = new Set(props.maintenance.flatMap((w) => w.processors));
  const heldAlarms =
    !props.directAlarmNotifications && props.processors.some((p) => maintained.has(p.processor.name))
      ? new HeldAlarms(scope, 'HeldAlarms', {
          ...(props.alertingKey ? { masterKey: props.alertingKey } : {}),
        })
      : undefined;
  const actionTopics = (name: string) =>
    props.directAlarmNotifications
      ? { criticalTopic: props.criticalTopic, warningTopic: props.warningTopic }
      : heldAlarms && maintained.has(name)
        ? { criticalTopic: heldAlarms.topic, warningTopic: heldAlarms.topic }
        : {};
  const monitors = props.processors.map(
    ({ processor, index }) =>
      new ProcessorMonitor(scope, processorConstructId(processor.name), {
        processor,
        configLocation: { file: configFile, path: `processors[${index}]` },
        ...actionTopics(processor.name),
        schedulerRole,
        reserveConcurrency: props.reserveConcurrency,
        runbookBaseUrl,
        secretCacheTtl,
        logRetention,
        entry: props.probeEntry,
        // The config's network.vpc wins; the app's network is the default.
        ...(processor.network ? {} : { network: props.network }),
        ...(props.history ? { history: props.history } : {}),
        ...(props.gateway ? { gateway: props.gateway } : {}),
      }),
  );
  const alarms = monitors.flatMap((m) => m.alarms);
  for (const m of monitors) {
    Validations.of(schedulerRole).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${stack.getLogicalId(m.probeFunction.node.defaultChild as CfnResource)}.Arn>:*]`,
      reason: `The scheduler role may invoke ${m.processor.name}'s probe function and its versions (lambda grantInvoke); nothing else.`,
    });
  }

  // Pages held back in maintenance windows; probes and metrics go on.
  const maintenance = new MaintenanceWindows(scope, 'Maintenance', { windows: props.maintenance, alarms });

  const dashboard =
    props.groupDashboard === false
      ? undefined
      : new ProbeDashboard(scope, 'Dashboard', {
          monitors,
          ...(props.dashboardName !== undefined ? { dashboardName: props.dashboardName } : {}),
        });

  // Alarm state changes -> re-probe -> a page with the diagnosis: the one pager of these alarms (with
  // `directAlarmNotifications`, CloudWatch's own notifications too).
  // The re-probe runs where the probe runs: one diagnose function per network placement, so a re-probe is
  // never a false "it works from here". The first keeps the ids a single placement always had.
  const groups = placements(props.processors.map((p) => p.processor));
  const suffix = (i: number, key: string) => (i === 0 ? '' : placementId(key));
  const diagnoses = groups.map(
    (g, i) =>
      new Diagnosis(scope, `Diagnosis${suffix(i, g.key)}`, {
        processors: g.processors,
        criticalTopic: props.criticalTopic,
        warningTopic: props.warningTopic,
        ...(props.topicKey ? { topicKey: props.topicKey } : {}),
        maintenance: props.maintenance,
        ...(heldAlarms && g.processors.some((p) => maintained.has(p.name))
          ? { heldAlarmsTopic: heldAlarms.topic }
          : {}),
        configFile,
        runbookBaseUrl,
        secretCacheTtl,
        logRetention,
        // Every diagnosis reads the one history table (the verdict spans placements and shards); the gateway
        // alarm's state changes go to one only, so one incident page opens.
        ...(props.history ? { history: props.history } : {}),
        ...(i === 0 && props.diagnosesGateway && props.gateway ? { gateway: props.gateway } : {}),
        ...(props.verdict ? { verdict: props.verdict } : {}),
        ...(g.network ? {} : { network: props.network }),
        ...(i === 0
          ? {}
          : { errorsAlarmName: `${diagnoseErrorsAlarmName(stack.stackName)}-${suffix(i, g.key)}` }),
      }),
  );

  // With `preflight: true`, probe every processor during `cdk deploy`, after the monitors; any failure
  // class fails the deployment and CloudFormation rolls it back. From each placement, like the diagnosis.
  const preflights = props.preflight
    ? groups.map(
        (g, i) =>
          new Preflight(scope, `Preflight${suffix(i, g.key)}`, {
            processors: g.processors,
            configFile,
            executeAfter: [...monitors],
            logRetention,
            ...(g.network ? {} : { network: props.network }),
          }),
      )
    : [];

  // The live audit: each probe function audits its processor's live settings on a schedule (daily by default)
  // and after an input change, and pages new findings on the warning topic (docs/audit.md "Live audit").
  const liveAudit = props.liveAuditEvery
    ? new LiveAudit(scope, 'LiveAudit', {
        monitors,
        warningTopic: props.warningTopic,
        directAlarmNotifications: props.directAlarmNotifications ?? false,
        every: props.liveAuditEvery,
        schedulerRole,
        ...(runbookBaseUrl !== undefined ? { runbookBaseUrl } : {}),
        ...(props.topicKey ? { topicKey: props.topicKey } : {}),
      })
    : undefined;

  return {
    schedulerRole,
    monitors,
    alarms,
    maintenance,
    ...(heldAlarms ? { heldAlarms } : {}),
    ...(dashboard ? { dashboard } : {}),
    diagnosis: diagnoses[0] as Diagnosis,
    diagnoses,
    ...(preflights[0] ? { preflight: preflights[0] } : {}),
    preflights,
    ...(liveAudit ? { liveAudit } : {}),
  };
}
