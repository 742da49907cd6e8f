/**
 * What the payprobe functions share (lib/payprobe-function.ts): the bundling the stack deploys is the one the
 * bundle tests and benchmarks build from (lambdas/probe/bundling.json), every payprobe function of a stack
 * with preflight runs with it, and read access to a processor's secrets is exactly its own.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { App, Stack, Validations } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import bundling from '../../lambdas/probe/bundling.json';
import {
  grantReadProcessorSecrets,
  PAYPROBE_ARCHITECTURE,
  PAYPROBE_BUNDLING,
  PAYPROBE_FUNCTION_ENVIRONMENT,
  PAYPROBE_RUNTIME,
} from '../../lib/function/payprobe-function';
import { flatten, must, resources, synthConfig, Template } from '../support/cdk';

describe('lambdas/probe/bundling.json mirrors the deployed bundling', () => {
  test('the esbuild options the tests build with are the ones NodejsFunction is given', () => {
    const e = bundling.esbuild;
    expect({
      minify: PAYPROBE_BUNDLING.minify,
      sourcemap: PAYPROBE_BUNDLING.sourceMap,
      sourcesContent: PAYPROBE_BUNDLING.sourcesContent,
      target: PAYPROBE_BUNDLING.target,
      format: PAYPROBE_BUNDLING.format,
      mainFields: PAYPROBE_BUNDLING.mainFields,
      // NodejsFunction marks the AWS SDK external unless it is bundled; the JSON lists no externals.
      external: PAYPROBE_BUNDLING.bundleAwsSDK ? [] : ['@aws-sdk/*'],
    }).toEqual({
      minify: e.minify,
      sourcemap: e.sourcemap,
      sourcesContent: e.sourcesContent,
      target: e.target,
      format: { cjs: OutputFormat.CJS, esm: OutputFormat.ESM }[e.format],
      mainFields: e.mainFields,
      external: e.external,
    });
    expect(PAYPROBE_BUNDLING.forceDockerBundling).toBe(false);
  });

  test('runtime, handler and environment match', () => {
    expect(PAYPROBE_RUNTIME.name).toBe(bundling.runtime);
    expect(bundling.handler).toBe('handler');
    expect(PAYPROBE_FUNCTION_ENVIRONMENT).toEqual(bundling.environment);
  });
});

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
        Runtime: bundling.runtime,
        Architectures: [PAYPROBE_ARCHITECTURE.name],
        Handler: `index.${bundling.handler}`,
        MemorySize: 256,
        Environment: { Variables: expect.objectContaining(bundling.environment) },
      });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

describe('grantReadProcessorSecrets', () => {
  function grant(secretIds: string[], parameterNames: string[], otherWildcards?: string) {
    const stack = new Stack(new App(), 'S', { env: { account: '111122223333', region: 'eu-west-1' } });
    const role = new Role(stack, 'Role', { assumedBy: new ServicePrincipal('lambda.amazonaws.com') });
    grantReadProcessorSecrets(
      role,
      { secretIds, parameterNames },
      { sid: 'Own', owner: "this processor's", ...(otherWildcards ? { otherWildcards } : {}) },
    );
    const policies = Object.values(resources(Template.fromStack(stack), 'AWS::IAM::Policy'));
    const statements = policies.flatMap(
      (p) => (flatten(p.Properties.PolicyDocument) as { Statement: Record<string, unknown>[] }).Statement,
    );
    const acks = role.node.metadata
      .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .map((m) => m.data as Record<string, string>);
    return { statements, acks };
  }

  test('names get the random suffix, ARNs are taken as given, and KMS decrypts only through the service', () => {
    const { statements, acks } = grant(
      ['bank/api-key', 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:bank/key-AbCdEf'],
      ['/bank/token', 'arn:aws:ssm:eu-west-1:111122223333:parameter/bank/id'],
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
    expect(statements).toEqual([
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
    expect(acks).toEqual([
      {
        'Annotation::AwsSolutions-IAM5[Resource::*]': expect.stringContaining("this processor's own secrets"),
      },
    ]);
  });

  test('nothing to read: no statement and nothing acknowledged, unless the role has other wildcards', () => {
    expect(grant([], [])).toEqual({ statements: [], acks: [] });
    const { statements, acks } = grant([], [], 'cloudwatch:PutMetricData has no resource-level permissions.');
    expect(statements).toEqual([]);
    expect(acks).toEqual([
      {
        'Annotation::AwsSolutions-IAM5[Resource::*]':
          'cloudwatch:PutMetricData has no resource-level permissions.',
      },
    ]);
  });
});
