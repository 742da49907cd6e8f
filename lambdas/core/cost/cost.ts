/**
 * The monthly cost of running payprobe, per processor and in total, from the same config the CLI and the CDK
 * app read. Prices come from ./pricing.ts (us-east-1 list prices, no free tier); everything else is either
 * derived from the config or an explicit, documented assumption in DEFAULT_ASSUMPTIONS.
 *
 * The model, per processor and region (a month = HOURS_PER_MONTH hours, 43,800 minutes):
 * - Lambda: one invocation a minute in every mode. At 60 s the invocation probes once and lasts about one probe
 *   plus handler overhead; a failed probe is re-probed after a pause (lambdas/core/policy/probe-policy.ts), billed for
 *   every run in the assumed failing hours. At 10/20/30 s the handler probes 60/interval times inside the one
 *   invocation and sleeps in between; sleeping is billed, so it lasts (probes - 1) x interval + one probe +
 *   overhead (about 51 s at 10 s). GB-s = memory x duration x invocations.
 * - Custom metrics, each with dimension Processor, billed for every hour in which it receives data (CloudWatch
 *   prorates by the hour), following lambdas/core/policy/publishing.ts (one metrics mode): Success,
 *   HandshakeFailure, AuthFailure, TotalTime, CertDaysToExpiry (and ClientCertDaysToExpiry with mTLS) all
 *   month; InputChanged in the hours with an input change; Failure (dimensions Processor, Class) in the hours
 *   with failures (classes x hours each). The phase timings are not metrics (the structured log has them).
 * - PutMetricData: one request per probe run (docs/lambda.md "Metrics"; a re-probe publishes with its run).
 * - Alarms: the kinds in alarm-names.ts, billed per metric they watch (AvailabilityLow three, ProbeNotRunning
 *   two). The probe-period alarms (handshake, auth, availability, latency) use the probe interval as their
 *   period: high-resolution below 60 s. Not-running and certificate alarms are standard resolution.
 *   ClientCertExpiring only with mTLS. Maintenance windows are alarm mute rules, which CloudWatch does not bill.
 * - SNS: each alarm incident is one page and one RESOLVED by the diagnose Lambda, the one pager (no alarm has
 *   an SNS action; with alerting.directAlarmNotifications also the alarm's own ALARM notification), delivered
 *   to every subscriber of that severity's topic. The alarms of processors with maintenance windows act on the
 *   internal held-alarms topic, whose one subscriber is the diagnose Lambda: SNS bills no Lambda delivery, and
 *   its publishes stay within the free tier, so they are not counted.
 * - Logs: one structured line per probe plus Lambda's START/END/REPORT lines per invocation; stored for the
 *   retention period, uncompressed (an over-estimate). The dashboard's phase-timing widgets query the probe
 *   logs with Logs Insights, billed per GB scanned: each view of the dashboard scans its time range.
 * - Secrets Manager: one GetSecretValue per secret reference per cache TTL.
 * - OAuth token requests to the processor (not an AWS cost, but a rate the processor sees): one per 15 minutes
 *   per warm function in steady state (lambdas/core/engine/token-cache.ts tokenRequestsPerHour).
 * - History table (on-demand DynamoDB, lambdas/core/diagnosis/history.ts): a passing item written on each
 *   heartbeat (hourly), on each cold start and on each change of the facts; a failing item written on each
 *   failure episode and every MIN_WRITE_GAP_MS while it fails; items of HISTORY_ITEM_BYTES (a write costs one
 *   unit per KB, an update the larger of the item before and after). Read by the diagnose Lambda: every
 *   processor's item on every alarm state change of the fleet, strongly consistent, plus the incident items.
 * - Shared per region (not per processor; ./deployment-cost.ts, by the config's stacks and shards): the
 *   dashboard, the customer-managed KMS key of the encrypted topics, the diagnose Lambda's own alarm, the
 *   gateway alarm and its one FailingProcessors metric.
 * - Scheduling: one EventBridge Scheduler invocation a minute (list price; the first 14 million a month in an
 *   account are free); SSM standard parameters are free.
 * Regions multiply every per-processor and shared item. The figures are list prices: the free tier (10
 * metrics, 10 alarms, 1M API requests, 1M Lambda requests and 400,000 GB-s a month per account) is ignored.
 */

