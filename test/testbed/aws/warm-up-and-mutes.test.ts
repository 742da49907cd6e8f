/**
 * The evaluator's alarm warm-up (`WarmUpConfiguration`) and alarm mute rules (`AWS::CloudWatch::AlarmMuteRule`),
 * as the CloudWatch user guide describes them: a warming-up alarm is not evaluated and runs no action; a muted
 * alarm keeps evaluating and changing state, its actions are held, and run at the end of the window only if the
 * alarm is still in the state they were held in. Also the mute rules' schedules: at(...) and cron(...) in a time
 * zone, ISO 8601 durations, start and expiry.
 */
import { AlarmEvaluator } from '../../../testbed/aws/alarm-evaluator';
import { metricAlarmFromProperties, templateContext } from '../../../testbed/aws/alarm-model';
import {
  activeWindow,
  isoDurationSeconds,
  type MuteRuleDefinition,
  muteRulesFromTemplate,
  wallClockToEpoch,
} from '../../../testbed/aws/mute-rules';
import { InMemoryMetricStore } from '../../../testbed/aws/statistics';

const T0 = Date.UTC(2026, 2, 2, 10, 0, 0);
const MIN = 60_000;
const TOPIC = 'arn:aws:sns:eu-west-1:111122223333:pages';
const METRIC = { namespace: 'PayProbe', metricName: 'Success', dimensions: { Processor: 'acme' } };

/** ProbeNotRunning's shape: no sample in a minute is breaching, 3 of 3. */
function notRunning(warmUp?: Record<string, unknown>) {
  return metricAlarmFromProperties({
    AlarmName: 'PayProbe-acme-ProbeNotRunning',
    Namespace: 'PayProbe',
    MetricName: 'Success',
    Dimensions: [{ Name: 'Processor', Value: 'acme' }],
    Statistic: 'SampleCount',
    Period: 60,
    EvaluationPeriods: 3,
    DatapointsToAlarm: 3,
    Threshold: 1,
    ComparisonOperator: 'LessThanThreshold',
    TreatMissingData: 'breaching',
    AlarmActions: [TOPIC],
    ...(warmUp ? { WarmUpConfiguration: warmUp } : {}),
  });
}

/** One sample a minute from `fromMinute` on. */
function runsFrom(fromMinute: number, minutes = 60): InMemoryMetricStore {
  const store = new InMemoryMetricStore();
  for (let m = fromMinute; m < minutes; m++) store.put(METRIC, T0 + m * MIN + 5_000, 1);
  return store;
}

describe('alarm warm-up', () => {
  it('without one, a missing-data alarm pages right after creation, before the first datapoints', () => {
    const ev = new AlarmEvaluator([notRunning()], { createdAt: T0 });
    const r = ev.run(T0, T0 + 20 * MIN, runsFrom(4));
    expect(r.actions.map((a) => [a.state, (a.at - T0) / MIN])).toEqual([['ALARM', 0]]);
  });

  it('with 10 minutes that must end first, the alarm stays INSUFFICIENT_DATA, runs no action, then goes OK', () => {
    const a = notRunning({
      WarmUpPeriodDurationInMinutes: 10,
      OnlyStartEvaluatingAfterWarmUpPeriodEnds: true,
    });
    expect(a.warmUp).toEqual({ minutes: 10, onlyAfterPeriodEnds: true });
    const ev = new AlarmEvaluator([a], { createdAt: T0 });
    const r = ev.run(T0, T0 + 20 * MIN, runsFrom(4));
    expect(r.actions).toEqual([]);
    expect(r.transitions.map((t) => [t.current.value, (t.at - T0) / MIN])).toEqual([['OK', 10]]);
  });

  it('ending early, it starts evaluating once its window has data in each of the last N periods', () => {
    const a = notRunning({ WarmUpPeriodDurationInMinutes: 10 });
    const ev = new AlarmEvaluator([a], { createdAt: T0 });
    const r = ev.run(T0, T0 + 20 * MIN, runsFrom(4));
    // Samples in minutes 4, 5 and 6: the window ending at minute 7 is full.
    expect(r.transitions.map((t) => [t.current.value, (t.at - T0) / MIN])).toEqual([['OK', 7]]);
  });

  it('does not hide a probe that never starts: after the warm-up the alarm fires', () => {
    const a = notRunning({
      WarmUpPeriodDurationInMinutes: 10,
      OnlyStartEvaluatingAfterWarmUpPeriodEnds: true,
    });
    const r = new AlarmEvaluator([a], { createdAt: T0 }).run(T0, T0 + 20 * MIN, new InMemoryMetricStore());
    expect(r.actions.map((x) => [x.state, (x.at - T0) / MIN])).toEqual([['ALARM', 10]]);
  });
});

/** A failing-then-passing HandshakeFailing series with one datapoint a minute. */
function handshake(values: readonly number[]) {
  const metric = { namespace: 'PayProbe', metricName: 'HandshakeFailure', dimensions: { Processor: 'acme' } };
  const store = new InMemoryMetricStore();
  values.forEach((v, i) => {
    store.put(metric, T0 + i * MIN + 5_000, v);
  });
  const alarm = metricAlarmFromProperties({
    AlarmName: 'PayProbe-acme-HandshakeFailing',
    Namespace: 'PayProbe',
    MetricName: 'HandshakeFailure',
    Dimensions: [{ Name: 'Processor', Value: 'acme' }],
    Statistic: 'Maximum',
    Period: 60,
    EvaluationPeriods: 1,
    Threshold: 1,
    ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    TreatMissingData: 'ignore',
    AlarmActions: [TOPIC],
  });
  return { store, alarm };
}

