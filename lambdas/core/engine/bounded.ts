/**
 * One time limit for a promise, used by the probe engine's phases (a classified Fail on timeout) and by the
 * history store's calls (lambdas/core/diagnosis/history.ts, a HistoryTimeout): the work settles as it
 * would, or `onTimeout()`'s error rejects after `ms`, whichever comes first. Kept free of engine state so any
 * core module can use it.
 */

export interface BoundedOptions {
  /**
   * Let the process exit while the timer runs (best-effort calls beside the real work: the history store).
   * The probe's phases keep it: a probe must end with its result, never by the process leaving.
   * @default false
   */
  readonly unref?: boolean;
}

/** `work`, or `onTimeout()`'s error if it has not settled within `ms`. */
export function bounded<T>(
  work: Promise<T>,
  ms: number,
  onTimeout: () => Error,
  options: BoundedOptions = {},
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(onTimeout()), ms);
    if (options.unref) timer.unref?.();
    work.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e) => {
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}
