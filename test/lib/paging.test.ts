/**
 * Template tests of paging hygiene (issue #13): no OK notification for INSUFFICIENT_DATA -> OK (no alarm has OK
 * actions), the warm-up on the missing-data alarm, reserved concurrency on the probe functions, EventBridge
 * Scheduler schedules with one role, 20-s alarm periods at a 20-s interval, and maintenance windows wired as
 * alarm mute rules (and into the diagnose Lambda). One synthesis of a config with a window of each kind. And
 * one pager per incident: the diagnose function pages for the alarms (no SNS actions of their own unless
 * `directAlarmNotifications`), with its failure destination and its DiagnoseErrors alarm as the fallbacks.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { alarmName, parseAlarmName } from '../../lambdas/core/contract/alarm-names';
import { RESERVED_CONCURRENCY_WARNING } from '../../lib/constructs/payprobe-stack';
import type { ProcessorMonitor } from '../../lib/constructs/processor-monitor';
import {
  RESERVABLE_BY_DEFAULT,
  reservedConcurrencyFor,
  reservedConcurrencyWarning,
} from '../../lib/deploy/concurrency';
import { flatten, must, resources, synthConfig, Template } from '../support/cdk';

const dir = mkdtempSync(path.join(tmpdir(), 'payprobe-paging-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const START = '2099-12-01T02:00:00Z';
const END = '2099-12-01T04:30:00Z';

function write(name: string, text: string): string {
  const file = path.join(dir, name);
  writeFileSync(file, text);
  return file;
}

const file = write(
  'paging.yaml',
  `alerting: { critical: [{ email: oncall@example.com }] }
processors:
  - { name: stripe, endpoint: https://api.stripe.com }
  - { name: adyen, endpoint: https://api.adyen.com, intervalSeconds: 20 }
  - { name: paypal, endpoint: https://api.paypal.com, intervalSeconds: 10 }
maintenance:
  - { processors: [stripe], start: "${START}", end: "${END}", reason: Stripe certificate rotation }
  - { processors: [adyen, paypal], cron: "0 3 * * SUN", duration: 2h, timezone: Europe/Berlin, reason: weekly }
`,
);
const { stacks } = synthConfig(file);
const stack = must(stacks[0], 'stack');
const template = Template.fromStack(stack);
const [stripe, adyen, paypal] = stack.monitors as [ProcessorMonitor, ProcessorMonitor, ProcessorMonitor];
const id = (c: { node: { defaultChild?: unknown } }) => stack.getLogicalId(c.node.defaultChild as never);
const alarms = Object.values(resources(template, 'AWS::CloudWatch::Alarm')).map((a) => a.Properties);

test('no alarm has OK actions, so a first deploy (INSUFFICIENT_DATA -> OK) notifies nobody', () => {
  expect(alarms.length).toBeGreaterThan(15);
  for (const a of alarms) {
    expect({ alarm: a.AlarmName, ok: a.OKActions }).toEqual({ alarm: a.AlarmName, ok: undefined });
  }
});

const critical = `<${id(must(stack.payprobe.alerting, 'alerting').criticalTopic)}>`;
const diagnoseErrors = `PayProbe-DiagnoseErrors-${stack.stackName}`;
/** Each alarm's AlarmActions by name, Refs flattened. */
const actionsOf = (t: Template) =>
  Object.fromEntries(
    Object.values(resources(t, 'AWS::CloudWatch::Alarm')).map((a) => [
      String(a.Properties.AlarmName),
      flatten(a.Properties.AlarmActions),
    ]),
  );
/** Two processors, no maintenance windows. */
const base = `processors:
  - { name: stripe, endpoint: https://api.stripe.com }
  - { name: adyen, endpoint: https://api.adyen.com }
`;
const pager = 'alerting: { critical: [{ email: oncall@example.com }] }';
let synthesizedFiles = 0;
/** Each alarm's actions of a config's stack, as 'critical', 'warning' or undefined. */
function synthesized(yaml: string, options: { directAlarmNotifications?: boolean } = {}) {
  const s = must(synthConfig(write(`direct-${synthesizedFiles++}.yaml`, yaml), options).stacks[0], 'stack');
  const alerting = must(s.payprobe.alerting, 'alerting');
  const names: Record<string, string> = {
    [`<${s.getLogicalId(alerting.criticalTopic.node.defaultChild as never)}>`]: 'critical',
    [`<${s.getLogicalId(alerting.warningTopic.node.defaultChild as never)}>`]: 'warning',
  };
  return Object.fromEntries(
    Object.entries(actionsOf(Template.fromStack(s))).map(([alarm, actions]) => [
      alarm,
      actions === undefined ? undefined : (actions as string[]).map((a) => names[a] ?? a),
    ]),
  );
}
const warningKinds = new Set(['LatencyHigh', 'CertExpiring', 'ClientCertExpiring']);
/** The topic an alarm's own notification goes to, when it has one. */
const expectedTopic = (alarm: string) => {
  const parsed = parseAlarmName(alarm);
  if (parsed) return warningKinds.has(parsed.kind) ? 'warning' : 'critical';
  return alarm.startsWith('PayProbe-AuditFindings-') ? 'warning' : 'critical';
};

