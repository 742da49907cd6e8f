/**
 * The harness end to end on moto: the real stack synthesized for one processor (bundling skipped), its
 * topics and alarms created in moto, a loopback subscriber on the topics, the probe's own PutMetricData
 * requests (lambdas/probe/metrics.ts) for 25 simulated minutes two hours in the past with a five-minute
 * TLS failure, then the alarms evaluated on moto's GetMetricData answers. The subscriber must receive
 * exactly the notifications the alarms' actions imply, derived below from each alarm's definition. The stack is
 * synthesized with `directAlarmNotifications`, so its alarms have the SNS actions whose notifications this
 * checks (by default only DiagnoseErrors has one: the diagnose function pages).
 */
import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { Template } from 'aws-cdk-lib/assertions';
import type { ProbeResult } from '../../../lambdas/core/contract/result';
import { parseAlarmEvent } from '../../../lambdas/diagnose/alarm-event';
import { buildMetricData } from '../../../lambdas/probe/metrics';
import type { AlarmStateChangeEvent } from '../../../testbed/aws/alarm-events';
import type { CfnTemplate } from '../../../testbed/aws/alarm-model';
import { type MotoServer, startMoto } from '../../../testbed/aws/moto';
import { AwsSim, type SimRunResult } from '../../../testbed/aws/sim';
import { type SnsSubscriber, startSubscriber } from '../../../testbed/aws/subscriber';
import { synthConfig } from '../../support/cdk';
import { failed, passed } from '../../support/results';

const MIN = 60_000;
/** Two hours ago, on a minute: probes publish with simulated timestamps, moto keeps them. */
const T0 = Math.floor((Date.now() - 2 * 3600_000) / MIN) * MIN;
const FAILING_MINUTES = [10, 11, 12, 13, 14];

