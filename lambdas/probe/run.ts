/**
 * One invocation of the probe Lambda: probe on the processor's spacing, and after every run log the full
 * result and publish its metrics in one PutMetricData call. Plain module (no Lambda types) so tests drive
 * it with an injected clock, engine, logger and mocked clients.
 *
 * Scheduling: the schedule fires once a minute. With intervalSeconds 60 the invocation probes once; with
 * 10, 20 or 30 it probes in slots at 0, spacing, 2 × spacing, ... from its own start, high-resolution
 * metrics. Every probe's budget is clamped so it ends, with its publish, before both the Lambda timeout and
 * the end of the minute: the invocation never overlaps the next one.
 *
 * Confirmation (60-s mode, lambdas/core/policy/probe-policy.ts): a probe that fails with a class a re-probe could change is probed
 * again after a short pause, and the run publishes the confirmation's result, stamped with the slot's
 * start. Both attempts are logged; a failure the re-probe does not repeat is logged as transient and the
 * run publishes the pass. When the time left cannot hold a confirmation, the first failure is published.
 * A failure a rotated secret explains (AUTH_REJECTED, CLIENT_CERT_REJECTED, CLIENT_CERT_EXPIRED,
 * CERT_UNTRUSTED, CERT_PIN_MISMATCH, a CONFIG_ERROR from a secret read) is confirmed with the secrets read afresh
 * (RunnerSecrets.fresh), so a value cached before the rotation cannot confirm the failure it caused.
 *
 * History (lambdas/core/diagnosis/history.ts): after each run, while its metrics are published, the run's
 * snapshot is written to the history store when the recorder says it is due (changed facts, a failure, a
 * heartbeat), bounded by PROBE_WRITE_TIMEOUT_MS; a slow or failing store is logged and never delays or fails
 * the run beyond that bound.
 *
 * Failure handling: a failed probe is data (published, logged). An engine that throws is published as a
 * failure (class from the error, CONFIG_ERROR when nothing better fits) and logged. A PutMetricData that
 * fails after the SDK's own retries is logged and fails the invocation (PublishError), so the Lambda's
 * Errors metric and the ProbeNotRunning alarm see it.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { type CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import type { ProcessorConfig } from '../core/config/model';
import type { FailureClass } from '../core/contract/classes';
import type { Engine } from '../core/contract/engine';
import { crashResult, errorName, errorText, type ProbeResult } from '../core/contract/result';
import type { SnapshotRecorder } from '../core/diagnosis/history';
import type { InputTracker } from '../core/diagnosis/input-changes';
import { boundedResult } from '../core/diagnosis/page-size';
import type { TokenStore } from '../core/engine/token-cache';
import {
  CONFIRM_PAUSE_MS,
  confirmationFor,
  MIN_BUDGET_MS,
  PUBLISH_RESERVE_MS,
  SCHEDULE_WINDOW_MS,
} from '../core/policy/probe-policy';
import type { SecretResolver } from '../core/secrets/resolver';
import { makeRedactor, type Redactor } from '../core/text/redact';
import { buildMetricData } from './metrics';

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/**
 * The resolver, optionally able to list the secret values it read (for log redaction) and to give a view
 * that reads every value from its source instead of a cache (for confirming a failure a rotation explains).
 */
export type RunnerSecrets = SecretResolver & {
  sensitiveValues?(): readonly string[];
  fresh?(): SecretResolver;
};

