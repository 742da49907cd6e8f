/**
 * The synthesized stack for two processors with different settings:
 * acme-pay (60-s probing, mTLS, bundled CA file, token in SSM) and fastpay (10-s probing, basic auth with a
 * Secrets Manager ARN, alarm overrides). One synthesis, shared by every test in this file.
 */
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import {
  ALARM_KINDS,
  type AlarmKindName,
  alarmName,
  parseAlarmName,
} from '../../lambdas/core/contract/alarm-names';
import { METRICS } from '../../lambdas/core/contract/metric-names';
import { buildMetricData } from '../../lambdas/probe/metrics';
import { parseProcessorEnv } from '../../lambdas/shared/deployed-config';
import { detectionTimes } from '../../lib/alarms/alarm-policy';
import { NO_CRITICAL_SUBSCRIBER_WARNING } from '../../lib/constructs/alerting';
import type { ProcessorMonitor } from '../../lib/constructs/processor-monitor';
import {
  evaluateMathExpression,
  fixture,
  flatten,
  must,
  REPO,
  resources,
  synthConfig,
  Template,
} from '../support/cdk';
import { FAILING, passing } from '../support/probe';

const { stacks } = synthConfig(fixture('two-processors.yaml'));
const stack = must(stacks[0], 'the stack');
const alerting = must(stack.alerting, 'the alert topics');
const template = Template.fromStack(stack);
const [acme, fastpay] = stack.monitors as [ProcessorMonitor, ProcessorMonitor];
const id = (c: { node: { defaultChild?: unknown } }) => stack.getLogicalId(c.node.defaultChild as never);
const criticalTopic = `<${id(alerting.criticalTopic)}>`;
const warningTopic = `<${id(alerting.warningTopic)}>`;

function fn(m: ProcessorMonitor): Record<string, unknown> {
  return must(resources(template, 'AWS::Lambda::Function')[id(m.probeFunction)], 'function').Properties;
}

interface Statement {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}

function statementsOf(m: ProcessorMonitor): Statement[] {
  const roleId = id(m.probe.role);
  const policies = Object.values(resources(template, 'AWS::IAM::Policy')).filter((p) =>
    (flatten(p.Properties.Roles) as string[]).includes(`<${roleId}>`),
  );
  return policies.flatMap(
    (p) => (flatten(p.Properties.PolicyDocument) as { Statement: Statement[] }).Statement,
  );
}

function alarm(processor: string, kind: AlarmKindName): Record<string, unknown> {
  const all = Object.values(resources(template, 'AWS::CloudWatch::Alarm')).map((a) => a.Properties);
  const found = all.find((a) => a.AlarmName === alarmName(processor, kind));
  if (!found) throw new Error(`no alarm ${alarmName(processor, kind)}`);
  return flatten(found) as Record<string, unknown>;
}

