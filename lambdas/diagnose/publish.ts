/**
 * Publishing a page (one SNS Publish with MessageStructure json and message attributes), the page of an
 * incident an alarm opened or updated (one function for a processor's alarm and the gateway alarm), and the
 * outcomes of an event that publishes nothing, for the diagnose function's modules (./diagnose.ts,
 * ./gateway.ts).
 */
import { PublishCommand, type PublishCommandInput } from '@aws-sdk/client-sns';
import type { ProcessorConfig } from '../core/config/model';
import type { Severity } from '../core/contract/alarm-names';
import type { ProcessorRecord } from '../core/diagnosis/history';
import type { IncidentDecision } from '../core/diagnosis/incident';
import { buildIncidentNotification } from '../core/diagnosis/incident-page';
import { type AlarmStateChange, type Notification, structuredMessage } from '../core/diagnosis/notification';
import { firstFailing, type Observation, type Verdict } from '../core/diagnosis/verdict';
import { makeRedactor } from '../core/text/redact';
import type { DiagnoseDeps, DiagnoseOutcome } from './diagnose';
import { memberSubject } from './incidents';

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

/** What an alarm's incident decision publishes. */
export interface IncidentOutcomeParams {
  readonly decision: Exclude<IncidentDecision, { readonly action: 'none' }>;
  readonly verdict: Verdict | null;
  readonly alarm: AlarmStateChange;
  readonly configs: readonly ProcessorConfig[];
  readonly records: ReadonlyMap<string, ProcessorRecord>;
  /** Every processor's observation, as the verdict saw them. */
  readonly observations: readonly Observation[];
  readonly nowMs: number;
}

/**
 * The incident's page when the alarm opened it or a processor joined (about the first failing member, so the
 * page is the same whichever alarm came first); otherwise the alarm folds into it silently.
 */
export async function publishIncident(
  deps: DiagnoseDeps,
  p: IncidentOutcomeParams,
): Promise<DiagnoseOutcome> {
  const { decision: d, verdict } = p;
  if ((d.action !== 'open' && d.action !== 'update') || !verdict) {
    return folded(deps, d.next.id, `${p.alarm.alarmName} joined incident ${d.next.id} (${d.action})`);
  }
  const members = p.observations.filter((o) => verdict.processors.includes(o.processor));
  const first = firstFailing(verdict, members);
  const subject = members.find((o) => o.processor === first);
  return publish(
    deps,
    'critical',
    buildIncidentNotification({
      event: d.action === 'open' ? 'incident' : 'incident-update',
      incident: d.next,
      verdict,
      joined: d.added,
      members: members.map((o) => ({ processor: o.processor, class: o.class, since: o.since ?? null })),
      others: p.configs.map((c) => c.name).filter((n) => !verdict.processors.includes(n)),
      alarm: p.alarm,
      ...(subject ? { subject: memberSubject(p.configs, p.records, subject, p.nowMs) } : {}),
      ...(deps.runbookBaseUrl ? { runbookBaseUrl: deps.runbookBaseUrl } : {}),
    }),
  );
}

export function folded(deps: DiagnoseDeps, incident: string, reason: string): DiagnoseOutcome {
  deps.logger?.info('folded into the incident page', { incident, reason });
  return { action: 'folded', incident, reason };
}

export function ignored(deps: DiagnoseDeps, reason: string): DiagnoseOutcome {
  deps.logger?.info('event ignored', { reason });
  return { action: 'ignored', reason };
}
