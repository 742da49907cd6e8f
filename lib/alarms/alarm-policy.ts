/**
 * The alarm policy: periods, M-of-N defaults, thresholds and the detection-time model, as plain data and
 * plain functions. The ProcessorMonitor construct builds CloudWatch alarms from it; the detection-time test,
 * the benchmark (bench/template.ts) and the docs read the same model.
 *
 * One probe per period: the probe-failure alarms (HandshakeFailing, AuthRejected, AvailabilityLow) and
 * LatencyHigh use the probe interval as their period (10, 20, 30 or 60 s; CloudWatch accepts 20-s periods),
 * so every datapoint is exactly one probe run and "M of N" counts failed probes among the last N, whatever
 * the evaluation's phase (a 30-s period at a 20-s interval held one or two probes).
 *
 * Onset and recovery (docs/deploy.md "Flapping"): the alarm fires on the M-th failed probe, as before, but
 * the window N spans 15 minutes (DAMPING_WINDOW_SECONDS). A CloudWatch alarm returns to OK only when fewer
 * than M of its last N datapoints breach, so recovery takes up to 15 minutes of good probes and an endpoint
 * that keeps failing now and then stays in ALARM: one page, not one per flip. At 60 s, where every published
 * failure is already confirmed by a re-probe, M = 1: between two ALARM transitions of an alarm lie at least
 * 15 minutes (the failure that raised the first stays in the window that long).
 *
 * Detection time of a persistent failure is counted from the failure's ONSET, which can come just after a
 * passing probe (see `detectionTimes`): the M-th failed probe decides, as with the old windows, so the worst
 * case stays within 180 s at a 60-s interval and within 60 s at a 10-s interval.
 */
import type { ConfigIssue, IntervalSeconds, ProcessorConfig } from '../../lambdas/core/config/load';
import { METRICS, type MetricName } from '../../lambdas/core/contract/metric-names';
import { runWorkMs } from '../../lambdas/core/policy/probe-policy';

export interface MOfN {
  /** The M: breaching datapoints that raise the alarm. */
  readonly datapointsToAlarm: number;
  /** The N: datapoints in the evaluation window. */
  readonly evaluationPeriods: number;
}

/** The window the probe-failure alarms look back over: recovery takes this long without failures. */
export const DAMPING_WINDOW_SECONDS = 900;

/** The alarm period of the probe-period alarms: one probe per period (10, 20, 30 or 60 s). */
export function probePeriodSeconds(interval: IntervalSeconds): IntervalSeconds {
  return interval;
}

/** The probe-failure alarms' N by default: the periods in DAMPING_WINDOW_SECONDS. */
export function dampingPeriods(interval: IntervalSeconds): number {
  return Math.ceil(DAMPING_WINDOW_SECONDS / probePeriodSeconds(interval));
}

/**
 * Failed probes that raise a probe-failure alarm by default (the M), by interval. 60 s: one, which the probe
 * has already confirmed with a re-probe (two failed probes a few seconds apart). 30/20 s: two. 10 s: three (a
 * 20-s blip does not page). These are the onsets of the earlier 1-of-1, 2-of-3 and 3-of-5 windows.
 */
export const DEFAULT_FAILED_PROBES_TO_ALARM: Readonly<Record<IntervalSeconds, number>> = {
  60: 1,
  30: 2,
  20: 2,
  10: 3,
};

/** Default M-of-N of the probe-failure alarms (HandshakeFailing, AuthRejected, AvailabilityLow), by interval. */
export const DEFAULT_FAILURE_M_OF_N: Readonly<Record<IntervalSeconds, MOfN>> = {
  60: { datapointsToAlarm: DEFAULT_FAILED_PROBES_TO_ALARM[60], evaluationPeriods: dampingPeriods(60) },
  30: { datapointsToAlarm: DEFAULT_FAILED_PROBES_TO_ALARM[30], evaluationPeriods: dampingPeriods(30) },
  20: { datapointsToAlarm: DEFAULT_FAILED_PROBES_TO_ALARM[20], evaluationPeriods: dampingPeriods(20) },
  10: { datapointsToAlarm: DEFAULT_FAILED_PROBES_TO_ALARM[10], evaluationPeriods: dampingPeriods(10) },
};

/**
 * AvailabilityLow's period is one probe (count-based: M of the last N probes failed at DNS, connect, HTTP or
 * config); a period breaches when its percent of probes that passed or failed only at tls/auth (see
 * AVAILABILITY_ALARM) is below this. With one probe per period that is 0 or 100, so any threshold above 0
 * means "this probe failed there"; 0 turns the alarm off.
 */
export const DEFAULT_AVAILABILITY_THRESHOLD = 90;

