/**
 * The harness's stand-in for Lambda (testbed/aws/lambda-runtime.ts and lambda-bootstrap.cjs), with a
 * hand-written bundle: the simulated clock (Date frozen at the invocation's time, sleeps advancing it
 * without real waiting), exactly the function's environment, a warm container keeping module scope until
 * it is stopped, log lines from stdout and stderr per invocation, and a thrown error reported, not fatal.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { LambdaFunctionRuntime } from '../../../testbed/aws/lambda-runtime';

const BUNDLE = `
let invocations = 0; // module scope: survives warm invocations
exports.createHandler = ({ clock }) => async (event, context) => {
  const before = { dateNow: Date.now(), newDate: new Date().toISOString(), clock: clock.now() };
  await clock.sleep(event.sleepMs ?? 3000);
  console.log(JSON.stringify({ level: 'INFO', message: 'slept', at: new Date().toISOString() }));
  console.warn(JSON.stringify({ level: 'WARN', message: 'a warning' }));
  return {
    before,
    after: Date.now(),
    remainingMs: context.getRemainingTimeInMillis(),
    functionName: context.functionName,
    invocations: ++invocations,
    env: { mine: process.env.MY_SETTING, leaked: process.env.PARENT_ONLY ?? null, root: process.env.LAMBDA_TASK_ROOT },
    event,
  };
};
exports.handler = async (event) => {
  if (event.fail) throw new TypeError('the handler failed');
  return { now: Date.now(), invocations: ++invocations };
};
`;

const T = Date.UTC(2026, 0, 15, 9, 30, 0);
let dir: string;
const started: LambdaFunctionRuntime[] = [];

async function start(entry: 'handler' | 'createHandler:clock'): Promise<LambdaFunctionRuntime> {
  const runtime = await LambdaFunctionRuntime.start(
    {
      name: 'ProbeFunction',
      codeDir: dir,
      environment: { MY_SETTING: 'from the template' },
      timeoutSeconds: 48,
      entry,
    },
    { awsEnv: { AWS_REGION: 'eu-west-1', AWS_ENDPOINT_URL: 'http://localhost:1' } },
  );
  started.push(runtime);
  return runtime;
}

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'lambda-runtime-'));
  writeFileSync(path.join(dir, 'index.js'), BUNDLE);
  process.env.PARENT_ONLY = 'not for the function';
});

afterAll(async () => {
  await Promise.all(started.map((r) => r.stop()));
  rmSync(dir, { recursive: true, force: true });
  delete process.env.PARENT_ONLY;
});

describe('LambdaFunctionRuntime', () => {
  it('runs the factory with a clock frozen at the invocation time whose sleeps cost no real time', async () => {
    const runtime = await start('createHandler:clock');
    // Ten simulated minutes of sleep: were they real, the test would time out.
    const long = await runtime.invoke({ sleepMs: 600_000 }, T);
    expect(long.endedAt).toBe(T + 600_000);
    const r = await runtime.invoke({ source: 'aws.events' }, T);
    expect(r.ok).toBe(true);
    expect(r.response).toMatchObject({
      before: { dateNow: T, newDate: new Date(T).toISOString(), clock: T },
      after: T + 3000,
      remainingMs: 48_000 - 3000,
      functionName: 'ProbeFunction',
      invocations: 2,
      event: { source: 'aws.events' },
    });
    expect(r.at).toBe(T);
    expect(r.endedAt).toBe(T + 3000);
  });

  it("gives the function its own environment and the emulator's, nothing of the test process", async () => {
    const runtime = await start('createHandler:clock');
    const r = await runtime.invoke({}, T);
    expect((r.response as { env: unknown }).env).toEqual({
      mine: 'from the template',
      leaked: null,
      root: dir,
    });
  });

  it("collects the invocation's log lines from stdout and stderr", async () => {
    const runtime = await start('createHandler:clock');
    const first = await runtime.invoke({}, T);
    const second = await runtime.invoke({}, T + 60_000);
    const messages = (lines: readonly string[]) => lines.map((l) => JSON.parse(l).message);
    expect(messages(first.logs)).toEqual(['slept', 'a warning']);
    expect(JSON.parse(second.logs[0] as string).at).toBe(new Date(T + 63_000).toISOString());
    expect(messages(runtime.logs)).toEqual(['slept', 'a warning', 'slept', 'a warning']);
  });

  it('keeps module scope while warm, and starts cold after a stop', async () => {
    const warm = await start('handler');
    await warm.invoke({}, T);
    expect((await warm.invoke({}, T + 60_000)).response).toEqual({ now: T + 60_000, invocations: 2 });
    await warm.stop();
    await warm.stop();
    await expect(warm.invoke({}, T)).rejects.toThrow(/ProbeFunction is not running/);
    const cold = await start('handler');
    expect((await cold.invoke({}, T)).response).toEqual({ now: T, invocations: 1 });
  });

  it('reports what the handler threw and stays up for the next event', async () => {
    const runtime = await start('handler');
    const failed = await runtime.invoke({ fail: true }, T);
    expect(failed.ok).toBe(false);
    expect(failed.error).toMatchObject({ name: 'TypeError', message: 'the handler failed' });
    expect((await runtime.invoke({}, T)).ok).toBe(true);
  });

  it('fails to start, naming the function, when the bundle has no such export', async () => {
    const empty = mkdtempSync(path.join(tmpdir(), 'lambda-runtime-empty-'));
    writeFileSync(path.join(empty, 'index.js'), 'exports.other = 1;');
    try {
      await expect(
        LambdaFunctionRuntime.start(
          { name: 'Broken', codeDir: empty, environment: {}, timeoutSeconds: 3 },
          { awsEnv: {} },
        ),
      ).rejects.toThrow(/Lambda function Broken .*the bundle exports no handler/s);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
