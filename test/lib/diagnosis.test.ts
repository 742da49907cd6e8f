/**
 * The Diagnosis construct, synthesized for real (bundling skipped via 'aws:cdk:bundling-stacks'): alarm state
 * changes -> diagnose Lambda, publish rights on both topics (and their key), read rights on exactly the
 * diagnosed processors' secrets and parameters, and the function's own error alarm on the critical topic.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { App, type CfnElement, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Alarm, Metric } from 'aws-cdk-lib/aws-cloudwatch';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Topic } from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import { ConfigError, type ProcessorConfig, parseConfig } from '../../lambdas/core/config/load';
import {
  Diagnosis,
  type DiagnosisProps,
  diagnoseErrorsAlarmName,
  ENV,
  PROCESSORS_FILE,
} from '../../lib/constructs/diagnosis';
import { fixture, must, synthConfig } from '../support/cdk';

const ENV_AWS = { account: '123456789012', region: 'eu-west-1' };
let dir: string;
let processors: ProcessorConfig[];

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'payprobe-diagnosis-'));
  writeFileSync(path.join(dir, 'ca.pem'), '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
  const yaml = [
    'processors:',
    '  - name: stripe',
    '    preset: stripe',
    '    auth: { credentials: { type: bearer, token: { secretsManager: payprobe/stripe/api-key } } }',
    '  - name: acquirer',
    '    endpoint: https://api.acquirer.example',
    '    tls:',
    '      ca: { file: ca.pem }',
    '      clientCert: { ssm: /payprobe/acquirer/client-cert }',
    '      clientKey: { secretsManager: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:payprobe/acquirer/key-AbCdEf" }',
    '    auth:',
    '      request: { path: /ping }',
    '      credentials: { type: header, name: X-API-Key, value: { secretsManager: payprobe/acquirer/api-key } }',
    '  - name: paypal',
    '    preset: paypal',
    '    auth:',
    '      credentials:',
    '        type: oauth2-client-credentials',
    '        clientId: { ssm: /payprobe/paypal/client-id }',
    '        clientSecret: { secretsManager: payprobe/paypal/client-secret }',
  ].join('\n');
  processors = [...parseConfig(yaml, path.join(dir, 'payprobe.yaml')).processors];
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function synth(partial: (stack: Stack) => Partial<DiagnosisProps> = () => ({})): {
  template: Template;
  diagnosis: Diagnosis;
  stack: Stack;
} {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'Test', { env: ENV_AWS });
  const key = new Key(stack, 'TopicKey');
  const criticalTopic = new Topic(stack, 'Critical', { masterKey: key });
  const warningTopic = new Topic(stack, 'Warning', { masterKey: key });
  const diagnosis = new Diagnosis(stack, 'Diagnosis', {
    // Only stripe and acquirer are diagnosed here; paypal's secrets must stay out of reach.
    processors: processors.filter((p) => p.name !== 'paypal'),
    criticalTopic,
    warningTopic,
    ...partial(stack),
  });
  return { template: Template.fromStack(stack), diagnosis, stack };
}

/** An ARN as CloudFormation writes it (Fn::Join with the partition) as plain text, partition aws. */
function arn(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(arn);
  const join = (v as { 'Fn::Join'?: [string, unknown[]] } | null)?.['Fn::Join'];
  if (!join) return v;
  return join[1]
    .map((part) =>
      typeof part === 'string'
        ? part
        : (part as { Ref?: string }).Ref === 'AWS::Partition'
          ? 'aws'
          : JSON.stringify(part),
    )
    .join(join[0]);
}

function ref(template: Template, type: string, idPrefix: string): string {
  const ids = Object.keys(template.findResources(type)).filter((id) => id.startsWith(idPrefix));
  expect(ids).toHaveLength(1);
  return ids[0] as string;
}

