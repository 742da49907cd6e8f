/**
 * MaintenanceWindows: the config's `maintenance:` windows as CloudWatch alarm mute rules
 * (AWS::CloudWatch::AlarmMuteRule), one per window (split per 100 alarms, CloudWatch's limit per rule), targeting
 * every alarm of the window's processors. While a rule is active the alarms keep evaluating and changing
 * state, the probes keep running and publishing, but the alarms' actions (the SNS notifications) are held back;
 * an alarm still in ALARM when the window ends notifies then. Mute rules were chosen over composite alarms with
 * an actions suppressor (which need a "maintenance" alarm driven into ALARM, and a composite per processor,
 * $0.50 a month each) and over a Scheduler toggling DisableAlarmActions (two API-calling schedules per window, and
 * an alarm left muted when one fails): a rule is one free, declarative resource that CloudWatch itself enforces.
 * The diagnose Lambda, which reacts to the state-change events the mute does not stop, reads the same windows
 * (lib/constructs/diagnosis.ts).
 */
import { Duration, TimeZone } from 'aws-cdk-lib';
import { type Alarm, AlarmMuteRule, ScheduleExpression } from 'aws-cdk-lib/aws-cloudwatch';
import { Construct } from 'constructs';
import type { MaintenanceWindow } from '../../lambdas/core/config/maintenance';
import type { ProbeAlarm } from './processor-monitor';

/** CloudWatch's limit of alarms one mute rule targets. */
export const MUTE_RULE_MAX_ALARMS = 100;

export interface MaintenanceWindowsProps {
  /** The validated windows (`loadConfigFile(...).maintenance`). */
  readonly windows: readonly MaintenanceWindow[];
  /** Every alarm of the monitored processors; each window mutes those of its processors. */
  readonly alarms: readonly ProbeAlarm[];
}

/** The mute rule's schedule of a window: `at(...)` in UTC for one window, `cron(...)` in its zone otherwise. */
export function muteSchedule(w: MaintenanceWindow): {
  expression: string;
  timeZone?: string;
  minutes: number;
} {
  if (w.kind === 'once') {
    const start = Date.parse(w.start);
    return {
      expression: `at(${new Date(start).toISOString().slice(0, 16)})`,
      minutes: (Date.parse(w.end) - start) / 60_000,
    };
  }
  return { expression: `cron(${w.cron})`, timeZone: w.timezone, minutes: w.durationMinutes };
}

/** The maintenance windows of a stack, as alarm mute rules. */
export class MaintenanceWindows extends Construct {
  /** The rules, in window order (a window with more than 100 alarms has several). */
  public readonly rules: readonly AlarmMuteRule[];

  constructor(scope: Construct, id: string, props: MaintenanceWindowsProps) {
    super(scope, id);
    const rules: AlarmMuteRule[] = [];
    for (const w of props.windows) {
      const alarms: Alarm[] = props.alarms
        .filter((a) => w.processors.includes(a.processor))
        .map((a) => a.alarm);
      const { expression, timeZone, minutes } = muteSchedule(w);
      for (let part = 0; part * MUTE_RULE_MAX_ALARMS < alarms.length; part++) {
        const chunk = alarms.slice(part * MUTE_RULE_MAX_ALARMS, (part + 1) * MUTE_RULE_MAX_ALARMS);
        rules.push(
          new AlarmMuteRule(this, part === 0 ? `Window${w.index}` : `Window${w.index}Part${part}`, {
            description: `payprobe maintenance[${w.index}] (${w.processors.join(', ')}): ${w.reason}`.slice(
              0,
              255,
            ),
            schedule: ScheduleExpression.expression(expression, timeZone ? TimeZone.of(timeZone) : undefined),
            duration: Duration.minutes(minutes),
            alarms: chunk,
          }),
        );
      }
    }
    this.rules = rules;
  }
}
