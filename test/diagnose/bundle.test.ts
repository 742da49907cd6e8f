/**
 * The deployable diagnose artifact: lambdas/diagnose/handler.ts bundled with esbuild with the options the
 * stack uses (the probe's lambdas/probe/bundling.json: lib/diagnosis.ts bundles the same way), loaded in a
 * fresh Node process and invoked with an EventBridge alarm event. The bundled AWS SDK talks to a local
 * endpoint (AWS_ENDPOINT_URL) that plays Secrets Manager and records SNS Publish on the wire (query protocol),
 * against a loopback processor whose certificate has expired.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { build } from 'esbuild';
import type { ProcessorConfig } from '../../lambdas/core/config';
import bundling from '../../lambdas/probe/bundling.json';
import { Testbed } from '../../lambdas/testbed/servers';
import { alarmEvent, CRITICAL_ARN, WARNING_ARN } from './support';

const ROOT = path.resolve(__dirname, '../..');
const TOKEN = 'sk_live_bundleDiagnoseSecret000000000001';

/** Secrets Manager (JSON protocol) and SNS (query protocol) on 127.0.0.1, recording SNS Publish calls. */
class FakeAws {
  readonly publishes: URLSearchParams[] = [];
  readonly secretReads: string[] = [];
  readonly secrets = new Map<string, { value: string; version: string }>();
  private server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const target = String(req.headers['x-amz-target'] ?? '');
      if (target === 'secretsmanager.GetSecretValue') {
        const id = String((JSON.parse(raw) as { SecretId: string }).SecretId);
        this.secretReads.push(id);
        const s = this.secrets.get(id);
        res.writeHead(s ? 200 : 400, { 'content-type': 'application/x-amz-json-1.1' });
        res.end(
          JSON.stringify(
            s
              ? { Name: id, VersionId: s.version, SecretString: s.value }
              : { __type: 'ResourceNotFoundException', message: 'not found' },
          ),
        );
        return;
      }
      const form = new URLSearchParams(raw);
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
    });
  });

  async start(): Promise<string> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', () => r()));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  close(): Promise<void> {
    return new Promise((r) => this.server.close(() => r()));
  }
}

let work: string;
let bundleDir: string;
let bed: Testbed;
let aws: FakeAws;
let awsUrl: string;
let processors: Record<string, ProcessorConfig>;

beforeAll(async () => {
  work = mkdtempSync(path.join(tmpdir(), 'payprobe-diagnose-bundle-'));
  bundleDir = path.join(work, 'asset');
  await build({
    ...bundling.esbuild,
    entryPoints: [path.join(ROOT, 'lambdas/diagnose/handler.ts')],
    outfile: path.join(bundleDir, 'index.js'),
    logLevel: 'silent',
  } as Parameters<typeof build>[0]);
  bed = await Testbed.start();
  const sim = await bed.start('expired', { credentials: { type: 'bearer', token: TOKEN } });
  const base = await bed.processor('legacy-bank', sim);
  // As lib/diagnosis.ts deploys it: the public CA under processors/<name>/, the key in Secrets Manager.
  const dir = path.join(bundleDir, 'processors', 'legacy-bank');
  mkdirSync(path.join(dir, 'certs'), { recursive: true });
  writeFileSync(path.join(dir, 'certs', 'ca.pem'), bed.pki.caPem);
  processors = {
    'legacy-bank': {
      ...base,
      tls: { ...base.tls, ca: { file: 'certs/ca.pem' } },
      auth: {
        expectStatus: [200],
        request: { method: 'GET', path: '/v1/balance', headers: {} },
        credentials: { type: 'bearer', token: { secretsManager: 'payprobe/legacy-bank/api-key' } },
      },
      baseDir: dir,
    },
  };
  aws = new FakeAws();
  awsUrl = await aws.start();
  aws.secrets.set('payprobe/legacy-bank/api-key', { value: TOKEN, version: 'v-3' });
}, 120_000);

afterAll(async () => {
  await bed?.close();
  await aws?.close();
  rmSync(work, { recursive: true, force: true });
});

