/**
 * The SNS HTTP subscriber on its own (no emulator): the message types SNS posts to an HTTP endpoint, the
 * subscription confirmation handshake (SubscribeURL on loopback only, or a confirm function), waitFor and
 * its failure message.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { type SnsSubscriber, startSubscriber } from '../../../testbed/aws/subscriber';

const TOPIC = 'arn:aws:sns:us-east-1:123456789012:pages';

async function post(endpoint: string, body: unknown, headers: Record<string, string> = {}): Promise<number> {
  const res = await fetch(endpoint, {
    method: 'POST',
    headers: { 'content-type': 'text/plain; charset=UTF-8', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  await res.arrayBuffer();
  return res.status;
}

/** Lets the subscriber finish handling a request it already answered. */
const settle = () => new Promise((r) => setTimeout(r, 50));

describe('SNS HTTP subscriber', () => {
  let sub: SnsSubscriber;
  beforeEach(async () => {
    sub = await startSubscriber();
  });
  afterEach(async () => {
    await sub.close();
  });

  it('collects notifications with subject, message, attributes, topic and timestamp', async () => {
    const status = await post(
      sub.endpoint,
      {
        Type: 'Notification',
        MessageId: 'm-1',
        TopicArn: TOPIC,
        Subject: 'ALARM: "x" in EU (Ireland)',
        Message: '{"NewStateValue":"ALARM"}',
        Timestamp: '2026-03-02T10:02:00.123Z',
        MessageAttributes: { severity: { Type: 'String', Value: 'critical' } },
      },
      { 'x-amz-sns-message-type': 'Notification' },
    );
    expect(status).toBe(200);
    const [m] = await sub.waitFor(1, 1000);
    expect(m).toMatchObject({
      messageId: 'm-1',
      topicArn: TOPIC,
      subject: 'ALARM: "x" in EU (Ireland)',
      message: '{"NewStateValue":"ALARM"}',
      messageAttributes: { severity: { Type: 'String', Value: 'critical' } },
      timestamp: '2026-03-02T10:02:00.123Z',
      messageTypeHeader: 'Notification',
    });
    sub.clear();
    expect(sub.messages).toEqual([]);
  });

  it('confirms a subscription by fetching a loopback SubscribeURL', async () => {
    const hits: string[] = [];
    const sns = http.createServer((req, res) => {
      hits.push(req.url ?? '');
      res.end('<ConfirmSubscriptionResponse/>');
    });
    await new Promise<void>((r) => sns.listen(0, '127.0.0.1', () => r()));
    const url = `http://127.0.0.1:${(sns.address() as AddressInfo).port}/?Action=ConfirmSubscription&Token=tok`;
    try {
      await post(sub.endpoint, {
        Type: 'SubscriptionConfirmation',
        TopicArn: TOPIC,
        Token: 'tok',
        SubscribeURL: url,
      });
      await settle();
      expect(hits).toEqual(['/?Action=ConfirmSubscription&Token=tok']);
      expect(sub.confirmations).toEqual([
        { topicArn: TOPIC, token: 'tok', subscribeUrl: url, confirmed: true },
      ]);
    } finally {
      await new Promise((r) => sns.close(r));
    }
  });

  it('does not fetch a SubscribeURL beyond this machine; a confirm function can confirm instead', async () => {
    const far = 'https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&Token=t';
    await post(sub.endpoint, {
      Type: 'SubscriptionConfirmation',
      TopicArn: TOPIC,
      Token: 't',
      SubscribeURL: far,
    });
    await settle();
    expect(sub.confirmations[0]).toMatchObject({
      confirmed: false,
      error: expect.stringMatching(/not loopback/),
    });

    const seen: string[] = [];
    const withConfirm = await startSubscriber({ confirm: async (c) => void seen.push(c.token) });
    try {
      await post(withConfirm.endpoint, {
        Type: 'SubscriptionConfirmation',
        TopicArn: TOPIC,
        Token: 't2',
        SubscribeURL: far,
      });
      await settle();
      expect(seen).toEqual(['t2']);
      expect(withConfirm.confirmations[0]?.confirmed).toBe(true);
    } finally {
      await withConfirm.close();
    }
  });

  it('records what it cannot use, and waitFor says what arrived when it times out', async () => {
    expect(await post(`${sub.endpoint}/other`, '{}')).toBe(404);
    await post(sub.endpoint, 'not json');
    await post(sub.endpoint, { Type: 'Notification', TopicArn: TOPIC, Subject: 'first', Message: '1' });
    await settle();
    expect(sub.rejected).toEqual([expect.stringMatching(/^POST \/sns\/other/), 'not JSON: not json']);
    await expect(sub.waitFor(2, 200)).rejects.toThrow(
      /SNS subscriber: 1 of 2 notifications after 200 ms:\n {2}first \[arn:aws:sns:us-east-1:123456789012:pages\]\nrejected requests:/,
    );
  });
});
