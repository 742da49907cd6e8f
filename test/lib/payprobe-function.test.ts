/**
 * PayProbeFunction (lib/function/payprobe-function.ts): every payprobe function of a stack runs with the one
 * bundling configuration (lib/function/bundling.ts); the construct owns its log group and a role that may
 * write only there; each grant method adds exactly its statements and the cdk-nag acknowledgement that
 * explains them.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { App, Duration, Stack, Validations } from 'aws-cdk-lib';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Topic } from 'aws-cdk-lib/aws-sns';
import {
  HANDLER_EXPORT,
  PAYPROBE_ARCHITECTURE,
  PAYPROBE_FUNCTION_ENVIRONMENT,
  PAYPROBE_RUNTIME,
} from '../../lib/function/bundling';
import { PayProbeFunction } from '../../lib/function/payprobe-function';
import { flatten, must, resources, synthConfig, Template } from '../support/cdk';

test('every payprobe function of a stack with preflight runs the shared runtime, architecture and environment', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'payprobe-function-'));
  try {
    const file = path.join(dir, 'payprobe.yaml');
    writeFileSync(
      file,
      [
        'preflight: true',
        'processors:',
        '  - name: stripe',
        '    preset: stripe',
        '    auth: { credentials: { type: bearer, token: { secretsManager: payprobe/stripe/api-key } } }',
        '',
      ].join('\n'),
    );
    const stack = must(synthConfig(file).stacks[0], 'the stack');
    const functions = Object.values(resources(Template.fromStack(stack), 'AWS::Lambda::Function'))
      .map((r) => r.Properties)
      .filter((p) => String(p.Description).startsWith('payprobe:'));
    // The probe, the diagnose and the preflight function (the Provider framework's relay is CDK's own).
    expect(functions).toHaveLength(3);
    for (const p of functions) {
      expect(p).toMatchObject({
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        Handler: `index.${HANDLER_EXPORT}`,
        MemorySize: 256,
        Environment: { Variables: expect.objectContaining(PAYPROBE_FUNCTION_ENVIRONMENT) },
      });
    }
    expect([PAYPROBE_RUNTIME.name, PAYPROBE_ARCHITECTURE.name]).toEqual(['nodejs22.x', 'arm64']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

interface Statement {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: unknown;
}

/** A PayProbeFunction alone in a stack (bundling skipped), after `grant` ran on it. */
function synth(grant: (fn: PayProbeFunction, stack: Stack) => void = () => {}) {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'S', { env: { account: '111122223333', region: 'eu-west-1' } });
  const fn = new PayProbeFunction(stack, 'Default', {
    handler: 'probe',
    description: 'payprobe: test function',
    roleDescription: 'payprobe test: writes its log',
    timeout: Duration.seconds(30),
  });
  grant(fn, stack);
  const template = Template.fromStack(stack);
  const policies = Object.values(resources(template, 'AWS::IAM::Policy'));
  const statements = policies.flatMap(
    (p) => (flatten(p.Properties.PolicyDocument) as { Statement: Statement[] }).Statement,
  );
  const acks = fn.role.node.metadata
    .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
    .map((m) => m.data as Record<string, string>);
  return { fn, stack, template, statements, acks };
}

const WILDCARD = 'Annotation::AwsSolutions-IAM5[Resource::*]';

describe('the construct', () => {
  test('owns its log group and a role that may write only there; as `Default` its resources keep the parent’s IDs', () => {
    const { fn, stack, template, statements } = synth();
    const logGroupId = stack.getLogicalId(fn.logGroup.node.defaultChild as never);
    const roleId = stack.getLogicalId(fn.role.node.defaultChild as never);
    const functionId = stack.getLogicalId(fn.function.node.defaultChild as never);
    // `Default` is left out of logical IDs: the same IDs as a log group, role and function made in the stack.
    expect([logGroupId, roleId, functionId].map((i) => i.replace(/[0-9A-F]{8}$/, ''))).toEqual([
      'LogGroup',
      'Role',
      'Function',
    ]);
    expect(
      must(resources(template, 'AWS::Lambda::Function')[functionId], 'function').Properties,
    ).toMatchObject({
      Role: { 'Fn::GetAtt': [roleId, 'Arn'] },
      LoggingConfig: { LogGroup: { Ref: logGroupId } },
      Description: 'payprobe: test function',
      Timeout: 30,
    });
    expect(must(resources(template, 'AWS::Logs::LogGroup')[logGroupId], 'log group').Properties).toEqual({
      RetentionInDays: 30,
    });
    expect(statements).toEqual([
      {
        Effect: 'Allow',
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Resource: `<${logGroupId}.Arn>`,
      },
    ]);
    expect(fn.grantPrincipal).toBe(fn.role);
  });

  test('the runtime is acknowledged on the function, nothing else before a grant', () => {
    const { fn, acks } = synth();
    expect(acks).toEqual([]);
    const functionAcks = fn.function.node.metadata
      .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .map((m) => Object.keys(m.data as object));
    expect(functionAcks).toEqual([['Annotation::AwsSolutions-L1']]);
  });
});