const rule = (over: Partial<MuteRuleDefinition> = {}): MuteRuleDefinition => ({
  name: 'maintenance-0',
  alarmNames: ['PayProbe-acme-HandshakeFailing'],
  expression: 'at(2026-03-02T10:05)',
  durationSeconds: 10 * 60,
  ...over,
});

describe('alarm mute rules', () => {
  it('a failure that ends inside the window: the alarm goes ALARM and OK, and nobody is paged', () => {
    // Failing in minutes 6-8, inside the window 10:05-10:15.
    const { store, alarm } = handshake([0, 0, 0, 0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    const ev = new AlarmEvaluator([alarm], { muteRules: [rule()] });
    const r = ev.run(T0 + MIN, T0 + 20 * MIN, store);
    expect(r.transitions.map((t) => t.current.value)).toEqual(['OK', 'ALARM', 'OK']);
    expect(r.actions).toEqual([]);
    expect(r.suppressed).toEqual([
      expect.objectContaining({ state: 'ALARM', reason: 'muted by alarm mute rule maintenance-0' }),
    ]);
  });

  it('a failure still there when the window ends pages at its end, once', () => {
    const { store, alarm } = handshake([0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]);
    const ev = new AlarmEvaluator([alarm], { muteRules: [rule()] });
    const r = ev.run(T0 + MIN, T0 + 20 * MIN, store);
    expect(r.actions.map((a) => [a.state, (a.at - T0) / MIN])).toEqual([['ALARM', 15]]);
  });

  it('alarms the rule does not target, and times outside its window, are not muted', () => {
    const { store, alarm } = handshake([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0]);
    const other = new AlarmEvaluator([alarm], {
      muteRules: [rule({ alarmNames: ['PayProbe-x-HandshakeFailing'] })],
    });
    expect(other.run(T0 + MIN, T0 + 20 * MIN, store).actions).toHaveLength(1);
    const after = new AlarmEvaluator([alarm], { muteRules: [rule()] });
    expect(after.run(T0 + MIN, T0 + 20 * MIN, store).actions.map((a) => (a.at - T0) / MIN)).toEqual([17]);
  });

  it('schedules: at() and cron() in a time zone, ISO 8601 durations, start and expiry', () => {
    expect(isoDurationSeconds('PT2H30M')).toBe(9000);
    expect(isoDurationSeconds('P1DT1S')).toBe(86401);
    expect(() => isoDurationSeconds('P1M')).toThrow(/unsupported/);
    expect(wallClockToEpoch('2026-07-01T03:00', 'Europe/Berlin')).toBe(Date.UTC(2026, 6, 1, 1, 0));
    expect(wallClockToEpoch('2026-01-01T03:00', 'Europe/Berlin')).toBe(Date.UTC(2026, 0, 1, 2, 0));
    // Sundays 03:00-05:00 Berlin time (01:00-03:00 UTC in summer).
    const weekly = rule({
      expression: 'cron(0 3 * * SUN)',
      durationSeconds: 7200,
      timezone: 'Europe/Berlin',
    });
    const sunday = Date.UTC(2026, 6, 5, 1, 30);
    expect(activeWindow(weekly, sunday)).toEqual({
      start: Date.UTC(2026, 6, 5, 1, 0),
      end: Date.UTC(2026, 6, 5, 3, 0),
    });
    expect(activeWindow(weekly, Date.UTC(2026, 6, 5, 3, 0))).toBeUndefined();
    expect(activeWindow(weekly, Date.UTC(2026, 6, 6, 1, 30))).toBeUndefined();
    expect(activeWindow({ ...weekly, expiresAt: Date.UTC(2026, 6, 1) }, sunday)).toBeUndefined();
    expect(activeWindow({ ...weekly, startsAt: Date.UTC(2026, 6, 10) }, sunday)).toBeUndefined();
  });

  it('reads the rules of a template: targets, schedule, duration and time zone', () => {
    const template = {
      Resources: {
        Mute: {
          Type: 'AWS::CloudWatch::AlarmMuteRule',
          Properties: {
            Description: 'stripe: certificate rotation',
            MuteTargets: { AlarmNames: [{ Ref: 'Alarm' }, 'PayProbe-stripe-AuthRejected'] },
            Rule: {
              Schedule: { Expression: 'cron(0 3 * * SUN)', Duration: 'PT2H', Timezone: 'Europe/Berlin' },
            },
          },
        },
        // Ref of an alarm is its name, as CloudFormation returns it (the stack's rules target alarms so).
        Alarm: {
          Type: 'AWS::CloudWatch::Alarm',
          Properties: { AlarmName: 'PayProbe-stripe-HandshakeFailing' },
        },
      },
    };
    const ctx = templateContext(template, { region: 'eu-west-1', account: '111122223333' });
    expect(muteRulesFromTemplate(template, ctx)).toEqual([
      {
        name: 'Mute',
        description: 'stripe: certificate rotation',
        alarmNames: ['PayProbe-stripe-HandshakeFailing', 'PayProbe-stripe-AuthRejected'],
        expression: 'cron(0 3 * * SUN)',
        durationSeconds: 7200,
        timezone: 'Europe/Berlin',
      },
    ]);
  });
});
