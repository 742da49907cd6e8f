/**
 * What on-call receives in an end-to-end replay: every notification on the stack's topics, as a webhook
 * receives it (the loopback HTTP subscriber, ./subscriber.ts) joined with its message attributes (an SQS
 * queue subscribed to the same topics: moto leaves attributes out of HTTP deliveries, while SNS's envelope
 * to SQS carries them, as in AWS). Each notification becomes a Page: which topic (critical or warning),
 * whether CloudWatch sent it (an alarm action), the diagnose function (the diagnosis page) or Lambda for a
 * diagnose invocation that failed (the invocation record its failure destination publishes, with the alarm's
 * event inside), its subject, and for a diagnosis page the class, runbook, attributes, email text and webhook
 * document.
 *
 * Per protocol, moto delivers what SNS would for a Publish with MessageStructure json: the `http` key to an
 * HTTP endpoint, the `sqs` key inside the SQS envelope, `default` where a protocol has no key. Email is not
 * delivered by moto; the diagnose function's webhook document carries the same text in `text`.
 *
 * Times: the collector stamps each notification with the simulated time at which the harness saw it
 * arrive (`sync(at)`; moto delivers during Publish, so the arrival is the publish).
 */
import { SubscribeCommand } from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { parseAlarmName } from '../../lambdas/core/contract/alarm-names';
import type { NotificationDocument } from '../../lambdas/core/diagnosis/notification';
import { isInvocationRecord } from './async-invoke';
import type { MotoClientConfig } from './moto';
import type { AwsSim } from './sim';
import type { SnsNotification, SnsSubscriber } from './subscriber';

export type PageTopic = 'critical' | 'warning' | 'other';

/**
 * Who published the notification: CloudWatch, the diagnose function, Lambda's failure destination of the
 * diagnose function (`diagnose-failed`), `payprobe page-test`, or another.
 */
export type PageSource = 'alarm' | 'diagnose' | 'diagnose-failed' | 'page-test' | 'other';

export interface Page {
  /** Simulated time of the publish (epoch ms). */
  readonly at: number;
  readonly topic: PageTopic;
  readonly topicArn: string;
  readonly source: PageSource;
  readonly subject: string;
  readonly messageId: string;
  /** The alarm the notification is about (alarm notifications and diagnosis pages). */
  readonly alarmName?: string;
  /** The processor of that alarm (from its name, lambdas/core/contract/alarm-names.ts). */
  readonly processor?: string;
  /** An alarm notification's new state (for `diagnose-failed`, the state in the alarm's event). */
  readonly state?: string;
  /** A diagnosis page's event: diagnosis, reprobe-passed, resolved. */
  readonly event?: string;
  /** A diagnosis page's class (the failure, a warning, or OK). */
  readonly class?: string;
  /** A diagnosis page's runbook link. */
  readonly runbook?: string;
  /** Message attributes, as SNS delivered them to SQS (String values). */
  readonly attributes: Readonly<Record<string, string>>;
  /** The text people read: the email text of a diagnosis page, the message otherwise. */
  readonly text: string;
  /** The webhook body as delivered (JSON text). */
  readonly message: string;
  /** A diagnosis page's webhook document. */
  readonly document?: NotificationDocument;
}

interface SqsEnvelope {
  readonly MessageId: string;
  readonly MessageAttributes?: Record<string, { Type: string; Value: string }>;
}

export class PageCollector {
  private readonly stamps = new Map<string, number>();
  private readonly attributes = new Map<string, Record<string, string>>();

  private constructor(
    private readonly subscriber: SnsSubscriber,
    private readonly sqs: SQSClient,
    private readonly queueUrl: string,
    private readonly topics: Readonly<Record<string, PageTopic>>,
  ) {}

