/**
 * The metric-alarm evaluator on a simulated clock: CloudWatch's schedule and sliding windows, statistics,
 * transitions with their reasons, EventBridge events (checked with the diagnose Lambda's own parser) and
 * which actions run (AlarmActions, OKActions, InsufficientDataActions, ActionsEnabled, action gates).
 */
import { parseAlarmEvent } from '../../../lambdas/diagnose/alarm-event';
import { AlarmEvaluator, type TickResult } from '../../../testbed/aws/alarm-evaluator';
import {
  type MetricAlarmDefinition,
  type MetricId,
  metricAlarmFromProperties,
} from '../../../testbed/aws/alarm-model';
import {
  aggregate,
  InMemoryMetricStore,
  parseStatistic,
  statisticSource,
} from '../../../testbed/aws/statistics';

const T0 = Date.UTC(2026, 2, 2, 10, 0, 0);
const MIN = 60_000;
const TOPIC = 'arn:aws:sns:eu-west-1:111122223333:pages';
const METRIC: MetricId = {
  namespace: 'PayProbe',
  metricName: 'HandshakeFailure',
  dimensions: { Processor: 'acme' },
};

function alarm(props: Record<string, unknown> = {}): MetricAlarmDefinition {
  return metricAlarmFromProperties({
    AlarmName: 'PayProbe-acme-HandshakeFailing',
    Namespace: 'PayProbe',
    MetricName: 'HandshakeFailure',
    Dimensions: [{ Name: 'Processor', Value: 'acme' }],
    Statistic: 'Maximum',
    Period: 60,
    EvaluationPeriods: 1,
    DatapointsToAlarm: 1,
    Threshold: 1,
    ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    TreatMissingData: 'ignore',
    AlarmActions: [TOPIC],
    OKActions: [TOPIC],
    ...props,
  });
}

/** One datapoint per minute from T0 (at :05), values given per minute. */
function storeWith(
  values: readonly (number | undefined)[],
  metric = METRIC,
  stepMs = MIN,
): InMemoryMetricStore {
  const store = new InMemoryMetricStore();
  values.forEach((v, i) => {
    if (v !== undefined) store.put(metric, T0 + i * stepMs + 5_000, v);
  });
  return store;
}

function states(r: TickResult): string[] {
  return r.transitions.map((t) => `${(t.at - T0) / 1000}s ${t.previous.value}->${t.current.value}`);
}

describe('statistics', () => {
  it.each([
    ['Sum', 10],
    ['Average', 2.5],
    ['Minimum', 1],
    ['Maximum', 4],
    ['SampleCount', 4],
    ['p50', 2],
    ['p90', 4],
    ['p75', 3],
  ])('%s of [3, 1, 4, 2] is %d', (stat, expected) => {
    expect(aggregate([3, 1, 4, 2], parseStatistic(stat))).toBe(expected);
  });

  it('refuses statistics it does not compute', () => {
    expect(() => parseStatistic('tm99')).toThrow(/statistic tm99 is not supported/);
  });

  it('aggregates raw datapoints into periods starting at the query start, skipping empty periods', () => {
    const source = statisticSource(storeWith([1, undefined, 3, 5]));
    const rows = source.statistics({
      metric: METRIC,
      stat: 'Sum',
      period: 120,
      start: T0,
      end: T0 + 6 * MIN,
    });
    expect(rows).toEqual([
      { timestamp: T0, value: 1 },
      { timestamp: T0 + 2 * MIN, value: 8 },
    ]);
  });
});

