/**
 * The probe engine: DNS, TCP, TLS with the integration's own settings, then one authenticated request,
 * classified into exactly one failure class. Used by the Lambda handler, the CLI and the tests.
 * (Interface fixed here; implementation in progress.)
 */
import type { ProcessorConfig } from './config';
import type { ProbeResult } from './result';
import type { SecretResolver } from './secrets';

export interface ProbeDeps {
  /** Reads the processor's secret references. */
  readonly secrets: SecretResolver;
  /** Wall clock for certificate dates. @default () => new Date() */
  readonly now?: () => Date;
}

export async function probe(_processor: ProcessorConfig, _deps: ProbeDeps): Promise<ProbeResult> {
  throw new Error('not implemented');
}