import type { ProcessorConfig } from '../config/model';
import { PRESETS } from '../config/presets';
import { configReferences } from '../config/references';
import type { RawConfig, Subscription } from '../config/schema';
import { ALARM_KINDS, type AlarmKindName } from '../contract/alarm-names';
import { METRICS, type MetricName } from '../contract/metric-names';
import { HEARTBEAT_MS, MIN_WRITE_GAP_MS } from '../diagnosis/history';
import { tokenRequestsPerHour } from '../engine/token-cache';
import { DEFAULT_FUNCTION_MEMORY_MB, DEFAULT_SECRET_TTL_SECONDS } from '../policy/deployment';
import { CONFIRM_PAUSE_MS, confirmsFailures } from '../policy/probe-policy';
import { PUBLISHING, type PublishRule } from '../policy/publishing';
import type { DeploymentShape } from '../policy/sharding';
import { type AuditUsage, auditUsage, priceAuditUsage } from './audit-cost';
import {
  type DeployedProcessorFacts,
  type DeployedSharedFacts,
  type SharedAssumptions,
  sharedItems,
} from './deployment-cost';
import { type CostLine, HOURS_PER_MONTH, costLine as line, PRICES, PRICING_REGION } from './pricing';

// The deployment's share (./deployment-cost.ts) and the cost line (./pricing.ts), where callers found them.
export {
  type DeployedProcessorFacts,
  type DeployedSharedFacts,
  DIAGNOSE_ALARM_METRICS,
  deployedFactsFromTemplate,
  type SharedAssumptions,
} from './deployment-cost';
export type { CostLine } from './pricing';

export const MINUTES_PER_MONTH = HOURS_PER_MONTH * 60;

export interface CostAssumptions extends SharedAssumptions {
  /** Probe Lambda memory in MB. @default DEFAULT_FUNCTION_MEMORY_MB, the size lib/ deploys */
  readonly memoryMb: number;
  /** Wall time of one healthy probe against an internet endpoint (DNS + TCP + TLS + one request). */
  readonly probeSeconds: number;
  /** Handler time per invocation besides probing: secrets (cached), PutMetricData, logging. */
  readonly invocationOverheadSeconds: number;
  /** Distinct failure classes a processor shows in a month (each one a Failure metric). */
  readonly failureClassesPerMonth: number;
  /** Hours in a month in which each of those classes receives data (every run of those hours fails). */
  readonly failingHoursPerClass: number;
  /** Hours in a month with an input change (InputChanged published). */
  readonly inputChangeHoursPerMonth: number;
  /** Critical alarm incidents (ALARM, later OK) per processor-month. */
  readonly criticalIncidentsPerMonth: number;
  /** Warning alarm incidents per processor-month. */
  readonly warningIncidentsPerMonth: number;
  /** Seconds the diagnose Lambda runs per alarm state change (a re-probe and one SNS publish). */
  readonly diagnoseSeconds: number;
  /** Bytes of the structured log line per probe (result, timings, certificate chain summary). */
  readonly logBytesPerProbe: number;
  /** Bytes of Lambda's own START/END/REPORT lines per invocation. */
  readonly logBytesPerInvocation: number;
  /** Log retention in days. */
  readonly logRetentionDays: number;
  /** Views of the dashboard a month; each runs the Logs Insights phase-timing query over its time range. */
  readonly dashboardViewsPerMonth: number;
  /** The time range a dashboard view shows (the dashboard's default), in hours. */
  readonly dashboardRangeHours: number;
  /** Secrets and parameters cache TTL in the Lambda, seconds (the probe Lambda's PAYPROBE_SECRET_TTL_SECONDS default). */
  readonly secretCacheTtlSeconds: number;
  /** Cold starts of a probe function a month (each writes its processor's history item once). */
  readonly coldStartsPerMonth: number;
  /** Changes a month of what a passing probe sees (a certificate renewal, a rotated secret). */
  readonly snapshotChangesPerMonth: number;
  /** Bytes of a processor's history item while it passes (the last good snapshot). */
  readonly historyItemBytes: number;
  /** Bytes of a processor's history item while it fails (the snapshot and the failing run's facts). */
  readonly historyFailingItemBytes: number;
}

