/**
 * Defaults of the deployed functions that the CDK stack (lib/), the Lambda handlers and the cost model all
 * need: one number each, so the stack deploys what the handlers assume and the cost model prices.
 */

/** Memory of a payprobe function in MB (Lambda gives CPU in proportion: TLS handshakes are CPU-bound). */
export const DEFAULT_FUNCTION_MEMORY_MB = 256;

/** How long Secrets Manager and SSM values stay cached in a warm function: a rotation is seen within this. */
export const DEFAULT_SECRET_TTL_SECONDS = 60;

/** The longest cache lifetime a function accepts (PAYPROBE_SECRET_TTL_SECONDS). */
export const MAX_SECRET_TTL_SECONDS = 3600;

/** The function code directory in the Lambda runtime: bundled `{ file }` references resolve against it. */
export const LAMBDA_TASK_ROOT = '/var/task';

/**
 * Probes in flight at once in one process (probeMany: `payprobe check`, the preflight). Probes are
 * I/O-bound, so all of a config's processors normally run at once and no silent processor can hold up
 * another's result; the cap only keeps sockets (one per probe, two with an OAuth token endpoint on another
 * host) under the 1,024 file descriptors a Lambda function may open. Past it, processors run in waves.
 */
export const MAX_PROBES_IN_FLIGHT = 400;

/** How many budgets one probeMany over `n` processors can take end to end (1 up to MAX_PROBES_IN_FLIGHT). */
export function probeWaves(n: number): number {
  return Math.max(1, Math.ceil(n / MAX_PROBES_IN_FLIGHT));
}
