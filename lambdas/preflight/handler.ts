/**
 * The deploy-time preflight Lambda: the onEvent handler of a CloudFormation custom resource
 * (lib/constructs/preflight.ts, through the CDK Provider framework). On Create and Update it probes every processor of
 * the config being deployed (preflight.ts) and throws when one fails, so CloudFormation fails the resource
 * and rolls the deployment back; the thrown message is the status reason `cdk deploy` prints.
 *
 * - Delete: nothing to do (the preflight owns no resource).
 * - Update while the stack is rolling back: CloudFormation sends the previous properties to "restore" the
 *   resource; probing then could fail the rollback itself (UPDATE_ROLLBACK_FAILED, a stuck stack) when the
 *   processor is the reason for the rollback. The handler checks its stack's status and skips the probes.
 *
 * Processors arrive in the resource property ProcessorsJson (a JSON string: CloudFormation turns every
 * scalar property into a string, and the config's numbers and booleans must survive), not in the function's
 * environment (4 KB in all, too small for a whole config).
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import type { ManyEngine } from '../core/contract/engine';
import { boundedResult } from '../core/diagnosis/page-size';
import { probeMany } from '../core/engine/probe';
import { makeRedactor } from '../core/text/redact';
import { awsClient, handlerSecrets, type SecretClients } from '../glue/aws-clients';
import { codeDirectory } from '../glue/deployed-config';
import {
  DEFAULT_ATTEMPTS,
  DEFAULT_RETRY_DELAY_MS,
  failureReason,
  parseProcessorsJson,
  runPreflight,
  successSummary,
} from './preflight';

/** Constant: an Update never replaces the resource (a new id would make CloudFormation send a Delete). */
export const PHYSICAL_RESOURCE_ID = 'payprobe-preflight';

export interface PreflightProperties {
  readonly ServiceToken?: string;
  /** JSON: processor name → deployed processor config (baseDir /var/task, file references bundled). */
  readonly ProcessorsJson?: string;
  /** Attempts before a failing processor fails the deployment (a string: CloudFormation stringifies). */
  readonly Attempts?: string;
  /** Pause between attempts in milliseconds. */
  readonly RetryDelayMs?: string;
}

export interface OnEventResponse {
  readonly PhysicalResourceId: string;
  readonly Data?: Readonly<Record<string, string>>;
}

export type PreflightHandler = (event: CloudFormationCustomResourceEvent) => Promise<OnEventResponse>;

export interface HandlerOptions extends SecretClients {
  /** @default process.env */
  readonly env?: NodeJS.ProcessEnv;
  /** @default a CloudFormationClient from the function's environment */
  readonly cloudformation?: CloudFormationClient;
  /** @default a Powertools Logger, service "payprobe-preflight" */
  readonly logger?: Pick<Logger, 'info' | 'warn' | 'error'>;
  /** @default probeMany of lambdas/core/engine/probe.ts */
  readonly probeMany?: ManyEngine;
  /** @default setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
}

export function createHandler(options: HandlerOptions = {}): PreflightHandler {
  const env = options.env ?? process.env;
  const logger = options.logger ?? new Logger({ serviceName: 'payprobe-preflight' });

  const rollingBack = async (stackId: string): Promise<boolean> => {
    try {
      const cfn = awsClient(options.cloudformation, CloudFormationClient);
      const out = await cfn.send(new DescribeStacksCommand({ StackName: stackId }));
      const status = out.Stacks?.[0]?.StackStatus ?? '';
      return /ROLLBACK_IN_PROGRESS$/.test(status);
    } catch (err) {
      // Without the status, probe: failing a real deployment is safer than skipping its check.
      logger.warn('cannot read the stack status; probing as for a deployment', {
        error: { name: (err as Error)?.name, message: (err as Error)?.message },
      });
      return false;
    }
  };

  return async (event) => {
    const physicalId = event.RequestType === 'Create' ? PHYSICAL_RESOURCE_ID : event.PhysicalResourceId;
    if (event.RequestType === 'Delete') {
      logger.info('preflight resource deleted: nothing to probe');
      return { PhysicalResourceId: physicalId };
    }
    if (event.RequestType === 'Update' && (await rollingBack(event.StackId))) {
      logger.info('stack is rolling back: preflight skipped (the previous config is being restored)');
      return { PhysicalResourceId: physicalId, Data: { Summary: 'skipped during rollback' } };
    }
    const props = event.ResourceProperties as PreflightProperties;
    const processors = parseProcessorsJson(props.ProcessorsJson, codeDirectory(env));
    // One deployment, one read per attempt: a secret fixed between attempts is picked up.
    const secrets = handlerSecrets(options, 0);
    const redact = () => makeRedactor(secrets.sensitiveValues());
    logger.info('preflight: probing', { processors: processors.map((p) => p.name) });
    const outcome = await runPreflight(
      processors,
      {
        probeMany: options.probeMany ?? ((ps, deps) => probeMany(ps, deps)),
        secrets,
        ...(options.sleep ? { sleep: options.sleep } : {}),
        onAttempt: (attempt, results) => {
          for (const r of results)
            logger.info('preflight probe result', { attempt, result: redact().value(boundedResult(r)) });
        },
      },
      {
        attempts: positiveInt(props.Attempts, DEFAULT_ATTEMPTS),
        retryDelayMs: positiveInt(props.RetryDelayMs, DEFAULT_RETRY_DELAY_MS),
      },
    );
    if (!outcome.ok) {
      const reason = failureReason(outcome, (t) => redact().untrusted(t));
      logger.error('preflight failed: failing the deployment', {
        failures: redact().value(outcome.failures),
      });
      const err = new Error(reason);
      err.name = 'PreflightFailed';
      // The Provider framework reports the message; a stack trace would only bury the cause.
      err.stack = `${err.name}: ${reason}`;
      throw err;
    }
    const summary = successSummary(outcome);
    logger.info(summary);
    return { PhysicalResourceId: physicalId, Data: { Summary: summary.slice(0, 1000) } };
  };
}

function positiveInt(value: string | undefined, fallback: number): number {
  const n = Number(value);
  return value !== undefined && value !== '' && Number.isInteger(n) && n >= 0 ? n : fallback;
}

/** The Lambda entry point (Provider framework onEvent). */
export const handler: PreflightHandler = createHandler();