/** Every statement of the diagnose role's policies. */
function statements(
  template: Template,
): { Sid?: string; Action: string | string[]; Resource: unknown; Condition?: unknown }[] {
  const policies = template.findResources('AWS::IAM::Policy');
  return Object.values(policies).flatMap(
    (p) => (p as { Properties: { PolicyDocument: { Statement: [] } } }).Properties.PolicyDocument.Statement,
  );
}

test('alarm state changes of the diagnosed processors go to the diagnose function', () => {
  const { template } = synth();
  const fn = ref(template, 'AWS::Lambda::Function', 'DiagnosisFunction');
  template.hasResourceProperties('AWS::Events::Rule', {
    EventPattern: {
      source: ['aws.cloudwatch'],
      'detail-type': ['CloudWatch Alarm State Change'],
      detail: {
        alarmName: [{ prefix: 'PayProbe-stripe-' }, { prefix: 'PayProbe-acquirer-' }],
        state: { value: ['ALARM', 'OK'] },
      },
    },
    State: 'ENABLED',
    Targets: [
      Match.objectLike({
        Arn: { 'Fn::GetAtt': [fn, 'Arn'] },
        RetryPolicy: { MaximumRetryAttempts: 0, MaximumEventAgeInSeconds: 300 },
      }),
    ],
  });
  template.hasResourceProperties('AWS::Lambda::Permission', {
    Action: 'lambda:InvokeFunction',
    Principal: 'events.amazonaws.com',
    FunctionName: { 'Fn::GetAtt': [fn, 'Arn'] },
  });
});

test('explicit alarms are matched by ARN instead of by name', () => {
  const { template } = synth((stack) => ({
    alarms: [
      new Alarm(stack, 'A', {
        alarmName: 'PayProbe-stripe-HandshakeFailing',
        metric: new Metric({ namespace: 'PayProbe', metricName: 'HandshakeFailure' }),
        threshold: 1,
        evaluationPeriods: 1,
      }),
    ],
  }));
  const alarm = ref(template, 'AWS::CloudWatch::Alarm', 'A');
  template.hasResourceProperties('AWS::Events::Rule', {
    EventPattern: {
      resources: [{ 'Fn::GetAtt': [alarm, 'Arn'] }],
      detail: { state: { value: ['ALARM', 'OK'] }, alarmName: Match.absent() },
    },
  });
});

test('the function: Node.js 22 on arm64, no retries, topics and processors in its environment', () => {
  const { template } = synth();
  const critical = ref(template, 'AWS::SNS::Topic', 'Critical');
  const warning = ref(template, 'AWS::SNS::Topic', 'Warning');
  const fns = template.findResources('AWS::Lambda::Function');
  const fn = Object.values(fns)[0] as { Properties: { Environment: { Variables: Record<string, unknown> } } };
  template.hasResourceProperties('AWS::Lambda::Function', {
    Runtime: 'nodejs22.x',
    Architectures: ['arm64'],
    Handler: 'index.handler',
    Environment: {
      Variables: Match.objectLike({
        [ENV.topicCritical]: { Ref: critical },
        [ENV.topicWarning]: { Ref: warning },
        [ENV.runbookBaseUrl]: 'docs/runbooks/',
        [ENV.secretTtlSeconds]: '60',
      }),
    },
  });
  template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', { MaximumRetryAttempts: 0 });
  const configs = JSON.parse(fn.Properties.Environment.Variables[ENV.processors] as string) as Record<
    string,
    ProcessorConfig
  >;
  expect(Object.keys(configs)).toEqual(['stripe', 'acquirer']);
  expect(configs.stripe?.baseDir).toBe('/var/task/processors/stripe');
  // The public CA file is bundled under the processor's directory; secret references stay references.
  expect(configs.acquirer?.tls.ca).toEqual({ file: 'ca.pem' });
  expect(configs.acquirer?.baseDir).toBe('/var/task/processors/acquirer');
  expect(configs.acquirer?.tls.clientKey).toEqual({
    secretsManager: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:payprobe/acquirer/key-AbCdEf',
  });
});