/** The per-period averages of the three 0/1 run metrics (fractions of the period's runs). */
export interface RunStageAverages {
  /** Average of Success: the fraction of runs that passed. */
  readonly success: number;
  /** Average of HandshakeFailure: the fraction of runs that failed at stage tls. */
  readonly handshake: number;
  /** Average of AuthFailure: the fraction of runs that failed at stage auth. */
  readonly auth: number;
}

/**
 * AvailabilityLow's metric math: the catch-all for the stages WITHOUT an alarm of their own (dns, connect,
 * http, config). A TLS or auth failure already pages through HandshakeFailing or AuthRejected, so it counts
 * as available here: one incident, one critical page per cause.
 *
 * Why the sum is right: every run publishes Success, HandshakeFailure and AuthFailure together in its one
 * PutMetricData call (lambdas/probe/metrics.ts), each 0 or 1 and at most one of them 1 (a run passed, or
 * failed at exactly one stage). The three therefore have the same sample count n in every period, and
 * Average(success) + Average(handshake) + Average(auth) = (passed + failed at tls + failed at auth) / n:
 * the fraction of runs that did not fail at dns, connect, http or config. A period with no run has no
 * datapoint in any of the three, so the expression has none either and missing data is handled as before
 * (ignore: ProbeNotRunning owns absence). The dashboard keeps true availability (100 × Success). The period is
 * the probe interval (probePeriodSeconds): one run per period, so the value is 0 or 100 and M of N counts runs.
 */
export const AVAILABILITY_ALARM = {
  expression: '100 * (success + handshake + auth)',
  /** The expression's ids and the metrics they stand for. */
  metrics: { success: METRICS.success, handshake: METRICS.handshakeFailure, auth: METRICS.authFailure },
  statistic: 'Average',
} as const satisfies {
  readonly expression: string;
  readonly metrics: Readonly<Record<keyof RunStageAverages, MetricName>>;
  readonly statistic: string;
};

/** What AVAILABILITY_ALARM.expression evaluates to for a period's averages (percent, 0..100). */
export function availabilityAlarmValue(a: RunStageAverages): number {
  return 100 * (a.success + a.handshake + a.auth);
}

/**
 * ProbeNotRunning: three minutes in a row without a published result (or with a failed invocation). Missing
 * data is breaching, so a brand-new alarm would fire before the new probe's first run: CloudWatch's alarm
 * warm-up keeps it in INSUFFICIENT_DATA, without actions, for `warmUpMinutes` after it is created or updated
 * (and only then evaluates: `onlyStartEvaluatingAfterWarmUpPeriodEnds`).
 */
export const NOT_RUNNING = {
  periodSeconds: 60,
  datapointsToAlarm: 3,
  evaluationPeriods: 3,
  warmUpMinutes: 5,
} as const;

/**
 * The gateway alarm (lib/constructs/gateway-alarm.ts): the one-minute Sum of FailingProcessors (each failing
 * run adds its share of the minute, so the Sum counts the processors failing at once) at or above the
 * verdict's minProcessors in 1 minute of the damping window: it fires on the first such minute, and like the
 * probe-failure alarms it returns to OK only after DAMPING_WINDOW_SECONDS without one (one page, not one per
 * flip). At a 60-s interval each failure it counts was already confirmed by a re-probe; at 10-30 s it fires
 * after one minute of failures while the processors' M-of-N alarms are still evaluating.
 */
export const GATEWAY = {
  periodSeconds: 60,
  datapointsToAlarm: 1,
  evaluationPeriods: DAMPING_WINDOW_SECONDS / 60,
  statistic: 'Sum',
} as const;

/**
 * LatencyHigh: of the last N successful probes (TotalTime is published only by passed runs; missing periods are
 * ignored), M took longer than the budget. One probe per period and Maximum, so 2 of 10 is exactly "the p90
 * of the last 10 successful probes is above the budget" (nearest rank), judged on at least two slow
 * successful probes: a failed run, however slow, never counts.
 */
export const LATENCY = {
  datapointsToAlarm: 2,
  evaluationPeriods: 10,
  statistic: 'Maximum',
} as const;

/** Certificate expiry warnings: the smallest days-left seen in an hour. */
export const CERT_EXPIRY = { periodSeconds: 3600, datapointsToAlarm: 1, evaluationPeriods: 1 } as const;

/** CloudWatch ingestion plus evaluation allowance for an alarm period (high-resolution alarms evaluate every 10 s). */
export function evaluationAllowanceSeconds(periodSeconds: number): number {
  return periodSeconds < 60 ? 10 : 30;
}

/** The detection targets of a persistent handshake failure (issue 4), by interval, in seconds. */
export const DETECTION_TARGET_SECONDS: Readonly<Record<IntervalSeconds, number>> = {
  60: 180,
  30: 180,
  20: 180,
  10: 60,
};

