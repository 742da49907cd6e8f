/**
 * The evaluator on the real stack: alarms read from a synthesized template (intrinsics resolved), fed the
 * datapoints the probe Lambda's own buildMetricData publishes, for a healthy hour and a five-minute TLS
 * failure. Expected transitions are derived from each alarm's definition (period, M of N, statistic), not
 * recorded from a run.
 */
import { Template } from 'aws-cdk-lib/assertions';
import type { ProbeResult } from '../../../lambdas/core/contract/result';
import { buildMetricData } from '../../../lambdas/probe/metrics';
import { AlarmEvaluator } from '../../../testbed/aws/alarm-evaluator';
import {
  type AlarmDefinition,
  alarmsFromTemplate,
  type CfnTemplate,
  type MetricAlarmDefinition,
  resolveIntrinsics,
  templateContext,
} from '../../../testbed/aws/alarm-model';
import { evaluateExpression, expressionIds } from '../../../testbed/aws/metric-math';
import { InMemoryMetricStore } from '../../../testbed/aws/statistics';
import { fixture, synthConfig } from '../../support/cdk';
import { failed, passed } from '../../support/results';

const REGION = 'eu-west-1';
const ACCOUNT = '111122223333';
const T0 = Date.UTC(2026, 2, 2, 10, 0, 0);
const MIN = 60_000;

describe('intrinsic functions in alarm properties', () => {
  const ctx = {
    region: REGION,
    account: ACCOUNT,
    refs: { Topic: 'arn:aws:sns:eu-west-1:111122223333:t', Fn: 'probe-fn' },
    attributes: { Alarm: { Arn: 'arn:aws:cloudwatch:eu-west-1:111122223333:alarm:a' } },
  };

  it('resolves Ref, pseudo parameters, Fn::GetAtt, Fn::Join, Fn::Sub and Fn::Select', () => {
    expect(
      resolveIntrinsics(
        {
          AlarmActions: [{ Ref: 'Topic' }],
          Dimensions: [{ Name: 'FunctionName', Value: { Ref: 'Fn' } }],
          Rule: { 'Fn::Join': ['', ['ALARM("', { 'Fn::GetAtt': ['Alarm', 'Arn'] }, '")']] },
          // biome-ignore lint/suspicious/noTemplateCurlyInString: Fn::Sub placeholders, not a JavaScript template
          Sub: { 'Fn::Sub': 'arn:${AWS::Partition}:sns:${AWS::Region}:${AWS::AccountId}:${Fn}/${Alarm.Arn}' },
          Pick: { 'Fn::Select': [1, ['a', { Ref: 'AWS::StackName' }]] },
        },
        ctx,
      ),
    ).toEqual({
      AlarmActions: ['arn:aws:sns:eu-west-1:111122223333:t'],
      Dimensions: [{ Name: 'FunctionName', Value: 'probe-fn' }],
      Rule: 'ALARM("arn:aws:cloudwatch:eu-west-1:111122223333:alarm:a")',
      Sub: 'arn:aws:sns:eu-west-1:111122223333:probe-fn/arn:aws:cloudwatch:eu-west-1:111122223333:alarm:a',
      Pick: 'PayProbe',
    });
  });

  it('names what it cannot resolve', () => {
    expect(() => resolveIntrinsics({ A: [{ Ref: 'Nope' }] }, ctx, 'MyAlarm')).toThrow(
      'MyAlarm.A[0]: cannot resolve Ref Nope (no physical name given for it)',
    );
    expect(() => resolveIntrinsics({ A: { 'Fn::If': ['c', 1, 2] } }, ctx)).toThrow(
      /unsupported intrinsic function Fn::If/,
    );
  });
});