describe('probe functions', () => {
  test.each([
    // 60 s: a failed probe is re-probed after 3 s, so the run may take 2 x 15-s budgets + 3 s; + 15 s margin.
    ['acme-pay', () => acme, 48],
    ['fastpay', () => fastpay, 75],
  ])('%s runs on Node.js 22, arm64, with a timeout beyond its probe budget', (_name, m, timeout) => {
    const props = fn(m());
    expect(props).toMatchObject({
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      MemorySize: 256,
      Timeout: timeout,
    });
    // The budget (the probe's own limit) ends well inside the function timeout.
    const processor = JSON.parse(
      (props.Environment as { Variables: Record<string, string> }).Variables.PAYPROBE_PROCESSOR ?? '',
    );
    expect(processor.budgetMs / 1000).toBeLessThanOrEqual(timeout - 10);
  });

  test('each function gets its own processor config, which the probe Lambda itself accepts', () => {
    for (const [m, name, interval] of [
      [acme, 'acme-pay', 60],
      [fastpay, 'fastpay', 10],
    ] as const) {
      const vars = (fn(m).Environment as { Variables: Record<string, string> }).Variables;
      expect(vars.PAYPROBE_SECRET_TTL_SECONDS).toBe('60');
      expect(vars.NODE_OPTIONS).toBe('--enable-source-maps');
      const parsed = parseProcessorEnv(vars.PAYPROBE_PROCESSOR, '/somewhere-else');
      expect(parsed).toMatchObject({ name, intervalSeconds: interval, baseDir: '/var/task' });
    }
    const acmeJson = JSON.parse(
      (fn(acme).Environment as { Variables: Record<string, string> }).Variables.PAYPROBE_PROCESSOR ?? '',
    );
    // The CA file travels in the bundle, at the path its reference names; the references stay references.
    expect(acmeJson.tls.ca).toEqual({ file: 'certs/ca.pem' });
    expect(acmeJson.tls.clientKey).toEqual({ secretsManager: 'payprobe/acme-pay/client-key' });
    expect(acmeJson.auth.credentials.token).toEqual({ ssm: '/payprobe/acme-pay/token' });
  });

  test('run once a minute by EventBridge Scheduler (sub-minute modes loop inside the run), with no automatic retries', () => {
    for (const m of [acme, fastpay]) {
      template.hasResourceProperties('AWS::Scheduler::Schedule', {
        ScheduleExpression: 'rate(1 minute)',
        State: 'ENABLED',
        // On the minute: a flexible window would let a run start up to its width late.
        FlexibleTimeWindow: { Mode: 'OFF' },
        Target: Match.objectLike({
          Arn: { 'Fn::GetAtt': [id(m.probeFunction), 'Arn'] },
          RoleArn: { 'Fn::GetAtt': [id(stack.schedulerRole), 'Arn'] },
          RetryPolicy: { MaximumRetryAttempts: 0, MaximumEventAgeInSeconds: 60 },
        }),
      });
      // Lambda's own async retries (2 by default) are off too: a retry would overlap the next scheduled run.
      template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
        FunctionName: { Ref: id(m.probeFunction) },
        MaximumRetryAttempts: 0,
        MaximumEventAgeInSeconds: 60,
      });
    }
    // One schedule per processor, no legacy scheduled rule, and no Lambda permission for a schedule: the one
    // scheduler role holds lambda:InvokeFunction on both functions.
    // (The live audit's own schedules, one per processor, are test/lib/live-audit.test.ts's.)
    expect(
      Object.values(resources(template, 'AWS::Scheduler::Schedule')).filter(
        (r) => r.Properties.ScheduleExpression === 'rate(1 minute)',
      ),
    ).toHaveLength(2);
    const scheduledRules = Object.values(resources(template, 'AWS::Events::Rule')).filter(
      (r) => r.Properties.ScheduleExpression,
    );
    expect(scheduledRules).toHaveLength(0);
    expect(
      Object.values(resources(template, 'AWS::Lambda::Permission')).filter((r) =>
        String(r.Properties.Principal).includes('scheduler'),
      ),
    ).toHaveLength(0);
    expect(Object.keys(resources(template, 'AWS::IAM::Role')).filter((r) => r.includes('Scheduler'))).toEqual(
      [id(stack.schedulerRole)],
    );
  });

  test('log to their own log group with a retention', () => {
    const logGroups = template.findResources('AWS::Logs::LogGroup');
    for (const m of [acme, fastpay]) {
      expect(fn(m).LoggingConfig).toEqual({ LogGroup: { Ref: id(m.probe.logGroup) } });
      expect(logGroups[id(m.probe.logGroup)]).toMatchObject({
        Properties: { RetentionInDays: 30 },
        DeletionPolicy: 'Retain',
      });
    }
    expect(id(acme.probe.logGroup)).not.toBe(id(fastpay.probe.logGroup));
  });
});

