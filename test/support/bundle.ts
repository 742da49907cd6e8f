/**
 * For the bundle tests: a handler bundled with esbuild as the stack bundles it (PAYPROBE_ESBUILD_OPTIONS from
 * lib/function/bundling.ts, the one bundling configuration), and invoked in a fresh Node process the way the
 * Lambda runtime loads and calls it, its AWS SDK pointed at a local endpoint.
 */
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { build } from 'esbuild';
import {
  handlerEntry,
  PAYPROBE_ESBUILD_OPTIONS,
  PAYPROBE_FUNCTION_ENVIRONMENT,
  type PayProbeHandler,
} from '../../lib/function/bundling';

/** Bundles a payprobe handler into `outDir/index.js` with its source map; returns the ms it took. */
export async function buildBundle(handler: PayProbeHandler, outDir: string): Promise<number> {
  const started = Date.now();
  await build({
    ...PAYPROBE_ESBUILD_OPTIONS,
    entryPoints: [handlerEntry(handler)],
    outfile: path.join(outDir, 'index.js'),
    logLevel: 'silent',
  });
  return Date.now() - started;
}

export interface Invocation {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** What the handler resolved with, or `{ name, message }` of what it threw (exit code 1). */
  readonly response: unknown;
}

export interface InvokeOptions {
  /** The function's own environment variables (PAYPROBE_*). */
  readonly env: Readonly<Record<string, string>>;
  /** AWS_ENDPOINT_URL for the bundled SDK (e.g. a FakeAws). */
  readonly awsEndpoint: string;
  /** The function name in the Lambda context (Powertools logs it as function_name). */
  readonly functionName: string;
}

/**
 * Loads `bundleDir/index.js` in a fresh Node process, with the function's environment and nothing of this
 * one's but PATH, and calls `handler(event, context)` as the Lambda runtime does.
 */
export function invokeBundle(bundleDir: string, event: unknown, options: InvokeOptions): Promise<Invocation> {
  const runner = `
    const { handler } = require(${JSON.stringify(path.join(bundleDir, 'index.js'))});
    const started = Date.now();
    const name = process.env.TEST_FUNCTION_NAME;
    const context = {
      functionName: name, functionVersion: '$LATEST', memoryLimitInMB: '256',
      invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:' + name,
      awsRequestId: 'c6af9ac6-7b61-11e6-9a41-93e812345678', logGroupName: '/aws/lambda/' + name,
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
    ...options.env,
    LAMBDA_TASK_ROOT: bundleDir,
    AWS_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
    AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
    AWS_ENDPOINT_URL: options.awsEndpoint,
    TEST_EVENT: JSON.stringify(event),
    TEST_FUNCTION_NAME: options.functionName,
    ...PAYPROBE_FUNCTION_ENVIRONMENT,
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
