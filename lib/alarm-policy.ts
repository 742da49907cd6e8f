/**
 * The alarm policy: periods, M-of-N defaults, thresholds and the detection-time model, as plain data. The
 * ProcessorMonitor construct builds CloudWatch alarms from it; the docs and the detection-time test read it.
 *
 * Detection time of a persistent failure ≈ period × datapointsToAlarm + publication delay, where the
 * publication delay is the probe run itself (≤ budgetMs: the run publishes when it ends) plus CloudWatch's
 * ingestion and evaluation allowance (alarms on 10/30-s periods are evaluated every 10 s, others every
 * minute). The defaults keep a persistent handshake failure under 180 s at a 60-s interval and under 60 s
 * at a 10-s interval.
 */
import type { ConfigIssue, IntervalSeconds, ProcessorConfig } from '../lambdas/core/config';
import type { ConfigLocation } from './deployed-processor';

export interface MOfN {
  /** The M: breaching datapoints that raise the alarm. */
  readonly datapointsToAlarm: number;
  /** The N: datapoints in the evaluation window. */
  readonly evaluationPeriods: number;
}

/**
 * Default M-of-N of the probe-failure alarms (HandshakeFailing, AuthRejected, AvailabilityLow), by probe
 * interval: two failed periods of three at 60/30/20 s, three of five at 10 s (a 20-s blip does not page).
 */
export const DEFAULT_FAILURE_M_OF_N: Readonly<Record<IntervalSeconds, MOfN>> = {
  60: { datapointsToAlarm: 2, evaluationPeriods: 3 },
  30: { datapointsToAlarm: 2, evaluationPeriods: 3 },
  20: { datapointsToAlarm: 2, evaluationPeriods: 3 },
  10: { datapointsToAlarm: 3, evaluationPeriods: 5 },
};

/** AvailabilityLow fires when a minute's availability (percent of passing probes) is below this. */
export const DEFAULT_AVAILABILITY_THRESHOLD = 90;

/** ProbeNotRunning: three minutes in a row without a published result (or with a failed invocation). */
export const NOT_RUNNING = { periodSeconds: 60, datapointsToAlarm: 3, evaluationPeriods: 3 } as const;

/** LatencyHigh: TotalTime p90 over 5 minutes above the budget in 2 of the last 3 windows. */
export const LATENCY = {
  periodSeconds: 300,
  datapointsToAlarm: 2,
  evaluationPeriods: 3,
  statistic: 'p90',
} as const;

/** Certificate expiry warnings: the smallest days-left seen in an hour. */
export const CERT_EXPIRY = { periodSeconds: 3600, datapointsToAlarm: 1, evaluationPeriods: 1 } as const;

/** Availability is judged per minute at every interval (one to six probes). */
export const AVAILABILITY_PERIOD_SECONDS = 60;

/**
 * The alarm period of the stage alarms (HandshakeFailing, AuthRejected): one probe per period where
 * CloudWatch allows it. High-resolution alarms take 10 or 30 s; a 20-s interval uses 30-s periods.
 */
export function stageAlarmPeriodSeconds(interval: IntervalSeconds): 10 | 30 | 60 {
  if (interval === 10) return 10;
  if (interval === 60) return 60;
  return 30;
}

/** CloudWatch ingestion plus evaluation allowance for an alarm period (high-resolution alarms evaluate every 10 s). */
export function evaluationAllowanceSeconds(periodSeconds: number): number {
  return periodSeconds < 60 ? 10 : 30;
}

/** The detection-time model of this module's header, in seconds. */
export function detectionSeconds(periodSeconds: number, datapointsToAlarm: number, budgetMs: number): number {
  return periodSeconds * datapointsToAlarm + budgetMs / 1000 + evaluationAllowanceSeconds(periodSeconds);
}

/**
 * The probe-failure alarms' M-of-N for a processor: the config's `alarms` over the interval's default.
 * Setting only one of the two adjusts the other so that M ≤ N; M > N set explicitly is an error.
 */
export function failureMOfN(
  processor: ProcessorConfig,
  at: ConfigLocation,
): { mOfN: MOfN; issues: ConfigIssue[] } {
  const d = DEFAULT_FAILURE_M_OF_N[processor.intervalSeconds];
  const { datapointsToAlarm: m, evaluationPeriods: n } = processor.alarms;
  const issues: ConfigIssue[] = [];
  if (m !== undefined && n !== undefined && m > n) {
    issues.push({
      file: at.file,
      path: `${at.path}.alarms.datapointsToAlarm`,
      message: `${m} is more than evaluationPeriods (${n}): an alarm needs M breaching datapoints out of N, with M ≤ N`,
    });
  }
  const datapointsToAlarm = m ?? Math.min(d.datapointsToAlarm, n ?? d.evaluationPeriods);
  const evaluationPeriods = n ?? Math.max(d.evaluationPeriods, datapointsToAlarm);
  return { mOfN: { datapointsToAlarm, evaluationPeriods }, issues };
}