describe('IAM: least privilege per processor', () => {
  test('PutMetricData only into the PayProbe namespace', () => {
    for (const m of [acme, fastpay]) {
      const put = statementsOf(m).filter((s) => [s.Action].flat().includes('cloudwatch:PutMetricData'));
      expect(put).toEqual([
        expect.objectContaining({
          Effect: 'Allow',
          Resource: '*',
          Condition: { StringEquals: { 'cloudwatch:namespace': 'PayProbe' } },
        }),
      ]);
    }
  });

  test("acme-pay reads exactly its own secrets and parameter, nothing of fastpay's", () => {
    const s = statementsOf(acme);
    const secretRead = s.filter((x) => [x.Action].flat().includes('secretsmanager:GetSecretValue'));
    expect(secretRead.flatMap((x) => [x.Resource].flat())).toEqual([
      'arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:payprobe/acme-pay/client-cert-??????',
      'arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:payprobe/acme-pay/client-key-??????',
    ]);
    const paramRead = s.filter((x) => [x.Action].flat().some((a) => a.startsWith('ssm:')));
    expect(paramRead).toEqual([
      expect.objectContaining({
        Action: 'ssm:GetParameter',
        Resource: 'arn:<AWS::Partition>:ssm:<AWS::Region>:<AWS::AccountId>:parameter/payprobe/acme-pay/token',
      }),
      // The live audit's own state parameter (test/lib/live-audit.test.ts).
      expect.objectContaining({
        Sid: 'LiveAuditState',
        Resource: `arn:<AWS::Partition>:ssm:<AWS::Region>:<AWS::AccountId>:parameter/<${id(must(stack.liveAudit?.audits[0], 'audit').state)}>`,
      }),
    ]);
    expect(JSON.stringify(s)).not.toContain('fastpay');
  });

  test('fastpay reads only its password secret (an ARN, with or without the version suffix)', () => {
    const s = statementsOf(fastpay);
    const arn = 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:fastpay/password-AbCdEf';
    expect(
      s.filter((x) => [x.Action].flat().includes('secretsmanager:GetSecretValue')).map((x) => x.Resource),
    ).toEqual([[arn, `${arn}-??????`]]);
    expect(
      s.some((x) => x.Sid !== 'LiveAuditState' && [x.Action].flat().some((a) => a.startsWith('ssm:'))),
    ).toBe(false);
    expect(JSON.stringify(s)).not.toContain('acme-pay');
  });

  test('kms:Decrypt only through Secrets Manager or SSM, only for the processor’s own secrets', () => {
    // Besides the live audit's page to the warning topic (EncryptPagesForEncryptedTopics, on the topic's key).
    const decrypt = statementsOf(acme).filter(
      (x) => [x.Action].flat().includes('kms:Decrypt') && x.Sid !== 'EncryptPagesForEncryptedTopics',
    );
    expect(decrypt).toHaveLength(2);
    for (const d of decrypt) {
      expect(Object.keys(d.Condition?.StringEquals ?? {})).toEqual(['kms:ViaService']);
      const context = Object.values(d.Condition?.StringLike ?? {}).flat() as string[];
      expect(context.length).toBeGreaterThan(0);
      for (const arn of context) expect(arn).toContain('acme-pay');
    }
  });

  test('no wildcard actions and no managed policies', () => {
    for (const m of [acme, fastpay]) {
      for (const s of statementsOf(m)) for (const a of [s.Action].flat()) expect(a).not.toContain('*');
    }
    for (const m of [acme, fastpay]) {
      const role = resources(template, 'AWS::IAM::Role')[id(m.probe.role)];
      expect(role?.Properties.AssumeRolePolicyDocument).toMatchObject({
        Statement: [{ Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
      });
      expect(role?.Properties.ManagedPolicyArns).toBeUndefined();
    }
  });
});

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

describe('alert topics', () => {
  test('both topics are encrypted with a rotated customer managed key that CloudWatch alarms may use', () => {
    const keyId = id(alerting.masterKey as never);
    for (const topic of [alerting.criticalTopic, alerting.warningTopic]) {
      expect(
        must(resources(template, 'AWS::SNS::Topic')[id(topic)], 'topic').Properties.KmsMasterKeyId,
      ).toEqual({
        'Fn::GetAtt': [keyId, 'Arn'],
      });
    }
    template.hasResource('AWS::KMS::Key', {
      DeletionPolicy: 'Delete',
      Properties: Match.objectLike({ PendingWindowInDays: 7 }),
    });
    template.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
          }),
        ]),
      },
    });
  });

  test('publishing is TLS-only, and only payprobe alarms of this account may publish as CloudWatch', () => {
    for (const topic of [alerting.criticalTopic, alerting.warningTopic]) {
      const policy = Object.values(resources(template, 'AWS::SNS::TopicPolicy')).find((p) =>
        (p.Properties.Topics as unknown[]).some(
          (t) => JSON.stringify(t) === JSON.stringify({ Ref: id(topic) }),
        ),
      );
      const statements = (flatten(policy?.Properties.PolicyDocument) as { Statement: Statement[] }).Statement;
      expect(statements).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            Effect: 'Deny',
            Action: 'sns:Publish',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
          expect.objectContaining({
            Effect: 'Allow',
            Action: 'sns:Publish',
            Condition: {
              ArnLike: {
                'aws:SourceArn':
                  'arn:<AWS::Partition>:cloudwatch:<AWS::Region>:<AWS::AccountId>:alarm:PayProbe-*',
              },
              StringEquals: { 'aws:SourceAccount': '<AWS::AccountId>' },
            },
          }),
        ]),
      );
    }
  });

  test('subscriptions come from the config: email and https page, sms gets warnings', () => {
    const subs = Object.values(resources(template, 'AWS::SNS::Subscription')).map((s) =>
      flatten(s.Properties),
    );
    expect(subs).toEqual(
      expect.arrayContaining([
        { Protocol: 'email', Endpoint: 'oncall@example.com', TopicArn: criticalTopic },
        {
          Protocol: 'https',
          Endpoint: 'https://events.pagerduty.example/integration/abc123/enqueue',
          TopicArn: criticalTopic,
        },
        { Protocol: 'sms', Endpoint: '+14155550100', TopicArn: warningTopic },
      ]),
    );
    expect(subs).toHaveLength(3);
  });

  test('a critical topic with subscribers raises no "nobody is paged" warning', () => {
    Annotations.fromStack(stack).hasNoWarning('*', Match.stringLikeRegexp('nobody is paged'));
  });
});

