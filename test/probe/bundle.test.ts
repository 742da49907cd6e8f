/**
 * The deployable artifact: lambdas/probe/handler.ts bundled with esbuild exactly as the stack bundles it
 * (PAYPROBE_ESBUILD_OPTIONS from lib/function/bundling.ts), loaded in a fresh Node process the way Lambda loads it, and
 * invoked with a real EventBridge scheduled event against loopback TLS processors. The real AWS SDK inside
 * the bundle talks to a local HTTP endpoint (AWS_ENDPOINT_URL) that plays Secrets Manager and records
 * every CloudWatch PutMetricData request, which is what the assertions read.
 */
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { ProcessorConfig } from '../../lambdas/core/config/load';
import { Testbed } from '../../testbed/servers';
import { buildBundle, type Invocation, invokeBundle } from '../support/bundle';
import { FakeAws } from '../support/fake-aws';
import { scheduledEvent } from '../support/probe';

const TOKEN = 'sk_test_bundleSecretNeverInOutput77';

let work: string;
let bundleDir: string;
let buildMs = 0;
let bed: Testbed;
let aws: FakeAws;
let awsUrl: string;

beforeAll(async () => {
  work = mkdtempSync(path.join(tmpdir(), 'payprobe-bundle-'));
  bundleDir = path.join(work, 'asset');
  buildMs = await buildBundle('probe', bundleDir);
  bed = await Testbed.start();
  // A non-secret CA bundle shipped inside the function code, as a `{ file }` reference.
  mkdirSync(path.join(bundleDir, 'certs'));
  writeFileSync(path.join(bundleDir, 'certs', 'ca.pem'), bed.pki.caPem);
  aws = new FakeAws();
  awsUrl = await aws.start();
  aws.secrets.set('payprobe/loopback/api-key', { value: TOKEN, version: 'v-1' });
}, 120_000);

afterAll(async () => {
  await bed?.close();
  await aws?.close();
  rmSync(work, { recursive: true, force: true });
});

beforeEach(() => {
  aws.reset();
});

/** A deployed-style config: CA from the bundle, token from Secrets Manager, baseDir = the code directory. */
function deployedConfig(base: ProcessorConfig): ProcessorConfig {
  return {
    ...base,
    // A loaded CI machine can take seconds to run a fresh bundle: the healthy case is about what is published
    // and logged, so a SLOW_RESPONSE warning must not turn 'probe passed' into 'probe passed with warnings'.
    slowResponseMs: 60_000,
    tls: { ...base.tls, ca: { file: 'certs/ca.pem' } },
    auth: {
      ...base.auth,
      expectStatus: base.auth?.expectStatus ?? [200],
      credentials: { type: 'bearer', token: { secretsManager: 'payprobe/loopback/api-key' } },
    },
    baseDir: bundleDir,
  };
}

/** Invokes the bundle with a scheduled event, as EventBridge does once a minute. */
function invokeProbe(processor: ProcessorConfig): Promise<Invocation> {
  return invokeBundle(bundleDir, scheduledEvent(new Date().toISOString().replace(/\.\d+Z$/, 'Z')), {
    env: { PAYPROBE_PROCESSOR: JSON.stringify(processor) },
    awsEndpoint: awsUrl,
    functionName: 'PayProbe-loopback-Probe',
  });
}

