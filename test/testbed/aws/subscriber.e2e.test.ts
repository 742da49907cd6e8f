/**
 * The SNS subscriber behind moto: how moto 5 delivers to an http subscription (confirmed at Subscribe, no
 * SubscriptionConfirmation, one POST per Publish before Publish returns, no MessageAttributes).
 */
import {
  CreateTopicCommand,
  GetSubscriptionAttributesCommand,
  PublishCommand,
  SNSClient,
  SubscribeCommand,
} from '@aws-sdk/client-sns';
import { type MotoServer, startMoto } from '../../../testbed/aws/moto';
import { type SnsSubscriber, startSubscriber } from '../../../testbed/aws/subscriber';

describe('SNS http delivery by moto', () => {
  let moto: MotoServer;
  let sub: SnsSubscriber;
  let sns: SNSClient;
  beforeAll(async () => {
    [moto, sub] = await Promise.all([startMoto(), startSubscriber()]);
    sns = new SNSClient(moto.clientConfig);
  });
  afterAll(async () => {
    sns?.destroy();
    await Promise.all([sub?.close(), moto?.stop()]);
  });

  it('confirms at Subscribe and posts each published message before Publish returns', async () => {
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'pages' }));
    const { SubscriptionArn } = await sns.send(
      new SubscribeCommand({
        TopicArn,
        Protocol: 'http',
        Endpoint: sub.endpoint,
        ReturnSubscriptionArn: true,
      }),
    );
    const attrs = await sns.send(new GetSubscriptionAttributesCommand({ SubscriptionArn }));
    expect(attrs.Attributes?.PendingConfirmation).toBe('false');
    expect(sub.confirmations).toEqual([]);

    await sns.send(
      new PublishCommand({
        TopicArn,
        Subject: 'ALARM: "PayProbe-acme-HandshakeFailing" in US East (N. Virginia)',
        Message: '{"NewStateValue":"ALARM"}',
        MessageAttributes: { severity: { DataType: 'String', StringValue: 'critical' } },
      }),
    );
    // Delivered synchronously: no wait needed.
    expect(sub.messages).toHaveLength(1);
    expect(sub.messages[0]).toMatchObject({
      topicArn: TopicArn,
      subject: 'ALARM: "PayProbe-acme-HandshakeFailing" in US East (N. Virginia)',
      message: '{"NewStateValue":"ALARM"}',
      // moto does not forward MessageAttributes to http(s) endpoints, nor set x-amz-sns-message-type.
      messageAttributes: {},
    });
    expect(sub.messages[0]?.messageTypeHeader).toBeUndefined();
    expect(sub.messages[0]?.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });
});
