/**
 * The test page `payprobe page-test` publishes through the deployed alert topics, so on-call can see that the
 * pager, e-mail and webhook subscribers really receive payprobe's pages. Built like a real page (one Publish with
 * MessageStructure json: text for people, one line for SMS, a JSON document for machines, message attributes for
 * filter policies), and marked as a test everywhere a reader or a routing rule could look: the subject, the
 * first line, the document's `event` and the `event`/`class` attributes.
 */
import type { PublishCommandInput } from '@aws-sdk/client-sns';
import type { Severity } from '../contract/alarm-names';
import { JSON_PROTOCOLS } from './notification';

export interface TestPageParams {
  readonly severity: Severity;
  /** The stack whose topic is tested. */
  readonly stack: string;
  readonly region: string;
  readonly topicArn: string;
  /** ISO 8601 send time. */
  readonly sentAt: string;
}

/** The JSON document machine subscribers receive (schema payprobe.notification/v1, event `test`). */
export interface TestPageDocument {
  readonly schema: 'payprobe.notification/v1';
  readonly event: 'test';
  readonly severity: Severity;
  readonly subject: string;
  readonly stack: string;
  readonly region: string;
  readonly sentAt: string;
  readonly text: string;
}

export function testPageSubject(severity: Severity): string {
  return `[TEST] payprobe page test (${severity}) - no action needed`;
}

/** The Publish call of a test page. */
export function testPagePublish(p: TestPageParams): PublishCommandInput {
  const subject = testPageSubject(p.severity);
  const text = [
    'THIS IS A TEST PAGE. Nothing is failing; no action is needed.',
    '',
    `It was sent by \`payprobe page-test\` at ${p.sentAt} through the ${p.severity} topic of stack ${p.stack} in ${p.region}`,
    `(${p.topicArn}), to check that this subscriber receives payprobe's ${p.severity === 'critical' ? 'pages' : 'warnings'}.`,
    'If you are on call and got this, the path from payprobe to you works. Acknowledge it as a test.',
  ].join('\n');
  const document: TestPageDocument = {
    schema: 'payprobe.notification/v1',
    event: 'test',
    severity: p.severity,
    subject,
    stack: p.stack,
    region: p.region,
    sentAt: p.sentAt,
    text,
  };
  const json = JSON.stringify(document);
  const message: Record<string, string> = { default: text, email: text, sms: subject };
  for (const protocol of JSON_PROTOCOLS) message[protocol] = json;
  const attributes = {
    processor: 'page-test',
    severity: p.severity,
    stage: 'none',
    class: 'TEST',
    event: 'test',
  };
  return {
    TopicArn: p.topicArn,
    Subject: subject,
    MessageStructure: 'json',
    Message: JSON.stringify(message),
    MessageAttributes: Object.fromEntries(
      Object.entries(attributes).map(([k, v]) => [k, { DataType: 'String', StringValue: v }]),
    ),
  };
}