describe('alarms of the synthesized two-processor stack', () => {
  const template = Template.fromStack(
    synthConfig(fixture('two-processors.yaml')).stacks[0] as never,
  ).toJSON() as CfnTemplate;
  const ctx = templateContext(template, { region: REGION, account: ACCOUNT });
  const alarms = alarmsFromTemplate(template, ctx);
  const byName = new Map(alarms.map((a) => [a.name, a]));
  const critical = `arn:aws:sns:${REGION}:${ACCOUNT}:AlertingCriticalTopic1F1DA58F`;

  it('reads every alarm with its actions resolved to the topics', () => {
    expect([...byName.keys()].sort()).toEqual(
      [
        ...[
          'HandshakeFailing',
          'AuthRejected',
          'AvailabilityLow',
          'ProbeNotRunning',
          'LatencyHigh',
          'CertExpiring',
        ].flatMap((k) => [`PayProbe-acme-pay-${k}`, `PayProbe-fastpay-${k}`]),
        'PayProbe-acme-pay-ClientCertExpiring',
        'PayProbe-DiagnoseErrors-PayProbe',
        'PayProbe-ProcessorsFailing-PayProbe',
        // The live audit's alarms (its runs publish AuditFindings, the probe runs here do not).
        'PayProbe-AuditFindings-acme-pay',
        'PayProbe-AuditFindings-fastpay',
      ].sort(),
    );
    // The diagnose function pages for the processors' alarms: no actions of their own. Its own alarm notifies.
    expect(byName.get('PayProbe-fastpay-HandshakeFailing')).toMatchObject({
      period: 10,
      evaluationPeriods: 90,
      datapointsToAlarm: 3,
      alarmActions: [],
      okActions: [],
    });
    expect(byName.get('PayProbe-acme-pay-LatencyHigh')).toMatchObject({ alarmActions: [], period: 60 });
    expect(byName.get('PayProbe-DiagnoseErrors-PayProbe')).toMatchObject({ alarmActions: [critical] });
    expect(byName.get('PayProbe-acme-pay-ProbeNotRunning')).toMatchObject({
      warmUp: { minutes: 5, onlyAfterPeriodEnds: true },
    });
    const notRunning = byName.get('PayProbe-acme-pay-ProbeNotRunning') as MetricAlarmDefinition;
    expect(notRunning.queries.find((q) => q.id === 'errors')).toMatchObject({
      metric: {
        namespace: 'AWS/Lambda',
        metricName: 'Errors',
        dimensions: { FunctionName: 'AcmePayFunctionA413AFF2' },
      },
    });
  });

  it('understands every metric math expression the alarms use (the list metric-math.test.ts covers)', () => {
    const expressions = new Set(
      alarms.flatMap((a) =>
        a.kind === 'metric' ? a.queries.flatMap((q) => (q.kind === 'expression' ? [q.expression] : [])) : [],
      ),
    );
    expect([...expressions].sort()).toEqual([
      '100 * (success + handshake + auth)',
      'FILL(errors, 0) + FILL(dropped, 0) + FILL(undelivered, 0) + FILL(destinationFailures, 0)',
      'IF(FILL(runs, 0) < 1 OR FILL(errors, 0) > 0, 1, 0)',
    ]);
    for (const e of expressions) {
      const lookup = (id: string) => new Map([[0, id.length]]);
      expect(expressionIds(e).length).toBeGreaterThan(0);
      expect(() => evaluateExpression(e, { grid: [0, 60], lookup })).not.toThrow();
    }
  });

  describe('a healthy hour, then fastpay failing its TLS handshake for three minutes', () => {
    const store = new InMemoryMetricStore();
    // One run per interval and processor, from an hour before T0 to T0 + 15 min; fastpay fails in minutes 5-7.
    const failing = (p: string, t: number) => p === 'fastpay' && t >= T0 + 5 * MIN && t < T0 + 8 * MIN;
    for (const [p, interval] of [
      ['acme-pay', 60],
      ['fastpay', 10],
    ] as const) {
      for (let t = T0 - 60 * MIN; t < T0 + 15 * MIN; t += interval * 1000) {
        const result: ProbeResult = failing(p, t) ? failed(p) : passed(p);
        store.putMetricData(
          buildMetricData(result, {
            highResolution: interval < 60,
            inputChanged: false,
            timestamp: new Date(t),
          }),
        );
      }
    }
    const ev = new AlarmEvaluator(alarms, { region: REGION, account: ACCOUNT, createdAt: T0 });
    const r = ev.run(T0, T0 + 15 * MIN, store);
    const changes = (name: string) =>
      r.transitions
        .filter((t) => t.alarm.name === name)
        .map((t) => `${(t.at - T0) / 1000}s ${t.current.value}`);
    const named = (a: AlarmDefinition) => a.name;

    it('fastpay HandshakeFailing (3 of the last 90 probes) alarms on the third failing probe and holds for 15 minutes', () => {
      // failing runs stamped 300 s .. 470 s: periods 300, 310, 320 are read at 330 s; it stays in ALARM until
      // no 3 of the last 90 ten-second periods fail, i.e. past the end of this run (470 s + 900 s).
      expect(changes('PayProbe-fastpay-HandshakeFailing')).toEqual(['0s OK', '330s ALARM']);
    });

    it('ProbeNotRunning is warming up for 5 minutes after creation, then OK: no false page after a deploy', () => {
      for (const p of ['acme-pay', 'fastpay'])
        expect(changes(`PayProbe-${p}-ProbeNotRunning`)).toEqual(['300s OK']);
    });

    it('fastpay CertExpiring (minimum over the last hour) alarms at the first minute that saw the expired certificate, and stays', () => {
      expect(changes('PayProbe-fastpay-CertExpiring')).toEqual(['0s OK', '360s ALARM']);
    });

    it('every other alarm with data goes to OK at its first evaluation and stays there', () => {
      const others = alarms
        .map(named)
        .filter((n) => !['PayProbe-fastpay-HandshakeFailing', 'PayProbe-fastpay-CertExpiring'].includes(n))
        .filter((n) => !n.endsWith('-ProbeNotRunning'))
        .filter((n) => n !== 'PayProbe-acme-pay-ClientCertExpiring')
        // AuditFindings comes from audit runs, not from the probe runs this world plays.
        .filter((n) => !n.startsWith('PayProbe-AuditFindings-'));
      for (const name of others) expect([name, changes(name)]).toEqual([name, ['0s OK']]);
    });

    it('ClientCertExpiring has no datapoint (no client certificate was reported) and stays INSUFFICIENT_DATA', () => {
      expect(changes('PayProbe-acme-pay-ClientCertExpiring')).toEqual([]);
      expect(ev.state('PayProbe-acme-pay-ClientCertExpiring').value).toBe('INSUFFICIENT_DATA');
    });

    it('raises the handshake and certificate alarms for the diagnose function to page, and notifies no topic itself', () => {
      const alarmed = r.transitions
        .filter((t) => t.current.value === 'ALARM')
        .map((t) => [t.alarm.name, (t.at - T0) / 1000, t.event['detail-type']]);
      expect(alarmed).toEqual([
        ['PayProbe-fastpay-HandshakeFailing', 330, 'CloudWatch Alarm State Change'],
        ['PayProbe-fastpay-CertExpiring', 360, 'CloudWatch Alarm State Change'],
      ]);
      expect(r.actions).toEqual([]);
    });
  });
});
