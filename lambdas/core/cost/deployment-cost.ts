/**
 * The deployment's share of the monthly cost (./cost.ts): the per-region items no one processor owns, priced
 * by how the config is deployed (lambdas/core/policy/sharding.ts: one stack, or the main stack and its
 * shards, each group with its dashboard and diagnose alarm, plus the fleet overview when sharded), and the
 * facts of a synthesized stack (memory, log retention, alarms by resolution, dashboards, KMS keys) that
 * replace the model's assumptions when a template is at hand (bench figures 5c and 10).
 */
import { auditAlarmName, parseAlarmName } from '../contract/alarm-names';
import { ENV_PROCESSOR } from '../contract/env-names';
import { type DeploymentShape, deploymentShape } from '../policy/sharding';
import { type CostLine, costLine as line } from './pricing';

/** The cost model's assumptions about the shared, per-region items (part of CostAssumptions). */
export interface SharedAssumptions {
  /**
   * Dashboards per group of processors (one group unless the config is sharded: then the main stack's and each
   * shard's, plus the fleet overview; lambdas/core/policy/sharding.ts).
   */
  readonly dashboardsPerRegion: number;
  /** Customer-managed KMS keys per region (the encrypted SNS topics). */
  readonly kmsKeysPerRegion: number;
  /**
   * Alarm metrics per region not tied to one processor: the diagnose Lambda's own alarm watches its Errors,
   * its AsyncEventsDropped and its rule's FailedInvocations, and the gateway alarm its one metric; CloudWatch
   * bills an alarm per metric. A sharded config adds each shard's diagnose alarm (DIAGNOSE_ALARM_METRICS).
   */
  readonly sharedAlarmsPerRegion: number;
  /** Custom metrics per region not tied to one processor: the gateway's FailingProcessors. */
  readonly sharedMetricsPerRegion: number;
}

/** Metrics the diagnose function's own alarm bills: its Errors, AsyncEventsDropped and rule FailedInvocations. */
export const DIAGNOSE_ALARM_METRICS = 3;

/** Facts read from a synthesized stack that replace the assumptions above for one processor. */
export interface DeployedProcessorFacts {
  readonly memoryMb?: number;
  /** Billed alarm metrics by resolution, as the template has them. */
  readonly alarms?: { readonly standard: number; readonly highResolution: number };
  readonly logRetentionDays?: number;
}

/** Facts read from a synthesized stack for the shared, per-region items. */
export interface DeployedSharedFacts {
  readonly dashboards?: number;
  readonly kmsKeys?: number;
  readonly alarms?: { readonly standard: number; readonly highResolution: number };
}

/**
 * The shared, per-region items of a config's processors (by name): the deployment they make and its lines,
 * from the template's facts where given, else from the assumptions and the deployment's groups and shards.
 */
export function sharedItems(
  processorNames: readonly string[],
  a: SharedAssumptions,
  s: DeployedSharedFacts | undefined,
  groupDashboards = true,
): { deployment: DeploymentShape; lines: CostLine[] } {
  const deployment = deploymentShape(processorNames, groupDashboards ? {} : { groupDashboards: false });
  const sharedAlarms = s?.alarms ?? {
    standard: a.sharedAlarmsPerRegion + DIAGNOSE_ALARM_METRICS * deployment.shards,
    highResolution: 0,
  };
  const dashboards = groupDashboards
    ? a.dashboardsPerRegion * deployment.groups + (deployment.shards > 0 ? 1 : 0)
    : deployment.dashboards;
  const lines = [
    line('dashboards', s?.dashboards ?? dashboards, 'dashboardMonth'),
    line('KMS keys (encrypted topics)', s?.kmsKeys ?? a.kmsKeysPerRegion, 'kmsKeyMonth'),
    line('gateway metric (FailingProcessors)', a.sharedMetricsPerRegion, 'customMetricMonth'),
    line('shared alarms, standard resolution', sharedAlarms.standard, 'alarmStandardMonth'),
    line('shared alarms, high resolution', sharedAlarms.highResolution, 'alarmHighResolutionMonth'),
  ];
  return { deployment, lines };
}