export interface RunnerDeps {
  readonly processor: ProcessorConfig;
  readonly engine: Engine;
  readonly secrets: RunnerSecrets;
  readonly cloudwatch: CloudWatchClient;
  readonly logger: Pick<Logger, 'info' | 'warn' | 'error'>;
  /** Last-seen inputs; lives in module scope across warm invocations. */
  readonly inputs: InputTracker;
  /**
   * OAuth tokens kept across runs and warm invocations (module scope); the engine decides when one is reused
   * (lambdas/core/engine/token-cache.ts). @default none: every run requests a token
   */
  readonly tokens?: TokenStore;
  /** @default systemClock */
  readonly clock?: Clock;
  /** Pause before the re-probe that confirms a failure (60-s mode). @default CONFIRM_PAUSE_MS */
  readonly confirmPauseMs?: number;
  /** Writes the runs' snapshots to the history store (module scope). @default none: no history */
  readonly history?: SnapshotRecorder;
  /** The gateway the processor belongs to (the FailingProcessors dimension). @default none: no such datum */
  readonly gateway?: string;
}

export interface ScheduleOptions {
  /** Milliseconds left in this invocation: context.getRemainingTimeInMillis. */
  readonly remainingMs: () => number;
  /** Spacing between probe starts. @default processor.intervalSeconds × 1000 */
  readonly spacingMs?: number;
  /** The period the slots fill: the schedule's rate. @default 60000 */
  readonly windowMs?: number;
  /** Time kept free after the last probe for its publish and log. @default 2000 */
  readonly reserveMs?: number;
}

export interface RunRecord {
  /** Start of the run's slot (its first probe): the datapoints' timestamp. */
  readonly startedAt: string;
  /** The published outcome: the confirmation's when the run re-probed. */
  readonly ok: boolean;
  readonly class: FailureClass | null;
  /** The first probe's failure when the run re-probed to confirm it, and whether the re-probe failed too. */
  readonly reprobed: { readonly firstClass: FailureClass; readonly confirmed: boolean } | null;
  /** Input fields whose fingerprint changed since the previous run this environment saw. */
  readonly inputsChanged: readonly string[];
}

export interface InvocationSummary {
  readonly processor: string;
  readonly runs: readonly RunRecord[];
  /** Slots not probed because an earlier run overran or the invocation ran out of time. */
  readonly skipped: number;
}

/** PutMetricData failed after the SDK's retries: the invocation must fail. */
export class PublishError extends Error {
  constructor(processor: string, cause: unknown) {
    super(`PutMetricData failed for processor ${processor}: ${errorText(cause)}`, { cause });
    this.name = 'PublishError';
  }
}

/** Runs every slot of one invocation. Rejects only with PublishError. */
export async function runInvocation(deps: RunnerDeps, schedule: ScheduleOptions): Promise<InvocationSummary> {
  const { processor, logger } = deps;
  const clock = deps.clock ?? systemClock;
  const t0 = clock.now();
  const spacing = schedule.spacingMs ?? processor.intervalSeconds * 1000;
  const windowMs = schedule.windowMs ?? SCHEDULE_WINDOW_MS;
  const slots = Math.max(1, Math.floor(windowMs / spacing));
  // Everything, publishes included, ends before the Lambda timeout and before the next scheduled invocation.
  const deadline =
    t0 + Math.min(windowMs, schedule.remainingMs()) - (schedule.reserveMs ?? PUBLISH_RESERVE_MS);
  const minBudget = Math.min(processor.budgetMs, processor.timeoutMs);
  const runs: RunRecord[] = [];
  let skipped = 0;
  let slot = 0;
  while (slot < slots) {
    const start = Math.max(t0 + slot * spacing, clock.now());
    if (runs.length > 0 && deadline - start < minBudget) {
      skipped += slots - slot;
      logger.warn('not enough time left in the invocation for another probe', {
        slot,
        slots,
        leftMs: deadline - start,
        hint: 'the Lambda timeout should be about 60 seconds',
      });
      break;
    }
    const wait = start - clock.now();
    if (wait > 0) await clock.sleep(wait);
    const left = deadline - clock.now();
    const budgetMs = Math.max(MIN_BUDGET_MS, Math.min(processor.budgetMs, left));
    if (budgetMs < processor.budgetMs) {
      logger.warn('probe budget shortened to end inside the Lambda timeout', {
        configuredBudgetMs: processor.budgetMs,
        budgetMs,
      });
    }
    runs.push(await probeAndPublish(deps, budgetMs, deadline));
    let next = slot + 1;
    // A slot whose start passed by more than half the spacing is skipped rather than run late.
    while (next < slots && clock.now() > t0 + next * spacing + spacing / 2) next++;
    if (next > slot + 1) {
      skipped += next - slot - 1;
      logger.warn('probe overran its slot; skipping the slots it covered', {
        slot,
        skippedSlots: next - slot - 1,
      });
    }
    slot = next;
  }
  return { processor: processor.name, runs, skipped };
}

