/**
 * What the live audit adds to a processor's monthly cost (docs/audit.md "Live audit", `payprobe cost`):
 * audit runs on the schedule (730 / audit.everyHours a month) and after input changes, each an invocation
 * of the probe function that probes once, reads its state parameter and publishes one AuditFindings
 * datapoint; the AuditFindings alarm (standard resolution); the pages (a new finding's audit page and its
 * resolved page; the alarm's own notification only with alerting.directAlarmNotifications) delivered to the
 * warning subscribers. The state parameter is a standard
 * SSM parameter (free, and its API calls at standard throughput are free). Nothing runs between audits.
 */
import type { RawConfig, Subscription } from '../config/schema';
import { type CostLine, HOURS_PER_MONTH, costLine as line } from './pricing';

/** The live audit's defaults, as lib/constructs/live-audit.ts deploys them. */
export const AUDIT_COST_DEFAULTS = {
  everyHours: 24,
  /** Billed seconds of one audit run: one probe and the state read, datapoint, state write. */
  runSeconds: 1.2,
  /** New findings a processor's live settings show in a month (each: an audit page, then a resolved page). */
  findingsPerMonth: 0.5,
} as const;

/** Publishes per finding: the audit page and the resolved page (+1, the alarm's, with directAlarmNotifications). */
const PUBLISHES_PER_FINDING = 2;

export interface AuditUsage {
  readonly runsPerMonth: number;
  readonly gbSeconds: number;
  /** AuditFindings: one datapoint per run, each in its own hour. */
  readonly metricMonths: number;
  readonly putMetricDataRequests: number;
  /** The AuditFindings alarm (standard resolution). */
  readonly alarms: number;
  readonly snsPublishes: number;
  readonly deliveries: number;
  readonly schedulerInvocations: number;
}

/** A cost line of the live audit (./pricing.ts CostLine). */
export type AuditCostLine = CostLine;

/** The live audit's usage for one processor in one region; null when `audit.live` is false. */
export function auditUsage(
  audit: RawConfig['audit'],
  warning: readonly Subscription[] | undefined,
  memoryMb: number,
  inputChangeHoursPerMonth: number,
  directAlarmNotifications = false,
): AuditUsage | null {
  if (audit?.live === false) return null;
  const every = audit?.everyHours ?? AUDIT_COST_DEFAULTS.everyHours;
  const scheduled = HOURS_PER_MONTH / every;
  const runsPerMonth = scheduled + inputChangeHoursPerMonth;
  const publishes =
    AUDIT_COST_DEFAULTS.findingsPerMonth * (PUBLISHES_PER_FINDING + (directAlarmNotifications ? 1 : 0));
  return {
    runsPerMonth,
    gbSeconds: (memoryMb / 1024) * runsPerMonth * AUDIT_COST_DEFAULTS.runSeconds,
    metricMonths: Math.min(HOURS_PER_MONTH, runsPerMonth) / HOURS_PER_MONTH,
    putMetricDataRequests: runsPerMonth,
    alarms: 1,
    snsPublishes: publishes,
    deliveries: publishes * (warning?.length ?? 0),
    schedulerInvocations: scheduled,
  };
}

/** The live audit's cost lines (deliveries priced as e-mail, the dearest common subscriber but SMS). */
export function priceAuditUsage(u: AuditUsage | null): AuditCostLine[] {
  if (!u) return [];
  return [
    line('live audit: Lambda requests', u.runsPerMonth, 'lambdaRequest'),
    line('live audit: Lambda duration (GB-s)', u.gbSeconds, 'lambdaArmGbSecond'),
    line('live audit: AuditFindings (metric-months)', u.metricMonths, 'customMetricMonth'),
    line('live audit: PutMetricData requests', u.putMetricDataRequests, 'putMetricDataRequest'),
    line('live audit: AuditFindings alarm', u.alarms, 'alarmStandardMonth'),
    line('live audit: SNS publishes', u.snsPublishes, 'snsPublish'),
    line('live audit: SNS notifications', u.deliveries, 'snsEmailDelivery'),
    line('live audit: Scheduler invocations', u.schedulerInvocations, 'schedulerInvocation'),
  ];
}
