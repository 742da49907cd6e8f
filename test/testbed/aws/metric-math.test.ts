/**
 * Metric math against the CloudWatch user guide's own examples ("Use metric math": comparison and logical
 * operators, "Using IF expressions"), the missing-value rules, and the stack's own expressions; what it
 * does not support is refused by name. (test/testbed/aws/stack-alarms.test.ts finds every Expression in
 * the synthesized stack and checks this list is complete.)
 */
import { evaluateExpression, type Series } from '../../../testbed/aws/metric-math';

const GRID = [0, 60, 120, 180, 240];

/** [30, 20, 0, 0] style lists on the grid; undefined is a missing datapoint. */
function ts(...vals: (number | undefined)[]): Series {
  const m = new Map<number, number>();
  vals.forEach((v, i) => {
    if (v !== undefined) m.set(GRID[i] as number, v);
  });
  return m;
}

function run(
  expression: string,
  series: Record<string, Series>,
  fillEmptySeries = false,
): (number | undefined)[] {
  const out = evaluateExpression(expression, {
    grid: GRID,
    lookup: (id) => {
      const s = series[id];
      if (!s) throw new Error(`no series ${id}`);
      return s;
    },
    fillEmptySeries,
  });
  return GRID.map((t) => out.get(t));
}

describe('comparison and logical operators (the guide: metric1 [30, 20, 0, 0], metric2 [20, -, 20, -])', () => {
  const s = { metric1: ts(30, 20, 0, 0), metric2: ts(20, undefined, 20, undefined) };
  it.each([
    ['(metric1 < metric2)', [0, 0, 1, 0, undefined]],
    ['(metric1 >= 30)', [1, 0, 0, 0, undefined]],
    ['(metric1 > 15 AND metric2 > 15)', [1, 0, 0, 0, undefined]],
    ['metric1 > 15 && metric2 > 15', [1, 0, 0, 0, undefined]],
    ['metric1 == 0 OR metric2 == 20', [1, 0, 1, 1, undefined]],
    ['metric1 != 0 || metric2 > 100', [1, 1, 0, 0, undefined]],
  ])('%s', (expression, expected) => {
    expect(run(expression, s)).toEqual(expected);
  });
});

describe("IF (the guide's tables: metric1 [1, 1, 0, 0, -], metric2 [30, -, 0, 0, 30], metric3 [0, 0, 20, -, 20])", () => {
  const s = {
    metric1: ts(1, 1, 0, 0, undefined),
    metric2: ts(30, undefined, 0, 0, 30),
    metric3: ts(0, 0, 20, undefined, 20),
  };
  it.each([
    ['IF(metric1, metric2, metric3)', [30, 0, 20, undefined, undefined]],
    ['IF(metric1, 5, metric3)', [5, 5, 20, undefined, undefined]],
    ['IF(metric1, metric2, 5)', [30, 0, 5, 5, undefined]],
    ['IF(metric1, metric2)', [30, 0, undefined, undefined, undefined]],
    ['IF(metric3 > 10, 1, 0)', [0, 0, 1, undefined, 1]],
    ['IF(1, metric2, metric3)', [30, undefined, 0, 0, 30]],
    ['IF(0, metric2, metric3)', [0, 0, 20, undefined, 20]],
    ['IF(0, metric2)', [undefined, undefined, undefined, undefined, undefined]],
  ])('%s', (expression, expected) => {
    expect(run(expression, s)).toEqual(expected);
  });
});

