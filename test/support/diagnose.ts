/**
 * Fixtures for the diagnose tests: EventBridge "CloudWatch Alarm State Change" events as CloudWatch sends
 * them, CloudWatch's alarm notifications as SNS delivers them to Lambda, and helpers to read a captured SNS
 * Publish call.
 */
import type { PublishCommandInput } from '@aws-sdk/client-sns';
import { parseConfig } from '../../lambdas/core/config/load';
import type { MaintenanceWindow } from '../../lambdas/core/config/maintenance';
import type { NotificationDocument } from '../../lambdas/core/diagnosis/notification';

export const ACCOUNT = '123456789012';
export const REGION = 'eu-west-1';
export const CRITICAL_ARN = `arn:aws:sns:${REGION}:${ACCOUNT}:PayProbe-CriticalTopic`;
export const WARNING_ARN = `arn:aws:sns:${REGION}:${ACCOUNT}:PayProbe-WarningTopic`;

export type StateValue = 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';

export const ALARM_REASON =
  'Threshold Crossed: 2 out of the last 3 datapoints [1.0 (01/03/25 10:02:00), 1.0 (01/03/25 10:01:00)] were greater than or equal to the threshold (1.0) (minimum 2 datapoints for OK -> ALARM transition).';
export const OK_REASON =
  'Threshold Crossed: no datapoints were received for 1 period and 2 missing datapoints were treated as [NonBreaching].';

/** An alarm state change as EventBridge delivers it (shape from the CloudWatch user guide). */
export function alarmEvent(
  alarmName: string,
  state: StateValue,
  previous: StateValue,
  times: { state?: string; previous?: string } = {},
): Record<string, unknown> {
  const stateTime = times.state ?? '2025-03-01T10:03:10.123+0000';
  const previousTime = times.previous ?? '2025-02-27T08:00:00.000+0000';
  const reasonFor = (v: StateValue) =>
    v === 'ALARM' ? ALARM_REASON : v === 'OK' ? OK_REASON : 'Insufficient Data';
  return {
    version: '0',
    id: 'c4c1c1c9-6542-e61b-6ef0-8c4d36933a92',
    'detail-type': 'CloudWatch Alarm State Change',
    source: 'aws.cloudwatch',
    account: ACCOUNT,
    time: stateTime.replace(/\.\d+\+0000$/, 'Z'),
    region: REGION,
    resources: [`arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:${alarmName}`],
    detail: {
      alarmName,
      state: {
        value: state,
        reason: reasonFor(state),
        reasonData: JSON.stringify({
          version: '1.0',
          queryDate: stateTime,
          startDate: '2025-03-01T10:00:00.000+0000',
          statistic: 'Maximum',
          period: 60,
          recentDatapoints: [1.0, 1.0],
          threshold: 1.0,
        }),
        timestamp: stateTime,
      },
      previousState: { value: previous, reason: reasonFor(previous), timestamp: previousTime },
      configuration: { description: 'payprobe alarm', metrics: [] },
    },
  };
}

export const HELD_ARN = `arn:aws:sns:${REGION}:${ACCOUNT}:PayProbe-HeldAlarmsTopic`;

/**
 * An alarm action's notification as SNS delivers it to a Lambda subscriber (one record; the Message is
 * CloudWatch's alarm notification JSON, shape from the CloudWatch user guide).
 */
export function alarmNotification(
  alarmName: string,
  state: StateValue,
  previous: StateValue,
  stateTime: string,
  delivered = '2025-03-01T11:00:05.000Z',
): Record<string, unknown> {
  const message = {
    AlarmName: alarmName,
    AlarmDescription: 'payprobe alarm',
    AWSAccountId: ACCOUNT,
    AlarmConfigurationUpdatedTimestamp: '2025-02-01T00:00:00.000+0000',
    NewStateValue: state,
    NewStateReason: state === 'ALARM' ? ALARM_REASON : OK_REASON,
    StateChangeTime: stateTime,
    Region: 'EU (Ireland)',
    AlarmArn: `arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:${alarmName}`,
    OldStateValue: previous,
    OKActions: [],
    AlarmActions: [HELD_ARN],
    InsufficientDataActions: [],
    Trigger: { MetricName: 'HandshakeOk', Namespace: 'PayProbe', Period: 60, Threshold: 1 },
  };
  return {
    Records: [
      {
        EventSource: 'aws:sns',
        EventVersion: '1.0',
        EventSubscriptionArn: `${HELD_ARN}:2bcfbf39-05c3-41de-beaa-fcfcc21c8f55`,
        Sns: {
          Type: 'Notification',
          MessageId: '95df01b4-ee98-5cb9-9903-4c221d41eb5e',
          TopicArn: HELD_ARN,
          Subject: `ALARM: "${alarmName}" in EU (Ireland)`,
          Message: JSON.stringify(message),
          Timestamp: delivered,
          MessageAttributes: {},
        },
      },
    ],
  };
}

export interface ReadPublish {
  readonly input: PublishCommandInput;
  /** The per-protocol messages (MessageStructure json). */
  readonly messages: Record<string, string>;
  /** What email subscribers read. */
  readonly text: string;
  /** What webhooks (https) receive. */
  readonly document: NotificationDocument;
}

export function readPublish(input: PublishCommandInput): ReadPublish {
  const messages = JSON.parse(input.Message ?? '{}') as Record<string, string>;
  return {
    input,
    messages,
    text: messages.email ?? '',
    document: JSON.parse(messages.https ?? 'null') as NotificationDocument,
  };
}

/** The section headings of a page, in order. */
export function headings(text: string): string[] {
  return text
    .split('\n')
    .filter((l) => /^[A-Z][A-Z' ]+[A-Z](?: \(.*\))?(?::.*)?$/.test(l) && !l.startsWith('['));
}

/** The lines of one section (from its heading to the next blank line). */
export function section(text: string, heading: string): string[] {
  const lines = text.split('\n');
  const start = lines.findIndex((l) => l.startsWith(heading));
  if (start < 0) return [];
  const end = lines.findIndex((l, i) => i > start && l === '');
  return lines.slice(start + 1, end < 0 ? undefined : end);
}

/** Two processors, stripe and adyen, for the maintenance-window tests. */
export const MAINTENANCE_CONFIG = parseConfig(
  'processors:\n  - { name: stripe, endpoint: https://api.stripe.com }\n  - { name: adyen, endpoint: https://api.adyen.com }\n',
  'p.yaml',
);

/** A one-off window of stripe's, 10:00-11:00 on the fixtures' day. */
export const STRIPE_WINDOW: MaintenanceWindow = {
  index: 0,
  processors: ['stripe'],
  reason: 'Stripe certificate rotation',
  kind: 'once',
  start: '2025-03-01T10:00:00.000Z',
  end: '2025-03-01T11:00:00.000Z',
};