/** A CloudFormation resource as a synthesized template holds it. */
interface CfnResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
}

/** Default Lambda memory when a template leaves MemorySize out. */
const CFN_DEFAULT_MEMORY_MB = 128;

/** Billed metrics of one alarm (each MetricStat of a metric-math alarm counts) and its shortest period. */
function alarmMetrics(props: Record<string, unknown>): { metrics: number; periodSeconds: number } {
  const list = props.Metrics as { MetricStat?: { Period?: number } }[] | undefined;
  if (!list) return { metrics: 1, periodSeconds: Number(props.Period ?? 60) };
  const stats = list.filter((m) => m.MetricStat !== undefined);
  const periods = stats.map((m) => Number(m.MetricStat?.Period ?? 60));
  return { metrics: Math.max(1, stats.length), periodSeconds: Math.min(60, ...periods) };
}

/**
 * The facts of a synthesized payprobe stack that the cost model would otherwise assume: each probe
 * function's memory and log retention (by processor, from its PAYPROBE_PROCESSOR), each processor's alarms
 * by resolution (alarm names as alarm-names.ts makes them; high-resolution when the period is below 60 s),
 * and the shared alarms, dashboards and KMS keys.
 */
export function deployedFactsFromTemplate(template: { readonly Resources?: Record<string, CfnResource> }): {
  processors: Record<string, DeployedProcessorFacts>;
  shared: DeployedSharedFacts;
} {
  const resources = template.Resources ?? {};
  const processors: Record<
    string,
    { memoryMb?: number; logRetentionDays?: number; standard: number; highResolution: number }
  > = {};
  const entry = (name: string) => {
    processors[name] ??= { standard: 0, highResolution: 0 };
    return processors[name];
  };
  const shared = { dashboards: 0, kmsKeys: 0, alarms: { standard: 0, highResolution: 0 } };
  for (const r of Object.values(resources)) {
    const props = r.Properties ?? {};
    if (r.Type === 'AWS::Lambda::Function') {
      const env = (props.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables;
      const json = env?.[ENV_PROCESSOR];
      if (typeof json !== 'string') continue;
      const name = (JSON.parse(json) as { name: string }).name;
      const e = entry(name);
      e.memoryMb = Number(props.MemorySize ?? CFN_DEFAULT_MEMORY_MB);
      const ref = (props.LoggingConfig as { LogGroup?: { Ref?: string } } | undefined)?.LogGroup?.Ref;
      const retention = ref ? resources[ref]?.Properties?.RetentionInDays : undefined;
      if (retention !== undefined) e.logRetentionDays = Number(retention);
    } else if (r.Type === 'AWS::CloudWatch::Alarm') {
      const { metrics, periodSeconds } = alarmMetrics(props);
      // The live audit's AuditFindings alarms are priced with the audit (./audit-cost.ts).
      if (typeof props.AlarmName === 'string' && props.AlarmName.startsWith(auditAlarmName(''))) continue;
      const parsed = typeof props.AlarmName === 'string' ? parseAlarmName(props.AlarmName) : undefined;
      const bucket = parsed ? entry(parsed.processor) : shared.alarms;
      if (periodSeconds < 60) bucket.highResolution += metrics;
      else bucket.standard += metrics;
    } else if (r.Type === 'AWS::CloudWatch::Dashboard') {
      shared.dashboards++;
    } else if (r.Type === 'AWS::KMS::Key') {
      shared.kmsKeys++;
    }
  }
  const out: Record<string, DeployedProcessorFacts> = {};
  for (const [name, e] of Object.entries(processors)) {
    out[name] = {
      ...(e.memoryMb !== undefined ? { memoryMb: e.memoryMb } : {}),
      ...(e.logRetentionDays !== undefined ? { logRetentionDays: e.logRetentionDays } : {}),
      alarms: { standard: e.standard, highResolution: e.highResolution },
    };
  }
  return { processors: out, shared };
}