test('one pager by default: the diagnose function pages for the alarms, which notify no topic themselves', () => {
  const actions = synthesized(`${pager}\n${base}`);
  // 6 per processor, the gateway alarm, 2 live audit alarms: no action (the diagnose function and the audit page).
  const silent = Object.keys(actions).filter((n) => !n.startsWith('PayProbe-DiagnoseErrors-'));
  expect(silent).toHaveLength(2 * 6 + 1 + 2);
  expect(silent.filter((n) => parseAlarmName(n))).toHaveLength(2 * 6);
  expect(silent).toContain('PayProbe-AuditFindings-stripe');
  expect(silent.filter((n) => n.startsWith('PayProbe-ProcessorsFailing-'))).toHaveLength(1);
  for (const n of silent) expect({ n, actions: actions[n] }).toEqual({ n, actions: undefined });
  // The fallback that pages when the diagnose function itself fails keeps its direct action.
  expect(Object.entries(actions).filter(([n]) => !silent.includes(n))).toEqual([
    [expect.stringMatching(/^PayProbe-DiagnoseErrors-/), ['critical']],
  ]);
});

describe('a processor with maintenance windows: its alarms act on the internal held-alarms topic', () => {
  const alerting = must(stack.payprobe.alerting, 'alerting');
  const held = must(stack.payprobe.heldAlarms, 'held alarms');
  const heldRef = `<${id(held.topic)}>`;

  test('its alarms notify the held-alarms topic, never the critical or warning topic; the rest notify nothing', () => {
    // Every processor of this config has a window; the gateway and live audit alarms are not muted: no action.
    const topics = {
      [critical]: 'critical',
      [`<${id(alerting.warningTopic)}>`]: 'warning',
      [heldRef]: 'held',
    };
    const actions = actionsOf(template);
    expect(Object.keys(actions).filter((a) => parseAlarmName(a))).toHaveLength(3 * 6);
    for (const [alarm, list] of Object.entries(actions)) {
      const expected = parseAlarmName(alarm) ? ['held'] : alarm === diagnoseErrors ? ['critical'] : undefined;
      const got = list === undefined ? undefined : (list as string[]).map((a) => topics[a] ?? a);
      expect({ alarm, got }).toEqual({ alarm, got: expected });
    }
    // A processor without a window in the same config pages through the diagnose function alone.
    const mixed = synthesized(`${pager}
${base}maintenance:
  - { processors: [stripe], start: "${START}", end: "${END}", reason: Stripe certificate rotation }
`);
    expect(mixed['PayProbe-stripe-HandshakeFailing']).toEqual([expect.stringMatching(/^<.*HeldAlarms/)]);
    expect(mixed['PayProbe-stripe-LatencyHigh']).toEqual([expect.stringMatching(/^<.*HeldAlarms/)]);
    expect(mixed['PayProbe-adyen-HandshakeFailing']).toBeUndefined();
    // Without windows there is no held-alarms topic at all.
    expect(
      Object.keys(
        resources(
          Template.fromStack(
            must(synthConfig(write('plain-held.yaml', `${pager}\n${base}`)).stacks[0], 'stack'),
          ),
          'AWS::SNS::Topic',
        ),
      ),
    ).toHaveLength(2);
  });

  test('the diagnose function subscribes to it; its Lambda permission names that topic as the source', () => {
    template.resourceCountIs('AWS::SNS::Subscription', 2);
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'lambda',
      TopicArn: { Ref: id(held.topic) },
      Endpoint: { 'Fn::GetAtt': [id(stack.payprobe.diagnosis.function), 'Arn'] },
    });
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      Principal: 'sns.amazonaws.com',
      FunctionName: { 'Fn::GetAtt': [id(stack.payprobe.diagnosis.function), 'Arn'] },
      SourceArn: { Ref: id(held.topic) },
    });
    // Nobody else subscribes: the only other subscription is the pager's email on the critical topic.
    const subscriptions = Object.values(resources(template, 'AWS::SNS::Subscription')).map(
      (r) => r.Properties,
    );
    expect(subscriptions.map((p) => [p.Protocol, flatten(p.TopicArn)])).toEqual(
      expect.arrayContaining([
        ['email', critical],
        ['lambda', heldRef],
      ]),
    );
  });

  test('encrypted with the alert topics key, TLS-only, and only payprobe alarms of this account may publish', () => {
    template.hasResourceProperties('AWS::SNS::Topic', {
      DisplayName: Match.stringLikeRegexp('held alarms'),
      KmsMasterKeyId: { 'Fn::GetAtt': [id(alerting.masterKey as never), 'Arn'] },
    });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [{ Ref: id(held.topic) }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Principal: '*',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
          Match.objectLike({
            Sid: 'AllowPayProbeAlarmsToPublish',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: 'sns:Publish',
            Condition: {
              ArnLike: { 'aws:SourceArn': Match.anyValue() },
              StringEquals: { 'aws:SourceAccount': Match.anyValue() },
            },
          }),
        ]),
      },
    });
    // The alerting key is the one CloudWatch may use: no second key.
    template.resourceCountIs('AWS::KMS::Key', 1);
  });

  test("a shard holding a processor with windows has its own held-alarms topic, on the main stack's key", () => {
    const s = must(
      synthConfig(
        write(
          'sharded-held.yaml',
          `${pager}\n${base}maintenance:\n  - { processors: [adyen], start: "${START}", end: "${END}", reason: Adyen swap }\n`,
        ),
        { mainStackProcessors: 1, shardCount: 1 },
      ).stacks[0],
      'stack',
    );
    expect(s.payprobe.heldAlarms).toBeUndefined();
    const shard = must(s.payprobe.shards[0], 'shard');
    const t = Template.fromStack(shard);
    t.resourceCountIs('AWS::SNS::Topic', 1);
    t.resourceCountIs('AWS::KMS::Key', 0);
    t.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'lambda' });
    const adyenActions = flatten(
      Object.values(resources(t, 'AWS::CloudWatch::Alarm')).find(
        (a) => a.Properties.AlarmName === 'PayProbe-adyen-HandshakeFailing',
      )?.Properties.AlarmActions,
    );
    expect(adyenActions).toEqual([expect.stringMatching(/HeldAlarms/)]);
  });

  test('with directAlarmNotifications there is no held-alarms topic: every alarm notifies its severity topic', () => {
    const direct = synthesized(
      `${pager}
${base}maintenance:
  - { processors: [stripe], start: "${START}", end: "${END}", reason: Stripe certificate rotation }
`,
      { directAlarmNotifications: true },
    );
    expect(direct['PayProbe-stripe-HandshakeFailing']).toEqual(['critical']);
    expect(direct['PayProbe-stripe-LatencyHigh']).toEqual(['warning']);
    expect(direct['PayProbe-adyen-HandshakeFailing']).toEqual(['critical']);
  });
});

