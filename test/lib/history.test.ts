/**
 * The history table and the gateway alarm in the synthesized stack: an on-demand table with TTL, each probe
 * function allowed to write only its own processor's item (dynamodb:LeadingKeys), the diagnose function
 * reading every item and writing only incident items, the environment that points the functions at the table
 * and the gateway, and the gateway alarm on the gateway-wide FailingProcessors metric.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { CfnElement } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import type { Construct } from 'constructs';
import { parseAlarmName, parseGatewayAlarmName } from '../../lambdas/core/contract/alarm-names';
import {
  ENV_GATEWAY,
  ENV_HISTORY_TABLE,
  ENV_PROCESSOR,
  ENV_VERDICT,
} from '../../lambdas/core/contract/env-names';
import { fixture, must, resources, synthConfig, Template } from '../support/cdk';

const { stacks } = synthConfig(fixture('two-processors.yaml'));
const stack = must(stacks[0], 'the stack');
const template = Template.fromStack(stack);
const logical = (c: Construct) => stack.getLogicalId(c.node.defaultChild as CfnElement);
const table = logical(stack.history.table);
const tableArn = { 'Fn::GetAtt': [table, 'Arn'] };

/** The statements of the policies attached to a role. */
function statementsOf(role: Construct): Record<string, unknown>[] {
  const ref = logical(role);
  return Object.values(resources(template, 'AWS::IAM::Policy'))
    .filter((p) => JSON.stringify(p.Properties.Roles) === JSON.stringify([{ Ref: ref }]))
    .flatMap((p) => (p.Properties.PolicyDocument as { Statement: Record<string, unknown>[] }).Statement);
}

/** The statements that name the history table. */
function tableStatements(role: Construct): Record<string, unknown>[] {
  return statementsOf(role).filter((s) => JSON.stringify(s.Resource).includes(table));
}

test('one on-demand table keyed by pk, with TTL, encrypted, point-in-time recovery off with a reason', () => {
  template.resourceCountIs('AWS::DynamoDB::Table', 1);
  template.hasResource('AWS::DynamoDB::Table', {
    Properties: {
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: false },
    },
    DeletionPolicy: 'Delete',
  });
});

test('each probe function may put and update only its own processor item', () => {
  for (const monitor of stack.monitors) {
    expect(tableStatements(monitor.probe.role)).toEqual([
      {
        Sid: 'RecordHistory',
        Effect: 'Allow',
        Action: ['dynamodb:PutItem', 'dynamodb:UpdateItem'],
        Resource: tableArn,
        Condition: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [monitor.processor.name] } },
      },
    ]);
  }
});

test('the diagnose function reads every item and writes only the incident items', () => {
  expect(tableStatements(stack.diagnosis.diagnose.role)).toEqual([
    { Sid: 'ReadHistory', Effect: 'Allow', Action: 'dynamodb:BatchGetItem', Resource: tableArn },
    {
      Sid: 'WriteIncidents',
      Effect: 'Allow',
      Action: 'dynamodb:PutItem',
      Resource: tableArn,
      Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['~incident#*'] } },
    },
  ]);
});

test('the functions are pointed at the table and the gateway', () => {
  const functions = Object.values(resources(template, 'AWS::Lambda::Function'));
  const payprobe = functions
    .map((f) => (f.Properties?.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables)
    .filter((v): v is Record<string, unknown> => v !== undefined && ENV_HISTORY_TABLE in v);
  // Both probes and the diagnose function.
  expect(payprobe).toHaveLength(3);
  for (const v of payprobe) {
    expect(v[ENV_HISTORY_TABLE]).toEqual({ Ref: table });
    expect(v[ENV_GATEWAY]).toBe(stack.stackName);
  }
  expect(payprobe.filter((v) => ENV_PROCESSOR in v)).toHaveLength(2);
  // No `verdict` in this config: the diagnose function uses the defaults.
  expect(payprobe.some((v) => ENV_VERDICT in v)).toBe(false);
});

test('the gateway alarm sums FailingProcessors of this gateway, pages at 2 processors in a minute and is damped for 15 minutes, ALARM only', () => {
  const alarm = must(stack.gatewayAlarm, 'the gateway alarm');
  const name = `PayProbe-ProcessorsFailing-${stack.stackName}`;
  template.hasResourceProperties('AWS::CloudWatch::Alarm', {
    AlarmName: name,
    Namespace: 'PayProbe',
    MetricName: 'FailingProcessors',
    Dimensions: [{ Name: 'Gateway', Value: stack.stackName }],
    Statistic: 'Sum',
    Period: 60,
    Threshold: 2,
    ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    EvaluationPeriods: 15,
    DatapointsToAlarm: 1,
    TreatMissingData: 'notBreaching',
    // The diagnose function pages for it (the incident page): no action of its own.
    AlarmActions: Match.absent(),
    OKActions: Match.absent(),
  });
  expect(alarm.gateway).toBe(stack.stackName);
  // The diagnose function tells it from a processor's alarm.
  expect(parseGatewayAlarmName(name)).toBe(stack.stackName);
  expect(parseAlarmName(name)).toBeUndefined();
});

describe('a config with its own verdict settings, and one with a single processor', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'payprobe-history-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('verdict.minProcessors sets the gateway threshold and reaches the diagnose function', () => {
    const file = path.join(dir, 'three.yaml');
    writeFileSync(
      file,
      [
        'verdict: { minProcessors: 3, windowMinutes: 5 }',
        'processors:',
        ...['a', 'b', 'c'].map((n) => `  - { name: ${n}, endpoint: "https://${n}.example" }`),
      ].join('\n'),
    );
    const s = must(synthConfig(file).stacks[0], 'the stack');
    const t = Template.fromStack(s);
    t.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'FailingProcessors', Threshold: 3 });
    t.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({ [ENV_VERDICT]: '{"minProcessors":3,"windowMinutes":5}' }),
      },
    });
  });

  test('with fewer processors than the verdict needs there is no gateway alarm', () => {
    const file = path.join(dir, 'one.yaml');
    writeFileSync(file, 'processors:\n  - { name: solo, endpoint: "https://solo.example" }\n');
    const s = must(synthConfig(file).stacks[0], 'the stack');
    expect(s.gatewayAlarm).toBeUndefined();
    Template.fromStack(s).resourcePropertiesCountIs(
      'AWS::CloudWatch::Alarm',
      { MetricName: 'FailingProcessors' },
      0,
    );
  });
});