export const DEFAULT_ASSUMPTIONS: CostAssumptions = {
  memoryMb: DEFAULT_FUNCTION_MEMORY_MB,
  probeSeconds: 0.7,
  invocationOverheadSeconds: 0.3,
  failureClassesPerMonth: 2,
  failingHoursPerClass: 12,
  inputChangeHoursPerMonth: 2,
  criticalIncidentsPerMonth: 4,
  warningIncidentsPerMonth: 1,
  diagnoseSeconds: 2,
  logBytesPerProbe: 3000,
  logBytesPerInvocation: 400,
  logRetentionDays: 30,
  dashboardViewsPerMonth: 300,
  dashboardRangeHours: 3,
  secretCacheTtlSeconds: DEFAULT_SECRET_TTL_SECONDS,
  dashboardsPerRegion: 1,
  kmsKeysPerRegion: 1,
  sharedAlarmsPerRegion: 4,
  sharedMetricsPerRegion: 1,
  coldStartsPerMonth: 120,
  snapshotChangesPerMonth: 4,
  historyItemBytes: 2048,
  historyFailingItemBytes: 4096,
};

export interface CostInput {
  readonly processors: readonly ProcessorConfig[];
  /** Regions from the config; @default one region */
  readonly regions?: readonly string[];
  readonly alerting?: RawConfig['alerting'];
  /** The config's live audit settings. @default the live audit on, daily */
  readonly audit?: RawConfig['audit'];
  /** Whether each group has its own dashboard (PayProbeProps.groupDashboards). @default true */
  readonly groupDashboards?: boolean;
}

export interface ProcessorUsage {
  readonly invocations: number;
  readonly probesPerInvocation: number;
  /** Probe runs (one PutMetricData each). */
  readonly probes: number;
  /** Re-probes confirming a failure (60-s mode): runs in the failing hours. */
  readonly reprobes: number;
  readonly durationSeconds: number;
  readonly memoryMb: number;
  readonly gbSeconds: number;
  /** Metric name (with the class for Failure) and billed hours. */
  readonly metrics: readonly { readonly name: string; readonly hours: number }[];
  readonly metricMonths: number;
  readonly putMetricDataRequests: number;
  readonly alarms: { readonly standard: number; readonly highResolution: number };
  readonly snsPublishes: number;
  /** GB the dashboard's Logs Insights queries scan in this processor's log group. */
  readonly logsInsightsGb: number;
  readonly deliveries: { readonly email: number; readonly https: number; readonly sms: number };
  readonly diagnoseInvocations: number;
  readonly logGb: number;
  readonly logStoredGb: number;
  readonly secretsManagerRefs: number;
  readonly secretsManagerCalls: number;
  /**
   * OAuth token requests to the processor an hour in steady state (0 without OAuth credentials); a cold start
   * adds one, and so does each probe attempt while the credentials are refused.
   */
  readonly tokenRequestsPerHour: number;
  /** The processor's history item: writes a month, the write and read units they and the diagnose reads cost, its size. */
  readonly history: {
    readonly writes: number;
    readonly writeUnits: number;
    readonly readUnits: number;
    readonly storedGb: number;
  };
  /** The live audit (./audit-cost.ts); null when the config turns it off. */
  readonly audit: AuditUsage | null;
}

export interface ProcessorCost {
  readonly processor: string;
  readonly intervalSeconds: number;
  readonly regions: number;
  /** Usage in one region. */
  readonly usage: ProcessorUsage;
  /** Cost lines in one region. */
  readonly lines: readonly CostLine[];
  readonly usdPerRegion: number;
  /** All regions. */
  readonly usd: number;
}

export interface CostEstimate {
  readonly currency: 'USD';
  readonly pricingRegion: string;
  readonly pricesChecked: string;
  readonly hoursPerMonth: number;
  readonly regions: readonly string[];
  readonly assumptions: CostAssumptions;
  readonly processors: readonly ProcessorCost[];
  /** Where the processors go (lambdas/core/policy/sharding.ts): one stack, or the main stack and shards. */
  readonly deployment: DeploymentShape;
  /** Per-region items shared by all processors. */
  readonly shared: {
    readonly lines: readonly CostLine[];
    readonly usdPerRegion: number;
    readonly usd: number;
  };
  readonly totalUsd: number;
  /** A 1-minute CloudWatch Synthetics canary per processor and region: canary runs only. */
  readonly synthetics: {
    readonly runsPerMonth: number;
    readonly usdPerProcessor: number;
    readonly usd: number;
  };
}

