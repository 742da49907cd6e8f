/**
 * The probe Lambda: one function per processor, run once a minute by an EventBridge Scheduler schedule. Thin by
 * design: read the processor's config from the environment (env.ts), run the engine on the processor's
 * spacing (run.ts), log each result as structured JSON (Powertools Logger) and publish its metrics in one
 * PutMetricData call (metrics.ts).
 *
 * Module scope, kept across warm invocations: the AWS clients, the Secrets Manager/SSM cache
 * (lambdas/shared/cached-secrets.ts, TTL from PAYPROBE_SECRET_TTL_SECONDS), the last-seen probe inputs
 * (lambdas/core/diagnosis/input-changes.ts), and the OAuth tokens (lambdas/core/engine/token-cache.ts: reused
 * for at most 15 minutes, so an OAuth processor gets about four token requests an hour instead of one a run),
 * and what was last written to the history table (lambdas/core/diagnosis/history.ts SnapshotRecorder: the
 * first run after a cold start writes once). A cold start starts with empty caches and no previous state. At
 * a 60-s interval a failed probe is confirmed by a
 * re-probe before it is published (lambdas/core/policy/probe-policy.ts).
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { Context, ScheduledEvent } from 'aws-lambda';
import { ConfigError, formatIssue } from '../core/config/model';
import type { Engine } from '../core/contract/engine';
import { failureResult } from '../core/contract/result';
import { type HistoryStore, SnapshotRecorder } from '../core/diagnosis/history';
import { InputTracker } from '../core/diagnosis/input-changes';
import { probe } from '../core/engine/probe';
import { TokenCache } from '../core/engine/token-cache';
import { awsClient, handlerSecrets, type SecretClients } from '../shared/aws-clients';
import { processorNameFromEnv } from '../shared/deployed-config';
import { DynamoHistoryStore } from '../shared/history-table';
import { readProbeEnv } from './env';
import { buildMetricData } from './metrics';
import {
  type Clock,
  type InvocationSummary,
  publish,
  type RunnerDeps,
  runInvocation,
  type ScheduleOptions,
  systemClock,
} from './run';

export type ProbeHandler = (
  /** EventBridge Scheduler sends no event body by default; a scheduled rule's event is accepted too. */
  event: Partial<ScheduledEvent> | undefined,
  context: Pick<Context, 'getRemainingTimeInMillis'>,
) => Promise<InvocationSummary>;

export interface HandlerOptions extends SecretClients {
  /** @default process.env */
  readonly env?: NodeJS.ProcessEnv;
  /** @default a CloudWatchClient from the function's environment (region, credentials) */
  readonly cloudwatch?: CloudWatchClient;
  /** @default a Powertools Logger, service "payprobe-probe" (level from POWERTOOLS_LOG_LEVEL) */
  readonly logger?: Logger;
  /** @default the probe engine (lambdas/core/engine/probe.ts) */
  readonly engine?: Engine;
  /** @default the system clock */
  readonly clock?: Clock;
  /** Slot spacing and window overrides (tests). @default from intervalSeconds, 60-second window */
  readonly schedule?: Omit<ScheduleOptions, 'remainingMs'>;
  /** Pause before the re-probe that confirms a failure at a 60-s interval. @default CONFIRM_PAUSE_MS (3 s) */
  readonly confirmPauseMs?: number;
  /** The history store. @default the table PAYPROBE_HISTORY_TABLE names, none when it is unset */
  readonly history?: HistoryStore;
}

/**
 * Creates a handler with its own module-scope state. The deployed `handler` is `createHandler()`; tests
 * create one per case with mocked clients, a fake engine or clock.
 */
export function createHandler(options: HandlerOptions = {}): ProbeHandler {
  const env = options.env ?? process.env;
  const logger = options.logger ?? new Logger({ serviceName: 'payprobe-probe' });
  let cloudwatch: CloudWatchClient | undefined = options.cloudwatch;
  let deps: RunnerDeps | undefined;

  const init = async (): Promise<RunnerDeps> => {
    cloudwatch = awsClient(cloudwatch, CloudWatchClient);
    let config: ReturnType<typeof readProbeEnv>;
    try {
      config = readProbeEnv(env);
    } catch (err) {
      await reportBrokenConfig(err, cloudwatch);
      throw err;
    }
    logger.appendPersistentKeys({ processor: config.processor.name });
    return {
      processor: config.processor,
      engine: options.engine ?? probe,
      secrets: handlerSecrets(options, config.secretTtlSeconds),
      cloudwatch,
      logger,
      inputs: new InputTracker(),
      tokens: new TokenCache(),
      clock: options.clock ?? systemClock,
      ...(options.confirmPauseMs !== undefined ? { confirmPauseMs: options.confirmPauseMs } : {}),
      ...historyDeps(options.history, config),
    };
  };

  /** Broken configuration throws, but first logs every issue and, when the processor is known, publishes it. */
  const reportBrokenConfig = async (err: unknown, cw: CloudWatchClient): Promise<void> => {
    const issues = err instanceof ConfigError ? err.issues : [];
    logger.error('broken configuration: the probe cannot run', {
      error: { name: (err as Error)?.name, message: (err as Error)?.message },
      issues,
    });
    const name = processorNameFromEnv(env);
    if (!name) return;
    const now = (options.clock ?? systemClock).now();
    const first = issues[0];
    const detail = `broken deployment configuration: ${first ? formatIssue(first) : String(err)}`;
    const result = failureResult(name, 'CONFIG_ERROR', detail, now, now);
    const input = buildMetricData(result, { highResolution: false, inputChanged: false });
    const stub = { name } as RunnerDeps['processor'];
    await publish({ cloudwatch: cw, logger, processor: stub }, input).catch(() => undefined);
  };

  return async (event, context) => {
    // A real Lambda context adds function name, request id and cold_start to every log line.
    if ('functionName' in context) logger.addContext(context as Context);
    deps ??= await init();
    logger.debug('scheduled probe invocation', { eventId: event?.id, eventTime: event?.time });
    return runInvocation(deps, {
      ...options.schedule,
      remainingMs: () => context.getRemainingTimeInMillis(),
    });
  };
}

/** The recorder over the given store, or over the table the environment names; the gateway name. */
function historyDeps(
  given: HistoryStore | undefined,
  config: { historyTable?: string; gateway?: string },
): Pick<RunnerDeps, 'history' | 'gateway'> {
  const store =
    given ?? (config.historyTable ? new DynamoHistoryStore({ table: config.historyTable }) : undefined);
  return {
    ...(store ? { history: new SnapshotRecorder(store) } : {}),
    ...(config.gateway ? { gateway: config.gateway } : {}),
  };
}

/** The Lambda entry point (EventBridge scheduled event). */
export const handler: ProbeHandler = createHandler();
