/**
 * CloudWatch alarm mute rules (`AWS::CloudWatch::AlarmMuteRule`) for the alarm evaluator: when a rule is active
 * and which alarms it targets, read from a synthesized template. Semantics, from the CloudWatch user guide
 * ("Alarm mute rules", "How alarm mute rules work"):
 * - a rule's schedule is `at(yyyy-mm-ddThh:mm[:ss])` (one window) or `cron(minute hour day month weekday)`
 *   (recurring), in the schedule's time zone (UTC unless `Timezone`); each occurrence mutes for `Duration`
 *   (ISO 8601, PT1M to 15 days); StartDate/ExpireDate bound when the rule is in force;
 * - targeted alarms keep evaluating and changing state, but their actions (of every state) are muted while a
 *   rule is active;
 * - when the window ends and the alarm is still in the state whose actions were muted, those actions run then;
 *   if it changed state meanwhile (e.g. back to OK), nothing runs.
 * The last two are the evaluator's (./alarm-evaluator.ts); this module answers "is it muted at t, until when".
 */
import { Cron } from 'croner';
import { type CfnTemplate, type IntrinsicContext, resolveIntrinsics } from './alarm-model';

export interface MuteRuleDefinition {
  /** The rule's Name, or its logical ID. */
  readonly name: string;
  readonly description?: string;
  /** The alarms it mutes, by name. */
  readonly alarmNames: readonly string[];
  /** `at(...)` or `cron(...)`, as in the template. */
  readonly expression: string;
  readonly durationSeconds: number;
  /** IANA time zone of the expression and dates. @default UTC */
  readonly timezone?: string;
  /** Epoch ms before which the rule is not in force. */
  readonly startsAt?: number;
  /** Epoch ms from which the rule is expired. */
  readonly expiresAt?: number;
}

/** A mute window: [start, end) in epoch ms. */
export interface MuteWindow {
  readonly start: number;
  readonly end: number;
}

/** ISO 8601 duration (PnDTnHnMnS, no years or months) in seconds. */
export function isoDurationSeconds(iso: string): number {
  const m = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/.exec(iso);
  if (!m || iso === 'P' || iso.endsWith('T')) throw new Error(`unsupported ISO 8601 duration "${iso}"`);
  const [, d, h, min, s] = m.map((x) => Number(x ?? 0));
  return (d ?? 0) * 86400 + (h ?? 0) * 3600 + (min ?? 0) * 60 + (s ?? 0);
}

/** A wall-clock date-time (yyyy-mm-ddThh:mm[:ss]) in `timezone`, as epoch ms. */
export function wallClockToEpoch(text: string, timezone = 'UTC'): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(text);
  if (!m) throw new Error(`unsupported date-time "${text}" (expected yyyy-mm-ddThh:mm[:ss])`);
  const [, y, mo, d, h, mi, s] = m.map((x) => Number(x ?? 0));
  const guess = Date.UTC(y ?? 0, (mo ?? 1) - 1, d ?? 1, h ?? 0, mi ?? 0, s ?? 0);
  // The zone's offset at that instant (twice, to settle across a DST change).
  let t = guess;
  for (let i = 0; i < 2; i++) t = guess - offsetMs(t, timezone);
  return t;
}

function offsetMs(at: number, timezone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: timezone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(new Date(at));
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  const local = Date.UTC(
    get('year'),
    get('month') - 1,
    get('day'),
    get('hour'),
    get('minute'),
    get('second'),
  );
  return local - Math.floor(at / 1000) * 1000;
}

/** The window of `rule` that contains `at`, if any. */
export function activeWindow(rule: MuteRuleDefinition, at: number): MuteWindow | undefined {
  if (rule.startsAt !== undefined && at < rule.startsAt) return undefined;
  if (rule.expiresAt !== undefined && at >= rule.expiresAt) return undefined;
  const start = latestStart(rule, at);
  if (start === undefined) return undefined;
  const end = start + rule.durationSeconds * 1000;
  return at < end ? { start, end } : undefined;
}

/** The latest occurrence of the rule's schedule at or before `at`. */
function latestStart(rule: MuteRuleDefinition, at: number): number | undefined {
  const expr = rule.expression.trim();
  const once = /^at\((.+)\)$/.exec(expr);
  if (once) {
    const start = wallClockToEpoch(once[1] as string, rule.timezone);
    return start <= at ? start : undefined;
  }
  const cron = /^cron\((.+)\)$/.exec(expr);
  if (!cron) throw new Error(`mute rule ${rule.name}: unsupported schedule expression ${expr}`);
  const job = new Cron(cron[1] as string, { timezone: rule.timezone ?? 'UTC', paused: true });
  // previousRuns is strictly before its reference: one second later includes an occurrence at `at` itself.
  const [prev] = job.previousRuns(1, new Date(at + 1000));
  return prev?.getTime();
}

/** Every `AWS::CloudWatch::AlarmMuteRule` of a template, its intrinsics resolved with `ctx`. */
export function muteRulesFromTemplate(template: CfnTemplate, ctx: IntrinsicContext): MuteRuleDefinition[] {
  const out: MuteRuleDefinition[] = [];
  for (const [id, r] of Object.entries(template.Resources ?? {})) {
    if (r.Type !== 'AWS::CloudWatch::AlarmMuteRule') continue;
    const p = resolveIntrinsics(r.Properties ?? {}, ctx, id) as {
      Name?: string;
      Description?: string;
      Rule?: { Schedule?: { Expression?: string; Duration?: string; Timezone?: string } };
      MuteTargets?: { AlarmNames?: string[] };
      StartDate?: string;
      ExpireDate?: string;
    };
    const schedule = p.Rule?.Schedule;
    if (!schedule?.Expression || !schedule.Duration) throw new Error(`${id}: Rule.Schedule is incomplete`);
    const timezone = schedule.Timezone;
    out.push({
      name: p.Name ?? id,
      ...(p.Description ? { description: p.Description } : {}),
      alarmNames: p.MuteTargets?.AlarmNames ?? [],
      expression: schedule.Expression,
      durationSeconds: isoDurationSeconds(schedule.Duration),
      ...(timezone ? { timezone } : {}),
      ...(p.StartDate ? { startsAt: wallClockToEpoch(p.StartDate.slice(0, 19), timezone) } : {}),
      ...(p.ExpireDate ? { expiresAt: wallClockToEpoch(p.ExpireDate.slice(0, 19), timezone) } : {}),
    });
  }
  return out;
}