describe('dashboard', () => {
  const body = JSON.parse(
    flatten(
      must(
        resources(template, 'AWS::CloudWatch::Dashboard')[
          id(must(stack.dashboard, 'the dashboard').dashboard)
        ],
        'dashboard',
      ).Properties.DashboardBody,
    ) as string,
  ) as { widgets: { type: string; width: number; y: number; properties: Record<string, unknown> }[] };
  const widgets = body.widgets;
  const titled = (title: string) =>
    must(
      widgets.find((w) => w.properties.title === title),
      title,
    );

  test('opens with every processor’s status at a glance: critical alarm states, then availability', () => {
    const status = must(widgets[0], 'first widget');
    const availability = must(widgets[1], 'second widget');
    expect(status.type).toBe('alarm');
    expect(status.y).toBe(0);
    const critical = stack.alarms.filter((a) => a.severity === 'critical');
    expect((status.properties.alarms as string[]).length).toBe(critical.length);
    expect(availability.properties).toMatchObject({ view: 'singleValue', setPeriodToTimeRange: true });
    const expressions = (availability.properties.metrics as [{ expression?: string; label?: string }][]).map(
      (m) => m[0],
    );
    expect(expressions.filter((e) => e.expression).map((e) => e.label)).toEqual(['acme-pay', 'fastpay']);
  });

  test.each([['acme-pay'], ['fastpay']])(
    '%s has availability, failures, stacked phase timings from the log, latency, cert days and failures by class',
    (name) => {
      const failures = titled(`${name}: handshake and auth failures`);
      expect(JSON.stringify(failures.properties.metrics)).toContain('HandshakeFailure');
      expect(JSON.stringify(failures.properties.metrics)).toContain('AuthFailure');
      // The phases come from the probe's own log group through Logs Insights, not from metrics.
      const timings = titled(`${name}: phase timings (ms, stacked; from the probe log)`);
      expect(timings.type).toBe('log');
      expect(timings.properties).toMatchObject({ view: 'timeSeries', stacked: true });
      const monitor = name === 'acme-pay' ? acme : fastpay;
      const query = String(timings.properties.query);
      expect(query).toContain(`SOURCE '<${id(monitor.probe.logGroup)}>'`);
      for (const field of ['dnsMs', 'connectMs', 'tlsMs', 'firstByteMs'])
        expect(query).toContain(`avg(result.timings.${field})`);
      expect(query).toContain('by bin(1m)');
      // Latency of the runs LatencyHigh judges (passed runs), with its budget.
      const latency = titled(`${name}: total probe time of passed runs (ms)`);
      expect(JSON.stringify(latency.properties.metrics)).toContain('TotalTime');
      // True availability (100 x Success), not AvailabilityLow's catch-all arithmetic.
      const availability = titled(`${name}: availability (%)`);
      const graphed = (availability.properties.metrics as { expression?: string }[][]).map((m) => m[0]);
      expect(graphed.filter((e) => e?.expression).map((e) => e?.expression)).toEqual(['100 * success']);
      expect(JSON.stringify(availability.properties.metrics)).not.toContain('HandshakeFailure');
      const certs = JSON.stringify(titled(`${name}: certificate days left`).properties.metrics);
      expect(certs).toContain('CertDaysToExpiry');
      expect(certs.includes('ClientCertDaysToExpiry')).toBe(name === 'acme-pay');
      const byClass = JSON.stringify(titled(`${name}: failures by class`).properties.metrics);
      expect(byClass).toContain(
        `SEARCH('{PayProbe,Class,Processor} MetricName=\\"Failure\\" Processor=\\"${name}\\"', 'Sum', 60)`,
      );
    },
  );
});

