/**
 * The missing-data tables of the CloudWatch user guide, "Using Amazon CloudWatch alarms" > "Configuring how
 * CloudWatch alarms treat missing data" > "How alarm state is evaluated when data is missing"
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html#alarms-evaluating-missing-data;
 * text of the 2023-05-17 revision in awsdocs/amazon-cloudwatch-user-guide), row by row and mode by mode:
 * the evaluation range is 5, most recent datapoint on the right, 0 not breaching, X breaching, - missing.
 */
import type { TreatMissingData } from '../../../testbed/aws/alarm-model';
import { type Decision, decideState } from '../../../testbed/aws/m-of-n';

/** '0 - X - X' → [0, undefined, 1, undefined, 1] against "≥ 1". */
function values(pattern: string): (number | undefined)[] {
  return pattern.split(' ').map((c) => {
    if (c === '0') return 0;
    if (c === 'X') return 1;
    if (c === '-') return undefined;
    throw new Error(`bad pattern ${pattern}`);
  });
}

function decide(pattern: string, m: number, n: number, treatMissingData: TreatMissingData): Decision {
  return decideState({
    values: values(pattern),
    threshold: 1,
    comparisonOperator: 'GreaterThanOrEqualToThreshold',
    evaluationPeriods: n,
    datapointsToAlarm: m,
    treatMissingData,
  }).state;
}

type Row = readonly [
  pattern: string,
  missing: Decision,
  ignore: Decision,
  breaching: Decision,
  notBreaching: Decision,
];

/** "Retain current state" in the docs. */
const RETAIN = 'RETAIN';
const INSUFFICIENT = 'INSUFFICIENT_DATA';

function checkTable(m: number, n: number, rows: readonly Row[]): void {
  it.each(rows)('%s', (pattern, missing, ignore, breaching, notBreaching) => {
    expect({
      missing: decide(pattern, m, n, 'missing'),
      ignore: decide(pattern, m, n, 'ignore'),
      breaching: decide(pattern, m, n, 'breaching'),
      notBreaching: decide(pattern, m, n, 'notBreaching'),
    }).toEqual({ missing, ignore, breaching, notBreaching });
  });
}

describe('first table: Datapoints to Alarm 3, Evaluation Periods 3', () => {
  checkTable(3, 3, [
    ['0 - X - X', 'OK', 'OK', 'OK', 'OK'],
    ['0 - - - -', 'OK', 'OK', 'OK', 'OK'],
    ['- - - - -', INSUFFICIENT, RETAIN, 'ALARM', 'OK'],
    ['0 X X - X', 'ALARM', 'ALARM', 'ALARM', 'ALARM'],
    ['- - X - -', 'ALARM', RETAIN, 'ALARM', 'OK'],
  ]);
});

describe('second table: 2 out of 3', () => {
  checkTable(2, 3, [
    ['0 - X - X', 'ALARM', 'ALARM', 'ALARM', 'ALARM'],
    ['0 0 X 0 X', 'ALARM', 'ALARM', 'ALARM', 'ALARM'],
    ['0 - X - -', 'OK', 'OK', 'ALARM', 'OK'],
    ['- - - - 0', 'OK', 'OK', 'ALARM', 'OK'],
    ['- - - X -', 'ALARM', RETAIN, 'ALARM', 'OK'],
  ]);
});

describe('"Avoiding premature transitions to alarm state"', () => {
  it('does not go to ALARM on - - - - X or - - - X - with Datapoints to Alarm 3 (missing: not enough data)', () => {
    expect(decide('- - - - X', 3, 3, 'missing')).toBe(INSUFFICIENT);
    expect(decide('- - - X -', 3, 3, 'missing')).toBe(INSUFFICIENT);
  });

  it('a following non-breaching datapoint makes it OK (- - - X 0, - - X - 0)', () => {
    expect(decide('- - - X 0', 3, 3, 'missing')).toBe('OK');
    expect(decide('- - X - 0', 3, 3, 'missing')).toBe('OK');
  });

  it('goes to ALARM once the oldest breaching datapoint is M periods old and nothing newer is non-breaching', () => {
    expect(decide('- - X - -', 3, 3, 'missing')).toBe('ALARM');
    expect(decide('- - - X -', 2, 3, 'missing')).toBe('ALARM');
    expect(decide('- - - - X', 2, 3, 'missing')).toBe(INSUFFICIENT);
  });
});

describe('rows of the 2019 revision that the current text still decides the same way', () => {
  checkTable(3, 3, [
    ['- - - - X', INSUFFICIENT, RETAIN, 'ALARM', 'OK'],
    ['X - - - -', 'ALARM', RETAIN, 'ALARM', 'OK'],
  ]);
  checkTable(2, 3, [['- - - - X', INSUFFICIENT, RETAIN, 'ALARM', 'OK']]);
});

describe('which datapoints are used', () => {
  it('with at least N real datapoints, the N most recent real ones (older ones stand in for missing recent ones)', () => {
    const d = decideState({
      values: [1, 1, 0, undefined, undefined],
      timestamps: [10, 20, 30, 40, 50],
      threshold: 1,
      comparisonOperator: 'GreaterThanOrEqualToThreshold',
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
      treatMissingData: 'breaching',
    });
    // Three real datapoints: TreatMissingData is not used even though the two newest periods are missing.
    expect(d).toMatchObject({ state: 'ALARM', rule: 'enough-real-datapoints', filled: 0, breaching: 2 });
    expect(d.evaluated.map((p) => p.timestamp)).toEqual([10, 20, 30]);
  });

  it('with fewer, every real datapoint plus the most recent missing periods, filled "as few times as possible"', () => {
    const d = decideState({
      values: [0, undefined, undefined, undefined, undefined],
      timestamps: [10, 20, 30, 40, 50],
      threshold: 1,
      comparisonOperator: 'GreaterThanOrEqualToThreshold',
      evaluationPeriods: 3,
      datapointsToAlarm: 3,
      treatMissingData: 'breaching',
    });
    expect(d).toMatchObject({ state: 'OK', filled: 2, breaching: 2 });
    expect(d.evaluated.map((p) => [p.timestamp, p.value, p.breaching])).toEqual([
      [10, 0, false],
      [40, undefined, true],
      [50, undefined, true],
    ]);
  });

  it.each([
    ['GreaterThanOrEqualToThreshold', [5, 5, 5], 'ALARM'],
    ['GreaterThanThreshold', [5, 5, 5], 'OK'],
    ['LessThanThreshold', [4.9, 4.9, 4.9], 'ALARM'],
    ['LessThanOrEqualToThreshold', [5, 5, 6], 'OK'],
  ] as const)('%s against 5: %j', (op, vals, expected) => {
    const d = decideState({
      values: vals,
      threshold: 5,
      comparisonOperator: op,
      evaluationPeriods: 3,
      datapointsToAlarm: 3,
      treatMissingData: 'missing',
    });
    expect(d.state).toBe(expected);
  });
});