describe('schedule and windows', () => {
  it('starts INSUFFICIENT_DATA and evaluates a one-minute alarm every minute on the minute that just ended', () => {
    const ev = new AlarmEvaluator([alarm()], { createdAt: T0 });
    expect(ev.state('PayProbe-acme-HandshakeFailing')).toMatchObject({
      value: 'INSUFFICIENT_DATA',
      reason: 'Unchecked: Initial alarm creation',
    });
    // minute 0 passes, minutes 1-2 fail, minute 3 passes
    const r = ev.run(T0, T0 + 5 * MIN, storeWith([0, 1, 1, 0]));
    expect(states(r)).toEqual(['60s INSUFFICIENT_DATA->OK', '120s OK->ALARM', '240s ALARM->OK']);
  });

  it('slides a 5-minute period by one minute per evaluation (the guide: minutes 1-5, then 2-6)', () => {
    const a = alarm({ Statistic: 'Sum', Period: 300, Threshold: 3 });
    const ev = new AlarmEvaluator([a], { createdAt: T0 });
    expect(ev.window(a, T0 + 5 * MIN).grid.slice(-1)).toEqual([T0]);
    expect(ev.window(a, T0 + 6 * MIN).grid.slice(-1)).toEqual([T0 + MIN]);
    // ones at minutes 0, 1, 2: the window ending at minute 3 sums 3; from minute 6 on minute 0 has left it.
    // At minute 8 the newest window is empty and the 5-minute period before it (minutes -2 to 3, sum 3) is
    // the most recent real datapoint: the guide's note that alarms "might repeatedly re-evaluate the last
    // set of data points for a period of time after the metric has stopped flowing".
    const r = ev.run(T0, T0 + 8 * MIN, storeWith([1, 1, 1]));
    expect(states(r)).toEqual([
      '60s INSUFFICIENT_DATA->OK',
      '180s OK->ALARM',
      '360s ALARM->OK',
      '480s OK->ALARM',
    ]);
  });

  it('evaluates 10- and 30-second alarms every 10 seconds', () => {
    const a = alarm({ Period: 10, EvaluationPeriods: 5, DatapointsToAlarm: 3 });
    const ev = new AlarmEvaluator([a], { createdAt: T0 });
    expect(ev.isDue(a, T0 + 10_000)).toBe(true);
    expect(ev.isDue(alarm(), T0 + 10_000)).toBe(false);
    // 10-s datapoints: 0, 1, 1, 0, 1 → the third breaching one (at 40 s) is read at 50 s
    const r = ev.run(T0, T0 + 60_000, storeWith([0, 1, 1, 0, 1], METRIC, 10_000));
    expect(states(r)).toEqual(['10s INSUFFICIENT_DATA->OK', '50s OK->ALARM']);
  });

  it('with an evaluation lag, reads the periods that ended before now minus the lag', () => {
    const ev = new AlarmEvaluator([alarm()], { createdAt: T0, evaluationLagSeconds: 30 });
    const r = ev.run(T0, T0 + 3 * MIN, storeWith([1]));
    // minute 0 is complete at 60 s but read only at 120 s
    expect(states(r)).toEqual(['120s INSUFFICIENT_DATA->ALARM']);
  });

  it('retrieves the evaluation range (default N + 2) and lets an older datapoint stand in for missing ones', () => {
    const a = alarm({ EvaluationPeriods: 3, DatapointsToAlarm: 3, TreatMissingData: 'breaching' });
    const ev = new AlarmEvaluator([a], { createdAt: T0 });
    expect(ev.window(a, T0 + 10 * MIN).grid).toHaveLength(5);
    // one non-breaching datapoint at minute 0, then silence: the guide's "0 - - - -" stays OK while the 0 is
    // within the 5-period range, and goes to ALARM once it has left it.
    const r = ev.run(T0 + MIN, T0 + 8 * MIN, storeWith([0]));
    expect(states(r)).toEqual(['60s INSUFFICIENT_DATA->OK', '360s OK->ALARM']);
  });
});

