/**
 * The diagnose Lambda: triggered by EventBridge for payprobe alarm state changes and by the held-alarms topic's
 * SNS deliveries (alarm notifications of processors with maintenance windows; lib/constructs/diagnosis.ts).
 * Thin: reads its environment (env.ts) once, then hands each event to diagnose.ts.
 *
 * Module scope, kept across warm invocations: the SNS client, the Secrets Manager/SSM cache (the handlers'
 * CachedSecretResolver, lambdas/glue/aws-clients.ts) and the history table's client. What the function
 * remembers between alarms (the last passing probes, the incidents) lives in the history table, not here: a
 * cold start or a redeploy forgets nothing.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { SNSClient } from '@aws-sdk/client-sns';
import type { Engine } from '../core/contract/engine';
import type { HistoryStore } from '../core/diagnosis/history';
import { probe } from '../core/engine/probe';
import { awsClient, handlerSecrets, type SecretClients } from '../glue/aws-clients';
import { DynamoHistoryStore } from '../glue/history-table';
import { type DiagnoseDeps, type DiagnoseOutcome, handleAlarmEvent } from './diagnose';
import { readDiagnoseEnv } from './env';

export type DiagnoseHandler = (event: unknown) => Promise<DiagnoseOutcome>;

export interface HandlerOptions extends SecretClients {
  /** @default process.env */
  readonly env?: NodeJS.ProcessEnv;
  /** @default an SNSClient from the function's environment */
  readonly sns?: SNSClient;
  /** @default the probe engine */
  readonly engine?: Engine;
  /** @default a Powertools Logger, service "payprobe-diagnose" */
  readonly logger?: Logger;
  /** The history store. @default the table PAYPROBE_HISTORY_TABLE names, none when it is unset */
  readonly history?: HistoryStore;
}

/** Creates a handler with its own module-scope state; `handler` below is the deployed one. */
export function createHandler(options: HandlerOptions = {}): DiagnoseHandler {
  const logger = options.logger ?? new Logger({ serviceName: 'payprobe-diagnose' });
  let deps: DiagnoseDeps | undefined;
  const init = (): DiagnoseDeps => {
    const env = readDiagnoseEnv(options.env ?? process.env);
    return {
      processors: env.processors,
      topics: env.topics,
      sns: awsClient(options.sns, SNSClient),
      secrets: handlerSecrets(options, env.secretTtlSeconds),
      engine: options.engine ?? probe,
      maintenance: env.maintenance,
      verdict: env.verdict,
      logger,
      ...(options.history
        ? { history: options.history }
        : env.historyTable
          ? { history: new DynamoHistoryStore({ table: env.historyTable }) }
          : {}),
      ...(env.gateway ? { gateway: env.gateway } : {}),
      ...(env.runbookBaseUrl ? { runbookBaseUrl: env.runbookBaseUrl } : {}),
    };
  };
  return async (event) => {
    deps ??= init();
    return handleAlarmEvent(event, deps);
  };
}

/** The Lambda entry point (EventBridge "CloudWatch Alarm State Change", or SNS with an alarm notification). */
export const handler: DiagnoseHandler = createHandler();
