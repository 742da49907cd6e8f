/**
 * Input-change detection: a field changed when it was seen before with another fingerprint. Unit rules,
 * then across warm invocations of the handler (module scope) and after a cold start (no previous state).
 */
import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import type { ProbeResult } from '../../lambdas/core/contract/result';
import { InputTracker } from '../../lambdas/core/diagnosis/input-changes';
import { createHandler } from '../../lambdas/probe/handler';
import {
  capturedLogger,
  FAILING,
  lambdaContext,
  passing,
  scheduledEvent,
  stripeProcessor,
} from '../support/probe';

describe('InputTracker', () => {
  it('reports nothing on the first run (a cold start has no previous state)', () => {
    expect(new InputTracker().observe({ endpoint: 'a', 'tls.ca': 'b' })).toEqual({
      changed: [],
      first: true,
    });
  });

  it('reports the fields whose fingerprint differs from the last run, sorted', () => {
    const t = new InputTracker();
    t.observe({ endpoint: 'a', 'tls.ca': 'b', 'auth.credentials.token': 'v1' });
    expect(t.observe({ endpoint: 'a', 'tls.ca': 'B', 'auth.credentials.token': 'v2' })).toEqual({
      changed: ['auth.credentials.token', 'tls.ca'],
      first: false,
    });
    expect(t.observe({ endpoint: 'a', 'tls.ca': 'B', 'auth.credentials.token': 'v2' }).changed).toEqual([]);
  });

  it('does not count a field missing from one run, and compares it with its last known value when it returns', () => {
    const t = new InputTracker();
    t.observe({ endpoint: 'a', 'auth.credentials.token': 'v1' });
    expect(t.observe({ endpoint: 'a' }).changed).toEqual([]);
    expect(t.observe({ endpoint: 'a', 'auth.credentials.token': 'v1' }).changed).toEqual([]);
    t.observe({ endpoint: 'a' });
    expect(t.observe({ endpoint: 'a', 'auth.credentials.token': 'v3' }).changed).toEqual([
      'auth.credentials.token',
    ]);
  });

  it('does not count a field seen for the first time after the first run', () => {
    const t = new InputTracker();
    t.observe({ endpoint: 'a' });
    expect(t.observe({ endpoint: 'a', 'tls.ca': 'x' }).changed).toEqual([]);
  });
});

describe('InputChanged through the handler', () => {
  const cloudwatch = new CloudWatchClient({ region: 'eu-west-1' });
  const cw = mockClient(cloudwatch);
  beforeEach(() => {
    cw.reset();
    cw.on(PutMetricDataCommand).resolves({});
  });

  /** InputChanged per run: 1, or absent (it is published only when an input changed). */
  const published = (name = 'InputChanged') =>
    cw
      .commandCalls(PutMetricDataCommand)
      .map((c) => c.args[0].input.MetricData?.find((d) => d.MetricName === name)?.Value);

  /** The engine returns `results` in order, one per probe (a failed 60-s probe is re-probed: two). */
  function handlerReturning(results: ProbeResult[]) {
    const log = capturedLogger();
    let i = 0;
    const handler = createHandler({
      env: { PAYPROBE_PROCESSOR: JSON.stringify(stripeProcessor()) },
      cloudwatch,
      logger: log.logger,
      confirmPauseMs: 1,
      engine: async () => results[i++] ?? passing(),
    });
    return { handler, log };
  }

  it('publishes InputChanged=1 on the run where the CA bundle changed, next to the failure it causes', async () => {
    const before = { endpoint: 'value:https://api.stripe.com', 'tls.ca': 'sha256:1111' };
    const after = { ...before, 'tls.ca': 'sha256:2222' };
    const untrusted = passing({ ...FAILING.tls, class: 'CERT_UNTRUSTED', inputs: after });
    const { handler, log } = handlerReturning([
      passing({ inputs: before }),
      untrusted,
      untrusted, // the re-probe confirms the failure
      passing({ inputs: after }),
    ]);
    for (let i = 0; i < 3; i++) await handler(scheduledEvent(), lambdaContext());
    expect(published()).toEqual([undefined, 1, undefined]);
    expect(published('Success')).toEqual([1, 0, 1]);
    const changed = log.lines().filter((l) => l.message === 'probe inputs changed since the last run');
    expect(changed).toHaveLength(1);
    expect(changed[0]?.fields).toEqual(['tls.ca']);
    expect(log.raw()).not.toContain('sha256:2222');
  });

  it('starts without previous state in a new execution environment (cold start)', async () => {
    const a = { endpoint: 'value:https://a' };
    const b = { endpoint: 'value:https://b' };
    const warm = handlerReturning([passing({ inputs: a })]);
    await warm.handler(scheduledEvent(), lambdaContext());
    const cold = handlerReturning([passing({ inputs: b })]);
    await cold.handler(scheduledEvent(), lambdaContext());
    expect(published()).toEqual([undefined, undefined]);
  });
});
