/**
 * The deployable diagnose artifact: lambdas/diagnose/handler.ts bundled with esbuild with the options the
 * stack uses (lib/function/bundling.ts: every payprobe function bundles the same way), loaded in a
 * fresh Node process and invoked with an EventBridge alarm event. The bundled AWS SDK talks to a local
 * endpoint (AWS_ENDPOINT_URL) that plays Secrets Manager and records SNS Publish on the wire (query protocol),
 * against a loopback processor whose certificate has expired.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { ProcessorConfig } from '../../lambdas/core/config/load';
import { Testbed } from '../../testbed/servers';
import { buildBundle, type Invocation, invokeBundle } from '../support/bundle';
import { alarmEvent, CRITICAL_ARN, WARNING_ARN } from '../support/diagnose';
import { FakeAws } from '../support/fake-aws';

const TOKEN = 'sk_live_bundleDiagnoseSecret000000000001';

let work: string;
let bundleDir: string;
let bed: Testbed;
let aws: FakeAws;
let awsUrl: string;
let processors: Record<string, ProcessorConfig>;

beforeAll(async () => {
  work = mkdtempSync(path.join(tmpdir(), 'payprobe-diagnose-bundle-'));
  bundleDir = path.join(work, 'asset');
  await buildBundle('diagnose', bundleDir);
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

function invoke(event: unknown): Promise<Invocation> {
  return invokeBundle(bundleDir, event, {
    env: {
      PAYPROBE_PROCESSORS: JSON.stringify(processors),
      PAYPROBE_TOPIC_CRITICAL_ARN: CRITICAL_ARN,
      PAYPROBE_TOPIC_WARNING_ARN: WARNING_ARN,
      PAYPROBE_RUNBOOK_BASE_URL: 'https://github.com/acme/payprobe/blob/main/docs/runbooks/',
    },
    awsEndpoint: awsUrl,
    functionName: 'PayProbe-Diagnose',
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
