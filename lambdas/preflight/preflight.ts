/**
 * The deploy-time preflight: probe every processor of the config being deployed and decide whether the
 * deployment may go on. Plain module (no Lambda or CloudFormation types); the custom-resource handler
 * (handler.ts) is a thin shell around it.
 *
 * Policy: any failure class fails the preflight (a processor we cannot reach, handshake with or
 * authenticate to would page on-call the minute the monitors run); warnings (CERT_EXPIRING_SOON,
 * CLIENT_CERT_EXPIRING_SOON, SLOW_RESPONSE) never do. A processor that fails is probed again after a short
 * delay, so one dropped packet during `cdk deploy` does not roll back a good change: it must fail on every
 * attempt.
 *
 * The failure reason becomes CloudFormation's status reason, shown by `cdk deploy` and the console. It names
 * processor, stage, class and detail; the engine's details never contain a secret, and every value the
 * resolver read is masked again before the reason leaves (defence in depth).
 */
import type { ProcessorConfig } from '../core/config/model';
import type { ManyEngine } from '../core/contract/engine';
import type { ProbeResult } from '../core/contract/result';
import type { SecretResolver } from '../core/secrets/resolver';
import { capBytes, SHOWN_MAX_BYTES } from '../core/text/escape';
import { parseProcessorMap } from '../glue/deployed-config';

export interface PreflightDeps {
  /** Probes many processors concurrently (probeMany of lambdas/core/engine/probe.ts). */
  readonly probeMany: ManyEngine;
  readonly secrets: SecretResolver;
  /** @default setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Called with each attempt's results (for logging). */
  readonly onAttempt?: (attempt: number, results: readonly ProbeResult[]) => void;
}

export interface PreflightOptions {
  /** Probe attempts before a failing processor fails the preflight (1 = no retry). @default 2 */
  readonly attempts?: number;
  /** Pause before probing the failed processors again. @default 3000 */
  readonly retryDelayMs?: number;
}

export interface PreflightFailure {
  readonly processor: string;
  readonly stage: string;
  readonly class: string;
  readonly detail: string;
}

export interface PreflightOutcome {
  readonly ok: boolean;
  /** The last result of every processor, in input order. */
  readonly results: readonly ProbeResult[];
  /** Processors that failed on every attempt. */
  readonly failures: readonly PreflightFailure[];
  /** Attempts made (1 when everything passed the first time). */
  readonly attempts: number;
}

export const DEFAULT_ATTEMPTS = 2;
export const DEFAULT_RETRY_DELAY_MS = 3000;

/** Probes every processor; re-probes the failed ones up to `attempts` times in all. Never throws for a failed probe. */
export async function runPreflight(
  processors: readonly ProcessorConfig[],
  deps: PreflightDeps,
  options: PreflightOptions = {},
): Promise<PreflightOutcome> {
  const attempts = Math.max(1, Math.floor(options.attempts ?? DEFAULT_ATTEMPTS));
  const delay = options.retryDelayMs ?? DEFAULT_RETRY_DELAY_MS;
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const latest = new Map<string, ProbeResult>();
  let pending = [...processors];
  let made = 0;
  while (pending.length > 0 && made < attempts) {
    if (made > 0) await sleep(delay);
    made++;
    const results = await deps.probeMany(pending, { secrets: deps.secrets });
    deps.onAttempt?.(made, results);
    for (const r of results) latest.set(r.processor, r);
    const failed = new Set(results.filter((r) => !r.ok).map((r) => r.processor));
    pending = pending.filter((p) => failed.has(p.name));
  }
  const results = processors.flatMap((p) => {
    const r = latest.get(p.name);
    return r ? [r] : [];
  });
  const failures = results
    .filter((r) => !r.ok)
    .map((r) => ({
      processor: r.processor,
      stage: r.stage ?? 'unknown',
      class: r.class ?? 'UNKNOWN',
      // Server text, bounded as on a page: it goes to the log and to CloudFormation's failure reason.
      detail: capBytes(r.detail ?? '', SHOWN_MAX_BYTES.detail),
    }));
  return {
    ok: failures.length === 0 && results.length === processors.length,
    results,
    failures,
    attempts: made,
  };
}

const MAX_DETAIL = 300;
const MAX_REASON = 3000;

/**
 * The deployment's failure reason: which processors failed, at which stage, with which class and why.
 * `redact` masks secret values that might hide in a detail.
 */
export function failureReason(
  outcome: PreflightOutcome,
  redact: (text: string) => string = (t) => t,
): string {
  const n = outcome.results.length;
  const head = `payprobe preflight failed: ${outcome.failures.length} of ${n} processor${n === 1 ? '' : 's'} failed${
    outcome.attempts > 1 ? ` on all ${outcome.attempts} attempts` : ''
  }; the deployment is rolled back. `;
  const parts = outcome.failures.map((f) => {
    const detail = f.detail.length > MAX_DETAIL ? `${f.detail.slice(0, MAX_DETAIL - 1)}…` : f.detail;
    return `${f.processor}: ${f.stage} ${f.class}${detail ? ` (${detail})` : ''}`;
  });
  const tail = ' Run `npx payprobe check --config FILE` for the full diagnosis.';
  const text = redact(`${head}${parts.join('; ')}.${tail}`);
  return text.length > MAX_REASON ? `${text.slice(0, MAX_REASON - 1)}…` : text;
}

/** A one-line summary of a passing preflight (for logs and the custom resource's Data). */
export function successSummary(outcome: PreflightOutcome): string {
  const warned = outcome.results.filter((r) => r.warnings.length > 0);
  const warnings = warned
    .map((r) => `${r.processor}: ${r.warnings.map((w) => w.class).join(',')}`)
    .join('; ');
  return `payprobe preflight passed: ${outcome.results.length} processor${outcome.results.length === 1 ? '' : 's'} ok${
    outcome.attempts > 1 ? ` (after ${outcome.attempts} attempts)` : ''
  }${warnings ? `; warnings: ${warnings}` : ''}`;
}

/** Where the processors come from, for messages. */
export const PROCESSORS_SOURCE = 'preflight property ProcessorsJson';

/**
 * Parses the processors the stack passes (JSON: processor name → deployed processor config, as the probe
 * Lambda's PAYPROBE_PROCESSOR holds for one) with the one deployed-config parser. Throws ConfigError naming
 * the processor and field.
 */
export function parseProcessorsJson(json: string | undefined, baseDir: string): ProcessorConfig[] {
  return parseProcessorMap(json, {
    source: PROCESSORS_SOURCE,
    baseDir,
    setBy: 'the stack passes the processors to probe',
  });
}