test('it may publish to both topics and use their key', () => {
  const { template } = synth();
  const critical = ref(template, 'AWS::SNS::Topic', 'Critical');
  const warning = ref(template, 'AWS::SNS::Topic', 'Warning');
  const key = ref(template, 'AWS::KMS::Key', 'TopicKey');
  const all = statements(template);
  const publish = all.filter((s) => s.Action === 'sns:Publish');
  // The pages, and Lambda's publish of a failure record to the critical topic (the same role, the same grant).
  expect(publish.map((s) => s.Resource)).toEqual([[{ Ref: critical }, { Ref: warning }]]);
  // Exactly what SNS needs from a publisher to an encrypted topic: no kms:GenerateDataKey* wildcard.
  const kms = all.filter((s) => JSON.stringify(s.Action).includes('kms:GenerateDataKey'));
  expect(kms).toEqual([
    expect.objectContaining({
      Action: ['kms:GenerateDataKey', 'kms:Decrypt'],
      Resource: { 'Fn::GetAtt': [key, 'Arn'] },
    }),
  ]);
  for (const s of all) for (const a of ([] as string[]).concat(s.Action)) expect(a).not.toContain('*');
});

test('an imported topic key is granted through topicKey', () => {
  const { template } = synth((stack) => ({
    criticalTopic: Topic.fromTopicArn(stack, 'ImpCrit', 'arn:aws:sns:eu-west-1:123456789012:pages'),
    warningTopic: Topic.fromTopicArn(stack, 'ImpWarn', 'arn:aws:sns:eu-west-1:123456789012:warnings'),
    topicKey: Key.fromKeyArn(stack, 'ImpKey', 'arn:aws:kms:eu-west-1:123456789012:key/1111-2222'),
  }));
  const all = statements(template);
  expect(all.filter((s) => s.Action === 'sns:Publish').map((s) => s.Resource)).toEqual([
    ['arn:aws:sns:eu-west-1:123456789012:pages', 'arn:aws:sns:eu-west-1:123456789012:warnings'],
  ]);
  // The failure destination is the imported pager.
  template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
    DestinationConfig: { OnFailure: { Destination: 'arn:aws:sns:eu-west-1:123456789012:pages' } },
  });
  expect(all).toContainEqual(
    expect.objectContaining({
      Action: ['kms:GenerateDataKey', 'kms:Decrypt'],
      Resource: 'arn:aws:kms:eu-west-1:123456789012:key/1111-2222',
    }),
  );
});

test("it may read exactly the diagnosed processors' secrets and parameters, nothing of paypal", () => {
  const { template, diagnosis } = synth();
  expect(diagnosis.deployed.secretIds).toEqual([
    'payprobe/stripe/api-key',
    'arn:aws:secretsmanager:eu-west-1:123456789012:secret:payprobe/acquirer/key-AbCdEf',
    'payprobe/acquirer/api-key',
  ]);
  expect(diagnosis.deployed.parameterNames).toEqual(['/payprobe/acquirer/client-cert']);
  const all = statements(template);
  const secrets = all.filter((s) => s.Action === 'secretsmanager:GetSecretValue');
  expect(secrets).toHaveLength(1);
  expect(arn(secrets[0]?.Resource)).toEqual([
    'arn:aws:secretsmanager:eu-west-1:123456789012:secret:payprobe/stripe/api-key-??????',
    'arn:aws:secretsmanager:eu-west-1:123456789012:secret:payprobe/acquirer/key-AbCdEf',
    'arn:aws:secretsmanager:eu-west-1:123456789012:secret:payprobe/acquirer/key-AbCdEf-??????',
    'arn:aws:secretsmanager:eu-west-1:123456789012:secret:payprobe/acquirer/api-key-??????',
  ]);
  const params = all.filter((s) => s.Action === 'ssm:GetParameter');
  expect(params.map((s) => arn(s.Resource))).toEqual([
    'arn:aws:ssm:eu-west-1:123456789012:parameter/payprobe/acquirer/client-cert',
  ]);
  const text = JSON.stringify(template.toJSON());
  expect(text).not.toContain('paypal/client-secret');
  expect(text).not.toContain('paypal/client-id');
  // No wildcard read anywhere.
  for (const s of all) {
    const actions = ([] as string[]).concat(s.Action);
    if (actions.some((a) => a.startsWith('secretsmanager:') || a.startsWith('ssm:'))) {
      expect(JSON.stringify(s.Resource)).not.toMatch(/"\*"|secret:\*|parameter\/\*/);
    }
  }
  // KMS decrypt for secrets only via Secrets Manager / SSM, for these secrets.
  expect(all).toContainEqual(
    expect.objectContaining({
      Sid: 'DecryptDiagnosedSecrets',
      Condition: expect.objectContaining({
        StringEquals: { 'kms:ViaService': 'secretsmanager.eu-west-1.amazonaws.com' },
      }),
    }),
  );
});