test('an event the diagnose function could not handle goes to the critical topic raw: no retry, 2-minute max age', () => {
  template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
    FunctionName: { Ref: id(stack.payprobe.diagnosis.function) },
    MaximumRetryAttempts: 0,
    MaximumEventAgeInSeconds: 120,
    DestinationConfig: {
      OnFailure: { Destination: { Ref: id(must(stack.payprobe.alerting, 'alerting').criticalTopic) } },
    },
  });
  // Lambda publishes the record with the function's role: sns:Publish on the critical topic and its key.
  const policies = Object.values(resources(template, 'AWS::IAM::Policy')).filter((p) =>
    (p.Properties.Roles as { Ref: string }[]).some(
      (r) => r.Ref === id(stack.payprobe.diagnosis.diagnose.role),
    ),
  );
  const statements = policies.flatMap(
    (p) => (p.Properties.PolicyDocument as { Statement: Record<string, unknown>[] }).Statement,
  );
  const onCritical = statements.filter(
    (s) => s.Action === 'sns:Publish' && JSON.stringify(flatten(s.Resource)).includes(critical),
  );
  expect(onCritical.length).toBeGreaterThan(0);
  const key = id(must(stack.payprobe.alerting, 'alerting').masterKey as never);
  expect(statements).toContainEqual(
    expect.objectContaining({
      Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
      Resource: { 'Fn::GetAtt': [key, 'Arn'] },
    }),
  );
  // The DiagnoseErrors alarm also counts a failure record the destination could not publish.
  const errors = alarms.find((a) => a.AlarmName === diagnoseErrors);
  expect(JSON.stringify(errors?.Metrics)).toContain('DestinationDeliveryFailures');
});