/**
 * One probe run: probe (an engine throw becomes a failure result), confirm a failure with a re-probe where
 * the policy says so and `deadline` leaves time for it, log, publish. Rejects only with PublishError.
 */
export async function probeAndPublish(
  deps: RunnerDeps,
  budgetMs: number,
  deadline = Number.POSITIVE_INFINITY,
): Promise<RunRecord> {
  const { processor, logger } = deps;
  const clock = deps.clock ?? systemClock;
  const reads = watchSecretReads(deps.secrets);
  const first = await attempt(deps, budgetMs, reads.secrets);
  let result = first;
  let reprobed: RunRecord['reprobed'] = null;
  const confirmation = confirmationFor(processor.intervalSeconds, first.class, reads.failed());
  if (!first.ok && first.class && confirmation !== 'none') {
    const pauseMs = deps.confirmPauseMs ?? CONFIRM_PAUSE_MS;
    const left = deadline - clock.now() - pauseMs;
    const minBudget = Math.min(processor.budgetMs, processor.timeoutMs);
    const entry = redactorFor(deps.secrets).value({ result: logged(first), attempt: 1 });
    if (left >= minBudget) {
      logger.warn(
        `probe failed: ${first.class} at stage ${first.stage}; re-probing in ${pauseMs} ms to confirm${confirmation === 'fresh' ? ', with every secret read afresh (a rotation may explain it)' : ''}`,
        entry,
      );
      await clock.sleep(pauseMs);
      // A failure a rotated secret explains is confirmed with values read from the source, not the cache.
      const secrets = confirmation === 'fresh' ? (deps.secrets.fresh?.() ?? deps.secrets) : deps.secrets;
      result = await attempt(deps, Math.min(processor.budgetMs, left), secrets);
      reprobed = { firstClass: first.class, confirmed: !result.ok };
      if (result.ok) {
        logger.warn(
          `transient failure: ${first.class} at stage ${first.stage} did not repeat on the re-probe; published as a pass`,
          { processor: processor.name, transient: { class: first.class, stage: first.stage } },
        );
      }
    } else {
      logger.warn(
        `probe failed: ${first.class} at stage ${first.stage}; no time left to confirm it, published unconfirmed`,
        { ...entry, leftMs: Math.max(0, deadline - clock.now()) },
      );
    }
  }
  const seen = deps.inputs.observe(result.inputs ?? {});
  const input = buildMetricData(result, {
    highResolution: processor.intervalSeconds < 60,
    inputChanged: seen.changed.length > 0,
    timestamp: new Date(first.startedAt),
    ...(deps.gateway ? { gateway: { name: deps.gateway, intervalSeconds: processor.intervalSeconds } } : {}),
  });
  logResult(deps, result, seen.changed, reprobed);
  // The history write runs beside the publish, bounded; only the publish can fail the run.
  const [published] = await Promise.allSettled([publish(deps, input), recordHistory(deps, result)]);
  if (published.status === 'rejected') throw published.reason;
  return {
    startedAt: first.startedAt,
    ok: result.ok,
    class: result.class,
    reprobed,
    inputsChanged: seen.changed,
  };
}