test('its own error alarm tells the critical topic directly that its pager is failing', () => {
  const { template } = synth();
  const critical = ref(template, 'AWS::SNS::Topic', 'Critical');
  template.hasResourceProperties('AWS::CloudWatch::Alarm', {
    AlarmName: 'PayProbe-DiagnoseErrors-Test',
    AlarmDescription: Match.stringLikeRegexp(
      '^payprobe diagnose Lambda failing - it is the pager of the payprobe alarms. An alarm event it could not handle reaches this topic raw',
    ),
    Threshold: 1,
    ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    EvaluationPeriods: 1,
    DatapointsToAlarm: 1,
    TreatMissingData: 'notBreaching',
    AlarmActions: [{ Ref: critical }],
    // No OK action: it would notify on the INSUFFICIENT_DATA -> OK of every first deploy.
    OKActions: Match.absent(),
  });
  // Named after the stack: a second copy of the stack in the region gets its own alarm.
  expect(diagnoseErrorsAlarmName('PayProbeStaging')).toBe('PayProbe-DiagnoseErrors-PayProbeStaging');
});

test('a failed or expired event goes to the critical topic raw, and its own alarm counts events that never ran or never reached the topic', () => {
  const { template } = synth();
  const fn = ref(template, 'AWS::Lambda::Function', 'DiagnosisFunction');
  const rule = ref(template, 'AWS::Events::Rule', 'DiagnosisAlarmStateChange');
  const critical = ref(template, 'AWS::SNS::Topic', 'Critical');
  // The function never retries (a retry would page twice, or fold into an incident it already joined): a failed
  // invocation, or an event throttled past 2 minutes, goes to the critical topic as Lambda's invocation record...
  template.hasResourceProperties('AWS::Events::Rule', {
    Targets: [Match.objectLike({ RetryPolicy: { MaximumRetryAttempts: 0, MaximumEventAgeInSeconds: 300 } })],
  });
  template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
    FunctionName: { Ref: fn },
    Qualifier: '$LATEST',
    MaximumRetryAttempts: 0,
    MaximumEventAgeInSeconds: 120,
    DestinationConfig: { OnFailure: { Destination: { Ref: critical } } },
  });
  // ...and a dropped, undelivered or unpublished event, which makes no Errors datapoint, still reaches the alarm.
  const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')).filter(
    (a) => a.Properties.AlarmName === 'PayProbe-DiagnoseErrors-Test',
  );
  expect(alarms).toHaveLength(1);
  const metrics = alarms[0]?.Properties.Metrics as {
    Id: string;
    Expression?: string;
    ReturnData?: boolean;
    MetricStat?: {
      Metric: { Namespace: string; MetricName: string; Dimensions: unknown };
      Period: number;
      Stat: string;
    };
  }[];
  const stat = (id: string) => metrics.find((m) => m.Id === id)?.MetricStat;
  const returned = metrics.filter((m) => m.ReturnData !== false);
  expect(returned).toHaveLength(1);
  expect(returned[0]?.Expression).toBe(
    'FILL(errors, 0) + FILL(dropped, 0) + FILL(undelivered, 0) + FILL(destinationFailures, 0)',
  );
  const watched: [string, string, string, string, string][] = [
    ['errors', 'AWS/Lambda', 'Errors', 'FunctionName', fn],
    ['dropped', 'AWS/Lambda', 'AsyncEventsDropped', 'FunctionName', fn],
    ['undelivered', 'AWS/Events', 'FailedInvocations', 'RuleName', rule],
    ['destinationFailures', 'AWS/Lambda', 'DestinationDeliveryFailures', 'FunctionName', fn],
  ];
  for (const [id, namespace, metricName, dimension, ref] of watched) {
    expect(stat(id)).toEqual({
      Metric: {
        Namespace: namespace,
        MetricName: metricName,
        Dimensions: [{ Name: dimension, Value: { Ref: ref } }],
      },
      Period: 300,
      Stat: 'Sum',
    });
  }
});