/**
 * Alarm kinds whose period is the probe interval (10, 20 or 30 s, i.e. high-resolution, below 60 s), as the
 * alarm policy in lib/alarms/alarm-policy.ts sets them; not-running and certificate alarms are judged per
 * minute or hour at every interval. test/core/cost/cost.test.ts checks this against the synthesized alarms.
 */
export const PROBE_PERIOD_ALARM_KINDS: ReadonlySet<AlarmKindName> = new Set<AlarmKindName>([
  'HandshakeFailing',
  'AuthRejected',
  'AvailabilityLow',
  'LatencyHigh',
]);

export function usesMtls(p: ProcessorConfig): boolean {
  return p.tls.clientCert !== undefined;
}

/**
 * Metrics per alarm where an alarm watches more than one (CloudWatch bills alarms per metric): AvailabilityLow
 * sums the averages of Success, HandshakeFailure and AuthFailure (lib/alarms/alarm-policy.ts AVAILABILITY_ALARM);
 * ProbeNotRunning combines the processor's Success sample count with the function's Errors metric.
 */
export const ALARM_METRICS: Readonly<Partial<Record<AlarmKindName, number>>> = {
  AvailabilityLow: 3,
  ProbeNotRunning: 2,
};

/** The alarm kinds created for a processor, whether each is high-resolution and how many metrics it bills. */
export function alarmPlan(
  p: ProcessorConfig,
): { kind: AlarmKindName; highResolution: boolean; metrics: number }[] {
  return (Object.keys(ALARM_KINDS) as AlarmKindName[])
    .filter((kind) => kind !== 'ClientCertExpiring' || usesMtls(p))
    .map((kind) => ({
      kind,
      highResolution: PROBE_PERIOD_ALARM_KINDS.has(kind) && p.intervalSeconds < 60,
      metrics: ALARM_METRICS[kind] ?? 1,
    }));
}

/** Metrics billed all month: those a run carries in every hour (every run, passed runs, certificates seen). */
export function perRunMetrics(): MetricName[] {
  return Object.values(METRICS).filter((m) => billedAllMonth(PUBLISHING[m]));
}

function billedAllMonth(rule: PublishRule): boolean {
  return rule.when === 'every-run' || rule.when === 'passed-run' || rule.when === 'certificate-seen';
}

/** Hours with failed runs in a month: each assumed class for its assumed hours (counted as disjoint). */
export function failingHours(a: CostAssumptions): number {
  return Math.min(HOURS_PER_MONTH, a.failureClassesPerMonth * a.failingHoursPerClass);
}

/**
 * Billed hours a month of a metric with this publishing rule (lambdas/core/policy/publishing.ts). Failure is
 * priced per class separately (`failed-run` gives 0 here).
 */
export function billedHours(rule: PublishRule, a: CostAssumptions): number {
  switch (rule.when) {
    case 'every-run':
    case 'passed-run':
    case 'certificate-seen':
      // A passing run and a seen certificate are there in every hour of a month worth monitoring.
      return HOURS_PER_MONTH;
    case 'failed-run':
      return 0;
    case 'input-changed':
      return Math.min(HOURS_PER_MONTH, a.inputChangeHoursPerMonth);
  }
}

/** The processor's metrics (Failure per assumed class) and the hours a month each is billed. */
export function metricHours(p: ProcessorConfig, a: CostAssumptions): { name: string; hours: number }[] {
  const rules = PUBLISHING;
  const names = Object.values(METRICS).filter(
    (m) => m !== METRICS.failure && (m !== METRICS.clientCertDaysToExpiry || usesMtls(p)),
  );
  return [
    ...names.map((name) => ({ name, hours: billedHours(rules[name], a) })),
    ...Array.from({ length: a.failureClassesPerMonth }, (_, i) => ({
      name: `${METRICS.failure} (class ${i + 1})`,
      hours: Math.min(HOURS_PER_MONTH, a.failingHoursPerClass),
    })),
  ];
}

