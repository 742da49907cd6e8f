/**
 * One time limit for a promise, used by the probe engine's phases (a classified Fail on timeout) and by the
 * history store's calls (lambdas/core/diagnosis/history.ts, a HistoryTimeout): the work settles as it
 * would, or `onTimeout()`'s error rejects after `ms`, whichever comes first. Kept free of engine state so any
 * core module can use it.
 */

/** `work`, or `onTimeout()`'s error if it has not settled within `ms`. */
export function bounded<T>(work: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(onTimeout()), ms);
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
