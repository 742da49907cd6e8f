/**
 * The alarms of the two-processor stack (test/support/two-processor-stack.ts): each kind's metric, period,
 * threshold and M of N per processor and interval, overrides, routing to the topics, names and descriptions
 * with their runbooks, and the detection times the alarm policy promises.
 */
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { ALARM_KINDS, type AlarmKindName, parseAlarmName } from '../../lambdas/core/contract/alarm-names';
import { METRICS } from '../../lambdas/core/contract/metric-names';
import { parseProcessorEnv } from '../../lambdas/glue/deployed-config';
import { buildMetricData } from '../../lambdas/probe/metrics';
import { detectionTimes } from '../../lib/alarms/alarm-policy';
import type { ProcessorMonitor } from '../../lib/constructs/processor-monitor';
import { evaluateMathExpression, flatten, must, REPO, resources } from '../support/cdk';
import { FAILING, passing } from '../support/probe';
import { synthTwoProcessors } from '../support/two-processor-stack';

const { stack, template, acme, fastpay, id, criticalTopic, warningTopic, fn, alarm } = synthTwoProcessors();

describe('alarms', () => {
  // [processor, kind, metric, statistic, period, threshold, comparison, M, N, treatMissingData]
  const table: [string, AlarmKindName, string, string, number, number, string, number, number, string][] = [
    [
      'acme-pay',
      'HandshakeFailing',
      METRICS.handshakeFailure,
      'Maximum',
      60,
      1,
      'GreaterThanOrEqualToThreshold',
      1,
      15,
      'ignore',
    ],
    [
      'acme-pay',
      'AuthRejected',
      METRICS.authFailure,
      'Maximum',
      60,
      1,
      'GreaterThanOrEqualToThreshold',
      1,
      15,
      'ignore',
    ],
    [
      'acme-pay',
      'LatencyHigh',
      METRICS.totalTime,
      'Maximum',
      60,
      2000,
      'GreaterThanThreshold',
      2,
      10,
      'ignore',
    ],
    [
      'acme-pay',
      'CertExpiring',
      METRICS.certDaysToExpiry,
      'Minimum',
      3600,
      21,
      'LessThanOrEqualToThreshold',
      1,
      1,
      'ignore',
    ],
    [
      'acme-pay',
      'ClientCertExpiring',
      METRICS.clientCertDaysToExpiry,
      'Minimum',
      3600,
      30,
      'LessThanOrEqualToThreshold',
      1,
      1,
      'ignore',
    ],
    [
      'fastpay',
      'HandshakeFailing',
      METRICS.handshakeFailure,
      'Maximum',
      10,
      1,
      'GreaterThanOrEqualToThreshold',
      3,
      90,
      'ignore',
    ],
    [
      'fastpay',
      'AuthRejected',
      METRICS.authFailure,
      'Maximum',
      10,
      1,
      'GreaterThanOrEqualToThreshold',
      3,
      90,
      'ignore',
    ],
    [
      'fastpay',
      'LatencyHigh',
      METRICS.totalTime,
      'Maximum',
      10,
      800,
      'GreaterThanThreshold',
      2,
      10,
      'ignore',
    ],
    [
      'fastpay',
      'CertExpiring',
      METRICS.certDaysToExpiry,
      'Minimum',
      3600,
      21,
      'LessThanOrEqualToThreshold',
      1,
      1,
      'ignore',
    ],
  ];
  test.each(table)(
    '%s %s watches %s (%s over %i s)',
    (processor, kind, metric, stat, period, threshold, op, m, n, missing) => {
      const a = alarm(processor, kind);
      expect(a).toMatchObject({
        Namespace: 'PayProbe',
        MetricName: metric,
        Dimensions: [{ Name: 'Processor', Value: processor }],
        Period: period,
        Threshold: threshold,
        ComparisonOperator: op,
        DatapointsToAlarm: m,
        EvaluationPeriods: n,
        TreatMissingData: missing,
      });
      expect(a.ExtendedStatistic ?? a.Statistic).toBe(stat);
    },
  );

  test.each([
    ['acme-pay', 'CertExpiring', 21],
    ['acme-pay', 'ClientCertExpiring', 30],
  ] as const)(
    '%s %s breaches on the day the probe starts warning (days <= %i), not a day later',
    (processor, kind, warnDays) => {
      const a = alarm(processor, kind);
      // CloudWatch's comparison, as the alarm states it: the datapoint on the left, the threshold on the right.
      const breaches = (days: number): boolean => {
        const t = a.Threshold as number;
        switch (a.ComparisonOperator) {
          case 'LessThanThreshold':
            return days < t;
          case 'LessThanOrEqualToThreshold':
            return days <= t;
          default:
            throw new Error(`unexpected operator ${String(a.ComparisonOperator)}`);
        }
      };
      // The engine warns (CERT_EXPIRING_SOON / CLIENT_CERT_EXPIRING_SOON) at days <= warnDays.
      expect(breaches(warnDays)).toBe(true);
      expect(breaches(warnDays + 1)).toBe(false);
    },
  );

  interface AlarmQuery {
    Id: string;
    Expression?: string;
    ReturnData?: boolean;
    MetricStat?: { Metric: { MetricName: string; Dimensions: unknown }; Period: number; Stat: string };
  }

  test.each([
    ['acme-pay', 90, 1, 15, 60],
    ['fastpay', 95, 3, 90, 10],
  ])(
    '%s AvailabilityLow: a probe below %i%% passed or failed only at TLS/auth, M-of-N %i of %i probes (%i-s periods)',
    (processor, threshold, m, n, period) => {
      const a = alarm(processor, 'AvailabilityLow');
      expect(a).toMatchObject({
        Threshold: threshold,
        ComparisonOperator: 'LessThanThreshold',
        DatapointsToAlarm: m,
        EvaluationPeriods: n,
        TreatMissingData: 'ignore',
      });
      const metrics = a.Metrics as AlarmQuery[];
      expect(metrics.find((x) => x.Expression)?.Expression).toBe('100 * (success + handshake + auth)');
      // The same statistic and period for the three, so their averages share one denominator.
      const stats = Object.fromEntries(metrics.filter((x) => x.MetricStat).map((x) => [x.Id, x.MetricStat]));
      for (const [queryId, metricName] of [
        ['success', 'Success'],
        ['handshake', 'HandshakeFailure'],
        ['auth', 'AuthFailure'],
      ]) {
        expect(stats[queryId as string]).toEqual({
          Metric: {
            Namespace: 'PayProbe',
            MetricName: metricName,
            Dimensions: [{ Name: 'Processor', Value: processor }],
          },
          Period: period,
          Stat: 'Average',
        });
      }
      expect(Object.keys(stats)).toHaveLength(3);
    },
  );

  test.each([
    // A period is one run at every interval: which runs breach the synthesized alarm (count-based: M of N
    // counts such runs; a single failed run at 10 s no longer breaches a whole minute).
    ['acme-pay', ['tls'], false],
    ['acme-pay', ['auth'], false],
    ['acme-pay', ['pass'], false],
    ['acme-pay', ['connect'], true],
    ['acme-pay', ['config'], true],
    ['fastpay', ['tls'], false],
    ['fastpay', ['auth'], false],
    ['fastpay', ['dns'], true],
    ['fastpay', ['http'], true],
  ] as const)(
    '%s AvailabilityLow: a period with run %j breaches: %s (TLS and auth failures page only through their own alarms)',
    (processor, stages, breaching) => {
      const a = alarm(processor, 'AvailabilityLow');
      const metrics = a.Metrics as AlarmQuery[];
      const runs = stages.map((s) =>
        s === 'pass' ? passing({ processor }) : { ...must(FAILING[s], s), processor },
      );
      const data = runs.flatMap(
        (r) => buildMetricData(r, { highResolution: false, inputChanged: false }).MetricData ?? [],
      );
      // CloudWatch's per-period Average of each queried metric, from the requests the probe makes.
      const values: Record<string, number> = {};
      for (const q of metrics.filter((x) => x.MetricStat)) {
        expect(q.MetricStat?.Stat).toBe('Average');
        const points = data
          .filter((d) => d.MetricName === q.MetricStat?.Metric.MetricName)
          .map((d) => d.Value as number);
        values[q.Id] = points.reduce((x, y) => x + y, 0) / points.length;
      }
      const expression = must(
        metrics.find((x) => x.Expression && x.ReturnData !== false)?.Expression,
        'expr',
      );
      const value = evaluateMathExpression(expression, values);
      expect(value < (a.Threshold as number)).toBe(breaching);
    },
  );

  test.each([['acme-pay'], ['fastpay']])(
    '%s ProbeNotRunning: missing results or a failed function for 3 minutes; missing data is breaching',
    (processor) => {
      const a = alarm(processor, 'ProbeNotRunning');
      expect(a).toMatchObject({
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        DatapointsToAlarm: 3,
        EvaluationPeriods: 3,
        TreatMissingData: 'breaching',
      });
      const metrics = a.Metrics as {
        Id: string;
        Expression?: string;
        MetricStat?: Record<string, unknown>;
      }[];
      expect(metrics.find((x) => x.Expression)?.Expression).toBe(
        'IF(FILL(runs, 0) < 1 OR FILL(errors, 0) > 0, 1, 0)',
      );
      expect(metrics.find((x) => x.Id === 'runs')?.MetricStat).toMatchObject({
        Metric: {
          Namespace: 'PayProbe',
          MetricName: 'Success',
          Dimensions: [{ Name: 'Processor', Value: processor }],
        },
        Period: 60,
        Stat: 'SampleCount',
      });
      const monitor = processor === 'acme-pay' ? acme : fastpay;
      expect(metrics.find((x) => x.Id === 'errors')?.MetricStat).toMatchObject({
        Metric: {
          Namespace: 'AWS/Lambda',
          MetricName: 'Errors',
          Dimensions: [{ Name: 'FunctionName', Value: `<${id(monitor.probeFunction)}>` }],
        },
        Period: 60,
        Stat: 'Sum',
      });
    },
  );

  test('ClientCertExpiring exists only for the mTLS processor', () => {
    expect(acme.alarms.map((a) => a.kind)).toEqual(Object.keys(ALARM_KINDS));
    expect(fastpay.alarms.map((a) => a.kind)).toEqual(
      Object.keys(ALARM_KINDS).filter((k) => k !== 'ClientCertExpiring'),
    );
    // The probe alarms in the template are exactly the monitors' alarms (other alarms may watch other parts).
    const probeAlarms = Object.values(resources(template, 'AWS::CloudWatch::Alarm'))
      .map((a) => parseAlarmName(String(a.Properties.AlarmName)))
      .filter((parsed) => parsed !== undefined);
    expect(probeAlarms).toHaveLength(13);
  });

  test('the alarms notify no topic themselves: the diagnose function pages each on its severity topic', () => {
    for (const a of stack.alarms) {
      const props = alarm(a.processor, a.kind);
      expect(props.AlarmActions).toBeUndefined();
      expect(props.OKActions).toBeUndefined();
    }
    const diagnose = must(
      resources(template, 'AWS::Lambda::Function')[id(stack.diagnosis.function)],
      'the diagnose function',
    );
    const env = flatten(diagnose.Properties.Environment) as { Variables: Record<string, unknown> };
    expect(env.Variables.PAYPROBE_TOPIC_CRITICAL_ARN).toEqual(criticalTopic);
    expect(env.Variables.PAYPROBE_TOPIC_WARNING_ARN).toEqual(warningTopic);
  });

  test('names parse back to processor and kind; descriptions say what failed, what to check and which runbook', () => {
    for (const a of stack.alarms) {
      const props = alarm(a.processor, a.kind);
      expect(parseAlarmName(props.AlarmName as string)).toEqual({ processor: a.processor, kind: a.kind });
      const d = props.AlarmDescription as string;
      expect(d.length).toBeLessThanOrEqual(1024);
      expect(d.startsWith(`${a.processor}: `)).toBe(true);
      expect(d).toMatch(/docs\/runbooks\/[A-Z_<>]+\.md/);
    }
    const handshake = alarm('acme-pay', 'HandshakeFailing').AlarmDescription as string;
    expect(handshake).toContain(
      'TLS handshake with api.acme-pay.example is failing (1 of the last 15 probes (15 min, each confirmed by a re-probe))',
    );
    expect(handshake).toContain('It stays in ALARM until fewer than 1 of the last 15 probes fail');
    expect(handshake).toContain(
      'openssl s_client -connect api.acme-pay.example:443 -servername api.acme-pay.example',
    );
    expect(handshake).toContain('npx payprobe check --config two-processors.yaml --processor acme-pay');
    const auth = alarm('acme-pay', 'AuthRejected').AlarmDescription as string;
    expect(auth).toContain('rejects our credentials');
    expect(alarm('fastpay', 'AuthRejected').AlarmDescription).toContain(
      'in 3 of the last 90 probes (15 min)',
    );
    expect(auth).toContain('ssm /payprobe/acme-pay/token');
    expect(auth).toContain('docs/runbooks/AUTH_REJECTED.md');
    expect(alarm('acme-pay', 'ClientCertExpiring').AlarmDescription).toContain(
      'secretsManager payprobe/acme-pay/client-cert',
    );
    const availability = alarm('fastpay', 'AvailabilityLow').AlarmDescription as string;
    expect(availability).toContain(
      'fastpay: probes to api.fastpay.example failed at DNS, connect, HTTP or config in 3 of the last 90 probes (15 min)',
    );
    expect(availability).toContain('they page as HandshakeFailing and AuthRejected');
  });

  test('every concrete runbook link in a description names a page that exists in the repository', () => {
    const links = stack.alarms.flatMap((a) =>
      [...String(alarm(a.processor, a.kind).AlarmDescription).matchAll(/docs\/runbooks\/([A-Z_]+\.md)/g)].map(
        (m) => m[1],
      ),
    );
    expect(new Set(links).size).toBeGreaterThanOrEqual(6);
    for (const page of new Set(links))
      expect(existsSync(path.join(REPO, 'docs', 'runbooks', String(page)))).toBe(true);
  });

  test('a persistent handshake failure pages within 180 s of its onset at a 60-s interval and within 60 s at a 10-s interval', () => {
    // From the synthesized alarm and the deployed probe config, through the model the benchmark uses.
    const detection = (processor: string, monitor: ProcessorMonitor) => {
      const a = alarm(processor, 'HandshakeFailing');
      const vars = (fn(monitor).Environment as { Variables: Record<string, string> }).Variables;
      const deployed = parseProcessorEnv(vars.PAYPROBE_PROCESSOR, '/var/task');
      const times = detectionTimes({
        intervalSeconds: deployed.intervalSeconds,
        periodSeconds: a.Period as number,
        datapointsToAlarm: a.DatapointsToAlarm as number,
        budgetMs: deployed.budgetMs,
      });
      // The function outlives the slowest run it has to publish.
      expect(times.publishSeconds + 2).toBeLessThanOrEqual(fn(monitor).Timeout as number);
      return times;
    };
    // 60 s: the failure starts just after a passing probe; the next probe (60 s later, at the start of a
    // period) fails, its re-probe 3 s after it fails too, the run publishes within 2 x 15 s + 3 s, the
    // period ends 60 s after its start and CloudWatch takes up to 30 s: 60 + 60 + 30 = 150 s.
    const acmeTimes = detection('acme-pay', acme);
    expect(acmeTimes.worstSeconds).toBe(150);
    expect(acmeTimes.worstSeconds).toBeLessThanOrEqual(180);
    // 10 s: up to 10 s to the first failing probe, three 10-s periods, 10 s for a high-resolution alarm.
    const fastTimes = detection('fastpay', fastpay);
    expect(fastTimes.worstSeconds).toBe(50);
    expect(fastTimes.worstSeconds).toBeLessThanOrEqual(60);
  });

  test('the detection model counts from the failure onset: the former 60-s default (2 of 3) would miss 180 s', () => {
    const twoOfThree = detectionTimes({
      intervalSeconds: 60,
      periodSeconds: 60,
      datapointsToAlarm: 2,
      budgetMs: 15_000,
    });
    // From the first failing probe it would be 150 s; from the onset, up to a whole interval more.
    expect(twoOfThree.worstSeconds).toBe(210);
    expect(twoOfThree.worstSeconds - twoOfThree.bestSeconds).toBeGreaterThanOrEqual(60);
  });
});
