/**
 * Opt-in integration test against a real AWS account: deploys a throwaway payprobe stack with one
 * processor, waits until its probe has published a datapoint to CloudWatch, then destroys the stack.
 *
 *   npx tsx scripts/integ-aws.ts
 *
 * Needs AWS credentials and a region (the usual AWS_PROFILE / AWS_REGION / environment variables) in an
 * account bootstrapped for CDK (`npx cdk bootstrap`). Without credentials it prints why and exits 0.
 * Environment:
 *   PAYPROBE_INTEG_ENDPOINT   what to probe (TLS handshake and one GET, no credentials) @default https://aws.amazon.com
 *   PAYPROBE_INTEG_TIMEOUT_S  how long to wait for the first datapoint @default 420
 * Leaves behind only the probe's log group (retained by design, 30-day retention).
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { DIMENSION_PROCESSOR, METRIC_NAMESPACE, METRICS } from '../lambdas/core/contract/metric-names';

const REPO = path.join(__dirname, '..');

async function awsAvailable(client: CloudWatchClient): Promise<string | undefined> {
  try {
    const region = await client.config.region();
    if (!region) return 'no AWS region configured (set AWS_REGION or a profile with a region)';
  } catch (err) {
    return `no AWS region configured (${(err as Error).message})`;
  }
  try {
    const creds = await client.config.credentials();
    if (!creds?.accessKeyId) return 'no AWS credentials found';
  } catch (err) {
    return `no AWS credentials found (${(err as Error).name})`;
  }
  return undefined;
}

function cdk(args: string[], context: Record<string, string>): number {
  const ctx = Object.entries(context).flatMap(([k, v]) => ['-c', `${k}=${v}`]);
  const r = spawnSync('npx', ['cdk', ...args, ...ctx, '--no-notices'], { cwd: REPO, stdio: 'inherit' });
  return r.status ?? 1;
}

async function firstDatapoint(
  client: CloudWatchClient,
  processor: string,
  timeoutSeconds: number,
): Promise<{ at: Date; success: number } | undefined> {
  const deadline = Date.now() + timeoutSeconds * 1000;
  while (Date.now() < deadline) {
    const end = new Date();
    const out = await client.send(
      new GetMetricDataCommand({
        StartTime: new Date(end.getTime() - 15 * 60_000),
        EndTime: end,
        MetricDataQueries: [
          {
            Id: 'success',
            MetricStat: {
              Metric: {
                Namespace: METRIC_NAMESPACE,
                MetricName: METRICS.success,
                Dimensions: [{ Name: DIMENSION_PROCESSOR, Value: processor }],
              },
              Period: 60,
              Stat: 'Average',
            },
          },
        ],
      }),
    );
    const series = out.MetricDataResults?.[0];
    const at = series?.Timestamps?.[0];
    const value = series?.Values?.[0];
    if (at && value !== undefined) return { at, success: value };
    process.stdout.write(`integ: no datapoint yet for ${processor}; waiting...\n`);
    await new Promise((resolve) => setTimeout(resolve, 20_000));
  }
  return undefined;
}

async function main(): Promise<number> {
  const client = new CloudWatchClient({});
  const unavailable = await awsAvailable(client);
  if (unavailable) {
    process.stdout.write(
      `integ: skipped: ${unavailable}. This test deploys to a real AWS account; nothing was done.\n`,
    );
    return 0;
  }

  const suffix = randomBytes(4).toString('hex');
  const processor = `integ-${suffix}`;
  const stackName = `PayProbeInteg${suffix}`;
  const endpoint = process.env.PAYPROBE_INTEG_ENDPOINT ?? 'https://aws.amazon.com';
  const timeoutSeconds = Number(process.env.PAYPROBE_INTEG_TIMEOUT_S ?? 420);
  const dir = mkdtempSync(path.join(tmpdir(), 'payprobe-integ-'));
  const config = path.join(dir, 'payprobe.yaml');
  writeFileSync(
    config,
    [
      '# Written by scripts/integ-aws.ts: one processor, no credentials, no subscribers.',
      'processors:',
      `  - name: ${processor}`,
      `    endpoint: ${endpoint}`,
      '    auth: { request: { method: GET, path: / }, expectStatus: [200, 301, 302, 403] }',
      '',
    ].join('\n'),
  );
  const context = { config, stackName };

  let status = 1;
  try {
    process.stdout.write(`integ: deploying ${stackName} (probing ${endpoint} as ${processor})\n`);
    if (cdk(['deploy', stackName, '--require-approval', 'never'], context) !== 0) {
      process.stderr.write(
        'integ: FAILED: cdk deploy failed (is the account bootstrapped? npx cdk bootstrap)\n',
      );
      return 1;
    }
    const point = await firstDatapoint(client, processor, timeoutSeconds);
    if (point) {
      process.stdout.write(
        `integ: PASSED: ${METRIC_NAMESPACE}/${METRICS.success} for ${processor} at ${point.at.toISOString()} = ${point.success}\n`,
      );
      status = 0;
    } else {
      process.stderr.write(
        `integ: FAILED: no datapoint within ${timeoutSeconds} s; see the probe function's log\n`,
      );
    }
  } finally {
    process.stdout.write(`integ: destroying ${stackName}\n`);
    if (cdk(['destroy', stackName, '--force'], context) !== 0) {
      process.stderr.write(`integ: cdk destroy failed: delete the stack ${stackName} by hand\n`);
      status = 1;
    }
    rmSync(dir, { recursive: true, force: true });
  }
  return status;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`integ: FAILED: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);
