/**
 * An SNS HTTP subscriber on 127.0.0.1 for the end-to-end harness: it stands in for the pager's webhook, so
 * a test can assert on exactly the notifications an alarm sends. It collects Notification messages and
 * confirms subscriptions the way SNS asks an HTTP endpoint to: a SubscriptionConfirmation carries a
 * SubscribeURL to fetch (or a Token for ConfirmSubscription).
 *
 * What moto 5 does (read in moto/sns/models.py and checked in subscriber.e2e.test.ts): it marks an http(s)
 * subscription confirmed at Subscribe and never sends a SubscriptionConfirmation; it POSTs each
 * notification synchronously during Publish, as JSON with Content-Type text/plain, without the
 * x-amz-sns-* headers and without MessageAttributes. Real SNS (and other emulators) do send the
 * confirmation: it is handled here, fetching the SubscribeURL only on a loopback host (this harness never
 * reaches beyond the machine) or through the `confirm` option.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SnsMessageAttribute {
  readonly Type: string;
  readonly Value: string;
}

/** A Notification as the subscriber received it. */
export interface SnsNotification {
  readonly messageId: string;
  readonly topicArn: string;
  readonly subject?: string;
  /** The message body (for CloudWatch alarm actions, JSON text: JSON.parse it). */
  readonly message: string;
  readonly messageAttributes: Readonly<Record<string, SnsMessageAttribute>>;
  /** SNS's Timestamp field (ISO 8601). */
  readonly timestamp: string;
  /** When it arrived (epoch ms, wall clock). */
  readonly receivedAt: number;
  /** The x-amz-sns-message-type header, when the sender set it (real SNS does, moto does not). */
  readonly messageTypeHeader?: string;
}

/** A SubscriptionConfirmation and what became of it. */
export interface SnsConfirmation {
  readonly topicArn: string;
  readonly token: string;
  readonly subscribeUrl: string;
  readonly confirmed: boolean;
  readonly error?: string;
}

export interface SubscriberOptions {
  /**
   * Confirms a subscription (for example with SNS ConfirmSubscription and the token). Without it, the
   * SubscribeURL is fetched when its host is a loopback address, and left unconfirmed otherwise.
   */
  readonly confirm?: (c: {
    readonly topicArn: string;
    readonly token: string;
    readonly subscribeUrl: string;
  }) => Promise<void>;
  /** @default '/sns' */
  readonly path?: string;
}

export interface SnsSubscriber {
  /** The URL to subscribe with protocol http. */
  readonly endpoint: string;
  /** Every Notification so far, in arrival order. */
  readonly messages: readonly SnsNotification[];
  readonly confirmations: readonly SnsConfirmation[];
  /** Requests it could not use (not JSON, unknown Type): for test failure messages. */
  readonly rejected: readonly string[];
  /** Resolves with the messages once `count` have arrived; rejects after `timeoutMs` saying what did arrive. */
  waitFor(count: number, timeoutMs?: number): Promise<readonly SnsNotification[]>;
  clear(): void;
  close(): Promise<void>;
}

const BODY_LIMIT = 1024 * 1024;

export async function startSubscriber(options: SubscriberOptions = {}): Promise<SnsSubscriber> {
  const path = options.path ?? '/sns';
  const messages: SnsNotification[] = [];
  const confirmations: SnsConfirmation[] = [];
  const rejected: string[] = [];
  const waiters = new Set<() => void>();
  const wake = () => {
    for (const w of [...waiters]) w();
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= BODY_LIMIT) chunks.push(c);
    });
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      if (req.method !== 'POST' || req.url?.split('?')[0] !== path || size > BODY_LIMIT) {
        rejected.push(`${req.method} ${req.url} (${size} bytes)`);
        res.writeHead(404).end();
        return;
      }
      // Answer at once: moto publishes synchronously, and SNS retries slow endpoints.
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      void handle(body, req.headers['x-amz-sns-message-type']);
    });
  });

  async function handle(body: string, typeHeader: string | string[] | undefined): Promise<void> {
    let m: Record<string, unknown>;
    try {
      m = JSON.parse(body) as Record<string, unknown>;
    } catch {
      rejected.push(`not JSON: ${body.slice(0, 200)}`);
      return;
    }
    const type = String(m.Type ?? typeHeader ?? '');
    if (type === 'Notification') {
      messages.push({
        messageId: String(m.MessageId ?? ''),
        topicArn: String(m.TopicArn ?? ''),
        ...(typeof m.Subject === 'string' ? { subject: m.Subject } : {}),
        message: String(m.Message ?? ''),
        messageAttributes: (m.MessageAttributes ?? {}) as Record<string, SnsMessageAttribute>,
        timestamp: String(m.Timestamp ?? ''),
        receivedAt: Date.now(),
        ...(typeof typeHeader === 'string' ? { messageTypeHeader: typeHeader } : {}),
      });
      wake();
    } else if (type === 'SubscriptionConfirmation') {
      const c = {
        topicArn: String(m.TopicArn ?? ''),
        token: String(m.Token ?? ''),
        subscribeUrl: String(m.SubscribeURL ?? ''),
      };
      try {
        if (options.confirm) await options.confirm(c);
        else await fetchLoopback(c.subscribeUrl);
        confirmations.push({ ...c, confirmed: true });
      } catch (e) {
        confirmations.push({ ...c, confirmed: false, error: (e as Error).message });
      }
    } else if (type !== 'UnsubscribeConfirmation') {
      rejected.push(`unknown Type ${type}: ${body.slice(0, 200)}`);
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    endpoint: `http://127.0.0.1:${port}${path}`,
    get messages() {
      return messages;
    },
    get confirmations() {
      return confirmations;
    },
    get rejected() {
      return rejected;
    },
    waitFor(count: number, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (messages.length < count) return;
          cleanup();
          resolve([...messages]);
        };
        const timer = setTimeout(() => {
          cleanup();
          const got = messages.map((x) => `  ${x.subject ?? '(no subject)'} [${x.topicArn}]`).join('\n');
          reject(
            new Error(
              `SNS subscriber: ${messages.length} of ${count} notifications after ${timeoutMs} ms${got ? `:\n${got}` : ''}` +
                (rejected.length > 0 ? `\nrejected requests:\n  ${rejected.join('\n  ')}` : ''),
            ),
          );
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
    clear() {
      messages.length = 0;
      confirmations.length = 0;
      rejected.length = 0;
    },
    close() {
      return new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
    },
  };
}

/** GET a SubscribeURL, only on a loopback host. */
async function fetchLoopback(url: string): Promise<void> {
  const host = new URL(url).hostname;
  if (!/^(127\.\d+\.\d+\.\d+|localhost|\[::1\])$/.test(host)) {
    throw new Error(`SubscribeURL host ${host} is not loopback: pass a confirm function`);
  }
  const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
  await res.arrayBuffer();
  if (!res.ok) throw new Error(`SubscribeURL answered ${res.status}`);
}