describe('arithmetic', () => {
  const s = { a: ts(1, undefined, 3, 4, undefined), b: ts(10, 20, undefined, 0, undefined) };
  it('treats a missing value as 0 when two series combine, and has no datapoint where both are missing', () => {
    expect(run('a + b', s)).toEqual([11, 20, 3, 4, undefined]);
    expect(run('100 * (a + b)', s)).toEqual([1100, 2000, 300, 400, undefined]);
  });

  it('drops a datapoint whose division is by zero', () => {
    expect(run('a / b', s)).toEqual([0.1, 0, undefined, undefined, undefined]);
  });

  it('applies precedence: unary minus, ^, * /, + -, comparisons, AND, OR', () => {
    expect(run('-a ^ 2 + 2 * 3 - 1', s)).toEqual([4, undefined, -4, -11, undefined]);
    expect(run('a > 2 AND b >= 0 OR a == 1', s)).toEqual([1, 0, 0, 1, undefined]);
  });

  it('SUM, AVG, MIN and MAX of an array go per timestamp over the values present; of one series, to a scalar', () => {
    expect(run('SUM([a, b])', s)).toEqual([11, 20, 3, 4, undefined]);
    expect(run('AVG([a, b])', s)).toEqual([5.5, 20, 3, 2, undefined]);
    expect(run('MIN([a, b])', s)).toEqual([1, 20, 3, 0, undefined]);
    expect(run('MAX([a, b])', s)).toEqual([10, 20, 3, 4, undefined]);
    const centered = run('a - AVG(a)', s);
    expect(centered.map((v) => (v === undefined ? v : Number(v.toFixed(6))))).toEqual([
      -1.666667,
      undefined,
      0.333333,
      1.333333,
      undefined,
    ]);
  });
});

describe('FILL', () => {
  it('gives every period of the evaluation range a value', () => {
    expect(run('FILL(a, 0)', { a: ts(undefined, 5) })).toEqual([0, 5, 0, 0, 0]);
    expect(run('FILL(a, b)', { a: ts(undefined, 5), b: ts(1, 1, 1) })).toEqual([
      1,
      5,
      1,
      undefined,
      undefined,
    ]);
  });

  it('leaves a series with no datapoint at all empty unless fillEmptySeries is set', () => {
    const out = (fill: boolean) =>
      evaluateExpression('FILL(a, 0)', { grid: GRID, lookup: () => new Map(), fillEmptySeries: fill });
    expect(out(false).size).toBe(0);
    expect([...out(true).values()]).toEqual([0, 0, 0, 0, 0]);
  });
});

describe('what is not supported fails with a clear message', () => {
  it.each([
    ['RATE(a)', /function RATE is not supported \(supported: FILL, IF, SUM, AVG, MIN, MAX\)/],
    ['FILL(a, REPEAT)', /FILL\(\.\.\., REPEAT\) is not supported/],
    ['METRICS()', /function METRICS is not supported/],
    ['AVG(a)', /an alarm needs a single time series, the result is a scalar/],
    ['[a, a]', /the result is a array/],
    ['a +', /expected more/],
    ['a $ 2', /cannot read "\$ 2"/],
  ])('%s', (expression, message) => {
    expect(() => run(expression, { a: ts(1, 2) })).toThrow(message);
  });
});

describe("the stack's expressions", () => {
  it('ProbeNotRunning: 1 in a minute without runs or with a function error, else 0', () => {
    const e = 'IF(FILL(runs, 0) < 1 OR FILL(errors, 0) > 0, 1, 0)';
    expect(
      run(e, { runs: ts(1, undefined, 2, 1, 1), errors: ts(undefined, undefined, undefined, 1) }),
    ).toEqual([0, 1, 0, 1, 0]);
  });

  it('AvailabilityLow: 100 × (success + handshake + auth) of the averages', () => {
    const e = '100 * (success + handshake + auth)';
    expect(run(e, { success: ts(1, 0.5, 0), handshake: ts(0, 0.5, 0), auth: ts(0, 0, 0.25) })).toEqual([
      100,
      100,
      25,
      undefined,
      undefined,
    ]);
  });

  it('DiagnoseErrors: errors + dropped events + failed deliveries, each missing value filled with 0', () => {
    const e = 'FILL(errors, 0) + FILL(dropped, 0) + FILL(undelivered, 0) + FILL(destinationFailures, 0)';
    expect(
      run(e, {
        errors: ts(1),
        dropped: ts(undefined, 2),
        undelivered: new Map(),
        destinationFailures: ts(undefined, undefined, 4),
      }),
    ).toEqual([1, 2, 4, 0, 0]);
  });
});
