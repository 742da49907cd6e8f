/**
 * AvailabilityLow's arithmetic, from what the probe really publishes: runs of every stage go through
 * buildMetricData (the probe Lambda's one PutMetricData request per run), CloudWatch's per-period Average of
 * each metric is computed from those datapoints, and AVAILABILITY_ALARM.expression is evaluated on them.
 * A run counts as available unless it failed at a stage without an alarm of its own (dns, connect, http,
 * config): TLS and auth failures page through HandshakeFailing and AuthRejected, not a second time here.
 */
import type { ProbeResult } from '../../lambdas/core/contract/result';
import { buildMetricData } from '../../lambdas/probe/metrics';
import {
  AVAILABILITY_ALARM,
  availabilityAlarmValue,
  DEFAULT_AVAILABILITY_THRESHOLD,
  type RunStageAverages,
} from '../../lib/alarms/alarm-policy';
import { evaluateMathExpression, must } from '../support/cdk';
import { FAILING, passing } from '../support/probe';

const PASS = passing();
const run = (stage: string): ProbeResult => (stage === 'pass' ? PASS : must(FAILING[stage], stage));

/** The period's Average of each of the alarm's metrics, from the runs' PutMetricData requests. */
function periodAverages(runs: readonly ProbeResult[]): RunStageAverages {
  const data = runs.flatMap(
    (r) => buildMetricData(r, { highResolution: true, inputChanged: false }).MetricData ?? [],
  );
  const average = (name: string): number => {
    const values = data.filter((d) => d.MetricName === name).map((d) => d.Value as number);
    if (values.length !== runs.length)
      throw new Error(`${name}: ${values.length} datapoints for ${runs.length} runs`);
    return values.reduce((a, b) => a + b, 0) / values.length;
  };
  const m = AVAILABILITY_ALARM.metrics;
  return { success: average(m.success), handshake: average(m.handshake), auth: average(m.auth) };
}

/** The alarm's value for a period holding these runs: the expression string itself, and the plain function. */
function alarmValue(runs: readonly ProbeResult[]): number {
  const averages = periodAverages(runs);
  const fromExpression = evaluateMathExpression(AVAILABILITY_ALARM.expression, { ...averages });
  expect(availabilityAlarmValue(averages)).toBeCloseTo(fromExpression, 9);
  return fromExpression;
}

describe('AvailabilityLow counts a run as available unless it failed at a stage without its own alarm', () => {
  it.each([
    ['pass', 100],
    ['tls', 100],
    ['auth', 100],
    ['dns', 0],
    ['connect', 0],
    ['http', 0],
    ['config', 0],
  ])('a minute with one run (60-s interval) that %s: %i %%', (stage, expected) => {
    expect(alarmValue([run(stage)])).toBeCloseTo(expected, 9);
  });

  it.each([
    // Six runs: a minute at a 10-s interval.
    [['pass', 'pass', 'pass', 'pass', 'pass', 'pass'], 100, false],
    [['tls', 'tls', 'tls', 'tls', 'tls', 'tls'], 100, false],
    [['auth', 'auth', 'auth', 'pass', 'pass', 'pass'], 100, false],
    [['tls', 'auth', 'pass', 'tls', 'auth', 'pass'], 100, false],
    [['dns', 'dns', 'dns', 'dns', 'dns', 'dns'], 0, true],
    [['http', 'pass', 'pass', 'pass', 'pass', 'pass'], (5 / 6) * 100, true],
    [['tls', 'auth', 'connect', 'pass', 'pass', 'pass'], (5 / 6) * 100, true],
    [['config', 'dns', 'tls', 'tls', 'tls', 'tls'], (4 / 6) * 100, true],
  ])('runs %j: %d %% (below the default 90: %s)', (stages, expected, breaching) => {
    const value = alarmValue(stages.map(run));
    expect(value).toBeCloseTo(expected, 9);
    expect(value < DEFAULT_AVAILABILITY_THRESHOLD).toBe(breaching);
  });

  it('equals 100 minus the percent of runs that failed at dns, connect, http or config, for any mix', () => {
    const stages = ['pass', 'tls', 'auth', 'dns', 'connect', 'http', 'config'];
    // Every minute of one to six runs over a fixed pseudo-random walk through the stages.
    let seed = 7;
    for (let i = 0; i < 200; i++) {
      const n = 1 + (i % 6);
      const runs: ProbeResult[] = [];
      for (let j = 0; j < n; j++) {
        seed = (seed * 1103515245 + 12345) % 2 ** 31;
        runs.push(run(stages[seed % stages.length] as string));
      }
      const other = runs.filter((r) => !r.ok && r.stage !== 'tls' && r.stage !== 'auth').length;
      expect(alarmValue(runs)).toBeCloseTo(100 * (1 - other / n), 9);
    }
  });
});

describe('the premise of the sum', () => {
  it.each(['pass', 'tls', 'auth', 'dns', 'connect', 'http', 'config'])(
    'a run with outcome %s publishes all three metrics in its one request, at most one of them 1',
    (stage) => {
      const data =
        buildMetricData(run(stage), { highResolution: false, inputChanged: false }).MetricData ?? [];
      const values = Object.values(AVAILABILITY_ALARM.metrics).map((name) => {
        const found = data.filter((d) => d.MetricName === name);
        expect(found).toHaveLength(1);
        return found[0]?.Value as number;
      });
      for (const v of values) expect([0, 1]).toContain(v);
      expect(values.reduce((a, b) => a + b, 0)).toBe(
        stage === 'tls' || stage === 'auth' || stage === 'pass' ? 1 : 0,
      );
    },
  );

  it('the plain function is the expression: every combination of 0/1 averages', () => {
    for (const success of [0, 1])
      for (const handshake of [0, 1])
        for (const auth of [0, 1]) {
          const a = { success, handshake, auth };
          expect(availabilityAlarmValue(a)).toBe(evaluateMathExpression(AVAILABILITY_ALARM.expression, a));
        }
  });
});
