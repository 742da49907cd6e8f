/**
 * moto_server as the harness starts it, and what moto 5 does and does not do for payprobe: CloudWatch
 * metrics with past timestamps (probes in the e2e publish on a simulated clock), GetMetricData's period
 * grid, metric math and percentiles (not supported: the evaluator computes them), alarms (stored, never
 * evaluated). The canaries fail if moto changes, so the notes in testbed/aws stay true.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import {
  CloudWatchClient,
  DescribeAlarmsCommand,
  GetMetricDataCommand,
  PutMetricAlarmCommand,
  PutMetricDataCommand,
  SetAlarmStateCommand,
} from '@aws-sdk/client-cloudwatch';
import { MOTO_INSTALL_HINT, type MotoServer, startMoto } from '../../../testbed/aws/moto';

const run = promisify(execFile);
const MIN = 60_000;

describe('startMoto', () => {
  let moto: MotoServer;
  let cw: CloudWatchClient;
  beforeAll(async () => {
    moto = await startMoto({ region: 'eu-west-1' });
    cw = new CloudWatchClient(moto.clientConfig);
  });
  afterAll(async () => {
    cw?.destroy();
    await moto?.stop();
  });

  it('answers on localhost with dummy credentials and a region', () => {
    expect(moto.endpoint).toBe(`http://localhost:${moto.port}`);
    expect(moto.clientConfig).toEqual({
      endpoint: moto.endpoint,
      region: 'eu-west-1',
      credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    });
    expect(moto.env).toMatchObject({
      AWS_ENDPOINT_URL: moto.endpoint,
      AWS_REGION: 'eu-west-1',
      AWS_ACCESS_KEY_ID: 'testing',
    });
  });

  it('gives child processes an environment their SDK clients use', async () => {
    const script =
      "const {SNSClient,CreateTopicCommand}=require('@aws-sdk/client-sns');" +
      "new SNSClient({}).send(new CreateTopicCommand({Name:'from-child'})).then(r=>console.log(r.TopicArn))";
    const { stdout } = await run(process.execPath, ['-e', script], {
      env: {
        PATH: process.env.PATH ?? '',
        ...moto.env,
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      },
      cwd: process.cwd(),
    });
    expect(stdout.trim()).toMatch(/^arn:aws:sns:eu-west-1:\d{12}:from-child$/);
  });

  it('stores datapoints with past timestamps and returns them from GetMetricData on a grid from StartTime', async () => {
    const base = Math.floor((Date.now() - 2 * 3600_000) / MIN) * MIN; // two hours ago, on a minute
    const dims = [{ Name: 'Processor', Value: 'acme' }];
    await cw.send(
      new PutMetricDataCommand({
        Namespace: 'PayProbe',
        MetricData: [0, 1, 2].flatMap((i) => [
          {
            MetricName: 'HandshakeFailure',
            Dimensions: dims,
            Timestamp: new Date(base + i * MIN),
            Value: i === 1 ? 1 : 0,
          },
          {
            MetricName: 'HandshakeFailure',
            Dimensions: dims,
            Timestamp: new Date(base + i * MIN + 30_000),
            Value: 0,
          },
        ]),
      }),
    );
    const query = (stat: string) => ({
      Id: stat.toLowerCase(),
      MetricStat: {
        Metric: { Namespace: 'PayProbe', MetricName: 'HandshakeFailure', Dimensions: dims },
        Period: 60,
        Stat: stat,
      },
    });
    const r = await cw.send(
      new GetMetricDataCommand({
        StartTime: new Date(base - MIN),
        EndTime: new Date(base + 4 * MIN),
        MetricDataQueries: [query('Maximum'), query('SampleCount')],
      }),
    );
    const series = Object.fromEntries(
      (r.MetricDataResults ?? []).map((x) => [
        x.Id,
        (x.Timestamps ?? [])
          .map((t, i) => [(t.getTime() - base) / MIN, x.Values?.[i]])
          .sort((a, b) => Number(a[0]) - Number(b[0])),
      ]),
    );
    // Periods start at StartTime; empty periods are left out (minute -1 and 3).
    expect(series).toEqual({
      maximum: [
        [0, 0],
        [1, 1],
        [2, 0],
      ],
      samplecount: [
        [0, 2],
        [1, 2],
        [2, 2],
      ],
    });
  });

  it('does not compute metric math (an expression returns no data) nor percentiles (the request fails)', async () => {
    const dims = [{ Name: 'Processor', Value: 'acme' }];
    const metric = { Namespace: 'PayProbe', MetricName: 'HandshakeFailure', Dimensions: dims };
    const now = Date.now();
    const r = await cw.send(
      new GetMetricDataCommand({
        StartTime: new Date(now - 3 * 3600_000),
        EndTime: new Date(now),
        MetricDataQueries: [
          { Id: 'm', MetricStat: { Metric: metric, Period: 60, Stat: 'Maximum' }, ReturnData: false },
          { Id: 'e', Expression: 'FILL(m, 0)' },
        ],
      }),
    );
    expect(r.MetricDataResults?.find((x) => x.Id === 'e')?.Values).toEqual([]);
    await expect(
      cw.send(
        new GetMetricDataCommand({
          StartTime: new Date(now - 3 * 3600_000),
          EndTime: new Date(now),
          MetricDataQueries: [{ Id: 'p', MetricStat: { Metric: metric, Period: 60, Stat: 'p90' } }],
        }),
      ),
    ).rejects.toThrow();
  });

  it('stores metric alarms (with Metrics) but never evaluates them; SetAlarmState sets their state', async () => {
    await cw.send(
      new PutMetricAlarmCommand({
        AlarmName: 'canary',
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        EvaluationPeriods: 1,
        Threshold: 0,
        Metrics: [
          { Id: 'e', Expression: 'FILL(m, 1)', ReturnData: true },
          {
            Id: 'm',
            ReturnData: false,
            MetricStat: { Metric: { Namespace: 'PayProbe', MetricName: 'Success' }, Period: 60, Stat: 'Sum' },
          },
        ],
      }),
    );
    await new Promise((r) => setTimeout(r, 1500));
    const state = async () =>
      (await cw.send(new DescribeAlarmsCommand({ AlarmNames: ['canary'] }))).MetricAlarms?.[0]?.StateValue;
    // Threshold 0 with FILL(m, 1) would be ALARM in CloudWatch at once; moto's new alarms report OK forever.
    expect(await state()).toBe('OK');
    await cw.send(
      new SetAlarmStateCommand({ AlarmName: 'canary', StateValue: 'ALARM', StateReason: 'test' }),
    );
    expect(await state()).toBe('ALARM');
  });

  it('stop() ends the server', async () => {
    const other = await startMoto();
    const url = `http://127.0.0.1:${other.port}/moto-api/`;
    expect((await fetch(url)).ok).toBe(true);
    await other.stop();
    await other.stop();
    await expect(fetch(url)).rejects.toThrow();
  });
});

describe('without moto_server', () => {
  it('fails with the install hint instead of skipping', async () => {
    await expect(startMoto({ command: 'moto_server_not_installed_here' })).rejects.toThrow(MOTO_INSTALL_HINT);
  });
});
