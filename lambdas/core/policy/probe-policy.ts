/**
 * The probe Lambda's timing and confirmation policy, as plain data with no AWS SDK import, so lib/ (the
 * function timeout, the detection-time model) and the cost model read the same numbers the runner uses.
 *
 * Confirmation (60-s mode): a probe that fails with a class that could be transient is probed once more
 * after CONFIRM_PAUSE_MS, inside the same invocation, and the run publishes the confirmation's result. A
 * failure is therefore published only when two probes a few seconds apart both failed, which lets the
 * probe-failure alarms page on one failed minute (1 of 1) without paging on a single blip. Sub-minute modes
 * do not re-probe: their default alarms already need failures in several probes 10–30 s apart, and a
 * re-probe would push the slot's publish later and crowd the next slot. A failure a rotated secret explains
 * (SECRET_SENSITIVE_CLASSES) is confirmed with the secrets read afresh, bypassing the cache.
 */
import type { FailureClass } from '../contract/classes';

/** The schedule fires once a minute: the slots of one invocation fill this window. */
export const SCHEDULE_WINDOW_MS = 60_000;
/** Time kept free after the last probe of an invocation for its publish and log. */
export const PUBLISH_RESERVE_MS = 2_000;
/** A probe never gets a smaller budget than this, even when the Lambda timeout is set too tight. */
export const MIN_BUDGET_MS = 500;

/** Pause between a failed probe and its confirmation re-probe. */
export const CONFIRM_PAUSE_MS = 3_000;

/**
 * Classes a re-probe cannot change: the config itself is broken. Everything else is re-probed to confirm it.
 * A CONFIG_ERROR that came from a failed secret read is the exception: it is re-probed with the secrets read
 * afresh (below). CLIENT_CERT_EXPIRED is not here: the dates are checked before connecting, but the
 * certificate may come from a secret rotated since it was cached, so it is re-probed afresh too.
 */
export const DETERMINISTIC_CLASSES: ReadonlySet<FailureClass> = new Set<FailureClass>(['CONFIG_ERROR']);

/**
 * Failures a rotated secret explains: a credential (AUTH_REJECTED), a client certificate (CLIENT_CERT_REJECTED,
 * or CLIENT_CERT_EXPIRED when it was renewed after it expired), a CA bundle or pins (CERT_UNTRUSTED,
 * CERT_PIN_MISMATCH), or a secret that could not be read (CONFIG_ERROR from a secret read). The first probe
 * may have used a value cached before the rotation (up to the secret TTL), so their confirmation reads every
 * secret from its source again instead of the cache: otherwise both probes use the stale value and a
 * rotation pages.
 */
export const SECRET_SENSITIVE_CLASSES: ReadonlySet<FailureClass> = new Set<FailureClass>([
  'AUTH_REJECTED',
  'CLIENT_CERT_REJECTED',
  'CLIENT_CERT_EXPIRED',
  'CERT_UNTRUSTED',
  'CERT_PIN_MISMATCH',
  'CONFIG_ERROR',
]);

/** Whether runs at this interval confirm a failure with a re-probe before publishing it. */
export function confirmsFailures(intervalSeconds: number): boolean {
  return intervalSeconds >= 60;
}

/**
 * How a failed probe is confirmed: not at all, by a re-probe with the cached secrets, or by a re-probe with
 * every secret read afresh from Secrets Manager/SSM (which also refreshes the cache).
 */
export type Confirmation = 'none' | 'cached' | 'fresh';

/**
 * The confirmation a failed probe of class `cls` gets at this interval. `secretReadFailed`: a secret or
 * parameter read threw during the probe (what makes its CONFIG_ERROR worth re-probing).
 */
export function confirmationFor(
  intervalSeconds: number,
  cls: FailureClass | null,
  secretReadFailed = false,
): Confirmation {
  if (cls === null || !confirmsFailures(intervalSeconds)) return 'none';
  if (cls === 'CONFIG_ERROR') return secretReadFailed ? 'fresh' : 'none';
  if (DETERMINISTIC_CLASSES.has(cls)) return 'none';
  return SECRET_SENSITIVE_CLASSES.has(cls) ? 'fresh' : 'cached';
}

/** Whether a failed probe of this class is re-probed (at an interval that confirms failures). */
export function needsConfirmation(
  intervalSeconds: number,
  cls: FailureClass | null,
  secretReadFailed = false,
): boolean {
  return confirmationFor(intervalSeconds, cls, secretReadFailed) !== 'none';
}

/**
 * The longest a run's probing can take, from the start of its slot to the end of its last probe: the budget,
 * or with confirmation the budget, the pause and the confirmation's budget. The runner also ends every run
 * before the schedule window (minus the publish reserve) and the Lambda timeout, whichever comes first.
 */
export function runWorkMs(intervalSeconds: number, budgetMs: number): number {
  const work = confirmsFailures(intervalSeconds) ? 2 * budgetMs + CONFIRM_PAUSE_MS : budgetMs;
  return Math.min(work, SCHEDULE_WINDOW_MS - PUBLISH_RESERVE_MS);
}
