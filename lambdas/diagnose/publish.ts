/**
 * Publishing a page (one SNS Publish with MessageStructure json and message attributes), and the outcomes of
 * an event that publishes nothing, for the diagnose function's modules (./diagnose.ts, ./gateway.ts).
 */
import { PublishCommand, type PublishCommandInput } from '@aws-sdk/client-sns';
import type { Severity } from '../core/contract/alarm-names';
import { type Notification, structuredMessage } from '../core/diagnosis/notification';
import { makeRedactor } from '../core/text/redact';
import type { DiagnoseDeps, DiagnoseOutcome } from './diagnose';

/** The Publish call: the severity's topic, MessageStructure json, attributes for filter policies. */
export function publishInput(topicArn: string, n: Notification): PublishCommandInput {
  return {
    TopicArn: topicArn,
    Subject: n.subject,
    MessageStructure: 'json',
    Message: structuredMessage(n),
    MessageAttributes: Object.fromEntries(
      Object.entries(n.attributes).map(([k, v]) => [k, { DataType: 'String', StringValue: String(v) }]),
    ),
  };
}

/** Publishes one page to the severity's topic, every secret value the resolver read masked. */
export async function publish(
  deps: DiagnoseDeps,
  severity: Severity,
  raw: Notification,
): Promise<DiagnoseOutcome> {
  const topicArn = deps.topics[severity];
  // Last line of defence: the engine never puts a secret in a result, but mask every value the resolver read.
  const redact = makeRedactor(deps.secrets.sensitiveValues?.() ?? []);
  const n = redact.value(raw);
  const out = await deps.sns.send(new PublishCommand(publishInput(topicArn, n)));
  deps.logger?.info('page published', {
    subject: n.subject,
    topicArn,
    attributes: n.attributes,
    messageId: out.MessageId,
  });
  return {
    action: 'published',
    subject: n.subject,
    topicArn,
    event: n.attributes.event,
    ...(out.MessageId ? { messageId: out.MessageId } : {}),
  };
}

export function folded(deps: DiagnoseDeps, incident: string, reason: string): DiagnoseOutcome {
  deps.logger?.info('folded into the incident page', { incident, reason });
  return { action: 'folded', incident, reason };
}

export function ignored(deps: DiagnoseDeps, reason: string): DiagnoseOutcome {
  deps.logger?.info('event ignored', { reason });
  return { action: 'ignored', reason };
}