/** SNS publishes per alarm incident: the diagnose page and its RESOLVED (the diagnose Lambda is the pager). */
export const PUBLISHES_PER_INCIDENT = 2;

/** Publishes per incident for a config: one more, the alarm's notification, with directAlarmNotifications. */
export function publishesPerIncident(alerting: RawConfig['alerting']): number {
  return PUBLISHES_PER_INCIDENT + (alerting?.directAlarmNotifications ? 1 : 0);
}

/** Re-probes a month: at an interval that confirms failures, every run in the failing hours. */
export function reprobesPerMonth(intervalSeconds: number, a: CostAssumptions): number {
  return confirmsFailures(intervalSeconds) ? failingHours(a) * (3600 / intervalSeconds) : 0;
}

/** Probes per one-minute invocation: 60 / interval (1 at 60 s, 6 at 10 s). */
export function probesPerInvocation(intervalSeconds: number): number {
  return Math.max(1, Math.floor(60 / intervalSeconds));
}

/** Billed seconds of one invocation: the handler sleeps between sub-minute probes inside the invocation. */
export function invocationSeconds(intervalSeconds: number, a: CostAssumptions): number {
  const n = probesPerInvocation(intervalSeconds);
  return (n - 1) * intervalSeconds + a.probeSeconds + a.invocationOverheadSeconds;
}

function subscribers(subs: readonly Subscription[] | undefined): {
  email: number;
  https: number;
  sms: number;
} {
  const out = { email: 0, https: 0, sms: 0 };
  for (const s of subs ?? []) {
    if ('email' in s) out.email++;
    else if ('https' in s) out.https++;
    else out.sms++;
  }
  return out;
}

/** What one processor uses in one region in a month. */
export function processorUsage(
  p: ProcessorConfig,
  alerting: RawConfig['alerting'],
  a: CostAssumptions = DEFAULT_ASSUMPTIONS,
  deployed: DeployedProcessorFacts = {},
  /** Processors in the stack: the diagnose Lambda reads every one's history item on each alarm event. */
  fleetSize = 1,
  audit?: RawConfig['audit'],
): ProcessorUsage {
  const invocations = MINUTES_PER_MONTH;
  const perInvocation = probesPerInvocation(p.intervalSeconds);
  const probes = invocations * perInvocation;
  const durationSeconds = invocationSeconds(p.intervalSeconds, a);
  const memoryMb = deployed.memoryMb ?? a.memoryMb;
  // Each incident: the ALARM and the later OK state change each invoke the diagnose Lambda.
  const incidents = a.criticalIncidentsPerMonth + a.warningIncidentsPerMonth;
  const diagnoseInvocations = 2 * incidents;
  const reprobes = reprobesPerMonth(p.intervalSeconds, a);
  const reprobeSeconds = reprobes * (CONFIRM_PAUSE_MS / 1000 + a.probeSeconds);
  const gbSeconds =
    (memoryMb / 1024) *
    (durationSeconds * invocations + reprobeSeconds + a.diagnoseSeconds * diagnoseInvocations);

  const metrics = metricHours(p, a);
  const metricMonths = metrics.reduce((n, m) => n + m.hours / HOURS_PER_MONTH, 0);

  const plan = alarmPlan(p);
  const billed = (high: boolean) =>
    plan.filter((x) => x.highResolution === high).reduce((n, x) => n + x.metrics, 0);
  const alarms = deployed.alarms ?? { standard: billed(false), highResolution: billed(true) };

  // Each incident: the diagnose page and its RESOLVED (and the alarm's notification with directAlarmNotifications).
  const critical = subscribers(alerting?.critical);
  const warning = subscribers(alerting?.warning);
  const publishes = (incidentsOfSeverity: number) => publishesPerIncident(alerting) * incidentsOfSeverity;
  const snsPublishes = publishes(a.criticalIncidentsPerMonth) + publishes(a.warningIncidentsPerMonth);
  const deliveries = {
    email:
      publishes(a.criticalIncidentsPerMonth) * critical.email +
      publishes(a.warningIncidentsPerMonth) * warning.email,
    https:
      publishes(a.criticalIncidentsPerMonth) * critical.https +
      publishes(a.warningIncidentsPerMonth) * warning.https,
    sms:
      publishes(a.criticalIncidentsPerMonth) * critical.sms +
      publishes(a.warningIncidentsPerMonth) * warning.sms,
  };

  const logGb = ((probes + reprobes) * a.logBytesPerProbe + invocations * a.logBytesPerInvocation) / 1e9;
  const retention = deployed.logRetentionDays ?? a.logRetentionDays;
  const logStoredGb = (logGb * Math.min(retention, 3650)) / 30;
  const logsInsightsGb =
    (a.dashboardViewsPerMonth * a.dashboardRangeHours * 3600 * (a.logBytesPerProbe / p.intervalSeconds)) /
    1e9;

  const secretsManagerRefs = configReferences(p).filter((r) => 'secretsManager' in r.ref).length;
  const fetchesPerRef = Math.min(probes, (HOURS_PER_MONTH * 3600) / a.secretCacheTtlSeconds);
  return {
    invocations,
    probesPerInvocation: perInvocation,
    probes,
    reprobes,
    durationSeconds,
    memoryMb,
    gbSeconds,
    metrics,
    metricMonths,
    putMetricDataRequests: probes,
    alarms,
    snsPublishes,
    logsInsightsGb,
    deliveries,
    diagnoseInvocations,
    logGb,
    logStoredGb,
    secretsManagerRefs,
    secretsManagerCalls: secretsManagerRefs * fetchesPerRef,
    tokenRequestsPerHour: oauthTokenRequestsPerHour(p),
    history: historyUsage(a, fleetSize),
    audit: auditUsage(
      audit,
      alerting?.warning,
      memoryMb,
      a.inputChangeHoursPerMonth,
      alerting?.directAlarmNotifications,
    ),
  };
}

