/**
 * The probe Lambda's timing and confirmation policy, as plain data with no AWS SDK import, so lib/ (the
 * function timeout, the detection-time model) and the cost model read the same numbers the runner uses.
 *
 * Confirmation (60-s mode): a probe that fails with a class that could be transient is probed once more
 * after CONFIRM_PAUSE_MS, inside the same invocation, and the run publishes the confirmation's result. A
 * failure is therefore published only when two probes a few seconds apart both failed, which lets the
 * probe-failure alarms page on one failed minute (1 of 1) without paging on a single blip. Sub-minute modes
 * do not re-probe: their default alarms already need failures in several probes 10–30 s apart, and a
 * re-probe would push the slot's publish later and crowd the next slot.
 */
import type { FailureClass } from '../core/classes';

/** The schedule fires once a minute: the slots of one invocation fill this window. */
export const SCHEDULE_WINDOW_MS = 60_000;
/** Time kept free after the last probe of an invocation for its publish and log. */
export const PUBLISH_RESERVE_MS = 2_000;
/** A probe never gets a smaller budget than this, even when the Lambda timeout is set too tight. */
export const MIN_BUDGET_MS = 500;

/** Pause between a failed probe and its confirmation re-probe. */
export const CONFIRM_PAUSE_MS = 3_000;

/**
 * Classes a re-probe cannot change: the config or a secret is broken, or our own client certificate's dates
 * are past (checked before connecting). Everything else is re-probed to confirm it.
 */
export const DETERMINISTIC_CLASSES: ReadonlySet<FailureClass> = new Set<FailureClass>([
  'CONFIG_ERROR',
  'CLIENT_CERT_EXPIRED',
]);

/** Whether runs at this interval confirm a failure with a re-probe before publishing it. */
export function confirmsFailures(intervalSeconds: number): boolean {
  return intervalSeconds >= 60;
}

/** Whether a failed probe of this class is re-probed (at an interval that confirms failures). */
export function needsConfirmation(intervalSeconds: number, cls: FailureClass | null): boolean {
  return cls !== null && confirmsFailures(intervalSeconds) && !DETERMINISTIC_CLASSES.has(cls);
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