describe('outputs', () => {
  test('topic ARNs and the dashboard URL, for subscribing a pager by hand', () => {
    template.hasOutput('CriticalTopicArn', { Value: { Ref: id(alerting.criticalTopic) } });
    template.hasOutput('WarningTopicArn', { Value: { Ref: id(alerting.warningTopic) } });
    template.hasOutput('DashboardUrl', Match.anyValue());
  });
});

test('construct ids are PascalCase per processor and the functions are distinct resources', () => {
  expect(acme.node.id).toBe('AcmePay');
  expect(fastpay.node.id).toBe('Fastpay');
  // The PayProbeFunction is the monitor's `Default` child: in the path, never in a logical ID.
  const cfn = acme.probeFunction.node.defaultChild as CfnFunction;
  expect(cfn.node.path).toBe('PayProbe/Default/AcmePay/Default/Function/Resource');
  expect(stack.getLogicalId(cfn)).toMatch(/^AcmePayFunction[0-9A-F]{8}$/);
  expect(id(acme.probeFunction)).not.toBe(id(fastpay.probeFunction));
});

test('the stack exposes what later constructs compose onto', () => {
  expect(stack.monitors.map((m) => m.processor.name)).toEqual(['acme-pay', 'fastpay']);
  expect(stack.alarms).toHaveLength(13);
  expect(alerting.topicFor('critical')).toBe(alerting.criticalTopic);
  expect(alerting.topicFor('warning')).toBe(alerting.warningTopic);
  expect(NO_CRITICAL_SUBSCRIBER_WARNING).toMatch(/^payprobe:/);
  // The stack is a Stack around the PayProbe construct: the same parts, reached either way.
  expect(stack.payprobe.monitors).toBe(stack.monitors);
  expect(stack.payprobe.criticalTopic).toBe(alerting.criticalTopic);
});
