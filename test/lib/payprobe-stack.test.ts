/**
 * The synthesized stack for two processors with different settings (test/support/two-processor-stack.ts):
 * the probe functions, least-privilege IAM per processor, the outputs and the construct IDs. The alarms are
 * in stack-alarms.test.ts, the topics and the dashboard in stack-topics-and-dashboard.test.ts.
 */
import { Match } from 'aws-cdk-lib/assertions';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { parseProcessorEnv } from '../../lambdas/glue/deployed-config';
import { NO_CRITICAL_SUBSCRIBER_WARNING } from '../../lib/constructs/alerting';
import { must, resources } from '../support/cdk';
import { synthTwoProcessors } from '../support/two-processor-stack';

const { stack, alerting, template, acme, fastpay, id, fn, statementsOf } = synthTwoProcessors();

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