describe('grantReadSecrets', () => {
  const refs = (secretIds: string[], parameterNames: string[]) => (fn: PayProbeFunction) =>
    fn.grantReadSecrets({ secretIds, parameterNames }, { sid: 'Own', owner: "this processor's" });

  test('names get the random suffix, ARNs are taken as given, and KMS decrypts only through the service', () => {
    const { statements, acks } = synth(
      refs(
        ['bank/api-key', 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:bank/key-AbCdEf'],
        ['/bank/token', 'arn:aws:ssm:eu-west-1:111122223333:parameter/bank/id'],
      ),
    );
    const secretArns = [
      'arn:<AWS::Partition>:secretsmanager:eu-west-1:111122223333:secret:bank/api-key-??????',
      'arn:aws:secretsmanager:eu-west-1:111122223333:secret:bank/key-AbCdEf',
      'arn:aws:secretsmanager:eu-west-1:111122223333:secret:bank/key-AbCdEf-??????',
    ];
    const parameterArns = [
      'arn:<AWS::Partition>:ssm:eu-west-1:111122223333:parameter/bank/token',
      'arn:aws:ssm:eu-west-1:111122223333:parameter/bank/id',
    ];
    expect(statements.slice(1)).toEqual([
      {
        Sid: 'ReadOwnSecrets',
        Effect: 'Allow',
        Action: 'secretsmanager:GetSecretValue',
        Resource: secretArns,
      },
      {
        Sid: 'DecryptOwnSecrets',
        Effect: 'Allow',
        Action: 'kms:Decrypt',
        Resource: '*',
        Condition: {
          StringEquals: { 'kms:ViaService': 'secretsmanager.eu-west-1.amazonaws.com' },
          StringLike: { 'kms:EncryptionContext:SecretARN': secretArns },
        },
      },
      { Sid: 'ReadOwnParameters', Effect: 'Allow', Action: 'ssm:GetParameter', Resource: parameterArns },
      {
        Sid: 'DecryptOwnParameters',
        Effect: 'Allow',
        Action: 'kms:Decrypt',
        Resource: '*',
        Condition: {
          StringEquals: { 'kms:ViaService': 'ssm.eu-west-1.amazonaws.com' },
          StringLike: { 'kms:EncryptionContext:PARAMETER_ARN': parameterArns },
        },
      },
    ]);
    expect(acks).toEqual([{ [WILDCARD]: expect.stringContaining("this processor's own secrets") }]);
  });

  test('nothing to read: no statement and nothing acknowledged', () => {
    const { statements, acks } = synth(refs([], []));
    expect(statements.map((s) => s.Sid)).toEqual([undefined]);
    expect(acks).toEqual([]);
  });
});

test('grantPutMetricData: one namespace only, and the wildcard resource explained', () => {
  const { statements, acks } = synth((fn) => fn.grantPutMetricData('PayProbe'));
  expect(statements.slice(1)).toEqual([
    {
      Sid: 'PublishPayProbeMetrics',
      Effect: 'Allow',
      Action: 'cloudwatch:PutMetricData',
      Resource: '*',
      Condition: { StringEquals: { 'cloudwatch:namespace': 'PayProbe' } },
    },
  ]);
  expect(acks).toEqual([{ [WILDCARD]: expect.stringContaining('cloudwatch:namespace = PayProbe') }]);
});

test('grantPublish: sns:Publish on the topics and the two KMS actions on their keys, each key once', () => {
  const { statements, stack, acks } = synth((fn, s) => {
    const key = new Key(s, 'TopicKey');
    const imported = Key.fromKeyArn(s, 'Imported', 'arn:aws:kms:eu-west-1:111122223333:key/1234');
    fn.grantPublish(
      [new Topic(s, 'Critical', { masterKey: key }), new Topic(s, 'Warning', { masterKey: key })],
      imported,
    );
  });
  const id = (path: string) => stack.getLogicalId(stack.node.findChild(path).node.defaultChild as never);
  expect(statements.slice(1)).toEqual([
    {
      Sid: 'PublishPages',
      Effect: 'Allow',
      Action: 'sns:Publish',
      Resource: [`<${id('Critical')}>`, `<${id('Warning')}>`],
    },
    {
      Sid: 'EncryptPagesForEncryptedTopics',
      Effect: 'Allow',
      Action: ['kms:GenerateDataKey', 'kms:Decrypt'],
      Resource: [`<${id('TopicKey')}.Arn>`, 'arn:aws:kms:eu-west-1:111122223333:key/1234'],
    },
  ]);
  expect(acks).toEqual([]);
});