test('configs too large for the environment go into the bundle as a file', () => {
  const many = Array.from({ length: 30 }, (_, i) => ({
    ...(processors[0] as ProcessorConfig),
    name: `stripe-${i}`,
  }));
  const { template } = synth(() => ({ processors: many }));
  template.hasResourceProperties('AWS::Lambda::Function', {
    Environment: {
      Variables: Match.objectLike({
        [ENV.processorsFile]: PROCESSORS_FILE,
        [ENV.processors]: Match.absent(),
      }),
    },
  });
});

test('an undeployable reference is a ConfigError naming the field', () => {
  const bad = {
    ...(processors[0] as ProcessorConfig),
    auth: { expectStatus: [200], credentials: { type: 'bearer' as const, token: { env: 'STRIPE_KEY' } } },
  };
  expect(() => synth(() => ({ processors: [bad], configFile: 'payprobe.yaml' }))).toThrow(ConfigError);
  try {
    synth(() => ({ processors: [bad], configFile: 'payprobe.yaml' }));
  } catch (err) {
    expect((err as ConfigError).issues).toContainEqual(
      expect.objectContaining({ file: 'payprobe.yaml', path: 'processors[0].auth.credentials.token' }),
    );
  }
});

describe('in the PayProbe stack', () => {
  test("every processor is diagnosed, paging through the stack's own alert topics and key", () => {
    const { stacks } = synthConfig(fixture('two-processors.yaml'));
    const stack = must(stacks[0], 'the stack');
    const template = Template.fromStack(stack);
    const logical = (c: Construct) => stack.getLogicalId(c.node.defaultChild as CfnElement);
    const fn = logical(stack.diagnosis.function);
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.cloudwatch'],
        detail: {
          // The processors' alarms, and the gateway alarm (several processors failing at once).
          alarmName: [
            { prefix: 'PayProbe-acme-pay-' },
            { prefix: 'PayProbe-fastpay-' },
            `PayProbe-ProcessorsFailing-${stack.stackName}`,
          ],
          state: { value: ['ALARM', 'OK'] },
        },
      },
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [fn, 'Arn'] } })],
    });
    const critical = logical(must(stack.alerting, 'the alert topics').criticalTopic);
    const warning = logical(must(stack.alerting, 'the alert topics').warningTopic);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          [ENV.topicCritical]: { Ref: critical },
          [ENV.topicWarning]: { Ref: warning },
        }),
      },
    });
    expect(stack.diagnosis.deployed.secretIds).toEqual([
      'payprobe/acme-pay/client-cert',
      'payprobe/acme-pay/client-key',
      'arn:aws:secretsmanager:eu-west-1:111122223333:secret:fastpay/password-AbCdEf',
    ]);
    expect(stack.diagnosis.deployed.parameterNames).toEqual(['/payprobe/acme-pay/token']);
    const key = logical(must(stack.alerting, 'the alert topics').masterKey as unknown as Construct);
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: logical(stack.diagnosis.diagnose.role) }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            // cdk.json's @aws-cdk/aws-iam:minimizePolicies sorts the actions of a statement.
            Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
            Resource: { 'Fn::GetAtt': [key, 'Arn'] },
          }),
        ]),
      },
    });
    // The diagnose function is the processors' alarms' one pager: they have no SNS actions of their own.
    for (const a of stack.alarms) {
      const cfn = a.alarm.node.defaultChild as { alarmActions?: unknown[] };
      expect(stack.resolve(cfn.alarmActions)).toBeUndefined();
    }
  });

  test("the real bundle carries each processor's public files under processors/<name>/", () => {
    const outdir = mkdtempSync(path.join(tmpdir(), 'payprobe-diagnosis-bundle-'));
    try {
      const { app, stacks } = synthConfig(fixture('two-processors.yaml'), { bundle: true, outdir });
      const stack = must(stacks[0], 'the stack');
      const assembly = app.synth();
      const template = assembly.getStackByName(stack.stackName).template as {
        Resources: Record<
          string,
          { Properties: { Code?: { S3Key?: string }; Environment?: { Variables: Record<string, string> } } }
        >;
      };
      const fn =
        template.Resources[stack.getLogicalId(stack.diagnosis.function.node.defaultChild as CfnElement)];
      const key = fn?.Properties.Code?.S3Key ?? '';
      expect(key).toMatch(/^[0-9a-f]{64}\.zip$/);
      const asset = path.join(outdir, `asset.${key.replace(/\.zip$/, '')}`);
      const loaded = require(path.join(asset, 'index.js')) as { handler?: unknown };
      expect(typeof loaded.handler).toBe('function');
      expect(readFileSync(path.join(asset, 'processors', 'acme-pay', 'certs', 'ca.pem'), 'utf8')).toBe(
        readFileSync(fixture('certs/ca.pem'), 'utf8'),
      );
      const configs = JSON.parse(fn?.Properties.Environment?.Variables[ENV.processors] ?? '{}') as Record<
        string,
        ProcessorConfig
      >;
      expect(configs['acme-pay']?.baseDir).toBe('/var/task/processors/acme-pay');
      expect(configs['acme-pay']?.tls.ca).toEqual({ file: 'certs/ca.pem' });
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  });
});