describe("directAlarmNotifications: CloudWatch's own notifications too, for pagers that want its format", () => {
  test('alerting.directAlarmNotifications: every alarm also notifies its severity topic on ALARM', () => {
    const actions = synthesized(
      `alerting: { critical: [{ email: oncall@example.com }], directAlarmNotifications: true }\n${base}`,
    );
    // 6 per processor, the gateway alarm, 2 live audit alarms, DiagnoseErrors.
    expect(Object.keys(actions)).toHaveLength(2 * 6 + 1 + 2 + 1);
    for (const [alarm, topics] of Object.entries(actions)) {
      expect({ alarm, topics }).toEqual({ alarm, topics: [expectedTopic(alarm)] });
    }
  });

  test('the construct prop wins over the config', () => {
    const off = synthesized(
      `alerting: { critical: [{ email: oncall@example.com }], directAlarmNotifications: true }\n${base}`,
      { directAlarmNotifications: false },
    );
    expect(Object.entries(off).filter(([, a]) => a !== undefined)).toEqual([
      [expect.stringMatching(/^PayProbe-DiagnoseErrors-/), ['critical']],
    ]);
    const on = synthesized(`${pager}\n${base}`, { directAlarmNotifications: true });
    for (const [alarm, topics] of Object.entries(on)) {
      expect({ alarm, topics }).toEqual({ alarm, topics: [expectedTopic(alarm)] });
    }
  });
});

test('ProbeNotRunning (missing data breaching) warms up for 5 minutes before it evaluates; no other alarm needs it', () => {
  for (const m of stack.monitors) {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: alarmName(m.processor.name, 'ProbeNotRunning'),
      TreatMissingData: 'breaching',
      WarmUpConfiguration: {
        WarmUpPeriodDurationInMinutes: 5,
        OnlyStartEvaluatingAfterWarmUpPeriodEnds: true,
      },
    });
  }
  const warm = alarms
    .filter((a) => a.WarmUpConfiguration)
    .map((a) => parseAlarmName(String(a.AlarmName))?.kind);
  expect(new Set(warm)).toEqual(new Set(['ProbeNotRunning']));
  // Every alarm whose missing data is breaching has the warm-up.
  for (const a of alarms.filter((x) => x.TreatMissingData === 'breaching'))
    expect(a.WarmUpConfiguration).toBeDefined();
});

test('probe functions reserve the executions their runs need: 1 at 60 s, 2 when a run can reach into the next minute', () => {
  const reserved = (m: ProcessorMonitor) =>
    must(resources(template, 'AWS::Lambda::Function')[id(m.probeFunction)], 'fn').Properties
      .ReservedConcurrentExecutions;
  expect([stripe, adyen, paypal].map(reserved)).toEqual([1, 2, 2]);
  expect([stripe, adyen, paypal].map((m) => m.reservedConcurrency)).toEqual([1, 2, 2]);
  expect([48, 60, 61, 75].map(reservedConcurrencyFor)).toEqual([1, 1, 2, 2]);
  // The diagnose function is not reserved (it only runs on alarm changes).
  expect(
    must(resources(template, 'AWS::Lambda::Function')[id(stack.diagnosis.function)], 'diagnose').Properties
      .ReservedConcurrentExecutions,
  ).toBeUndefined();
  Annotations.fromStack(stack).hasNoWarning('*', Match.stringLikeRegexp(RESERVED_CONCURRENCY_WARNING));
});

test('reserved concurrency can be turned off, and synth warns when a stack would exceed what an account can reserve', () => {
  const off = synthConfig(file, { reserveConcurrency: false }).stacks[0];
  const fns = Object.values(resources(Template.fromStack(must(off, 'off')), 'AWS::Lambda::Function'));
  expect(fns.every((f) => f.Properties.ReservedConcurrentExecutions === undefined)).toBe(true);
  // 450 processors below a minute reserve 900, what the default quota allows; one more warns at synth.
  expect(reservedConcurrencyWarning(RESERVABLE_BY_DEFAULT)).toBeUndefined();
  expect(reservedConcurrencyWarning(RESERVABLE_BY_DEFAULT + 2)).toMatch(
    /reserve 902 concurrent executions; with Lambda's default quota of 1000 an account can reserve 900 \(100 stay unreserved\)/,
  );
});

