/**
 * AWS on 127.0.0.1 for a bundled handler's real SDK clients (AWS_ENDPOINT_URL): Secrets Manager answers
 * from `secrets`; CloudWatch PutMetricData (JSON protocol, gzip) and SNS Publish (query protocol) are
 * recorded, which is what the bundle tests assert on.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';

/** One JSON-protocol request: its X-Amz-Target and body. */
export interface AwsCall {
  readonly target: string;
  readonly body: Record<string, unknown>;
}

export class FakeAws {
  /** Every JSON-protocol request (Secrets Manager, CloudWatch), in order. */
  readonly calls: AwsCall[] = [];
  /** Every SNS Publish request, as its form parameters. */
  readonly publishes: URLSearchParams[] = [];
  /** Secret values by SecretId. */
  readonly secrets = new Map<string, { value: string; version: string }>();
  /** Status CloudWatch answers PutMetricData with. */
  putMetricStatus = 200;

  private server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let raw: Buffer = Buffer.concat(chunks);
      if (req.headers['content-encoding'] === 'gzip') raw = gunzipSync(raw);
      const target = String(req.headers['x-amz-target'] ?? '');
      if (target === '') {
        this.answerQuery(new URLSearchParams(raw.toString('utf8')), res);
        return;
      }
      const body = raw.length > 0 ? (JSON.parse(raw.toString('utf8')) as Record<string, unknown>) : {};
      this.calls.push({ target, body });
      this.answerJson(target, body, res);
    });
  });

  /** Listens on a free port; returns the endpoint URL. */
  async start(): Promise<string> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', () => r()));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  close(): Promise<void> {
    return new Promise((r) => this.server.close(() => r()));
  }

  /** Forgets the recorded requests and lets PutMetricData succeed again. */
  reset(): void {
    this.calls.length = 0;
    this.publishes.length = 0;
    this.putMetricStatus = 200;
  }

  /** The SecretIds read, in order. */
  get secretReads(): string[] {
    return this.calls
      .filter((c) => c.target === 'secretsmanager.GetSecretValue')
      .map((c) => String(c.body.SecretId));
  }

  /** The bodies of the PutMetricData requests, in order. */
  putMetricData(): Record<string, unknown>[] {
    return this.calls.filter((c) => c.target.endsWith('.PutMetricData')).map((c) => c.body);
  }

  private answerJson(target: string, body: Record<string, unknown>, res: http.ServerResponse): void {
    const reply = (status: number, payload: unknown) => {
      res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
      res.end(JSON.stringify(payload));
    };
    if (target === 'secretsmanager.GetSecretValue') {
      const s = this.secrets.get(String(body.SecretId));
      if (!s) {
        reply(400, {
          __type: 'ResourceNotFoundException',
          message: "Secrets Manager can't find the specified secret.",
        });
        return;
      }
      reply(200, {
        ARN: `arn:aws:secretsmanager:eu-west-1:123456789012:secret:${body.SecretId}`,
        Name: body.SecretId,
        VersionId: s.version,
        SecretString: s.value,
      });
      return;
    }
    if (target.endsWith('.PutMetricData')) {
      if (this.putMetricStatus !== 200) {
        reply(this.putMetricStatus, { __type: 'InternalServiceFault', message: 'try later' });
        return;
      }
      reply(200, {});
      return;
    }
    reply(400, { __type: 'UnknownOperationException', message: target });
  }

  private answerQuery(form: URLSearchParams, res: http.ServerResponse): void {
    if (form.get('Action') === 'Publish') {
      this.publishes.push(form);
      res.writeHead(200, { 'content-type': 'text/xml' });
      res.end(
        '<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishResult><MessageId>94f20ce6-13c5-43a0-9a9e-ca52d816e90b</MessageId></PublishResult><ResponseMetadata><RequestId>f187a3c1</RequestId></ResponseMetadata></PublishResponse>',
      );
      return;
    }
    res.writeHead(400, { 'content-type': 'text/xml' });
    res.end('<ErrorResponse><Error><Code>InvalidAction</Code></Error></ErrorResponse>');
  }
}
