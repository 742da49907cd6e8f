/**
 * What several payprobe constructs share: props documented once (the stack passes them on to the monitors
 * and the diagnosis), their defaults, and how a construct learns the region it deploys to.
 */
import { type Duration, Token } from 'aws-cdk-lib';

/** The default prefix of runbook links: the runbooks' folder in this repository. */
export const DEFAULT_RUNBOOK_BASE_URL = 'docs/runbooks/';

/** What the constructs that probe and page (ProcessorMonitor, Diagnosis, PayProbeStack) have in common. */
export interface ProbingOptions {
  /**
   * Prefix of the runbook links in alarm descriptions and pages (`<prefix><CLASS>.md`): a repository path or
   * an https URL to the docs, ending in `/`.
   *
   * @default 'docs/runbooks/'
   */
  readonly runbookBaseUrl?: string;

  /**
   * How long the functions cache Secrets Manager and SSM values: a rotated credential is used after at
   * most this long.
   *
   * @default Duration.seconds(60)
   */
  readonly secretCacheTtl?: Duration;
}

/**
 * A region known at synth time, for the deployment rules' region check (lib/deploy/validate.ts); undefined
 * for an environment-agnostic stack, whose region is a token until deploy time.
 */
export function knownRegion(region: string | undefined): string | undefined {
  return region === undefined || Token.isUnresolved(region) ? undefined : region;
}