test('EventBridge Scheduler runs each probe on the minute through one role; no Lambda permission per schedule', () => {
  // The probe schedules (the live audit's own, one per processor, are test/lib/live-audit.test.ts's).
  const schedules = Object.values(resources(template, 'AWS::Scheduler::Schedule'))
    .map((s) => flatten(s.Properties) as { ScheduleExpression?: unknown })
    .filter((s) => s.ScheduleExpression === 'rate(1 minute)');
  expect(schedules).toHaveLength(3);
  for (const s of schedules) {
    expect(s).toMatchObject({
      ScheduleExpression: 'rate(1 minute)',
      FlexibleTimeWindow: { Mode: 'OFF' },
      Target: { RoleArn: `<${id(stack.schedulerRole)}.Arn>`, RetryPolicy: { MaximumRetryAttempts: 0 } },
    });
  }
  template.hasResourceProperties('AWS::IAM::Role', {
    AssumeRolePolicyDocument: {
      Statement: [Match.objectLike({ Principal: { Service: 'scheduler.amazonaws.com' } })],
    },
  });
  expect(
    Object.keys(resources(template, 'AWS::Lambda::Permission')).filter((k) => /Schedule/.test(k)),
  ).toEqual([]);
});

test('at a 20-s interval the probe-period alarms use 20-s periods (one probe a period), which CDK alone refuses', () => {
  for (const kind of ['HandshakeFailing', 'AuthRejected', 'LatencyHigh'] as const) {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: alarmName('adyen', kind),
      Period: 20,
    });
  }
  const availability = must(
    alarms.find((a) => a.AlarmName === alarmName('adyen', 'AvailabilityLow')),
    'AvailabilityLow',
  );
  const periods = (availability.Metrics as { MetricStat?: { Period: number } }[]).flatMap((m) =>
    m.MetricStat ? [m.MetricStat.Period] : [],
  );
  expect(periods).toEqual([20, 20, 20]);
  template.hasResourceProperties('AWS::CloudWatch::Alarm', {
    AlarmName: alarmName('adyen', 'HandshakeFailing'),
    DatapointsToAlarm: 2,
    EvaluationPeriods: 45,
  });
});

describe('maintenance windows', () => {
  const rules = Object.values(resources(template, 'AWS::CloudWatch::AlarmMuteRule')).map(
    (r) => flatten(r.Properties) as Record<string, unknown>,
  );
  const alarmRefs = (processor: string) =>
    stack.alarms.filter((a) => a.processor === processor).map((a) => `<${id(a.alarm)}>`);

  it('a one-off window is an alarm mute rule at its UTC start, for its duration, muting every alarm of its processor', () => {
    expect(rules[0]).toEqual({
      Description: 'payprobe maintenance[0] (stripe): Stripe certificate rotation',
      Rule: { Schedule: { Expression: 'at(2099-12-01T02:00)', Duration: 'PT2H30M' } },
      MuteTargets: { AlarmNames: alarmRefs('stripe') },
    });
  });

  it('a recurring window is a cron mute rule in its time zone, muting the alarms of all its processors', () => {
    expect(rules[1]).toEqual({
      Description: 'payprobe maintenance[1] (adyen, paypal): weekly',
      Rule: { Schedule: { Expression: 'cron(0 3 * * SUN)', Duration: 'PT2H', Timezone: 'Europe/Berlin' } },
      MuteTargets: { AlarmNames: [...alarmRefs('adyen'), ...alarmRefs('paypal')] },
    });
    expect(rules).toHaveLength(2);
  });

  it('the diagnose Lambda gets the windows, so it pages nobody for a processor inside one', () => {
    const env = (
      must(resources(template, 'AWS::Lambda::Function')[id(stack.diagnosis.function)], 'diagnose').Properties
        .Environment as { Variables: Record<string, string> }
    ).Variables;
    const windows = JSON.parse(must(env.PAYPROBE_MAINTENANCE, 'PAYPROBE_MAINTENANCE')) as {
      reason: string;
    }[];
    expect(windows.map((w) => w.reason)).toEqual(['Stripe certificate rotation', 'weekly']);
  });

  it('probes and metrics go on: schedules and alarms are the same with or without the windows', () => {
    const plain = write('plain.yaml', readFileSync(file, 'utf8').split('maintenance:')[0] ?? '');
    const without = Template.fromStack(must(synthConfig(plain).stacks[0], 'plain'));
    const types = (t: Template) =>
      Object.values(t.toJSON().Resources as Record<string, { Type: string }>).map((r) => r.Type);
    const diff = types(template).length - types(without).length;
    // Two mute rules, and the held-alarms topic with its policy, the diagnose function's subscription and its
    // Lambda permission.
    expect(diff).toBe(6);
    expect(Object.keys(resources(without, 'AWS::Scheduler::Schedule'))).toHaveLength(6); // 3 probe, 3 audit
    expect(Object.keys(resources(without, 'AWS::CloudWatch::AlarmMuteRule'))).toHaveLength(0);
  });
});
