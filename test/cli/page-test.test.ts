/**
 * `payprobe page-test` at the SDK boundary (aws-sdk-client-mock): the topic comes from the deployed stack's
 * outputs, the page is marked as a test everywhere (subject, text, document, attributes), one stack per region
 * of the config, and a failed publish or a missing stack exits 1 naming the topic or the stack.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { run } from '../../cli/main';
import { capturedIo } from '../support/cli-capture';

const cfn = mockClient(CloudFormationClient);
const sns = mockClient(SNSClient);
const arn = (region: string, name: string) => `arn:aws:sns:${region}:111122223333:${name}`;

const memIo = (cwd: string, env: NodeJS.ProcessEnv = {}) => capturedIo({ cwd, env });

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'payprobe-page-test-'));
  writeFileSync(
    path.join(dir, 'payprobe.yaml'),
    'processors:\n  - { name: stripe, endpoint: https://api.stripe.com }\n',
  );
  writeFileSync(
    path.join(dir, 'regions.yaml'),
    'regions: [eu-west-1, us-east-1]\nprocessors:\n  - { name: stripe, endpoint: https://api.stripe.com }\n',
  );
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

beforeEach(() => {
  cfn.reset();
  sns.reset();
  cfn.on(DescribeStacksCommand).callsFake((input: { StackName: string }) => {
    const region = input.StackName.replace(/^PayProbe-?/, '') || 'eu-central-1';
    return {
      Stacks: [
        {
          StackName: input.StackName,
          CreationTime: new Date(),
          StackStatus: 'UPDATE_COMPLETE',
          Outputs: [
            { OutputKey: 'CriticalTopicArn', OutputValue: arn(region, 'Critical') },
            { OutputKey: 'WarningTopicArn', OutputValue: arn(region, 'Warning') },
          ],
        },
      ],
    };
  });
  sns.on(PublishCommand).resolves({ MessageId: 'msg-1' });
});

test('publishes a page marked as a test to the critical topic named by the stack output', async () => {
  const io = memIo(dir, { AWS_REGION: 'eu-central-1' });
  expect(await run(['page-test', '--config', 'payprobe.yaml'], io)).toBe(0);
  expect(cfn).toHaveReceivedCommandWith(DescribeStacksCommand, { StackName: 'PayProbe' });
  const input = sns.commandCalls(PublishCommand)[0]?.args[0].input;
  expect(input?.TopicArn).toBe(arn('eu-central-1', 'Critical'));
  expect(input?.Subject).toBe('[TEST] payprobe page test (critical) - no action needed');
  expect(input?.MessageStructure).toBe('json');
  const message = JSON.parse(input?.Message ?? '{}') as Record<string, string>;
  expect(message.default).toMatch(/^THIS IS A TEST PAGE\. Nothing is failing; no action is needed\./);
  expect(message.sms).toBe(input?.Subject);
  expect(JSON.parse(message.https as string)).toMatchObject({
    schema: 'payprobe.notification/v1',
    event: 'test',
    severity: 'critical',
    stack: 'PayProbe',
    region: 'eu-central-1',
  });
  expect(input?.MessageAttributes).toMatchObject({
    event: { DataType: 'String', StringValue: 'test' },
    severity: { DataType: 'String', StringValue: 'critical' },
  });
  expect(io.out()).toContain(
    `sent a test page to ${arn('eu-central-1', 'Critical')} (critical, stack PayProbe)`,
  );
});

test('--severity warning uses the warning topic; one stack per region of the config', async () => {
  const io = memIo(dir);
  expect(await run(['page-test', '--config', 'regions.yaml', '--severity', 'warning'], io)).toBe(0);
  expect(sns.commandCalls(PublishCommand).map((c) => c.args[0].input.TopicArn)).toEqual([
    arn('eu-west-1', 'Warning'),
    arn('us-east-1', 'Warning'),
  ]);
  cfn.resetHistory();
  sns.resetHistory();
  expect(await run(['page-test', '--config', 'regions.yaml', '--region', 'us-east-1'], memIo(dir))).toBe(0);
  expect(cfn).toHaveReceivedCommandWith(DescribeStacksCommand, { StackName: 'PayProbe-us-east-1' });
  expect(sns).toHaveReceivedCommandTimes(PublishCommand, 1);
});

test('a publish that fails exits 1 naming the topic; the other regions are still tried', async () => {
  sns.on(PublishCommand, { TopicArn: arn('eu-west-1', 'Critical') }).rejects(
    Object.assign(new Error('User is not authorized to perform: kms:GenerateDataKey'), {
      name: 'KMSAccessDeniedException',
    }),
  );
  const io = memIo(dir);
  expect(await run(['page-test', '--config', 'regions.yaml'], io)).toBe(1);
  expect(io.err()).toContain(
    `payprobe: could not publish the test page to ${arn('eu-west-1', 'Critical')} (critical, stack PayProbe-eu-west-1): KMSAccessDeniedException`,
  );
  expect(io.out()).toContain(arn('us-east-1', 'Critical'));
});

test('a stack that is not deployed exits 1 naming it; a bad severity is bad usage (2)', async () => {
  cfn
    .on(DescribeStacksCommand)
    .rejects(Object.assign(new Error('Stack with id PayProbe does not exist'), { name: 'ValidationError' }));
  const io = memIo(dir, { AWS_REGION: 'eu-central-1' });
  expect(await run(['page-test', '--config', 'payprobe.yaml'], io)).toBe(1);
  expect(io.err()).toContain(
    'cannot read stack PayProbe in eu-central-1 (ValidationError: Stack with id PayProbe does not exist)',
  );
  expect(sns).not.toHaveReceivedCommand(PublishCommand);
  const bad = memIo(dir, { AWS_REGION: 'eu-central-1' });
  expect(await run(['page-test', '--config', 'payprobe.yaml', '--severity', 'info'], bad)).toBe(2);
  expect(bad.err()).toContain('--severity info: expected critical or warning');
});