/**
 * The history table's use by one processor in a month (lambdas/core/diagnosis/history.ts SnapshotRecorder):
 * passing writes on each heartbeat, cold start and change; failing writes on each episode and every
 * MIN_WRITE_GAP_MS of the failing hours; and the diagnose Lambda's strongly consistent read of this item on
 * every alarm state change of the fleet (`fleetSize` processors), with the incident items.
 */
export function historyUsage(
  a: CostAssumptions,
  fleetSize = 1,
): { writes: number; writeUnits: number; readUnits: number; storedGb: number } {
  const heartbeats = (HOURS_PER_MONTH * 3_600_000) / HEARTBEAT_MS;
  const passWrites = heartbeats + a.coldStartsPerMonth + a.snapshotChangesPerMonth;
  const episodes = a.criticalIncidentsPerMonth;
  const failWrites = episodes + (failingHours(a) * 3_600_000) / MIN_WRITE_GAP_MS;
  const units = (bytes: number) => Math.ceil(bytes / 1024);
  const writeUnits = passWrites * units(a.historyItemBytes) + failWrites * units(a.historyFailingItemBytes);
  // Each incident is two alarm events for the diagnose function (ALARM, then OK).
  const events = 2 * (a.criticalIncidentsPerMonth + a.warningIncidentsPerMonth) * fleetSize;
  // Each event reads every processor item (this one among them) and, for the incident, its items: counted
  // here per processor as this item plus its share of the incident reads.
  const readUnits = events * Math.ceil(a.historyFailingItemBytes / 4096) + events / fleetSize;
  return {
    writes: passWrites + failWrites,
    writeUnits,
    readUnits,
    storedGb: a.historyFailingItemBytes / 1e9,
  };
}

/** Steady-state OAuth token requests an hour of a processor: by the preset's documented token lifetime. */
export function oauthTokenRequestsPerHour(p: ProcessorConfig): number {
  if (p.auth?.credentials?.type !== 'oauth2-client-credentials') return 0;
  const preset = p.preset !== undefined ? PRESETS[p.preset] : undefined;
  return tokenRequestsPerHour(p.intervalSeconds, preset?.tokenLifetimeSeconds);
}

