/**
 * The live audit in the synthesized stack: the example config gets, per processor, an audit schedule
 * (daily unless audit.everyHours says otherwise) that invokes the probe function with the audit event through
 * the stack's one scheduler role, a findings state parameter, and the AuditFindings warning alarm (ALARM only,
 * to the warning topic); the probe role may publish only to the warning topic and read and write only its own
 * state parameter. `audit.live: false` leaves all of it out. cdk-nag over the whole app: test/lib/app.test.ts.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Match } from 'aws-cdk-lib/assertions';
import { AUDIT_EVENT } from '../../lambdas/core/contract/env-names';
import type { ProcessorMonitor } from '../../lib/constructs/processor-monitor';
import { flatten, must, REPO, resources, synthConfig, Template } from '../support/cdk';

const EXAMPLE = path.join(REPO, 'payprobe.example.yaml');

function synth(prefix = '') {
  const dir = mkdtempSync(path.join(tmpdir(), 'payprobe-audit-'));
  try {
    const file = path.join(dir, 'payprobe.yaml');
    writeFileSync(file, `${prefix}${readFileSync(EXAMPLE, 'utf8')}`);
    const stack = must(synthConfig(file).stacks[0], 'the stack');
    return { stack, template: Template.fromStack(stack) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const { stack, template } = synth();
const id = (c: { node: { defaultChild?: unknown } }) => stack.getLogicalId(c.node.defaultChild as never);
const monitors = stack.monitors as readonly ProcessorMonitor[];
const audits = must(stack.liveAudit, 'the live audit').audits;

test('the example config has one live audit per processor', () => {
  expect(audits.map((a) => a.processor)).toEqual(monitors.map((m) => m.processor.name));
});

test('a daily schedule invokes each probe function with the audit event, through the stack scheduler role', () => {
  for (const m of monitors) {
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'rate(1 day)',
      State: 'ENABLED',
      FlexibleTimeWindow: { Mode: 'FLEXIBLE', MaximumWindowInMinutes: 15 },
      Target: Match.objectLike({
        Arn: { 'Fn::GetAtt': [id(m.probeFunction), 'Arn'] },
        RoleArn: { 'Fn::GetAtt': [id(stack.schedulerRole), 'Arn'] },
        Input: JSON.stringify(AUDIT_EVENT),
      }),
    });
  }
});

test('audit.everyHours sets the schedule', () => {
  const six = synth('audit: { everyHours: 6 }\n');
  const rates = Object.values(resources(six.template, 'AWS::Scheduler::Schedule')).map(
    (r) => r.Properties.ScheduleExpression,
  );
  expect(rates.filter((r) => r === 'rate(6 hours)')).toHaveLength(monitors.length);
});

test('a warning alarm on AuditFindings per processor, without an action: the audit run pages its findings', () => {
  for (const m of monitors) {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: `PayProbe-AuditFindings-${m.processor.name}`,
      Namespace: 'PayProbe',
      MetricName: 'AuditFindings',
      Dimensions: [{ Name: 'Processor', Value: m.processor.name }],
      Statistic: 'Maximum',
      Period: 3600,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      EvaluationPeriods: 1,
      TreatMissingData: 'ignore',
      AlarmActions: Match.absent(),
      OKActions: Match.absent(),
    });
  }
});

test('the probe function knows its audit topic (the warning topic) and state parameter', () => {
  for (const [i, m] of monitors.entries()) {
    const fn = must(resources(template, 'AWS::Lambda::Function')[id(m.probeFunction)], 'function');
    const env = (fn.Properties as { Environment: { Variables: Record<string, unknown> } }).Environment
      .Variables;
    expect(env.PAYPROBE_AUDIT_TOPIC_ARN).toEqual({ Ref: id(stack.payprobe.warningTopic) });
    expect(env.PAYPROBE_AUDIT_STATE_PARAMETER).toEqual({ Ref: id(must(audits[i], 'audit').state) });
  }
  template.hasResourceProperties('AWS::SSM::Parameter', { Type: 'String', Value: 'none', Tier: 'Standard' });
});

test('least privilege: each probe publishes only to the warning topic and uses only its own state parameter', () => {
  for (const [i, m] of monitors.entries()) {
    const policies = Object.values(resources(template, 'AWS::IAM::Policy')).filter((p) =>
      (flatten(p.Properties.Roles) as string[]).includes(`<${id(m.probe.role)}>`),
    );
    const statements = policies.flatMap(
      (p) =>
        (
          flatten(p.Properties.PolicyDocument) as {
            Statement: { Sid?: string; Action: unknown; Resource: unknown }[];
          }
        ).Statement,
    );
    const state = statements.filter((s) => s.Sid === 'LiveAuditState');
    expect(state).toEqual([
      expect.objectContaining({
        Action: ['ssm:GetParameter', 'ssm:PutParameter'],
        Resource: `arn:<AWS::Partition>:ssm:<AWS::Region>:<AWS::AccountId>:parameter/<${id(must(audits[i], 'audit').state)}>`,
      }),
    ]);
    const publish = statements.filter((s) => [s.Action].flat().includes('sns:Publish'));
    expect(publish).toEqual([expect.objectContaining({ Resource: `<${id(stack.payprobe.warningTopic)}>` })]);
    // No other state parameter, no critical topic.
    const others = audits.filter((_, j) => j !== i).map((a) => id(a.state));
    for (const other of others) expect(JSON.stringify(statements)).not.toContain(other);
    expect(JSON.stringify(statements)).not.toContain(id(stack.payprobe.criticalTopic));
  }
});

test('audit.live: false deploys no live audit', () => {
  const off = synth('audit: { live: false }\n');
  expect(off.stack.liveAudit).toBeUndefined();
  expect(Object.keys(resources(off.template, 'AWS::SSM::Parameter'))).toHaveLength(0);
  const alarms = Object.values(resources(off.template, 'AWS::CloudWatch::Alarm')).map((a) =>
    String(a.Properties.AlarmName),
  );
  expect(alarms.filter((n) => n.includes('AuditFindings'))).toEqual([]);
});