/** The JSON log lines the function wrote (stdout and stderr), as CloudWatch Logs would store them. */
function logLines(inv: Invocation): Record<string, unknown>[] {
  return `${inv.stdout}\n${inv.stderr}`
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

function metricMap(body: Record<string, unknown> | undefined): Record<string, unknown> {
  const data = (body?.MetricData ?? []) as {
    MetricName: string;
    Value: number;
    Dimensions: { Name: string; Value: string }[];
  }[];
  return Object.fromEntries(
    data.map((d) => {
      const cls = d.Dimensions.find((x) => x.Name === 'Class')?.Value;
      return [cls ? `${d.MetricName}/${cls}` : d.MetricName, d.Value];
    }),
  );
}

it('bundles the handler with the AWS SDK inside, in well under a minute', () => {
  const size = statSync(path.join(bundleDir, 'index.js')).size;
  expect(statSync(path.join(bundleDir, 'index.js.map')).size).toBeGreaterThan(0);
  expect(size).toBeLessThan(5 * 1024 * 1024);
  expect(buildMs).toBeLessThan(60_000);
  // Recorded for the report: size and build time of the artifact.
  process.stdout.write(`probe bundle: ${(size / 1024).toFixed(0)} KiB, built in ${buildMs} ms\n`);
});

it('a scheduled event against a healthy loopback processor publishes one PutMetricData with the documented metrics', async () => {
  const api = await bed.start('healthy', { credentials: { type: 'bearer', token: TOKEN } });
  const inv = await invokeProbe(deployedConfig(await bed.processor('loopback', api)));
  expect(inv.code).toBe(0);
  expect(inv.response).toMatchObject({
    processor: 'loopback',
    runs: [{ ok: true, class: null }],
    skipped: 0,
  });
  expect(aws.calls.map((c) => c.target)).toEqual([
    'secretsmanager.GetSecretValue',
    'GraniteServiceVersion20100801.PutMetricData',
  ]);
  const [put] = aws.putMetricData();
  expect(put?.Namespace).toBe('PayProbe');
  // What the alarms watch, on every run (lambdas/core/policy/publishing.ts); the phase timings are in the log.
  // The SDK's JSON protocol sends timestamps as epoch seconds.
  const ts = ((put?.MetricData ?? []) as { Timestamp: number }[])[0]?.Timestamp;
  expect(typeof ts).toBe('number');
  const stamp = new Date((ts as number) * 1000);
  expect(Math.abs(stamp.getTime() - Date.now())).toBeLessThan(60_000);
  expect(Object.keys(metricMap(put))).toEqual([
    'Success',
    'HandshakeFailure',
    'AuthFailure',
    'TotalTime',
    'CertDaysToExpiry',
  ]);
  expect(metricMap(put)).toMatchObject({ Success: 1, HandshakeFailure: 0, AuthFailure: 0 });
  const units = Object.fromEntries(
    ((put?.MetricData ?? []) as { MetricName: string; Unit: string }[]).map((d) => [d.MetricName, d.Unit]),
  );
  expect(units).toMatchObject({ Success: 'Count', TotalTime: 'Milliseconds', CertDaysToExpiry: 'None' });
  expect(api.requests.map((r) => r.headers.authorization)).toEqual([`Bearer ${TOKEN}`]);
  const passed = logLines(inv).find((l) => l.message === 'probe passed');
  expect(passed).toMatchObject({
    level: 'INFO',
    service: 'payprobe-probe',
    processor: 'loopback',
    function_name: 'PayProbe-loopback-Probe',
  });
  // The secret went to the configured host only: not to the logs, not to CloudWatch.
  expect(inv.stdout + inv.stderr).not.toContain(TOKEN);
  expect(JSON.stringify(aws.putMetricData())).not.toContain(TOKEN);
}, 30_000);

it('an expired server certificate, confirmed by a re-probe 3 s later: HandshakeFailure, Failure by Class and the certificate days in one call', async () => {
  const api = await bed.start('expired', { credentials: { type: 'bearer', token: TOKEN } });
  const inv = await invokeProbe(deployedConfig(await bed.processor('loopback', api)));
  expect(inv.code).toBe(0);
  expect(inv.response).toMatchObject({
    runs: [{ ok: false, class: 'CERT_EXPIRED', reprobed: { firstClass: 'CERT_EXPIRED', confirmed: true } }],
  });
  expect(aws.putMetricData()).toHaveLength(1);
  const [put] = aws.putMetricData();
  const m = metricMap(put);
  expect(m).toMatchObject({ Success: 0, HandshakeFailure: 1, AuthFailure: 0, 'Failure/CERT_EXPIRED': 1 });
  expect(m.CertDaysToExpiry).toEqual(expect.any(Number));
  expect(m.CertDaysToExpiry as number).toBeLessThan(0);
  expect(logLines(inv).find((l) => l.level === 'ERROR')).toMatchObject({
    message: 'probe failed: CERT_EXPIRED at stage tls',
    result: { class: 'CERT_EXPIRED', stage: 'tls' },
  });
}, 30_000);

it('CloudWatch refusing PutMetricData after the SDK retries fails the invocation loudly', async () => {
  aws.putMetricStatus = 500;
  const api = await bed.start('healthy', { credentials: { type: 'bearer', token: TOKEN } });
  const inv = await invokeProbe(deployedConfig(await bed.processor('loopback', api)));
  expect(inv.code).toBe(1);
  expect(inv.response).toMatchObject({ name: 'PublishError' });
  // The handler's clients make 3 attempts (the SDK's standard retry strategy) before giving up.
  expect(aws.putMetricData()).toHaveLength(3);
  expect(
    logLines(inv).some((l) => l.level === 'ERROR' && String(l.message).startsWith('PutMetricData failed')),
  ).toBe(true);
}, 30_000);
