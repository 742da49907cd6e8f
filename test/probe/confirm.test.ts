/**
 * Confirmation at a 60-s interval, at the SDK boundary: a failed probe is re-probed once after a short
 * pause inside the same invocation, and the run still makes exactly one PutMetricData call, with the
 * confirmation's result stamped at the slot's start. A broken config is not re-probed, sub-minute
 * modes never re-probe, and a confirmation that no longer fits publishes the first failure.
 */
import { PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import type { ProcessorConfig } from '../../lambdas/core/config/load';
import type { ProbeResult } from '../../lambdas/core/contract/result';
import { CONFIRM_PAUSE_MS } from '../../lambdas/core/policy/probe-policy';
import { createHandler, type HandlerOptions } from '../../lambdas/probe/handler';
import {
  capturedLogger,
  FAILING,
  lambdaContext,
  mockedAwsClients,
  passing,
  START,
  scheduledEvent,
  stripeProcessor,
  virtualClock,
} from '../support/probe';

const { cloudwatch, cw } = mockedAwsClients();

const RESET: ProbeResult = {
  ...(FAILING.tls as ProbeResult),
  class: 'TLS_CONNECTION_RESET',
  detail: 'socket hang up during the handshake',
};

interface Run {
  readonly processor?: ProcessorConfig;
  /** What the engine returns (or throws), attempt by attempt; each attempt takes `probeMs`. */
  readonly attempts: readonly (ProbeResult | Error)[];
  readonly probeMs?: number;
  readonly remainingMs?: number;
  readonly options?: Partial<HandlerOptions>;
}

async function invoke(run: Run) {
  const clock = virtualClock();
  const log = capturedLogger();
  const calls: { startMs: number; budgetMs: number }[] = [];
  const handler = createHandler({
    env: { PAYPROBE_PROCESSOR: JSON.stringify(run.processor ?? stripeProcessor()) },
    cloudwatch,
    logger: log.logger,
    clock,
    engine: async (p) => {
      const startMs = clock.now();
      calls.push({ startMs, budgetMs: p.budgetMs });
      const next = run.attempts[calls.length - 1] ?? passing();
      await clock.sleep(run.probeMs ?? 200);
      if (next instanceof Error) throw next;
      return { ...next, startedAt: new Date(startMs).toISOString() };
    },
    ...run.options,
  });
  const summary = await handler(scheduledEvent(), lambdaContext(run.remainingMs ?? 48_000, clock));
  const puts = cw.commandCalls(PutMetricDataCommand).map((c) => c.args[0].input);
  const metric = (name: string, i = 0) => puts[i]?.MetricData?.find((d) => d.MetricName === name);
  return { summary, puts, metric, calls, sleeps: clock.sleeps, logs: log.lines(), raw: log.raw() };
}

describe('at a 60-s interval, a failed probe is re-probed before it is published', () => {
  it('publishes the pass when the re-probe passes, and logs the transient failure with its class', async () => {
    const r = await invoke({ attempts: [RESET, passing()] });
    expect(r.calls).toHaveLength(2);
    // The re-probe starts after the first probe (200 ms) and the pause.
    expect(r.calls[1]?.startMs).toBe(START + 200 + CONFIRM_PAUSE_MS);
    expect(r.sleeps).toContain(CONFIRM_PAUSE_MS);
    expect(r.puts).toHaveLength(1);
    expect(r.metric('Success')?.Value).toBe(1);
    expect(r.metric('HandshakeFailure')?.Value).toBe(0);
    expect(r.metric('Failure')).toBeUndefined();
    // Stamped with the slot's start (the first probe), not the re-probe's.
    expect(new Set(r.puts[0]?.MetricData?.map((d) => d.Timestamp?.getTime()))).toEqual(new Set([START]));
    expect(r.summary.runs).toEqual([
      expect.objectContaining({
        ok: true,
        class: null,
        startedAt: new Date(START).toISOString(),
        reprobed: { firstClass: 'TLS_CONNECTION_RESET', confirmed: false },
      }),
    ]);
    const first = r.logs.find((l) => l.message.startsWith('probe failed: TLS_CONNECTION_RESET'));
    expect(first).toMatchObject({
      level: 'WARN',
      message: `probe failed: TLS_CONNECTION_RESET at stage tls; re-probing in ${CONFIRM_PAUSE_MS} ms to confirm`,
      attempt: 1,
      result: { class: 'TLS_CONNECTION_RESET', detail: 'socket hang up during the handshake' },
    });
    expect(r.logs.find((l) => l.message.startsWith('transient failure'))).toMatchObject({
      level: 'WARN',
      transient: { class: 'TLS_CONNECTION_RESET', stage: 'tls' },
    });
    expect(r.logs.find((l) => l.message === 'probe passed')).toMatchObject({
      reprobe: { firstClass: 'TLS_CONNECTION_RESET', confirmed: false },
    });
    expect(r.logs.some((l) => l.level === 'ERROR')).toBe(false);
  });

  it("publishes a confirmed failure once, with the re-probe's class, and logs both attempts", async () => {
    const untrusted: ProbeResult = {
      ...RESET,
      class: 'CERT_UNTRUSTED',
      detail: 'unable to get local issuer',
    };
    const r = await invoke({ attempts: [RESET, untrusted] });
    expect(r.calls).toHaveLength(2);
    expect(r.puts).toHaveLength(1);
    expect(r.metric('Success')?.Value).toBe(0);
    expect(r.metric('HandshakeFailure')?.Value).toBe(1);
    expect(r.metric('Failure')?.Dimensions).toEqual([
      { Name: 'Processor', Value: 'stripe' },
      { Name: 'Class', Value: 'CERT_UNTRUSTED' },
    ]);
    expect(new Set(r.puts[0]?.MetricData?.map((d) => d.Timestamp?.getTime()))).toEqual(new Set([START]));
    expect(r.summary.runs[0]).toMatchObject({
      ok: false,
      class: 'CERT_UNTRUSTED',
      reprobed: { firstClass: 'TLS_CONNECTION_RESET', confirmed: true },
    });
    const levels = r.logs
      .filter((l) => l.message.startsWith('probe failed'))
      .map((l) => [l.level, l.message]);
    expect(levels).toEqual([
      [
        'WARN',
        `probe failed: TLS_CONNECTION_RESET at stage tls; re-probing in ${CONFIRM_PAUSE_MS} ms to confirm`,
      ],
      ['ERROR', 'probe failed: CERT_UNTRUSTED at stage tls'],
    ]);
    expect(r.logs.find((l) => l.level === 'ERROR')).toMatchObject({
      reprobe: { firstClass: 'TLS_CONNECTION_RESET', confirmed: true },
    });
  });

  it.each([
    ['auth', FAILING.auth],
    ['dns', FAILING.dns],
    ['http', FAILING.http],
  ])('re-probes a failure at stage %s too', async (_stage, failing) => {
    const r = await invoke({ attempts: [failing as ProbeResult, failing as ProbeResult] });
    expect(r.calls).toHaveLength(2);
    expect(r.puts).toHaveLength(1);
    expect(r.metric('Success')?.Value).toBe(0);
  });

  it('re-probes after an engine that threw with a network error code', async () => {
    const reset = Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
    const r = await invoke({ attempts: [reset, passing()] });
    expect(r.calls).toHaveLength(2);
    expect(r.summary.runs[0]?.reprobed).toEqual({ firstClass: 'TLS_CONNECTION_RESET', confirmed: false });
    expect(r.metric('Success')?.Value).toBe(1);
  });

  it('does not re-probe a CONFIG_ERROR of the config itself (a re-probe cannot change it)', async () => {
    const r = await invoke({ attempts: [FAILING.config as ProbeResult, passing()] });
    expect(r.calls).toHaveLength(1);
    expect(r.sleeps).not.toContain(CONFIRM_PAUSE_MS);
    expect(r.metric('Failure')?.Dimensions?.[1]?.Value).toBe('CONFIG_ERROR');
    expect(r.summary.runs[0]?.reprobed).toBeNull();
  });

  it('re-probes CLIENT_CERT_EXPIRED (the certificate may have been renewed since it was cached)', async () => {
    const expired = {
      ...(FAILING.tls as ProbeResult),
      class: 'CLIENT_CERT_EXPIRED',
      detail: 'expired',
    } as ProbeResult;
    const r = await invoke({ attempts: [expired, expired] });
    expect(r.calls).toHaveLength(2);
    expect(r.sleeps).toContain(CONFIRM_PAUSE_MS);
    expect(r.puts).toHaveLength(1);
    expect(r.metric('Failure')?.Dimensions?.[1]?.Value).toBe('CLIENT_CERT_EXPIRED');
    expect(r.summary.runs[0]?.reprobed).toEqual({ firstClass: 'CLIENT_CERT_EXPIRED', confirmed: true });
  });

  it('does not re-probe a pass', async () => {
    const r = await invoke({ attempts: [passing()] });
    expect(r.calls).toHaveLength(1);
    expect(r.summary.runs[0]?.reprobed).toBeNull();
  });

  it('gives the re-probe only the time left before the deadline', async () => {
    // 20 s left: deadline 18 s (2-s publish reserve); first probe 5 s, pause 3 s: the re-probe gets 10 s of its 15.
    const r = await invoke({ attempts: [RESET, RESET], probeMs: 5_000, remainingMs: 20_000 });
    expect(r.calls.map((c) => c.budgetMs)).toEqual([15_000, 10_000]);
    expect(r.puts).toHaveLength(1);
  });

  it('publishes the first failure unconfirmed, and says so, when a re-probe no longer fits', async () => {
    // Deadline 8 s; after a 4-s probe and the 3-s pause, 1 s is less than one phase timeout (5 s).
    const r = await invoke({ attempts: [RESET, passing()], probeMs: 4_000, remainingMs: 10_000 });
    expect(r.calls).toHaveLength(1);
    expect(r.puts).toHaveLength(1);
    expect(r.metric('Failure')?.Dimensions?.[1]?.Value).toBe('TLS_CONNECTION_RESET');
    expect(r.summary.runs[0]?.reprobed).toBeNull();
    expect(r.logs.find((l) => l.message.includes('no time left to confirm'))).toMatchObject({
      level: 'WARN',
    });
  });

  it('takes the pause from the handler options', async () => {
    const r = await invoke({ attempts: [RESET, RESET], options: { confirmPauseMs: 750 } });
    expect(r.calls[1]?.startMs).toBe(START + 200 + 750);
  });
});

describe('sub-minute modes do not re-probe', () => {
  it('publishes each failed 10-s slot as it is, one call per slot', async () => {
    const r = await invoke({
      processor: stripeProcessor({ intervalSeconds: 10, budgetMs: 9000 }),
      attempts: Array.from({ length: 6 }, () => RESET),
      remainingMs: 60_000,
    });
    expect(r.calls.map((c) => (c.startMs - START) / 1000)).toEqual([0, 10, 20, 30, 40, 50]);
    expect(r.puts).toHaveLength(6);
    expect(r.puts.every((p) => p.MetricData?.some((d) => d.MetricName === 'Failure'))).toBe(true);
    expect(r.sleeps).not.toContain(CONFIRM_PAUSE_MS);
  });
});
