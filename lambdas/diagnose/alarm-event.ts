/**
 * The EventBridge "CloudWatch Alarm State Change" event (source aws.cloudwatch), validated down to the fields a
 * page uses. Anything else (another source, a malformed event) is not ours: the parser returns null.
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

function stripUndefined<T extends { reasonData?: string | undefined }>(s: T): T {
  if (s.reasonData === undefined) {
    const { reasonData: _omit, ...rest } = s;
    return rest as T;
  }
  return s;
}
