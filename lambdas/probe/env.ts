/**
 * The probe Lambda's environment contract (docs/lambda.md "Environment contract"), set by the CDK stack per
 * function:
 * - PAYPROBE_PROCESSOR (required): JSON of one deployed ProcessorConfig, parsed by the one deployed-config
 *   parser (lambdas/glue/deployed-config.ts). `baseDir` should be the function's code directory, where
 *   `{ file }` references (non-secret CA bundles) are bundled; when absent, LAMBDA_TASK_ROOT is used.
 * - PAYPROBE_SECRET_TTL_SECONDS (optional, default 60): how long Secrets Manager and SSM values are cached
 *   across warm invocations; a rotated credential is picked up after at most this long.
 * - PAYPROBE_HISTORY_TABLE (optional): the history table the runs' snapshots are written to.
 * - PAYPROBE_GATEWAY (optional): the gateway's name, the dimension of the FailingProcessors datum each run adds.
 */
import { ConfigError, type ConfigIssue, type ProcessorConfig } from '../core/config/model';
import { ENV_PROCESSOR } from '../core/contract/env-names';
import {
  codeDirectory,
  type HistoryEnv,
  parseProcessorEnv,
  readHistoryEnv,
  readSecretTtlSeconds,
} from '../glue/deployed-config';

export interface ProbeEnv extends HistoryEnv {
  readonly processor: ProcessorConfig;
  /** Cache lifetime of Secrets Manager / SSM values, in seconds (0 disables the cache). */
  readonly secretTtlSeconds: number;
}

/** Reads and validates the whole environment contract. Throws ConfigError naming the variable and field. */
export function readProbeEnv(env: NodeJS.ProcessEnv = process.env): ProbeEnv {
  const issues: ConfigIssue[] = [];
  let processor: ProcessorConfig | undefined;
  try {
    processor = parseProcessorEnv(env[ENV_PROCESSOR], codeDirectory(env));
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    issues.push(...err.issues);
  }
  const secretTtlSeconds = readSecretTtlSeconds(env, issues);
  const history = readHistoryEnv(env, issues);
  if (issues.length > 0 || !processor) throw new ConfigError(issues);
  return { processor, secretTtlSeconds, ...history };
}