/** One probe with the engine; an engine that throws becomes a failure result (logged). */
async function attempt(
  deps: RunnerDeps,
  budgetMs: number,
  secrets: SecretResolver = deps.secrets,
): Promise<ProbeResult> {
  const { processor, logger } = deps;
  const clock = deps.clock ?? systemClock;
  const startMs = clock.now();
  try {
    return await deps.engine(
      { ...processor, budgetMs },
      { secrets, ...(deps.tokens ? { tokens: deps.tokens } : {}) },
    );
  } catch (err) {
    const redact = redactorFor(deps.secrets);
    const result = crashResult(processor.name, err, startMs, clock.now(), redact);
    logger.error('the probe engine threw; counted as a failure', {
      processor: processor.name,
      class: result.class,
      error: {
        name: errorName(err),
        message: result.detail,
        stack: redact.untrusted(String((err as Error)?.stack ?? '')),
      },
    });
    return result;
  }
}

/** Publishes one run's metrics; logs and throws PublishError when CloudWatch refuses after retries. */
export async function publish(
  deps: Pick<RunnerDeps, 'cloudwatch' | 'logger' | 'processor'>,
  input: ReturnType<typeof buildMetricData>,
): Promise<void> {
  try {
    await deps.cloudwatch.send(new PutMetricDataCommand(input));
  } catch (err) {
    const failure = new PublishError(deps.processor.name, err);
    deps.logger.error('PutMetricData failed after retries; failing the invocation', {
      processor: deps.processor.name,
      error: { name: errorName(err), message: errorText(err) },
      metrics: (input.MetricData ?? []).map((d) => d.MetricName),
    });
    throw failure;
  }
}

/** Writes the run to the history store when due; logs what happened, never rejects. */
async function recordHistory(deps: RunnerDeps, result: ProbeResult): Promise<void> {
  if (!deps.history) return;
  const clock = deps.clock ?? systemClock;
  const outcome = await deps.history.record(result, clock.now());
  if (outcome.error) {
    deps.logger.warn('history store write failed; the run is published without it', {
      processor: result.processor,
      error: outcome.error,
    });
  } else if (outcome.written) {
    deps.logger.info('history store written', {
      processor: result.processor,
      history: { kind: outcome.written.kind, reason: outcome.written.reason },
    });
  }
}

/** The resolver, recording whether any read threw (a CONFIG_ERROR from a secret read is re-probed afresh). */
function watchSecretReads(inner: SecretResolver): { secrets: SecretResolver; failed(): boolean } {
  let failed = false;
  return {
    secrets: {
      resolve: async (ref, baseDir) => {
        try {
          return await inner.resolve(ref, baseDir);
        } catch (err) {
          failed = true;
          throw err;
        }
      },
    },
    failed: () => failed,
  };
}

/**
 * The result as a log line carries it: without the input fingerprints, and with what a server chose
 * (certificate names, details, the chain) bounded and marked as on the page, so a hostile certificate cannot
 * write a 64 KB line on every run.
 */
function logged(result: ProbeResult): Omit<ProbeResult, 'inputs'> {
  const { inputs: _fingerprints, ...shown } = boundedResult(result);
  return shown;
}

function logResult(
  deps: RunnerDeps,
  result: ProbeResult,
  changed: readonly string[],
  reprobed: RunRecord['reprobed'],
): void {
  const entry = redactorFor(deps.secrets).value({
    result: logged(result),
    inputsChanged: changed,
    ...(reprobed ? { reprobe: { firstClass: reprobed.firstClass, confirmed: reprobed.confirmed } } : {}),
  });
  if (!result.ok) {
    deps.logger.error(`probe failed: ${result.class} at stage ${result.stage}`, entry);
  } else if (result.warnings.length > 0) {
    deps.logger.warn(`probe passed with warnings: ${result.warnings.map((w) => w.class).join(', ')}`, entry);
  } else {
    deps.logger.info('probe passed', entry);
  }
  if (changed.length > 0) {
    deps.logger.warn('probe inputs changed since the last run', {
      processor: result.processor,
      fields: changed,
    });
  }
}

function redactorFor(secrets: RunnerSecrets): Redactor {
  return makeRedactor(secrets.sensitiveValues?.() ?? []);
}