  /**
   * Subscribes one SQS queue to every topic of the sim (the subscriber is already subscribed by the sim).
   * `topics` names each topic ARN critical or warning (the diagnose function's environment says which).
   */
  static async create(
    aws: { clientConfig: MotoClientConfig },
    sim: AwsSim,
    subscriber: SnsSubscriber,
    topics: Readonly<Record<string, PageTopic>>,
  ): Promise<PageCollector> {
    const sqs = new SQSClient(aws.clientConfig);
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'e2e-pages' }));
    if (!QueueUrl) throw new Error('moto created the pages queue without a URL');
    const attrs = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
    for (const TopicArn of sim.topics.values()) {
      await sim.sns.send(
        new SubscribeCommand({ TopicArn, Protocol: 'sqs', Endpoint: attrs.Attributes?.QueueArn }),
      );
    }
    return new PageCollector(subscriber, sqs, QueueUrl, topics);
  }

  /** Stamps every notification not seen before with simulated time `at`. */
  sync(at: number): void {
    for (const m of this.subscriber.messages) {
      if (!this.stamps.has(m.messageId)) this.stamps.set(m.messageId, at);
    }
  }

  /** Every notification so far, in arrival order, with its attributes. */
  async pages(): Promise<Page[]> {
    await this.drainAttributes();
    return this.subscriber.messages.map((m) => this.page(m));
  }

  destroy(): void {
    this.sqs.destroy();
  }

  private page(m: SnsNotification): Page {
    const at = this.stamps.get(m.messageId);
    if (at === undefined) throw new Error(`notification ${m.messageId} arrived but was never stamped`);
    const base = {
      at,
      topic: this.topics[m.topicArn] ?? 'other',
      topicArn: m.topicArn,
      subject: m.subject ?? '',
      messageId: m.messageId,
      attributes: this.attributes.get(m.messageId) ?? {},
      message: m.message,
    };
    let body: Record<string, unknown> | undefined;
    try {
      body = JSON.parse(m.message) as Record<string, unknown>;
    } catch {
      body = undefined;
    }
    if (body?.schema === 'payprobe.notification/v1' && body.event === 'test') {
      return { ...base, source: 'page-test', event: 'test', text: String(body.text ?? '') };
    }
    if (body?.schema === 'payprobe.notification/v1') {
      const doc = body as unknown as NotificationDocument;
      return {
        ...base,
        source: 'diagnose',
        alarmName: doc.alarm.name,
        ...processorOf(doc.alarm.name),
        event: doc.event,
        ...(doc.diagnosis ? { class: doc.diagnosis.class, runbook: doc.diagnosis.runbook } : {}),
        text: doc.text,
        document: doc,
      };
    }
    if (isInvocationRecord(body)) {
      const detail = (
        body.requestPayload as { detail?: { alarmName?: unknown; state?: { value?: unknown } } }
      )?.detail;
      const alarmName = typeof detail?.alarmName === 'string' ? detail.alarmName : undefined;
      return {
        ...base,
        source: 'diagnose-failed',
        ...(alarmName ? { alarmName, ...processorOf(alarmName) } : {}),
        ...(typeof detail?.state?.value === 'string' ? { state: detail.state.value } : {}),
        text: m.message,
      };
    }
    if (body && typeof body.AlarmName === 'string' && typeof body.NewStateValue === 'string') {
      return {
        ...base,
        source: 'alarm',
        alarmName: body.AlarmName,
        ...processorOf(body.AlarmName),
        state: body.NewStateValue,
        text: m.message,
      };
    }
    return { ...base, source: 'other', text: m.message };
  }

  private async drainAttributes(): Promise<void> {
    for (;;) {
      const r = await this.sqs.send(
        new ReceiveMessageCommand({ QueueUrl: this.queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
      );
      const messages = r.Messages ?? [];
      if (messages.length === 0) return;
      for (const msg of messages) {
        const envelope = JSON.parse(msg.Body ?? '{}') as SqsEnvelope;
        this.attributes.set(
          envelope.MessageId,
          Object.fromEntries(Object.entries(envelope.MessageAttributes ?? {}).map(([k, v]) => [k, v.Value])),
        );
      }
      await this.sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: this.queueUrl,
          Entries: messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
        }),
      );
    }
  }
}

function processorOf(alarmName: string): { processor?: string } {
  const parsed = parseAlarmName(alarmName);
  return parsed ? { processor: parsed.processor } : {};
}

/**
 * The most pages about one processor inside any window of `minutes` (the flap budget's measure: issue #13
 * allows one per processor per 15 minutes while an endpoint flaps).
 */
export function maxPagesPerProcessor(pages: readonly Page[], minutes: number): number {
  let max = 0;
  for (const p of pages) {
    if (p.processor === undefined) continue;
    const inWindow = pages.filter(
      (q) => q.processor === p.processor && q.at >= p.at && q.at < p.at + minutes * 60_000,
    ).length;
    max = Math.max(max, inWindow);
  }
  return max;
}

/**
 * One line per page, for exact assertions and the replay report: minutes from `origin` (+2m), topic,
 * source, subject, and for a diagnosis page its event and class; for a failure record, the alarm and state.
 */
export function describePage(p: Page, origin: number): string {
  const minutes = (p.at - origin) / 60_000;
  const when = `${minutes >= 0 ? '+' : ''}${Number.isInteger(minutes) ? minutes : minutes.toFixed(2)}m`;
  const extra =
    p.source === 'diagnose'
      ? ` [${p.event} ${p.class ?? p.attributes.class ?? '-'}]`
      : p.source === 'diagnose-failed'
        ? `${p.subject ? '' : '(no subject)'} [${p.alarmName ?? '-'} ${p.state ?? '-'}]`
        : '';
  return `${when} ${p.topic} ${p.source}: ${p.subject}${extra}`;
}
