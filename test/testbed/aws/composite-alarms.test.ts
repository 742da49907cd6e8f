/**
 * Composite alarms: rule parsing and evaluation, and action suppression as the CloudWatch user guide's
 * "Composite alarm action suppression" describes it, examples 1 to 6 with WaitPeriod = 2 and
 * ExtensionPeriod = 3 time units (one unit = a minute here). The paging work may use a suppressor for
 * maintenance windows.
 */
import { AlarmEvaluator, type TickResult } from '../../../testbed/aws/alarm-evaluator';
import {
  type AlarmDefinition,
  type AlarmStateValue,
  compositeAlarmFromProperties,
  metricAlarmFromProperties,
} from '../../../testbed/aws/alarm-model';
import { evaluateAlarmRule, parseAlarmRule, ruleAlarms } from '../../../testbed/aws/composite-rule';
import { InMemoryMetricStore } from '../../../testbed/aws/statistics';

const U = 60_000;
const T = Date.UTC(2026, 2, 2, 10, 0, 0);
const at = (units: number) => T + units * U;
const TOPIC = 'arn:aws:sns:us-east-1:123456789012:pages';
const NOTHING = new InMemoryMetricStore();

/** A metric alarm that keeps whatever SetAlarmState gives it (no data, TreatMissingData ignore). */
function child(name: string): AlarmDefinition {
  return metricAlarmFromProperties({
    AlarmName: name,
    Namespace: 'PayProbe',
    MetricName: name,
    Statistic: 'Maximum',
    Period: 60,
    EvaluationPeriods: 1,
    Threshold: 1,
    ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    TreatMissingData: 'ignore',
  });
}

describe('alarm rules', () => {
  it('parses ALARM/OK/INSUFFICIENT_DATA, TRUE/FALSE, AND, OR, NOT and quoted names or ARNs', () => {
    const rule = parseAlarmRule(
      '(ALARM("arn:aws:cloudwatch:us-east-1:123456789012:alarm:cpu") OR ALARM(disk)) AND NOT OK("net work") OR FALSE',
    );
    expect(ruleAlarms(rule)).toEqual([
      'arn:aws:cloudwatch:us-east-1:123456789012:alarm:cpu',
      'disk',
      'net work',
    ]);
    const states: Record<string, AlarmStateValue> = {
      'arn:aws:cloudwatch:us-east-1:123456789012:alarm:cpu': 'OK',
      disk: 'ALARM',
      'net work': 'INSUFFICIENT_DATA',
    };
    expect(evaluateAlarmRule(rule, (a) => states[a] as AlarmStateValue)).toBe(true);
    states['net work'] = 'OK';
    expect(evaluateAlarmRule(rule, (a) => states[a] as AlarmStateValue)).toBe(false);
    expect(evaluateAlarmRule(parseAlarmRule('TRUE'), () => 'OK')).toBe(true);
    expect(evaluateAlarmRule(parseAlarmRule('INSUFFICIENT_DATA(x)'), () => 'INSUFFICIENT_DATA')).toBe(true);
  });

  it('binds NOT tighter than AND, and AND tighter than OR', () => {
    const rule = parseAlarmRule('ALARM(a) OR ALARM(b) AND NOT ALARM(c)');
    expect(rule).toEqual({
      type: 'or',
      args: [
        { type: 'state', state: 'ALARM', alarm: 'a' },
        {
          type: 'and',
          args: [
            { type: 'state', state: 'ALARM', alarm: 'b' },
            { type: 'not', arg: { type: 'state', state: 'ALARM', alarm: 'c' } },
          ],
        },
      ],
    });
  });

  it.each([['ALARM(a) AND'], ['ALARM a'], ['ALARM(a))'], ['MAYBE(a)']])('refuses %s', (text) => {
    expect(() => parseAlarmRule(text)).toThrow(/alarm rule/);
  });

  it('refuses rules naming unknown alarms, and cycles', () => {
    const c = (name: string, rule: string) =>
      compositeAlarmFromProperties({ AlarmName: name, AlarmRule: rule });
    expect(() => new AlarmEvaluator([c('x', 'ALARM(nope)')])).toThrow(/composite alarm x: no alarm nope/);
    expect(() => new AlarmEvaluator([c('x', 'ALARM(y)'), c('y', 'OK(x)')])).toThrow(/cycle: x -> y -> x/);
  });
});

describe('composite state and actions', () => {
  it('goes to ALARM when its rule is TRUE and to OK otherwise, with an event naming the triggering child', () => {
    const composite = compositeAlarmFromProperties({
      AlarmName: 'payments-down',
      AlarmRule: 'ALARM(handshake) AND NOT ALARM(maintenance)',
      AlarmActions: [TOPIC],
      OKActions: [TOPIC],
    });
    const ev = new AlarmEvaluator([child('handshake'), child('maintenance'), composite], { createdAt: T });
    expect(ev.tick(at(0), NOTHING).transitions.map((t) => t.current.value)).toEqual(['OK']);
    const r = ev.setAlarmState('handshake', 'ALARM', 'test', at(1));
    expect(r.transitions.map((t) => [t.alarm.name, t.current.value])).toEqual([
      ['handshake', 'ALARM'],
      ['payments-down', 'ALARM'],
    ]);
    const event = r.transitions[1]?.event;
    expect(event?.detail.configuration).toEqual({ alarmRule: 'ALARM(handshake) AND NOT ALARM(maintenance)' });
    expect(event?.detail.state.reason).toBe(
      'arn:aws:cloudwatch:us-east-1:123456789012:alarm:handshake transitioned to ALARM at Monday 2 March, 2026 10:01:00 UTC',
    );
    expect(r.actions.map((x) => [x.alarmName, x.state])).toEqual([['payments-down', 'ALARM']]);
    expect(r.actions[0]?.notification.message).toMatchObject({
      AlarmRule: 'ALARM(handshake) AND NOT ALARM(maintenance)',
      TriggeringChildren: [
        { Arn: 'arn:aws:cloudwatch:us-east-1:123456789012:alarm:handshake', State: { Value: 'ALARM' } },
      ],
    });
    // A maintenance window (the NOT) takes the composite back to OK.
    expect(ev.setAlarmState('maintenance', 'ALARM', 'window', at(2)).actions.map((x) => x.state)).toEqual([
      'OK',
    ]);
  });
});

