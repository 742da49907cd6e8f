/**
 * What an alarm's own evaluation says about the recent probes: how many of the datapoints it evaluated were
 * failing, and whether the failures come and go. The probe-period alarms have one probe per period
 * (lib/alarms/alarm-policy.ts), so CloudWatch's `recentDatapoints` in the state change's reasonData are the last
 * probes, oldest first. An alarm that stays in ALARM while an endpoint flaps pages once, and that one page says
 * "intermittent: x of y probes failing" instead of a storm of flips.
 */
import type { AlarmKindName } from '../contract/alarm-names';
import type { AlarmState } from './notification';

export interface RecentProbes {
  /** Failing probes among the evaluated ones. */
  readonly failing: number;
  /** Probes the alarm evaluated (its window, without the missing ones). */
  readonly total: number;
  /** A passing probe came after the first failing one: the failure comes and goes. */
  readonly intermittent: boolean;
}

/** How each probe-period alarm's datapoint breaches (its comparison), by kind; others have no per-probe data. */
const BREACHES: Partial<Record<AlarmKindName, (value: number, threshold: number) => boolean>> = {
  HandshakeFailing: (v, t) => v >= t,
  AuthRejected: (v, t) => v >= t,
  AvailabilityLow: (v, t) => v < t,
  LatencyHigh: (v, t) => v > t,
};

/** The recent probes from an ALARM state's reasonData, or null when the alarm or the data do not tell. */
export function recentProbes(kind: AlarmKindName, state: AlarmState): RecentProbes | null {
  const breaches = BREACHES[kind];
  if (!breaches || !state.reasonData) return null;
  let data: { recentDatapoints?: unknown; threshold?: unknown };
  try {
    data = JSON.parse(state.reasonData) as typeof data;
  } catch {
    return null;
  }
  const points = data.recentDatapoints;
  const threshold = data.threshold;
  if (!Array.isArray(points) || typeof threshold !== 'number' || points.length === 0) return null;
  const flags = points.filter((p): p is number => typeof p === 'number').map((p) => breaches(p, threshold));
  const first = flags.indexOf(true);
  return {
    failing: flags.filter(Boolean).length,
    total: flags.length,
    intermittent: first >= 0 && flags.slice(first).includes(false),
  };
}
