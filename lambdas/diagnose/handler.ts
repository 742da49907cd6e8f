/**
 * The diagnose Lambda: triggered by EventBridge for payprobe alarm state changes (lib/diagnosis.ts). Thin:
 * reads its environment (env.ts) once, then hands each event to diagnose.ts.
 *
 * Module scope, kept across warm invocations: the SNS client, the Secrets Manager/SSM cache (the probe
 * Lambda's CachedSecretResolver) and the last passing re-probe's inputs per processor (to say what changed).
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SNSClient } from '@aws-sdk/client-sns';
import { SSMClient } from '@aws-sdk/client-ssm';
import { probe } from '../core/engine/probe';
import { CachedSecretResolver } from '../shared/cached-secrets';
import {
  type DiagnoseDeps,
  type DiagnoseOutcome,
  type Engine,
  handleAlarmEvent,
  inMemoryInputs,
} from './diagnose';
import { readDiagnoseEnv } from './env';

export type DiagnoseHandler = (event: unknown) => Promise<DiagnoseOutcome>;

export interface HandlerOptions {
  /** @default process.env */
  readonly env?: NodeJS.ProcessEnv;
  /** @default an SNSClient from the function's environment */
  readonly sns?: SNSClient;
  /** @default a SecretsManagerClient from the function's environment */
  readonly secretsManager?: SecretsManagerClient;
  /** @default an SSMClient from the function's environment */
  readonly ssm?: SSMClient;
  /** @default the probe engine */
  readonly engine?: Engine;
  /** @default a Powertools Logger, service "payprobe-diagnose" */
  readonly logger?: Logger;
}

const CLIENT_CONFIG = { maxAttempts: 3, requestHandler: { connectionTimeout: 2_000, requestTimeout: 5_000 } };

/** Creates a handler with its own module-scope state; `handler` below is the deployed one. */
export function createHandler(options: HandlerOptions = {}): DiagnoseHandler {
  const logger = options.logger ?? new Logger({ serviceName: 'payprobe-diagnose' });
  let deps: DiagnoseDeps | undefined;
  const init = (): DiagnoseDeps => {
    const env = readDiagnoseEnv(options.env ?? process.env);
    return {
      processors: env.processors,
      topics: env.topics,
      sns: options.sns ?? new SNSClient(CLIENT_CONFIG),
      secrets: new CachedSecretResolver({
        secretsManager: options.secretsManager ?? new SecretsManagerClient(CLIENT_CONFIG),
        ssm: options.ssm ?? new SSMClient(CLIENT_CONFIG),
        ttlSeconds: env.secretTtlSeconds,
      }),
      engine: options.engine ?? probe,
      memory: inMemoryInputs(),
      logger,
      ...(env.runbookBaseUrl ? { runbookBaseUrl: env.runbookBaseUrl } : {}),
    };
  };
  return async (event) => {
    deps ??= init();
    return handleAlarmEvent(event, deps);
  };
}

/** The Lambda entry point (EventBridge "CloudWatch Alarm State Change"). */
export const handler: DiagnoseHandler = createHandler();