function invoke(
  event: unknown,
): Promise<{ code: number | null; stdout: string; stderr: string; response: unknown }> {
  const runner = `
    const { handler } = require(${JSON.stringify(path.join(bundleDir, 'index.js'))});
    handler(JSON.parse(process.env.TEST_EVENT)).then(
      (r) => { process.stdout.write('\\n@@RESPONSE ' + JSON.stringify(r) + '\\n'); },
      (e) => { process.stdout.write('\\n@@ERROR ' + JSON.stringify({ name: e.name, message: e.message }) + '\\n'); process.exitCode = 1; },
    );
  `;
  const env = {
    PATH: process.env.PATH ?? '',
    PAYPROBE_PROCESSORS: JSON.stringify(processors),
    PAYPROBE_TOPIC_CRITICAL_ARN: CRITICAL_ARN,
    PAYPROBE_TOPIC_WARNING_ARN: WARNING_ARN,
    PAYPROBE_RUNBOOK_BASE_URL: 'https://github.com/acme/payprobe/blob/main/docs/runbooks/',
    LAMBDA_TASK_ROOT: bundleDir,
    AWS_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
    AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
    AWS_ENDPOINT_URL: awsUrl,
    TEST_EVENT: JSON.stringify(event),
    ...bundling.environment,
  };
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', runner], { cwd: bundleDir, env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => {
      const m = /@@(RESPONSE|ERROR) (.*)/.exec(stdout);
      resolve({ code, stdout, stderr, response: m ? JSON.parse(m[2] as string) : undefined });
    });
  });
}

test('the bundle re-probes, then publishes one page over the SNS wire with attributes and per-protocol messages', async () => {
  const inv = await invoke(alarmEvent('PayProbe-legacy-bank-HandshakeFailing', 'ALARM', 'OK'));
  expect(inv.code).toBe(0);
  expect(inv.response).toMatchObject({
    action: 'published',
    subject: '[CRITICAL] legacy-bank: TLS handshake failing - CERT_EXPIRED',
    topicArn: CRITICAL_ARN,
    messageId: '94f20ce6-13c5-43a0-9a9e-ca52d816e90b',
  });
  expect(aws.publishes).toHaveLength(1);
  const form = aws.publishes[0] as URLSearchParams;
  expect(form.get('TopicArn')).toBe(CRITICAL_ARN);
  expect(form.get('Subject')).toBe('[CRITICAL] legacy-bank: TLS handshake failing - CERT_EXPIRED');
  expect(form.get('MessageStructure')).toBe('json');
  const attributes: Record<string, string> = {};
  for (let i = 1; form.has(`MessageAttributes.entry.${i}.Name`); i++) {
    expect(form.get(`MessageAttributes.entry.${i}.Value.DataType`)).toBe('String');
    attributes[form.get(`MessageAttributes.entry.${i}.Name`) as string] = form.get(
      `MessageAttributes.entry.${i}.Value.StringValue`,
    ) as string;
  }
  expect(attributes).toEqual({
    processor: 'legacy-bank',
    severity: 'critical',
    stage: 'tls',
    class: 'CERT_EXPIRED',
    event: 'diagnosis',
  });
  const messages = JSON.parse(form.get('Message') ?? '{}') as Record<string, string>;
  expect(messages.email).toContain(
    'Full runbook: https://github.com/acme/payprobe/blob/main/docs/runbooks/CERT_EXPIRED.md',
  );
  expect(messages.email).toMatch(/\(EXPIRED \d+ days? ago\)/);
  expect(JSON.parse(messages.https ?? '{}')).toMatchObject({
    schema: 'payprobe.notification/v1',
    diagnosis: { class: 'CERT_EXPIRED' },
  });
  // The bundled CA file was read from the processor's directory; the key came from Secrets Manager.
  expect(messages.email).toMatch(/tls\.ca: sha256:[0-9a-f]+/);
  expect(aws.secretReads).toEqual(['payprobe/legacy-bank/api-key']);
  expect(messages.email).toContain('auth.credentials.token: version:v-3');
  const wire = JSON.stringify([...form.entries()]);
  expect(wire).not.toContain(TOKEN);
  expect(`${inv.stdout}${inv.stderr}`).not.toContain(TOKEN);
});
