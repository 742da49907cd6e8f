/**
 * `payprobe page-test` end to end on the emulator: the example config's stack (its SNS topics and the outputs
 * the CLI reads, taken from the synthesized template) is created in moto's CloudFormation, an HTTP subscriber
 * is subscribed to its topics, and the CLI, with nothing but AWS_ENDPOINT_URL and credentials in its
 * environment, finds the topic from the stack and delivers the test page to the subscriber. A topic that is
 * gone makes it exit 1, naming the topic.
 */
import * as path from 'node:path';
import {
  CloudFormationClient,
  CreateStackCommand,
  DescribeStacksCommand,
} from '@aws-sdk/client-cloudformation';
import { DeleteTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { run } from '../../cli/main';
import { TOPIC_OUTPUTS } from '../../lambdas/core/contract/stack';
import { type MotoServer, startMoto } from '../../testbed/aws/moto';
import { type SnsSubscriber, startSubscriber } from '../../testbed/aws/subscriber';
import { must, REPO, synthConfig, Template } from '../support/cdk';
import { type CapturedIo, capturedIo } from '../support/cli-capture';

const REGION = 'eu-west-1';
const EXAMPLE = path.join(REPO, 'payprobe.example.yaml');

/** The topics and topic outputs of the synthesized example stack (moto creates no KMS-encrypted topic). */
function topicsTemplate(): string {
  const full = Template.fromStack(must(synthConfig(EXAMPLE).stacks[0], 'stack')).toJSON() as {
    Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }>;
    Outputs: Record<string, unknown>;
  };
  const Resources = Object.fromEntries(
    Object.entries(full.Resources)
      .filter(([, r]) => r.Type === 'AWS::SNS::Topic')
      .map(([id, r]) => {
        const { KmsMasterKeyId: _key, ...props } = r.Properties ?? {};
        return [id, { Type: r.Type, Properties: props }];
      }),
  );
  const Outputs = Object.fromEntries(
    Object.values(TOPIC_OUTPUTS).map((key) => [key, must(full.Outputs[key], key)]),
  );
  return JSON.stringify({ Resources, Outputs });
}

function memIo(): CapturedIo {
  return capturedIo({ cwd: REPO, env: process.env });
}

describe('payprobe page-test against moto', () => {
  let moto: MotoServer;
  let subscriber: SnsSubscriber;
  let outputs: Record<string, string>;
  const saved = { ...process.env };

  beforeAll(async () => {
    [moto, subscriber] = await Promise.all([startMoto({ region: REGION }), startSubscriber()]);
    Object.assign(process.env, moto.env);
    const cfn = new CloudFormationClient(moto.clientConfig);
    const sns = new SNSClient(moto.clientConfig);
    await cfn.send(new CreateStackCommand({ StackName: 'PayProbe', TemplateBody: topicsTemplate() }));
    const stack = (await cfn.send(new DescribeStacksCommand({ StackName: 'PayProbe' }))).Stacks?.[0];
    outputs = Object.fromEntries((stack?.Outputs ?? []).map((o) => [o.OutputKey ?? '', o.OutputValue ?? '']));
    for (const key of Object.values(TOPIC_OUTPUTS)) {
      await sns.send(
        new SubscribeCommand({ TopicArn: outputs[key], Protocol: 'http', Endpoint: subscriber.endpoint }),
      );
    }
    cfn.destroy();
    sns.destroy();
  });
  afterAll(async () => {
    for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
    Object.assign(process.env, saved);
    await Promise.all([subscriber?.close(), moto?.stop()]);
  });

  it('finds the critical topic from the stack and the subscriber receives the test page', async () => {
    const io = memIo();
    expect(await run(['page-test', '--config', EXAMPLE, '--region', REGION], io)).toBe(0);
    expect(io.err()).toBe('');
    const critical = outputs[TOPIC_OUTPUTS.critical];
    expect(io.out()).toContain(`sent a test page to ${critical} (critical, stack PayProbe)`);
    expect(subscriber.messages).toHaveLength(1);
    const page = must(subscriber.messages[0], 'the page');
    expect(page.topicArn).toBe(critical);
    expect(page.subject).toBe('[TEST] payprobe page test (critical) - no action needed');
    expect(page.message).toContain('THIS IS A TEST PAGE');
  });

  it('exits 1 naming the topic when the publish fails (the warning topic was deleted)', async () => {
    const sns = new SNSClient(moto.clientConfig);
    const warning = outputs[TOPIC_OUTPUTS.warning] as string;
    await sns.send(new DeleteTopicCommand({ TopicArn: warning }));
    sns.destroy();
    const io = memIo();
    expect(
      await run(['page-test', '--config', EXAMPLE, '--region', REGION, '--severity', 'warning'], io),
    ).toBe(1);
    expect(io.err()).toContain(`could not publish the test page to ${warning} (warning, stack PayProbe)`);
    expect(subscriber.messages).toHaveLength(1);
  });
});
