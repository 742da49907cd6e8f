/**
 * Detection time of a persistent failure, from an alarm's settings: seconds from the moment the endpoint
 * breaks to the alarm state change, over every failure onset and every schedule phase.
 *
 * The model (stated so it can be argued with):
 * - Probes start at phase + j x interval (phase: where in the alarm-period grid the schedule fires, swept over
 *   a whole interval). The failure starts at `onset`, swept over one interval just after a passing probe:
 *   the first failing probe is the next one, up to one interval later.
 * - A probe's datapoint is stamped with its start time (lambdas/probe/metrics.ts) and published when the probe
 *   ends, at most `publishSeconds` later (the probe budget).
 * - CloudWatch evaluates complete periods only: a period's datapoint counts once the period has ended and the
 *   datapoint is published, plus an ingestion/evaluation allowance (lib/alarm-policy.ts: 10 s for 10/30-s
 *   periods, 30 s otherwise). AWS's own example alarm state change evaluates the 11:25 period at 11:26:05.
 * - Persistent failure: every failing probe makes its period breaching (Maximum >= 1); the alarm fires on the
 *   M-th breaching period (M = DatapointsToAlarm; within N, as the periods are consecutive).
 */

export interface DetectionInput {
  readonly intervalSeconds: number;
  readonly periodSeconds: number;
  readonly datapointsToAlarm: number;
  readonly publishSeconds: number;
  readonly allowanceSeconds: number;
}

export interface DetectionTimes {
  readonly worstSeconds: number;
  readonly meanSeconds: number;
  readonly bestSeconds: number;
}

/** When the alarm fires, with failing probes at phase + j x interval (j >= 0). */
function alarmAt(i: DetectionInput, phase: number): number {
  const breaching: number[] = [];
  const firstProbeInPeriod = new Map<number, number>();
  for (let j = 0; breaching.length < i.datapointsToAlarm && j < 10_000; j++) {
    const t = phase + j * i.intervalSeconds;
    const k = Math.floor(t / i.periodSeconds);
    if (!firstProbeInPeriod.has(k)) {
      firstProbeInPeriod.set(k, t);
      breaching.push(k);
    }
  }
  const k = breaching[breaching.length - 1] as number;
  const published = (firstProbeInPeriod.get(k) as number) + i.publishSeconds;
  return Math.max((k + 1) * i.periodSeconds, published) + i.allowanceSeconds;
}

/** Worst, mean and best detection time over failure onsets and schedule phases (0.5-s steps). */
export function detectionTimes(i: DetectionInput, step = 0.5): DetectionTimes {
  let worst = Number.NEGATIVE_INFINITY;
  let best = Number.POSITIVE_INFINITY;
  let sum = 0;
  let n = 0;
  for (let phase = 0; phase < i.periodSeconds; phase += step) {
    const alarm = alarmAt(i, phase);
    // Onset in (phase - interval, phase]: the probe at phase - interval still passed.
    for (let back = 0; back < i.intervalSeconds; back += step) {
      const onset = phase - back;
      const d = alarm - onset;
      worst = Math.max(worst, d);
      best = Math.min(best, d);
      sum += d;
      n++;
    }
  }
  return { worstSeconds: worst, meanSeconds: sum / n, bestSeconds: best };
}