/** Prices one region's usage of a processor. Lines with zero quantity are kept (the table shows them). */
export function priceUsage(u: ProcessorUsage): CostLine[] {
  return [
    line('Lambda requests', u.invocations + u.diagnoseInvocations, 'lambdaRequest'),
    line('Lambda duration (GB-s)', u.gbSeconds, 'lambdaArmGbSecond'),
    line('custom metrics (metric-months)', u.metricMonths, 'customMetricMonth'),
    line('PutMetricData requests', u.putMetricDataRequests, 'putMetricDataRequest'),
    line('alarms, standard resolution', u.alarms.standard, 'alarmStandardMonth'),
    line('alarms, high resolution', u.alarms.highResolution, 'alarmHighResolutionMonth'),
    line('SNS publishes', u.snsPublishes, 'snsPublish'),
    line('SNS email notifications', u.deliveries.email, 'snsEmailDelivery'),
    line('SNS HTTPS notifications', u.deliveries.https, 'snsHttpsDelivery'),
    line('SNS SMS messages', u.deliveries.sms, 'snsSmsUs'),
    line('log ingestion (GB)', u.logGb, 'logsIngestionGb'),
    line('log storage (GB-month)', u.logStoredGb, 'logsStorageGbMonth'),
    line('Logs Insights scans (dashboard phase timings, GB)', u.logsInsightsGb, 'logsInsightsGbScanned'),
    line('Secrets Manager API calls', u.secretsManagerCalls, 'secretsManagerApiCall'),
    line('history table writes (WRU)', u.history.writeUnits, 'dynamoDbWriteUnit'),
    line('history table reads (RRU)', u.history.readUnits, 'dynamoDbReadUnit'),
    line('history table storage (GB-month)', u.history.storedGb, 'dynamoDbStorageGbMonth'),
    line('EventBridge Scheduler invocations', u.invocations, 'schedulerInvocation'),
    ...priceAuditUsage(u.audit),
  ];
}

const sum = (lines: readonly CostLine[]) => lines.reduce((n, l) => n + l.usd, 0);

/** The monthly cost of a config: per processor (all regions), the shared per-region items and the total. */
export function estimateCost(
  input: CostInput,
  assumptions: Partial<CostAssumptions> = {},
  deployed: {
    readonly processors?: Readonly<Record<string, DeployedProcessorFacts>>;
    readonly shared?: DeployedSharedFacts;
  } = {},
): CostEstimate {
  const a: CostAssumptions = { ...DEFAULT_ASSUMPTIONS, ...assumptions };
  const regions = input.regions && input.regions.length > 0 ? [...input.regions] : [PRICING_REGION];
  const n = regions.length;
  const processors = input.processors.map((p): ProcessorCost => {
    const usage = processorUsage(
      p,
      input.alerting,
      a,
      deployed.processors?.[p.name],
      input.processors.length,
      input.audit,
    );
    const lines = priceUsage(usage);
    const usdPerRegion = sum(lines);
    return {
      processor: p.name,
      intervalSeconds: p.intervalSeconds,
      regions: n,
      usage,
      lines,
      usdPerRegion,
      usd: usdPerRegion * n,
    };
  });
  const { deployment, lines: sharedLines } = sharedItems(
    input.processors.map((p) => p.name),
    a,
    deployed.shared,
    input.groupDashboards !== false,
  );
  const sharedPerRegion = sum(sharedLines);
  const processorsUsd = processors.reduce((t, p) => t + p.usd, 0);
  const runsPerMonth = MINUTES_PER_MONTH;
  const canary = runsPerMonth * PRICES.syntheticsCanaryRun.usd;
  return {
    currency: 'USD',
    pricingRegion: PRICING_REGION,
    pricesChecked: latestCheck(),
    hoursPerMonth: HOURS_PER_MONTH,
    regions,
    assumptions: a,
    processors,
    deployment,
    shared: { lines: sharedLines, usdPerRegion: sharedPerRegion, usd: sharedPerRegion * n },
    totalUsd: processorsUsd + sharedPerRegion * n,
    synthetics: { runsPerMonth, usdPerProcessor: canary, usd: canary * processors.length * n },
  };
}

function latestCheck(): string {
  return Object.values(PRICES)
    .map((p) => p.checked)
    .sort()
    .at(-1) as string;
}