describe('alarms of the synthesized stack on moto, for a processor failing five minutes', () => {
  let moto: MotoServer;
  let subscriber: SnsSubscriber;
  let sim: AwsSim;
  let result: SimRunResult;
  const events: AlarmStateChangeEvent[] = [];

  beforeAll(async () => {
    const template = Template.fromStack(
      synthConfig(`${__dirname}/fixtures/one-processor.yaml`, { directAlarmNotifications: true })
        .stacks[0] as never,
    ).toJSON() as CfnTemplate;
    [moto, subscriber] = await Promise.all([startMoto({ region: 'eu-west-1' }), startSubscriber()]);
    sim = await AwsSim.create({
      template,
      aws: moto,
      subscriber,
      onStateChange: (event) => void events.push(event),
    });
    // The probe ran every minute from five minutes before T0; minutes 10-14 failed the TLS handshake
    // (test/cli/results.ts: stage tls, CERT_EXPIRED, server certificate expired 3 days ago).
    for (let m = -5; m < 20; m++) {
      const r: ProbeResult = FAILING_MINUTES.includes(m) ? failed('acme-pay') : passed('acme-pay');
      const timestamp = new Date(T0 + m * MIN);
      await sim.putMetricData(buildMetricData(r, { highResolution: false, inputChanged: false, timestamp }));
    }
    result = await sim.run(T0, T0 + 20 * MIN);
  });

  afterAll(async () => {
    sim?.destroy();
    await Promise.all([subscriber?.close(), moto?.stop()]);
  });

  const topic = (id: string) => sim.topics.get(id) as string;
  const received = () =>
    subscriber.messages.map((m) => {
      const body = JSON.parse(m.message) as Record<string, string>;
      const at = (Date.parse(body.StateChangeTime?.replace('+0000', 'Z') ?? '') - T0) / MIN;
      return `${at}m ${body.AlarmName} ${body.OldStateValue}->${body.NewStateValue} ${m.topicArn === topic('AlertingCriticalTopic1F1DA58F') ? 'critical' : 'warning'}`;
    });

  it('delivers exactly the notifications the alarm actions imply', async () => {
    // Every alarm has an ALARM action on its severity's topic (directAlarmNotifications) and no OK action (#13): at T0 each alarm
    // with data in its evaluation range goes INSUFFICIENT_DATA -> OK and notifies nobody. The failing minutes
    // are read one minute later: HandshakeFailing (1 of the last 15 probes, Maximum >= 1) alarms at 11 m and
    // holds ALARM until 15 minutes pass without a failure (after this run); CertExpiring (Minimum over the
    // last hour <= 21 days) alarms at 11 m and keeps the expired certificate in its window. AvailabilityLow
    // counts a TLS failure as available (it pages through HandshakeFailing), LatencyHigh sees no slow
    // successful probe, and ProbeNotRunning, after its warm-up, sees a run every minute: all three stay OK.
    const expected = [
      '11m PayProbe-acme-pay-HandshakeFailing OK->ALARM critical',
      '11m PayProbe-acme-pay-CertExpiring OK->ALARM warning',
    ];
    await subscriber.waitFor(expected.length, 5000);
    expect(received()).toEqual(expected);
    // One message per SNS action the evaluator ran, no more.
    expect(result.actions.flatMap((a) => a.actions.map((arn) => `${a.alarmName} ${a.state} ${arn}`))).toEqual(
      subscriber.messages.map(
        (m) => `${JSON.parse(m.message).AlarmName} ${JSON.parse(m.message).NewStateValue} ${m.topicArn}`,
      ),
    );
    expect(result.skippedActions).toEqual([]);
  });

  it('publishes in CloudWatch alarm notification format', () => {
    const alarm = subscriber.messages.find((m) =>
      m.subject?.startsWith('ALARM: "PayProbe-acme-pay-HandshakeFailing"'),
    );
    expect(alarm?.subject).toBe('ALARM: "PayProbe-acme-pay-HandshakeFailing" in EU (Ireland)');
    expect(JSON.parse(alarm?.message ?? '{}')).toMatchObject({
      AlarmName: 'PayProbe-acme-pay-HandshakeFailing',
      AWSAccountId: '123456789012',
      NewStateValue: 'ALARM',
      OldStateValue: 'OK',
      NewStateReason: expect.stringMatching(/^Threshold Crossed: 1 out of the last 15 datapoints \[1\.0 \(/),
      Region: 'EU (Ireland)',
      AlarmArn: 'arn:aws:cloudwatch:eu-west-1:123456789012:alarm:PayProbe-acme-pay-HandshakeFailing',
      AlarmActions: [topic('AlertingCriticalTopic1F1DA58F')],
      OKActions: [],
      Trigger: {
        MetricName: 'HandshakeFailure',
        Namespace: 'PayProbe',
        Statistic: 'MAXIMUM',
        Dimensions: [{ name: 'Processor', value: 'acme-pay' }],
        Period: 60,
        EvaluationPeriods: 15,
        DatapointsToAlarm: 1,
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        TreatMissingData: 'ignore',
      },
    });
    expect(typeof JSON.parse(alarm?.message ?? '{}').AlarmDescription).toBe('string');
  });

  it('hands every state change to the callback as an event the diagnose Lambda parses', () => {
    expect(events).toHaveLength(result.transitions.length);
    expect(events.map((e) => parseAlarmEvent(JSON.parse(JSON.stringify(e)))?.alarmName)).toEqual(
      result.transitions.map((t) => t.alarm.name),
    );
    const paged = events.find(
      (e) => e.detail.alarmName === 'PayProbe-acme-pay-HandshakeFailing' && e.detail.state.value === 'ALARM',
    );
    expect(paged?.detail.previousState.value).toBe('OK');
    expect(paged?.time).toBe(new Date(T0 + 11 * MIN).toISOString().replace('.000Z', 'Z'));
  });

  it('leaves moto describing the alarms in the states the evaluator reached', async () => {
    const cw = new CloudWatchClient(moto.clientConfig);
    try {
      const { MetricAlarms = [] } = await cw.send(
        new DescribeAlarmsCommand({ AlarmNamePrefix: 'PayProbe-' }),
      );
      const inMoto = Object.fromEntries(MetricAlarms.map((a) => [a.AlarmName, a.StateValue]));
      const inEvaluator = Object.fromEntries(
        sim.alarms.map((a) => [a.name, sim.evaluator.state(a.name).value]),
      );
      expect(inMoto).toEqual(inEvaluator);
      expect(inMoto['PayProbe-acme-pay-CertExpiring']).toBe('ALARM');
      // Damped recovery: the last failure (minute 14) is still inside HandshakeFailing's 15-probe window.
      expect(inMoto['PayProbe-acme-pay-HandshakeFailing']).toBe('ALARM');
    } finally {
      cw.destroy();
    }
  });
});
