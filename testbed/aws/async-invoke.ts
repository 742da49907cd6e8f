/**
 * What Lambda does with an asynchronous invocation that failed, for the end-to-end harness: EventBridge invokes
 * the diagnose function asynchronously, and the stack gives it an on-failure destination (the critical topic),
 * so a diagnose function that throws, times out or cannot even start still pages, raw. Lambda then publishes an
 * invocation record to the destination (Lambda developer guide, "Capturing records of Lambda asynchronous
 * invocations"): the request's event as `requestPayload`, why it failed in `requestContext.condition`, and the
 * error in `responsePayload`. This module builds that record and publishes it to an SNS destination in moto.
 *
 * Retries (MaximumRetryAttempts) run at once here, at the same simulated time (Lambda waits a minute, then two);
 * the stack sets none for the diagnose function.
 */
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { Invocation } from './lambda-runtime';
import type { AsyncInvokeConfig } from './stack-functions';

/** Lambda's invocation record of an asynchronous invocation that failed (its documented fields). */
export interface LambdaInvocationRecord {
  readonly version: '1.0';
  readonly timestamp: string;
  readonly requestContext: {
    readonly requestId: string;
    readonly functionArn: string;
    readonly condition: 'RetriesExhausted' | 'EventAgeExceeded';
    readonly approximateInvokeCount: number;
  };
  readonly requestPayload: unknown;
  readonly responseContext: {
    readonly statusCode: number;
    readonly executedVersion: string;
    readonly functionError: 'Unhandled';
  };
  readonly responsePayload: { readonly errorType: string; readonly errorMessage: string };
}

/** Whether a notification body is a Lambda invocation record (what a failure destination receives). */
export function isInvocationRecord(body: unknown): body is LambdaInvocationRecord {
  const b = body as Partial<LambdaInvocationRecord> | undefined;
  return (
    typeof b === 'object' &&
    b !== null &&
    b.version === '1.0' &&
    typeof b.requestContext?.functionArn === 'string' &&
    typeof b.requestContext?.condition === 'string' &&
    'requestPayload' in b
  );
}

/** The record of a failed invocation of `functionName`, as Lambda writes it. */
export function invocationRecord(options: {
  readonly functionName: string;
  readonly region: string;
  readonly account: string;
  readonly event: unknown;
  readonly failed: Invocation;
  readonly attempts: number;
}): LambdaInvocationRecord {
  const { failed } = options;
  return {
    version: '1.0',
    timestamp: new Date(failed.endedAt).toISOString(),
    requestContext: {
      requestId: `e2e-${options.functionName}-${failed.at}-${options.attempts}`,
      functionArn: `arn:aws:lambda:${options.region}:${options.account}:function:${options.functionName}:$LATEST`,
      condition: 'RetriesExhausted',
      approximateInvokeCount: options.attempts,
    },
    requestPayload: options.event,
    responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
    responsePayload: {
      errorType: failed.error?.name ?? 'Error',
      errorMessage: failed.error?.message ?? '',
    },
  };
}

/**
 * Runs an asynchronous invocation as Lambda would: the retries the config allows, then, when every attempt
 * failed and the destination is an SNS topic, the invocation record published there. Returns the last attempt
 * and the destination's message id (none when it succeeded or there is no SNS destination).
 */
export async function invokeAsync(options: {
  readonly config: AsyncInvokeConfig | undefined;
  readonly functionName: string;
  readonly region: string;
  readonly account: string;
  readonly event: unknown;
  readonly sns: Pick<SNSClient, 'send'>;
  readonly run: () => Promise<Invocation>;
}): Promise<{ readonly last: Invocation; readonly destinationMessageId?: string }> {
  const retries = options.config?.retryAttempts ?? 2;
  let attempts = 0;
  let last: Invocation;
  do {
    last = await options.run();
    attempts++;
  } while (!last.ok && attempts <= retries);
  const destination = options.config?.onFailure;
  if (last.ok || !destination || !/^arn:[^:]+:sns:/.test(destination)) return { last };
  const record = invocationRecord({ ...options, failed: last, attempts });
  const out = await options.sns.send(
    new PublishCommand({ TopicArn: destination, Message: JSON.stringify(record) }),
  );
  return { last, ...(out.MessageId ? { destinationMessageId: out.MessageId } : {}) };
}