describe('reasons, events and actions', () => {
  const run = (a: MetricAlarmDefinition, values: (number | undefined)[], minutes = 4) => {
    const ev = new AlarmEvaluator([a], { createdAt: T0, region: 'eu-west-1', account: '111122223333' });
    return { ev, r: ev.run(T0, T0 + minutes * MIN, storeWith(values)) };
  };

  it('words the reason as CloudWatch does and records the evaluated datapoints', () => {
    const { r } = run(alarm(), [0, 1]);
    const toAlarm = r.transitions[1]?.current;
    expect(toAlarm?.reason).toBe(
      'Threshold Crossed: 1 out of the last 1 datapoints [1.0 (02/03/26 10:01:00)] was greater than or equal to ' +
        'the threshold (1.0) (minimum 1 datapoint for OK -> ALARM transition).',
    );
    expect(JSON.parse(toAlarm?.reasonData ?? '{}')).toMatchObject({
      version: '1.0',
      statistic: 'Maximum',
      period: 60,
      recentDatapoints: [1],
      threshold: 1,
      startDate: '2026-03-02T10:01:00.000+0000',
    });
    expect(r.transitions[0]?.current.reason).toMatch(
      /^Threshold Crossed: 1 out of the last 1 datapoints \[0\.0 .*was not greater/,
    );
  });

  it('emits an EventBridge "CloudWatch Alarm State Change" event that the diagnose Lambda parses', () => {
    const { r } = run(alarm({ AlarmDescription: 'pages' }), [0, 1]);
    const event = r.transitions[1]?.event;
    expect(event).toMatchObject({
      source: 'aws.cloudwatch',
      'detail-type': 'CloudWatch Alarm State Change',
      account: '111122223333',
      region: 'eu-west-1',
      time: '2026-03-02T10:02:00Z',
      resources: ['arn:aws:cloudwatch:eu-west-1:111122223333:alarm:PayProbe-acme-HandshakeFailing'],
      detail: {
        alarmName: 'PayProbe-acme-HandshakeFailing',
        state: { value: 'ALARM', timestamp: '2026-03-02T10:02:00.000+0000' },
        previousState: { value: 'OK', timestamp: '2026-03-02T10:01:00.000+0000' },
        configuration: {
          description: 'pages',
          metrics: [
            {
              metricStat: {
                metric: {
                  dimensions: { Processor: 'acme' },
                  name: 'HandshakeFailure',
                  namespace: 'PayProbe',
                },
                period: 60,
                stat: 'Maximum',
              },
              returnData: true,
            },
          ],
        },
      },
    });
    expect(parseAlarmEvent(JSON.parse(JSON.stringify(event)))).toMatchObject({
      alarmName: 'PayProbe-acme-HandshakeFailing',
      state: { value: 'ALARM' },
      previousState: { value: 'OK' },
    });
  });

  it('runs AlarmActions on → ALARM and OKActions on → OK, with the SNS message CloudWatch sends', () => {
    const { r } = run(alarm({ AlarmDescription: 'pages' }), [0, 1, 0]);
    expect(r.actions.map((x) => [x.state, x.actions])).toEqual([
      ['OK', [TOPIC]],
      ['ALARM', [TOPIC]],
      ['OK', [TOPIC]],
    ]);
    const alarmed = r.actions[1]?.notification;
    expect(alarmed?.subject).toBe('ALARM: "PayProbe-acme-HandshakeFailing" in EU (Ireland)');
    expect(alarmed?.message).toMatchObject({
      AlarmName: 'PayProbe-acme-HandshakeFailing',
      AlarmDescription: 'pages',
      AWSAccountId: '111122223333',
      NewStateValue: 'ALARM',
      OldStateValue: 'OK',
      StateChangeTime: '2026-03-02T10:02:00.000+0000',
      Region: 'EU (Ireland)',
      AlarmArn: 'arn:aws:cloudwatch:eu-west-1:111122223333:alarm:PayProbe-acme-HandshakeFailing',
      AlarmActions: [TOPIC],
      Trigger: {
        MetricName: 'HandshakeFailure',
        Namespace: 'PayProbe',
        StatisticType: 'Statistic',
        Statistic: 'MAXIMUM',
        Dimensions: [{ value: 'acme', name: 'Processor' }],
        Period: 60,
        EvaluationPeriods: 1,
        DatapointsToAlarm: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        Threshold: 1,
        TreatMissingData: 'ignore',
      },
    });
  });

  it('runs InsufficientDataActions on → INSUFFICIENT_DATA (TreatMissingData missing, data gone from the range)', () => {
    const { r } = run(alarm({ TreatMissingData: 'missing', InsufficientDataActions: [TOPIC] }), [0], 8);
    expect(r.actions.map((x) => [(x.at - T0) / MIN, x.state])).toEqual([
      [1, 'OK'],
      [4, 'INSUFFICIENT_DATA'],
    ]);
    expect(r.transitions[1]?.current.reason).toBe('Insufficient Data: 1 datapoint was unknown.');
  });

  it('does not repeat actions while the state holds', () => {
    const { r } = run(alarm(), [1, 1, 1, 1], 6);
    expect(r.actions.map((x) => x.state)).toEqual(['ALARM']);
  });

  it('changes state but runs no action when ActionsEnabled is false', () => {
    const { r } = run(alarm({ ActionsEnabled: false }), [0, 1]);
    expect(states(r)).toEqual(['60s INSUFFICIENT_DATA->OK', '120s OK->ALARM']);
    expect(r.actions).toEqual([]);
    expect(r.suppressed.map((s) => [s.state, s.reason])).toEqual([
      ['OK', 'ActionsEnabled is false'],
      ['ALARM', 'ActionsEnabled is false'],
    ]);
  });

  it('lets an action gate hold actions back (where mute rules and warm-up plug in)', () => {
    const ev = new AlarmEvaluator([alarm()], {
      createdAt: T0,
      actionGates: [
        ({ current, at }) =>
          current.value === 'ALARM' && at < T0 + 3 * MIN ? 'muted: maintenance' : undefined,
      ],
    });
    const r = ev.run(T0, T0 + 5 * MIN, storeWith([0, 1, 0, 1]));
    expect(r.actions.map((x) => [(x.at - T0) / MIN, x.state])).toEqual([
      [1, 'OK'],
      [3, 'OK'],
      [4, 'ALARM'],
    ]);
    expect(r.suppressed.map((s) => [(s.at - T0) / MIN, s.reason])).toEqual([[2, 'muted: maintenance']]);
  });

  it('SetAlarmState changes the state until the next evaluation, with actions', () => {
    const ev = new AlarmEvaluator([alarm({ TreatMissingData: 'notBreaching' })], { createdAt: T0 });
    const set = ev.setAlarmState('PayProbe-acme-HandshakeFailing', 'ALARM', 'testing', T0 + 5_000);
    expect(set.actions.map((x) => x.state)).toEqual(['ALARM']);
    const next = ev.tick(T0 + MIN, new InMemoryMetricStore());
    expect(states(next)).toEqual(['60s ALARM->OK']);
  });
});

describe('percentiles and low sample counts', () => {
  const latency = (lowSample: 'evaluate' | 'ignore') =>
    alarm({
      MetricName: 'TotalTime',
      Statistic: undefined,
      ExtendedStatistic: 'p90',
      EvaluateLowSampleCountPercentile: lowSample,
      Threshold: 100,
      ComparisonOperator: 'GreaterThanThreshold',
    });
  const total: MetricId = { ...METRIC, metricName: 'TotalTime' };

  it('evaluates p90 over the period samples', () => {
    const store = new InMemoryMetricStore();
    for (let i = 0; i < 10; i++) store.put(total, T0 + i * 5_000, i < 8 ? 50 : 500);
    // 8 of 10 samples at 50 ms: p90 is 500 (nearest rank 9)
    const r = new AlarmEvaluator([latency('evaluate')], { createdAt: T0 }).run(T0, T0 + MIN, store);
    expect(states(r)).toEqual(['60s INSUFFICIENT_DATA->ALARM']);
  });

  it('with ignore, does not evaluate while a period has fewer than 10/(1-p) samples (100 for p90)', () => {
    const store = new InMemoryMetricStore();
    for (let i = 0; i < 10; i++) store.put(total, T0 + i * 5_000, 500);
    expect(
      states(new AlarmEvaluator([latency('ignore')], { createdAt: T0 }).run(T0, T0 + MIN, store)),
    ).toEqual([]);
    expect(
      states(new AlarmEvaluator([latency('evaluate')], { createdAt: T0 }).run(T0, T0 + MIN, store)),
    ).toEqual(['60s INSUFFICIENT_DATA->ALARM']);
  });
});

describe('metric math alarms', () => {
  const notRunning = () =>
    metricAlarmFromProperties({
      AlarmName: 'PayProbe-acme-ProbeNotRunning',
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      EvaluationPeriods: 3,
      DatapointsToAlarm: 3,
      Threshold: 1,
      TreatMissingData: 'breaching',
      AlarmActions: [TOPIC],
      Metrics: [
        { Id: 'expr_1', Expression: 'IF(FILL(runs, 0) < 1 OR FILL(errors, 0) > 0, 1, 0)', ReturnData: true },
        {
          Id: 'runs',
          ReturnData: false,
          MetricStat: {
            Metric: {
              Namespace: 'PayProbe',
              MetricName: 'Success',
              Dimensions: [{ Name: 'Processor', Value: 'acme' }],
            },
            Period: 60,
            Stat: 'SampleCount',
          },
        },
        {
          Id: 'errors',
          ReturnData: false,
          MetricStat: {
            Metric: {
              Namespace: 'AWS/Lambda',
              MetricName: 'Errors',
              Dimensions: [{ Name: 'FunctionName', Value: 'probe' }],
            },
            Period: 60,
            Stat: 'Sum',
          },
        },
      ],
    });
  const success: MetricId = { ...METRIC, metricName: 'Success' };

  it('ProbeNotRunning goes to ALARM on the third minute without a run, and back to OK when runs resume', () => {
    // runs in minutes 0-4, none in 5-8, runs again from 9
    const runs = [1, 1, 1, 1, 1, undefined, undefined, undefined, undefined, 1, 1, 1];
    const r = new AlarmEvaluator([notRunning()], { createdAt: T0 }).run(
      T0 + 3 * MIN,
      T0 + 12 * MIN,
      storeWith(runs, success),
    );
    expect(states(r)).toEqual(['180s INSUFFICIENT_DATA->OK', '480s OK->ALARM', '600s ALARM->OK']);
    expect(r.actions.map((x) => x.state)).toEqual(['ALARM']);
    expect(r.actions[0]?.notification.message).toMatchObject({
      NewStateValue: 'ALARM',
      Trigger: {
        Period: 60,
        Metrics: [
          {
            Id: 'expr_1',
            Expression: 'IF(FILL(runs, 0) < 1 OR FILL(errors, 0) > 0, 1, 0)',
            ReturnData: true,
          },
          {
            Id: 'runs',
            MetricStat: {
              Metric: { MetricName: 'Success', Namespace: 'PayProbe' },
              Period: 60,
              Stat: 'SampleCount',
            },
          },
          {
            Id: 'errors',
            MetricStat: {
              Metric: { MetricName: 'Errors', Namespace: 'AWS/Lambda' },
              Period: 60,
              Stat: 'Sum',
            },
          },
        ],
      },
    });
  });

  it('a function error counts even while runs are published', () => {
    const store = storeWith([1, 1, 1, 1, 1, 1], success);
    for (let m = 2; m <= 4; m++) {
      store.put(
        { namespace: 'AWS/Lambda', metricName: 'Errors', dimensions: { FunctionName: 'probe' } },
        T0 + m * MIN,
        1,
      );
    }
    const r = new AlarmEvaluator([notRunning()], { createdAt: T0 }).run(T0 + 2 * MIN, T0 + 7 * MIN, store);
    expect(states(r)).toEqual(['120s INSUFFICIENT_DATA->OK', '300s OK->ALARM', '360s ALARM->OK']);
  });

  it('with no data at all (a fresh stack before its first probe), breaching missing data alarms at once', () => {
    const r = new AlarmEvaluator([notRunning()], { createdAt: T0 }).run(T0, T0, new InMemoryMetricStore());
    expect(states(r)).toEqual(['0s INSUFFICIENT_DATA->ALARM']);
    expect(r.transitions[0]?.current.reason).toBe(
      'Threshold Crossed: no datapoints were received for 3 periods and 3 missing datapoints were treated as [Breaching].',
    );
  });

  it('refuses definitions it cannot evaluate, naming the alarm', () => {
    expect(() => alarm({ ThresholdMetricId: 'ad1' })).toThrow(
      /alarm PayProbe-acme-HandshakeFailing: anomaly-detection/,
    );
    expect(() => alarm({ ExtendedStatistic: 'tm90', Statistic: undefined })).toThrow(
      /statistic tm90 is not supported/,
    );
    expect(() => alarm({ DatapointsToAlarm: 2 })).toThrow(
      /DatapointsToAlarm 2 must be between 1 and EvaluationPeriods 1/,
    );
    expect(() => alarm({ TreatMissingData: 'sometimes' })).toThrow(
      /TreatMissingData sometimes is not supported/,
    );
    const bad = notRunning();
    const ev = new AlarmEvaluator(
      [
        {
          ...bad,
          queries: bad.queries.map((q) => (q.kind === 'expression' ? { ...q, expression: 'RATE(runs)' } : q)),
        },
      ],
      { createdAt: T0 },
    );
    expect(() => ev.tick(T0, new InMemoryMetricStore())).toThrow(/function RATE is not supported/);
  });
});