describe('action suppression (the guide, examples 1-6: WaitPeriod 2 units, ExtensionPeriod 3)', () => {
  /** A composite over `child`, suppressed by `suppressor`, settled in OK before t0. */
  function setup() {
    const composite = compositeAlarmFromProperties({
      AlarmName: 'composite',
      AlarmRule: 'ALARM(child)',
      ActionsSuppressor: 'suppressor',
      ActionsSuppressorWaitPeriod: 120,
      ActionsSuppressorExtensionPeriod: 180,
      AlarmActions: [TOPIC],
      OKActions: [TOPIC],
    });
    const ev = new AlarmEvaluator([child('child'), child('suppressor'), composite], { createdAt: at(-10) });
    ev.setAlarmState('suppressor', 'OK', 'setup', at(-10));
    ev.run(at(-10), at(-5), NOTHING); // the initial OK's WaitPeriod has expired
    const actions: string[] = [];
    const record = (r: TickResult) => {
      for (const x of r.actions)
        if (x.alarmName === 'composite') actions.push(`t${(x.at - T) / U} ${x.state}`);
      return r;
    };
    // The simulated clock: ticks up to each SetAlarmState, then to runTo's time.
    let clock = at(-5);
    const runTo = (t: number) => {
      record(ev.run(clock + 1, at(t), NOTHING));
      clock = at(t);
    };
    const set = (name: string, value: AlarmStateValue, t: number) => {
      record(ev.run(clock + 1, at(t) - 1, NOTHING));
      clock = at(t);
      return record(ev.setAlarmState(name, value, 'test', at(t)));
    };
    return { ev, actions, set, runTo };
  }

  it('1: actions run when the WaitPeriod expires and the suppressor stayed OK', () => {
    const { ev, actions, set, runTo } = setup();
    const r = set('child', 'ALARM', 2);
    expect(r.transitions[1]?.event.detail.state).toMatchObject({
      value: 'ALARM',
      actionsSuppressedBy: 'WaitPeriod',
      actionsSuppressedReason: 'Actions suppressed by WaitPeriod',
    });
    runTo(3);
    expect(actions).toEqual([]);
    runTo(10);
    expect(actions).toEqual(['t4 ALARM']);
    expect(ev.state('composite').actionsSuppressedBy).toBeUndefined();
  });

  it('2: the suppressor going to ALARM within the WaitPeriod suppresses the actions', () => {
    const { ev, actions, set, runTo } = setup();
    set('child', 'ALARM', 2);
    set('suppressor', 'ALARM', 3);
    runTo(10);
    expect(actions).toEqual([]);
    expect(ev.state('composite').actionsSuppressedBy).toBe('Alarm');
  });

  it('3: a composite transition within the WaitPeriod starts a new one, then the current state acts', () => {
    const { actions, set, runTo } = setup();
    set('child', 'ALARM', 2);
    set('child', 'OK', 3);
    runTo(4);
    expect(actions).toEqual([]);
    runTo(10);
    expect(actions).toEqual(['t5 OK']);
  });

  it('4: a transition while the suppressor is already in ALARM is suppressed', () => {
    const { actions, set, runTo } = setup();
    set('suppressor', 'ALARM', 1);
    const r = set('child', 'ALARM', 2);
    expect(r.transitions[1]?.event.detail.state.actionsSuppressedBy).toBe('Alarm');
    runTo(20);
    expect(actions).toEqual([]);
  });

  it('5: when the suppressor returns to OK, the actions run after the ExtensionPeriod', () => {
    const { actions, set, runTo } = setup();
    set('child', 'ALARM', 2);
    set('suppressor', 'ALARM', 3);
    set('suppressor', 'OK', 6);
    runTo(8);
    expect(actions).toEqual([]);
    runTo(20);
    expect(actions).toEqual(['t9 ALARM']);
  });

  it('6: a composite transition within the ExtensionPeriod starts a WaitPeriod, then the current state acts', () => {
    const { ev, actions, set, runTo } = setup();
    set('child', 'ALARM', 2);
    set('suppressor', 'ALARM', 3);
    set('suppressor', 'OK', 6);
    expect(ev.state('composite').actionsSuppressedBy).toBe('ExtensionPeriod');
    set('child', 'OK', 7);
    expect(ev.state('composite').actionsSuppressedBy).toBe('WaitPeriod');
    runTo(8);
    expect(actions).toEqual([]);
    runTo(20);
    expect(actions).toEqual(['t9 OK']);
  });
});