test('with configs too large for the environment, the real bundle carries them as payprobe-processors.json', () => {
  const outdir = mkdtempSync(path.join(tmpdir(), 'payprobe-diagnosis-file-'));
  try {
    const app = new App({ outdir });
    const stack = new Stack(app, 'Big', { env: ENV_AWS });
    const many = Array.from({ length: 30 }, (_, i) => ({
      ...(processors[0] as ProcessorConfig),
      name: `stripe-${i}`,
    }));
    const diagnosis = new Diagnosis(stack, 'Diagnosis', {
      processors: many,
      criticalTopic: new Topic(stack, 'Critical'),
      warningTopic: new Topic(stack, 'Warning'),
    });
    const template = app.synth().getStackByName(stack.stackName).template as {
      Resources: Record<string, { Properties: { Code?: { S3Key?: string } } }>;
    };
    const key =
      template.Resources[stack.getLogicalId(diagnosis.function.node.defaultChild as CfnElement)]?.Properties
        .Code?.S3Key ?? '';
    const asset = path.join(outdir, `asset.${key.replace(/\.zip$/, '')}`);
    const configs = JSON.parse(readFileSync(path.join(asset, PROCESSORS_FILE), 'utf8')) as Record<
      string,
      ProcessorConfig
    >;
    expect(Object.keys(configs)).toEqual(many.map((p) => p.name));
    expect(configs['stripe-29']?.baseDir).toBe('/var/task/processors/stripe-29');
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
});
