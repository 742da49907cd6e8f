/**
 * The two ways an alarm state change reaches the diagnose function, validated down to the fields a page uses:
 * - the EventBridge "CloudWatch Alarm State Change" event (source aws.cloudwatch): every state change;
 * - CloudWatch's own alarm notification delivered by SNS (the held-alarms topic, lib/constructs/held-alarms.ts):
 *   the alarm action of a processor with maintenance windows, which CloudWatch runs when a window ends with the
 *   alarm still in ALARM (./held.ts decides whether it pages).
 * Anything else (another source, a malformed event) is not ours: the parsers return null.
 */
import * as z from 'zod/mini';
import type { AlarmStateChange } from '../core/diagnosis/notification';

const StateSchema = z.object({
  value: z.enum(['OK', 'ALARM', 'INSUFFICIENT_DATA']),
  reason: z._default(z.string(), ''),
  timestamp: z.string(),
  reasonData: z.optional(z.string()),
});

const EventSchema = z.object({
  source: z.literal('aws.cloudwatch'),
  'detail-type': z.literal('CloudWatch Alarm State Change'),
  time: z.string(),
  region: z.optional(z.string()),
  account: z.optional(z.string()),
  resources: z.optional(z.array(z.string())),
  detail: z.object({
    alarmName: z.string().check(z.minLength(1)),
    state: StateSchema,
    // CloudWatch always sends previousState on a change; a hand-made test event may not.
    previousState: z.optional(StateSchema),
  }),
});

export const ALARM_EVENT_SOURCE = 'aws.cloudwatch';
export const ALARM_EVENT_DETAIL_TYPE = 'CloudWatch Alarm State Change';

export function parseAlarmEvent(event: unknown): AlarmStateChange | null {
  const parsed = EventSchema.safeParse(event);
  if (!parsed.success) return null;
  const e = parsed.data;
  const previous = e.detail.previousState ?? {
    value: 'INSUFFICIENT_DATA' as const,
    reason: '',
    timestamp: e.time,
  };
  return {
    alarmName: e.detail.alarmName,
    ...(e.resources?.[0] ? { alarmArn: e.resources[0] } : {}),
    ...(e.region ? { region: e.region } : {}),
    ...(e.account ? { account: e.account } : {}),
    time: e.time,
    state: stripUndefined(e.detail.state),
    previousState: stripUndefined(previous),
  };
}

/** CloudWatch's alarm notification (the SNS message body of an alarm action), the fields a page uses. */
const NotificationSchema = z.object({
  AlarmName: z.string().check(z.minLength(1)),
  NewStateValue: z.enum(['OK', 'ALARM', 'INSUFFICIENT_DATA']),
  OldStateValue: z.enum(['OK', 'ALARM', 'INSUFFICIENT_DATA']),
  NewStateReason: z._default(z.string(), ''),
  StateChangeTime: z.string().check(z.minLength(1)),
  AWSAccountId: z.optional(z.string()),
  AlarmArn: z.optional(z.string()),
});

/** SNS's Lambda event: Lambda delivers one record per invocation. */
const SnsEventSchema = z.object({
  Records: z
    .array(
      z.object({
        EventSource: z.literal('aws:sns'),
        Sns: z.object({
          TopicArn: z.string(),
          Message: z.string(),
          Timestamp: z.optional(z.string()),
        }),
      }),
    )
    .check(z.length(1)),
});

/** How the state change arrived: `event` from EventBridge, `notification` from an alarm action via SNS. */
export interface AlarmInput {
  readonly via: 'event' | 'notification';
  readonly alarm: AlarmStateChange;
}

/** Either shape, or null when the input is neither. */
export function parseAlarmInput(input: unknown): AlarmInput | null {
  const alarm = parseAlarmEvent(input);
  if (alarm) return { via: 'event', alarm };
  const notification = parseSnsAlarmNotification(input);
  return notification ? { via: 'notification', alarm: notification } : null;
}

/**
 * An SNS-delivered CloudWatch alarm notification as the same AlarmStateChange. The notification carries no
 * time for the old state and no reason data: the previous state's timestamp is left empty (a page then says
 * nothing about how long it lasted).
 */
export function parseSnsAlarmNotification(input: unknown): AlarmStateChange | null {
  const event = SnsEventSchema.safeParse(input);
  if (!event.success) return null;
  const sns = (event.data.Records[0] as (typeof event.data.Records)[number]).Sns;
  let body: unknown;
  try {
    body = JSON.parse(sns.Message);
  } catch {
    return null;
  }
  const parsed = NotificationSchema.safeParse(body);
  if (!parsed.success) return null;
  const n = parsed.data;
  // The topic's ARN names the region and account the alarm lives in (CloudWatch publishes to its own).
  const [, , , region, account] = sns.TopicArn.split(':');
  return {
    alarmName: n.AlarmName,
    ...(n.AlarmArn ? { alarmArn: n.AlarmArn } : {}),
    ...(region ? { region } : {}),
    ...(n.AWSAccountId || account ? { account: (n.AWSAccountId || account) as string } : {}),
    time: sns.Timestamp ?? n.StateChangeTime,
    state: { value: n.NewStateValue, reason: n.NewStateReason, timestamp: n.StateChangeTime },
    previousState: { value: n.OldStateValue, reason: '', timestamp: '' },
  };
}

function stripUndefined<T extends { reasonData?: string | undefined }>(s: T): T {
  if (s.reasonData === undefined) {
    const { reasonData: _omit, ...rest } = s;
    return rest as T;
  }
  return s;
}
