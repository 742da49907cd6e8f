/**
 * The probe Lambda: one function per processor, run once a minute by an EventBridge Scheduler schedule. Thin by
 * design: read the processor's config from the environment (env.ts), run the engine on the processor's
 * spacing (run.ts), log each result as structured JSON (Powertools Logger) and publish its metrics in one
 * PutMetricData call (metrics.ts).
 *
 * Module scope, kept across warm invocations: the AWS clients, the Secrets Manager/SSM cache
 * (lambdas/glue/cached-secrets.ts, TTL from PAYPROBE_SECRET_TTL_SECONDS), the last-seen probe inputs
 * (lambdas/core/diagnosis/input-changes.ts), and the OAuth tokens (lambdas/core/engine/token-cache.ts: reused
 * for at most 15 minutes, so an OAuth processor gets about four token requests an hour instead of one a run),
 * and what was last written to the history table (lambdas/core/diagnosis/history.ts SnapshotRecorder: the
 * first run after a cold start writes once). A cold start starts with empty caches and no previous state. At
 * a 60-s interval a failed probe is confirmed by a
 * re-probe before it is published (lambdas/core/policy/probe-policy.ts).
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { SNSClient } from '@aws-sdk/client-sns';
import { SSMClient } from '@aws-sdk/client-ssm';
import type { Context, ScheduledEvent } from 'aws-lambda';
import { ConfigError, formatIssue } from '../core/config/model';
import type { Engine } from '../core/contract/engine';
import {
  ENV_AUDIT_STATE_PARAMETER,
  ENV_AUDIT_TOPIC_ARN,
  ENV_RUNBOOK_BASE_URL,
  isAuditEvent,
} from '../core/contract/env-names';
import { failureResult, type ProbeResult } from '../core/contract/result';
import { type HistoryStore, SnapshotRecorder } from '../core/diagnosis/history';
import { InputTracker } from '../core/diagnosis/input-changes';
import { probe } from '../core/engine/probe';
import { TokenCache } from '../core/engine/token-cache';
import { awsClient, handlerSecrets, type SecretClients } from '../glue/aws-clients';
import { processorNameFromEnv } from '../glue/deployed-config';
import { DynamoHistoryStore } from '../glue/history-table';
import { type LiveAuditDeps, type LiveAuditOutcome, runLiveAudit } from './audit';
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

/** What an invocation did: its probe runs, and the live audit when one ran (schedule or input change). */
export type HandlerSummary = InvocationSummary & { readonly audit?: LiveAuditOutcome };

export type ProbeHandler = (
  /** EventBridge Scheduler sends no event body by default; a scheduled rule's event is accepted too; the live
   * audit's schedule sends AUDIT_EVENT. */
  event: Partial<ScheduledEvent> | { readonly payprobe: 'audit' } | undefined,
  context: Pick<Context, 'getRemainingTimeInMillis'>,
) => Promise<HandlerSummary>;

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
  /** @default an SNSClient from the function's environment (the live audit's page) */
  readonly sns?: SNSClient;
  /** The live audit's clock. @default () => new Date() */
  readonly now?: () => Date;
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
  let audit: LiveAuditDeps | undefined;
  /** The latest probe result: its chain is what the live audit after an input change judges. */
  let last: ProbeResult | undefined;

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
    const engine = options.engine ?? probe;
    const secrets = handlerSecrets(options, config.secretTtlSeconds);
    const topicArn = env[ENV_AUDIT_TOPIC_ARN];
    const stateParameter = env[ENV_AUDIT_STATE_PARAMETER];
    // Without both variables (a stack built without the live audit) the function only probes.
    if (topicArn && stateParameter) {
      audit = {
        processor: config.processor,
        secrets,
        cloudwatch,
        sns: awsClient(options.sns, SNSClient),
        ssm: awsClient(options.ssm, SSMClient),
        topicArn,
        stateParameter,
        logger,
        ...(options.now ? { now: options.now } : {}),
        ...(env[ENV_RUNBOOK_BASE_URL] ? { docsBaseUrl: env[ENV_RUNBOOK_BASE_URL] } : {}),
      };
    }
    return {
      processor: config.processor,
      engine: async (p, d) => {
        last = await engine(p, d);
        return last;
      },
      secrets,
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
    if (isAuditEvent(event)) {
      const summary: HandlerSummary = { processor: deps.processor.name, runs: [], skipped: 0 };
      if (!audit) {
        logger.warn(
          'live audit event, but the function has no audit topic or state parameter: nothing audited',
          {
            variables: [ENV_AUDIT_TOPIC_ARN, ENV_AUDIT_STATE_PARAMETER],
          },
        );
        return summary;
      }
      // One probe to see the server's chain as the probe sees it; the minute's own probe publishes metrics.
      const result = await deps.engine(deps.processor, { secrets: deps.secrets }).catch(() => undefined);
      return { ...summary, audit: await runLiveAudit(audit, 'schedule', result) };
    }
    const e = event as Partial<ScheduledEvent> | undefined;
    logger.debug('scheduled probe invocation', { eventId: e?.id, eventTime: e?.time });
    last = undefined;
    const summary = await runInvocation(deps, {
      ...options.schedule,
      remainingMs: () => context.getRemainingTimeInMillis(),
    });
    if (audit && summary.runs.some((r) => r.inputsChanged.length > 0)) {
      return { ...summary, audit: await runLiveAudit(audit, 'input-changed', last) };
    }
    return summary;
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
