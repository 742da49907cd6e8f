/**
 * Reserved concurrency of the probe functions, as plain policy: how many executions each needs, and what an
 * account allows. A probe function runs once a minute; a run can reach into the next minute only when its
 * timeout is longer than a minute (sub-minute probing: 75 s), so it needs ceil(timeout / 60 s) executions.
 * Reserving them means an account-wide throttle (another workload taking the account's concurrency) cannot
 * stop the probes, and so cannot blind the stage alarms.
 *
 * Lambda's default concurrency quota is 1,000 executions per account and region, and Lambda always keeps 100 of
 * them unreserved: at most 900 can be reserved, i.e. 900 processors probing at 60 s (450 below a minute) in one
 * account and region unless the quota is raised. New accounts may start with a much lower quota, where any
 * reservation fails the deployment: the construct prop `reserveConcurrency: false` turns it off.
 */

/** Lambda's default concurrent-executions quota per account and region. */
export const ACCOUNT_DEFAULT_CONCURRENCY = 1000;

/** Executions Lambda never lets functions reserve (UnreservedConcurrentExecutions minimum). */
export const UNRESERVED_MINIMUM = 100;

/** What the functions of an account can reserve together with the default quota. */
export const RESERVABLE_BY_DEFAULT = ACCOUNT_DEFAULT_CONCURRENCY - UNRESERVED_MINIMUM;

/** Executions a once-a-minute probe function needs: its runs overlap only when the timeout exceeds a minute. */
export function reservedConcurrencyFor(timeoutSeconds: number): number {
  return Math.max(1, Math.ceil(timeoutSeconds / 60));
}

/** The warning when a stack's probe functions reserve more than an account can with the default quota. */
export function reservedConcurrencyWarning(reserved: number): string | undefined {
  if (reserved <= RESERVABLE_BY_DEFAULT) return undefined;
  return (
    `The probe functions reserve ${reserved} concurrent executions; with Lambda's default quota of ` +
    `${ACCOUNT_DEFAULT_CONCURRENCY} an account can reserve ${RESERVABLE_BY_DEFAULT} (${UNRESERVED_MINIMUM} stay unreserved). ` +
    'Raise the account\'s concurrency quota before deploying, or set reserveConcurrency: false (docs/deploy.md "Reserved concurrency").'
  );
}