export interface DetectionInput {
  /** The probe interval (seconds between probe starts). */
  readonly intervalSeconds: number;
  /** The alarm's Period. */
  readonly periodSeconds: number;
  /** The alarm's DatapointsToAlarm (the M). */
  readonly datapointsToAlarm: number;
  /** The probe budget (the processor's budgetMs, as deployed). */
  readonly budgetMs: number;
}

export interface DetectionTimes {
  /** Seconds from the failure's onset to the alarm, worst case over onsets and schedule phases. */
  readonly worstSeconds: number;
  /** The mean over onsets and schedule phases. */
  readonly meanSeconds: number;
  /** The best case: the failure starts just before a probe, in the best phase. */
  readonly bestSeconds: number;
  /** Longest time from a datapoint's timestamp (its slot start) to its publication. */
  readonly publishSeconds: number;
  /** CloudWatch's ingestion and evaluation allowance used. */
  readonly allowanceSeconds: number;
}

/**
 * Detection time of a persistent failure, in seconds from the moment the endpoint breaks to the alarm state
 * change. The model (stated so it can be argued with):
 * - Probes start at phase + j × interval; the phase (where the schedule fires in the alarm-period grid) is
 *   swept over a whole period. The failure starts at `onset`, swept over one interval just after a passing
 *   probe: the first failing probe is the next one, up to one interval later.
 * - A run's datapoint is stamped with its slot's start and published when the run ends: at most the budget
 *   later, or with the 60-s mode's confirmation the budget, the pause and the re-probe's budget
 *   (lambdas/probe/policy.ts `runWorkMs`).
 * - CloudWatch evaluates complete periods only: a period counts once it has ended and its datapoint is
 *   published, plus the ingestion/evaluation allowance (10 s for 10/30-s periods, 30 s otherwise). AWS's
 *   own example alarm state change evaluates the 11:25 period at 11:26:05.
 * - Persistent failure: every failing run makes its period breaching (Maximum ≥ 1); the alarm fires on the
 *   M-th breaching period (within N, as the periods are consecutive).
 */
export function detectionTimes(i: DetectionInput, stepSeconds = 0.25): DetectionTimes {
  const publishSeconds = runWorkMs(i.intervalSeconds, i.budgetMs) / 1000;
  const allowanceSeconds = evaluationAllowanceSeconds(i.periodSeconds);
  const alarmAt = (phase: number): number => {
    const breaching: number[] = [];
    const firstStamp = new Map<number, number>();
    for (let j = 0; breaching.length < i.datapointsToAlarm && j < 10_000; j++) {
      const t = phase + j * i.intervalSeconds;
      const k = Math.floor(t / i.periodSeconds);
      if (!firstStamp.has(k)) {
        firstStamp.set(k, t);
        breaching.push(k);
      }
    }
    const k = breaching[breaching.length - 1] as number;
    const published = (firstStamp.get(k) as number) + publishSeconds;
    return Math.max((k + 1) * i.periodSeconds, published) + allowanceSeconds;
  };
  // For a phase, the onset is uniform in (phase − interval, phase] (the probe at phase − interval still
  // passed): detection runs from alarm − phase (onset at the failing probe) to alarm − phase + interval.
  let worst = Number.NEGATIVE_INFINITY;
  let best = Number.POSITIVE_INFINITY;
  let sum = 0;
  let n = 0;
  for (let phase = 0; phase < i.periodSeconds; phase += stepSeconds) {
    const fromFirstFailingProbe = alarmAt(phase) - phase;
    worst = Math.max(worst, fromFirstFailingProbe + i.intervalSeconds);
    best = Math.min(best, fromFirstFailingProbe);
    sum += fromFirstFailingProbe + i.intervalSeconds / 2;
    n++;
  }
  return { worstSeconds: worst, meanSeconds: sum / n, bestSeconds: best, publishSeconds, allowanceSeconds };
}

/** Detection time of a persistent handshake failure with a processor's default alarm settings. */
export function defaultDetectionTimes(interval: IntervalSeconds, budgetMs: number): DetectionTimes {
  return detectionTimes({
    intervalSeconds: interval,
    periodSeconds: probePeriodSeconds(interval),
    datapointsToAlarm: DEFAULT_FAILURE_M_OF_N[interval].datapointsToAlarm,
    budgetMs,
  });
}

/**
 * The probe-failure alarms' M-of-N for a processor: the config's `alarms` over the interval's default.
 * Setting only one of the two adjusts the other so that M ≤ N; M > N set explicitly is an error.
 */
export function failureMOfN(
  processor: ProcessorConfig,
  at: Pick<ConfigIssue, 'file' | 'path'>,
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
