/**
 * Sub-minute probing: one invocation a minute probes on the processor's spacing from its own start,
 * publishes high-resolution datapoints per run, and ends before the Lambda timeout and the next minute.
 * Most tests use a virtual clock (the real 10/20/30-second spacing in microseconds); one uses real timers
 * with an injected 100 ms spacing.
 */
import { PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import type { ProcessorConfig } from '../../lambdas/core/config/load';
import type { ProbeResult } from '../../lambdas/core/contract/result';
import { createHandler } from '../../lambdas/probe/handler';
import type { Clock, ScheduleOptions } from '../../lambdas/probe/run';
import {
  capturedLogger,
  lambdaContext,
  mockedAwsClients,
  passing,
  START,
  scheduledEvent,
  stripeProcessor,
  virtualClock,
} from '../support/probe';

const { cloudwatch, cw } = mockedAwsClients();

interface Setup {
  readonly processor: ProcessorConfig;
  readonly clock: Clock & { now(): number };
  /** How long each fake probe takes, in ms of the clock. @default 150 */
  readonly probeMs?: number | ((run: number) => number);
  readonly remainingMs?: number;
  readonly schedule?: Omit<ScheduleOptions, 'remainingMs'>;
}

async function invoke(setup: Setup) {
  const { clock } = setup;
  const budgets: number[] = [];
  const starts: number[] = [];
  const log = capturedLogger();
  const handler = createHandler({
    env: { PAYPROBE_PROCESSOR: JSON.stringify(setup.processor) },
    cloudwatch,
    logger: log.logger,
    clock,
    ...(setup.schedule ? { schedule: setup.schedule } : {}),
    engine: async (p): Promise<ProbeResult> => {
      const start = clock.now();
      starts.push(start);
      budgets.push(p.budgetMs);
      const took =
        typeof setup.probeMs === 'function' ? setup.probeMs(starts.length - 1) : (setup.probeMs ?? 150);
      await clock.sleep(took);
      return passing({ processor: p.name, startedAt: new Date(start).toISOString() });
    },
  });
  const summary = await handler(scheduledEvent(), lambdaContext(setup.remainingMs ?? 60_000, clock));
  const calls = cw.commandCalls(PutMetricDataCommand).map((c) => c.args[0].input);
  return { summary, calls, budgets, starts, logs: log.lines(), end: clock.now() };
}

it.each([
  [10, 6],
  [20, 3],
  [30, 2],
])(
  'intervalSeconds %i: %i probes a minute, aligned to the invocation start, one call each',
  async (interval, runs) => {
    const clock = virtualClock();
    const processor = stripeProcessor({
      intervalSeconds: interval as 10 | 20 | 30,
      budgetMs: interval * 1000 - 1000,
    });
    const r = await invoke({ processor, clock });
    expect(r.starts.map((s) => (s - START) / 1000)).toEqual(
      Array.from({ length: runs }, (_, i) => i * interval),
    );
    expect(r.calls).toHaveLength(runs);
    // Each call carries its own run's start as the timestamp, at high resolution.
    r.calls.forEach((call, i) => {
      const stamps = new Set(call.MetricData?.map((d) => d.Timestamp?.getTime()));
      expect(stamps).toEqual(new Set([START + i * interval * 1000]));
      expect(call.MetricData?.every((d) => d.StorageResolution === 1)).toBe(true);
    });
    expect(r.summary.runs).toHaveLength(runs);
    expect(r.summary.skipped).toBe(0);
    expect(r.end - START).toBeLessThan(60_000);
  },
);

it('intervalSeconds 60: one probe, standard resolution', async () => {
  const clock = virtualClock();
  const r = await invoke({ processor: stripeProcessor(), clock });
  expect(r.starts).toEqual([START]);
  expect(r.calls).toHaveLength(1);
  expect(r.calls[0]?.MetricData?.some((d) => 'StorageResolution' in d)).toBe(false);
  expect(r.summary.skipped).toBe(0);
});

it('clamps the last probe budget so it ends, with its publish, inside the minute and the Lambda timeout', async () => {
  const clock = virtualClock();
  const processor = stripeProcessor({ intervalSeconds: 10, timeoutMs: 3000, budgetMs: 9000 });
  const r = await invoke({ processor, clock, remainingMs: 58_000 });
  // Slots at 0..50 s; the deadline is 58 s minus the 2 s publish reserve, so the 50 s slot gets 6 s, not 9.
  expect(r.budgets.slice(0, 5)).toEqual([9000, 9000, 9000, 9000, 9000]);
  expect(r.budgets[5]).toBe(6000);
  expect(r.logs.some((l) => l.message.includes('budget shortened'))).toBe(true);
});

it('skips the slots that no longer fit when the Lambda timeout is too short, and says so', async () => {
  const clock = virtualClock();
  const processor = stripeProcessor({ intervalSeconds: 10, timeoutMs: 3000, budgetMs: 9000 });
  const r = await invoke({ processor, clock, remainingMs: 25_000 });
  // Deadline 23 s: slots 0, 10 and 20 s start; 20 s has 3 s left (= timeoutMs), so it runs; 30 s does not.
  expect(r.starts.map((s) => (s - START) / 1000)).toEqual([0, 10, 20]);
  expect(r.budgets).toEqual([9000, 9000, 3000]);
  expect(r.summary.skipped).toBe(3);
  expect(r.end - START).toBeLessThanOrEqual(25_000);
  expect(r.logs.some((l) => l.message.includes('not enough time left'))).toBe(true);
});

it('runs the first probe even when the Lambda timeout leaves less than its budget (never ends without publishing)', async () => {
  const clock = virtualClock();
  const r = await invoke({
    processor: stripeProcessor({ timeoutMs: 3000, budgetMs: 9000 }),
    clock,
    remainingMs: 1_000,
  });
  expect(r.calls).toHaveLength(1);
  expect(r.budgets).toEqual([500]);
});

it('skips a slot a slow probe overran instead of running it late', async () => {
  const clock = virtualClock();
  // The second probe (at 10 s) takes 16 s: the 20 s slot is covered by it, the next probe starts at 30 s.
  const r = await invoke({
    processor: stripeProcessor({ intervalSeconds: 10, budgetMs: 9000 }),
    clock,
    probeMs: (run) => (run === 1 ? 16_000 : 100),
  });
  expect(r.starts.map((s) => (s - START) / 1000)).toEqual([0, 10, 30, 40, 50]);
  expect(r.summary.skipped).toBe(1);
});

it('with real timers and an injected 500 ms spacing, probes on that spacing and finishes inside the window', async () => {
  const real: Clock = { now: () => Date.now(), sleep: (ms) => new Promise((res) => setTimeout(res, ms)) };
  const t0 = Date.now();
  const r = await invoke({
    processor: stripeProcessor({ intervalSeconds: 10, timeoutMs: 100, budgetMs: 100 }),
    clock: real,
    probeMs: 5,
    schedule: { spacingMs: 500, windowMs: 2000, reserveMs: 0 },
  });
  expect(r.calls).toHaveLength(4);
  const offsets = r.starts.map((s) => s - t0);
  offsets.forEach((o, i) => {
    // Never early; late by at most a loaded machine's timer jitter (up to ~100 ms seen at load 16 on 2
    // cores), far less than the spacing.
    expect(o).toBeGreaterThanOrEqual(i * 500 - 2);
    expect(o).toBeLessThan(i * 500 + 200);
  });
  expect(Date.now() - t0).toBeLessThan(2000);
});
