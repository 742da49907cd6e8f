/**
 * The deployable artifact: lambdas/probe/handler.ts bundled with esbuild exactly as the stack bundles it
 * (options from lambdas/probe/bundling.json), loaded in a fresh Node process the way Lambda loads it, and
 * invoked with a real EventBridge scheduled event against loopback TLS processors. The real AWS SDK inside
 * the bundle talks to a local HTTP endpoint (AWS_ENDPOINT_URL) that plays Secrets Manager and records
 * every CloudWatch PutMetricData request, which is what the assertions read.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { build } from 'esbuild';
import type { ProcessorConfig } from '../../lambdas/core/config';
import bundling from '../../lambdas/probe/bundling.json';
import { Testbed } from '../../lambdas/testbed/servers';
import { scheduledEvent } from './support';

const ROOT = path.resolve(__dirname, '../..');
const TOKEN = 'sk_test_bundleSecretNeverInOutput77';

interface AwsCall {
  readonly target: string;
  readonly body: Record<string, unknown>;
}

/** A local endpoint for the bundled SDK: Secrets Manager answers from `secrets`, CloudWatch calls are recorded. */
class FakeAws {
  readonly calls: AwsCall[] = [];
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
      const body = raw.length > 0 ? (JSON.parse(raw.toString('utf8')) as Record<string, unknown>) : {};
      this.calls.push({ target, body });
      const reply = (status: number, payload: unknown) => {
        res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
        res.end(JSON.stringify(payload));
      };
      if (target === 'secretsmanager.GetSecretValue') {
        const s = this.secrets.get(String(body.SecretId));
        if (!s)
          return reply(400, {
            __type: 'ResourceNotFoundException',
            message: "Secrets Manager can't find the specified secret.",
          });
        return reply(200, {
          ARN: `arn:aws:secretsmanager:eu-west-1:123456789012:secret:${body.SecretId}`,
          Name: body.SecretId,
          VersionId: s.version,
          SecretString: s.value,
        });
      }
      if (target.endsWith('.PutMetricData')) {
        if (this.putMetricStatus !== 200)
          return reply(this.putMetricStatus, { __type: 'InternalServiceFault', message: 'try later' });
        return reply(200, {});
      }
      return reply(400, { __type: 'UnknownOperationException', message: target });
    });
  });

  async start(): Promise<string> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', () => r()));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  putMetricData(): Record<string, unknown>[] {
    return this.calls.filter((c) => c.target.endsWith('.PutMetricData')).map((c) => c.body);
  }

  close(): Promise<void> {
    return new Promise((r) => this.server.close(() => r()));
  }
}

let work: string;
let bundleDir: string;
let buildMs = 0;
let bed: Testbed;
let aws: FakeAws;
let awsUrl: string;

beforeAll(async () => {
  work = mkdtempSync(path.join(tmpdir(), 'payprobe-bundle-'));
  bundleDir = path.join(work, 'asset');
  const started = Date.now();
  await build({
    ...bundling.esbuild,
    entryPoints: [path.join(ROOT, bundling.entry)],
    outfile: path.join(bundleDir, 'index.js'),
    logLevel: 'silent',
  } as Parameters<typeof build>[0]);
  buildMs = Date.now() - started;
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
  aws.calls.length = 0;
  aws.putMetricStatus = 200;
});

/** A deployed-style config: CA from the bundle, token from Secrets Manager, baseDir = the code directory. */
function deployedConfig(base: ProcessorConfig): ProcessorConfig {
  return {
    ...base,
    tls: { ...base.tls, ca: { file: 'certs/ca.pem' } },
    auth: {
      ...base.auth,
      expectStatus: base.auth?.expectStatus ?? [200],
      credentials: { type: 'bearer', token: { secretsManager: 'payprobe/loopback/api-key' } },
    },
    baseDir: bundleDir,
  };
}

interface Invocation {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly response: unknown;
}

/** Loads the bundle in a fresh Node process and invokes `handler` like the Lambda runtime does. */
function invokeBundle(processor: ProcessorConfig): Promise<Invocation> {
  const runner = `
    const { handler } = require(${JSON.stringify(path.join(bundleDir, 'index.js'))});
    const started = Date.now();
    const context = {
      functionName: 'PayProbe-loopback-Probe', functionVersion: '$LATEST', memoryLimitInMB: '256',
      invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:PayProbe-loopback-Probe',
      awsRequestId: 'c6af9ac6-7b61-11e6-9a41-93e812345678', logGroupName: '/aws/lambda/PayProbe-loopback-Probe',
      logStreamName: '2026/03/02/[$LATEST]abc', callbackWaitsForEmptyEventLoop: true,
      getRemainingTimeInMillis: () => 60000 - (Date.now() - started),
    };
    handler(JSON.parse(process.env.TEST_EVENT), context).then(
      (r) => { process.stdout.write('\\n@@RESPONSE ' + JSON.stringify(r) + '\\n'); },
      (e) => { process.stdout.write('\\n@@ERROR ' + JSON.stringify({ name: e.name, message: e.message }) + '\\n'); process.exitCode = 1; },
    );
  `;
  const env = {
    PATH: process.env.PATH ?? '',
    PAYPROBE_PROCESSOR: JSON.stringify(processor),
    LAMBDA_TASK_ROOT: bundleDir,
    AWS_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
    AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
    AWS_ENDPOINT_URL: awsUrl,
    TEST_EVENT: JSON.stringify(scheduledEvent(new Date().toISOString().replace(/\.\d+Z$/, 'Z'))),
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

it('a scheduled event against a healthy loopback processor publishes one PutMetricData with the DESIGN.md metrics', async () => {
  const api = await bed.start('healthy', { credentials: { type: 'bearer', token: TOKEN } });
  const inv = await invokeBundle(deployedConfig(await bed.processor('loopback', api)));
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
  expect(Object.keys(metricMap(put))).toEqual([
    'Success',
    'HandshakeFailure',
    'AuthFailure',
    'TotalTime',
    'DnsTime',
    'ConnectTime',
    'TlsTime',
    'FirstByteTime',
    'CertDaysToExpiry',
    'InputChanged',
  ]);
  expect(metricMap(put)).toMatchObject({ Success: 1, HandshakeFailure: 0, AuthFailure: 0, InputChanged: 0 });
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

it('an expired server certificate: HandshakeFailure, Failure by Class and the certificate days all published', async () => {
  const api = await bed.start('expired', { credentials: { type: 'bearer', token: TOKEN } });
  const inv = await invokeBundle(deployedConfig(await bed.processor('loopback', api)));
  expect(inv.code).toBe(0);
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
  const inv = await invokeBundle(deployedConfig(await bed.processor('loopback', api)));
  expect(inv.code).toBe(1);
  expect(inv.response).toMatchObject({ name: 'PublishError' });
  // The handler's clients make 3 attempts (the SDK's standard retry strategy) before giving up.
  expect(aws.putMetricData()).toHaveLength(3);
  expect(
    logLines(inv).some((l) => l.level === 'ERROR' && String(l.message).startsWith('PutMetricData failed')),
  ).toBe(true);
}, 30_000);
