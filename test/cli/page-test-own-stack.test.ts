/**
 * `payprobe page-test` when the PayProbe construct sits in an app's own stack: CDK names the topic outputs by
 * the construct path (`PaymentsCriticalTopicArn1A2B3C4D`, not `CriticalTopicArn`). The output keys come from
 * a real synthesis of such a stack; DescribeStacks is mocked at the SDK boundary (aws-sdk-client-mock).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { run } from '../../cli/main';
import { loadConfigFile } from '../../lambdas/core/config/load';
import { PayProbe } from '../../lib/constructs/payprobe';
import { cdkJsonContext } from '../support/cdk';
import { type CapturedIo, capturedIo } from '../support/cli-capture';

const cfn = mockClient(CloudFormationClient);
const sns = mockClient(SNSClient);
const REGION = 'eu-west-1';

let dir: string;
let config: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'payprobe-page-test-own-'));
  config = path.join(dir, 'payprobe.yaml');
  writeFileSync(config, 'processors:\n  - { name: stripe, endpoint: https://api.stripe.com }\n');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
beforeEach(() => {
  cfn.reset();
  sns.reset();
  sns.on(PublishCommand).resolves({ MessageId: 'msg-1' });
});

/**
 * The outputs CloudFormation would report for an app stack holding PayProbe constructs with these ids: the
 * synthesized output keys, each with a fake value naming its key, plus an output of the app's own.
 */
function deployedOutputs(ids: readonly string[]): { OutputKey: string; OutputValue: string }[] {
  const app = new App({
    context: { ...cdkJsonContext(), 'aws:cdk:bundling-stacks': [] },
    builtinCloudFormationValidation: false,
  });
  const stack = new Stack(app, 'PaymentsApp', { env: { account: '111122223333', region: REGION } });
  for (const id of ids) new PayProbe(stack, id, { config: loadConfigFile(config) });
  const keys = Object.keys(Template.fromStack(stack).toJSON().Outputs ?? {});
  return [
    { OutputKey: 'CriticalTopicArnOfLegacyAlerts', OutputValue: 'arn:aws:sns:eu-west-1:111122223333:legacy' },
    ...keys.map((k) => ({ OutputKey: k, OutputValue: `arn:aws:sns:${REGION}:111122223333:${k}` })),
  ];
}

function memIo(): CapturedIo {
  return capturedIo({ cwd: dir, env: { AWS_REGION: REGION } });
}

function describeStacksReturns(outputs: { OutputKey: string; OutputValue: string }[]): void {
  cfn.on(DescribeStacksCommand, { StackName: 'PaymentsApp' }).resolves({
    Stacks: [
      {
        StackName: 'PaymentsApp',
        CreationTime: new Date(),
        StackStatus: 'UPDATE_COMPLETE',
        Outputs: outputs,
      },
    ],
  });
}

test('finds the topics of a PayProbe construct in an app stack by their output IDs with the construct path', async () => {
  const outputs = deployedOutputs(['Payments']);
  describeStacksReturns(outputs);
  const critical = outputs.find((o) => /^PaymentsCriticalTopicArn[0-9A-F]{8}$/.test(o.OutputKey));
  const warning = outputs.find((o) => /^PaymentsWarningTopicArn[0-9A-F]{8}$/.test(o.OutputKey));
  expect(critical && warning).toBeDefined();

  const io = memIo();
  expect(await run(['page-test', '--config', 'payprobe.yaml', '--stack-name', 'PaymentsApp'], io)).toBe(0);
  expect(sns.commandCalls(PublishCommand).map((c) => c.args[0].input.TopicArn)).toEqual([
    critical?.OutputValue,
  ]);

  const io2 = memIo();
  const args = [
    'page-test',
    '--config',
    'payprobe.yaml',
    '--stack-name',
    'PaymentsApp',
    '--severity',
    'warning',
  ];
  expect(await run(args, io2)).toBe(0);
  expect(sns.commandCalls(PublishCommand)[1]?.args[0].input.TopicArn).toBe(warning?.OutputValue);
});

test('two PayProbe constructs in one stack: exits 1 naming both outputs, pages nobody', async () => {
  describeStacksReturns(deployedOutputs(['Payments', 'Payouts']));
  const io = memIo();
  expect(await run(['page-test', '--config', 'payprobe.yaml', '--stack-name', 'PaymentsApp'], io)).toBe(1);
  expect(io.err()).toMatch(
    /has 2 payprobe critical topic outputs \(PaymentsCriticalTopicArn[0-9A-F]{8}, PayoutsCriticalTopicArn[0-9A-F]{8}\)/,
  );
  expect(sns).not.toHaveReceivedCommand(PublishCommand);
});
