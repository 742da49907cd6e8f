/**
 * What the probe Lambda sends to CloudWatch, at the SDK boundary (aws-sdk-client-mock), following
 * lambdas/core/policy/publishing.ts: the exact PutMetricData request of a passing run, the metrics of a failure at
 * every stage (no TotalTime: LatencyHigh watches passed runs only), no phase-timing metric at all, one call per
 * run. The phase timings are in the run's log line instead.
 */
import { type MetricDatum, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import 'aws-sdk-client-mock-jest';
import { parseConfig } from '../../lambdas/core/config/load';
import { ConfigError } from '../../lambdas/core/config/model';
import { METRICS } from '../../lambdas/core/contract/metric-names';
import type { ProbeResult } from '../../lambdas/core/contract/result';
import { createHandler } from '../../lambdas/probe/handler';
import { buildMetricData } from '../../lambdas/probe/metrics';
import {
  capturedLogger,
  FAILING,
  LEAF,
  lambdaContext,
  mockedAwsClients,
  passing,
  START,
  scheduledEvent,
  stripeProcessor,
  virtualClock,
} from '../support/probe';

const { cloudwatch, cw } = mockedAwsClients();

const TLS = {
  protocol: 'TLSv1.3',
  cipher: 'TLS_AES_128_GCM_SHA256',
  serverCert: LEAF,
  chain: [LEAF],
  clientCert: null,
};

/** Runs the real handler once with an engine that returns `result`; returns the PutMetricData inputs. */
async function publishedFor(result: ProbeResult, processor = stripeProcessor()) {
  const clock = virtualClock();
  const handler = createHandler({
    env: { PAYPROBE_PROCESSOR: JSON.stringify(processor) },
    cloudwatch,
    logger: capturedLogger().logger,
    engine: async () => result,
    clock,
  });
  await handler(scheduledEvent(), lambdaContext(60_000, clock));
  return cw.commandCalls(PutMetricDataCommand).map((c) => c.args[0].input);
}

/** "Name" or "Name/Class" → value, for compact expectations. */
function values(data: readonly MetricDatum[] | undefined): Record<string, number | undefined> {
  const out: Record<string, number | undefined> = {};
  for (const d of data ?? []) {
    const cls = d.Dimensions?.find((x) => x.Name === 'Class')?.Value;
    out[cls ? `${d.MetricName}/${cls}` : (d.MetricName ?? '?')] = d.Value;
  }
  return out;
}

describe('one metrics mode: what the alarms watch', () => {
  it('publishes a passing run in one PutMetricData call: the three flags, TotalTime and the certificate days', async () => {
    const calls = await publishedFor(passing());
    expect(calls).toHaveLength(1);
    const ts = new Date(START);
    const dims = [{ Name: 'Processor', Value: 'stripe' }];
    expect(calls[0]).toEqual({
      Namespace: 'PayProbe',
      MetricData: [
        { MetricName: 'Success', Dimensions: dims, Timestamp: ts, Value: 1, Unit: 'Count' },
        { MetricName: 'HandshakeFailure', Dimensions: dims, Timestamp: ts, Value: 0, Unit: 'Count' },
        { MetricName: 'AuthFailure', Dimensions: dims, Timestamp: ts, Value: 0, Unit: 'Count' },
        { MetricName: 'TotalTime', Dimensions: dims, Timestamp: ts, Value: 131, Unit: 'Milliseconds' },
        { MetricName: 'CertDaysToExpiry', Dimensions: dims, Timestamp: ts, Value: 59, Unit: 'None' },
      ],
    });
  });

  it('publishes the same metric set at every hour of the day (no sampling by the hour any more)', () => {
    const sets = Array.from({ length: 24 }, (_, h) => {
      const at = new Date(Date.UTC(2026, 2, 2, h, 30));
      const data = buildMetricData(passing({ startedAt: at.toISOString() }), {
        highResolution: false,
        inputChanged: false,
      }).MetricData;
      return (data ?? []).map((d) => d.MetricName).join(',');
    });
    expect(new Set(sets)).toEqual(
      new Set(['Success,HandshakeFailure,AuthFailure,TotalTime,CertDaysToExpiry']),
    );
  });

  it('adds ClientCertDaysToExpiry on every run when mTLS is configured', async () => {
    const [call] = await publishedFor(
      passing({ tls: { ...TLS, clientCert: { validTo: 'x', daysToExpiry: 120 } } }),
    );
    expect(values(call?.MetricData)).toMatchObject({ CertDaysToExpiry: 59, ClientCertDaysToExpiry: 120 });
  });

  it('a config that still sets `metrics` is refused with what to do, on the field', () => {
    const run = () =>
      parseConfig(
        'processors:\n  - { name: a, endpoint: https://a.example, metrics: sampled }\n',
        'old.yaml',
      );
    expect(run).toThrow(ConfigError);
    try {
      run();
    } catch (err) {
      const [issue] = (err as ConfigError).issues;
      expect(issue?.path).toBe('processors[0].metrics');
      expect(issue?.message).toMatch(/removed: .*phase timings are in the probe log.*delete this field/);
    }
  });

  // What each stage's failure must publish, written out by hand from docs/lambda.md "Metrics": its flags, the
  // certificate days when a server certificate was seen, and Failure by Class. No TotalTime on a failure.
  const expected: Record<string, Record<string, number>> = {
    // The proxy gave no tunnel: the integration is down, so it pages like a handshake failure.
    proxy: { Success: 0, HandshakeFailure: 1, AuthFailure: 0, 'Failure/PROXY_AUTH_REQUIRED': 1 },
    dns: { Success: 0, HandshakeFailure: 0, AuthFailure: 0, 'Failure/DNS_FAILURE': 1 },
    connect: { Success: 0, HandshakeFailure: 0, AuthFailure: 0, 'Failure/CONNECT_REFUSED': 1 },
    // The server refused the handshake before sending a certificate: no certificate days.
    tls: { Success: 0, HandshakeFailure: 1, AuthFailure: 0, 'Failure/TLS_HANDSHAKE_REJECTED': 1 },
    auth: {
      Success: 0,
      HandshakeFailure: 0,
      AuthFailure: 1,
      CertDaysToExpiry: 59,
      'Failure/AUTH_REJECTED': 1,
    },
    http: { Success: 0, HandshakeFailure: 0, AuthFailure: 0, CertDaysToExpiry: 59, 'Failure/HTTP_ERROR': 1 },
    config: { Success: 0, HandshakeFailure: 0, AuthFailure: 0, 'Failure/CONFIG_ERROR': 1 },
  };

  it.each(Object.keys(expected))(
    'a failure at stage %s publishes its flags, the certificate days when seen and Failure by Class, no TotalTime',
    async (stage) => {
      const result = FAILING[stage] as ProbeResult;
      const calls = await publishedFor(result);
      expect(calls).toHaveLength(1);
      expect(values(calls[0]?.MetricData)).toEqual(expected[stage]);
      const failure = calls[0]?.MetricData?.find((d) => d.MetricName === 'Failure');
      expect(failure?.Dimensions).toEqual([
        { Name: 'Processor', Value: 'stripe' },
        { Name: 'Class', Value: result.class },
      ]);
      expect(failure?.Unit).toBe('Count');
    },
  );

  it('still publishes the server certificate metric when the handshake failed because of the certificate', async () => {
    const expired = { ...LEAF, validTo: '2026-02-20T00:00:00.000Z', daysToExpiry: -10 };
    const result = passing({
      ok: false,
      stage: 'tls',
      class: 'CERT_EXPIRED',
      detail: 'certificate has expired (CERT_HAS_EXPIRED)',
      timings: { dnsMs: 1, connectMs: 2, tlsMs: 8, firstByteMs: null, totalMs: 12 },
      tls: { protocol: null, cipher: null, serverCert: expired, chain: [expired], clientCert: null },
      http: null,
    });
    const [call] = await publishedFor(result);
    expect(values(call?.MetricData)).toEqual({
      Success: 0,
      HandshakeFailure: 1,
      AuthFailure: 0,
      CertDaysToExpiry: -10,
      'Failure/CERT_EXPIRED': 1,
    });
  });

  it('publishes TotalTime for a passing run with warnings (a slow success is a latency)', async () => {
    const slow = passing({
      timings: { dnsMs: 3, connectMs: 1900, tlsMs: 24, firstByteMs: 87, totalMs: 2014 },
      warnings: [{ class: 'SLOW_RESPONSE', detail: 'total 2014 ms is above 2000 ms' }],
    });
    const [call] = await publishedFor(slow);
    expect(values(call?.MetricData)).toHaveProperty('TotalTime', 2014);
  });

  it('timestamps the datapoints with the run start, not the publish time', async () => {
    const [call] = await publishedFor(passing({ startedAt: '2026-03-02T10:00:07.250Z' }));
    expect(new Set(call?.MetricData?.map((d) => d.Timestamp?.toISOString()))).toEqual(
      new Set(['2026-03-02T10:00:07.250Z']),
    );
  });
});

describe('a revoked certificate (CERT_REVOKED)', () => {
  it('is a handshake failure: HandshakeFailure 1, so the handshake-failure alarm pages for it', async () => {
    const result = passing({
      ok: false,
      stage: 'tls',
      class: 'CERT_REVOKED',
      detail:
        'the server certificate CN=api.stripe.com was revoked on 2026-01-15T08:30:00.000Z, reason keyCompromise',
      timings: { dnsMs: 1, connectMs: 2, tlsMs: 8, firstByteMs: null, totalMs: 14 },
      http: null,
    });
    const [call] = await publishedFor(result);
    expect(values(call?.MetricData)).toMatchObject({
      Success: 0,
      HandshakeFailure: 1,
      AuthFailure: 0,
      'Failure/CERT_REVOKED': 1,
    });
  });
});

describe('the post-handshake wait (settleMs)', () => {
  it('stays out of TotalTime: TotalTime is totalMs, which excludes it', async () => {
    const result = passing({
      timings: { dnsMs: 1, connectMs: 2, tlsMs: 8, firstByteMs: null, settleMs: 250, totalMs: 14 },
      http: null,
    });
    const [call] = await publishedFor(result);
    expect(values(call?.MetricData).TotalTime).toBe(14);
  });
});

describe('buildMetricData', () => {
  it('marks every datapoint high-resolution in sub-minute mode, and none otherwise', () => {
    const high = buildMetricData(passing(), { highResolution: true, inputChanged: true }).MetricData ?? [];
    const std = buildMetricData(passing(), { highResolution: false, inputChanged: true }).MetricData ?? [];
    expect(high.length).toBeGreaterThanOrEqual(5);
    expect(high.every((d) => d.StorageResolution === 1)).toBe(true);
    expect(std.every((d) => d.StorageResolution === undefined)).toBe(true);
  });

  it('publishes InputChanged only on a run where an input changed, with value 1', () => {
    const names = (changed: boolean) =>
      (buildMetricData(passing(), { highResolution: false, inputChanged: changed }).MetricData ?? []).map(
        (d) => [d.MetricName, d.Value],
      );
    expect(names(false).some(([n]) => n === 'InputChanged')).toBe(false);
    expect(names(true)).toContainEqual(['InputChanged', 1]);
  });

  it('stamps every datapoint with the slot start when given one', () => {
    const at = new Date('2026-03-02T10:00:00.000Z');
    const later = passing({ startedAt: '2026-03-02T10:00:03.500Z' });
    const data = buildMetricData(later, {
      highResolution: false,
      inputChanged: false,
      timestamp: at,
    }).MetricData;
    expect(new Set(data?.map((d) => d.Timestamp?.toISOString()))).toEqual(new Set([at.toISOString()]));
  });

  it('uses only metric names from metric-names.ts', () => {
    const known = new Set<string>(Object.values(METRICS));
    const all = [passing(), ...Object.values(FAILING)].flatMap(
      (r) => buildMetricData(r, { highResolution: false, inputChanged: true }).MetricData ?? [],
    );
    expect(all.filter((d) => !known.has(d.MetricName ?? ''))).toEqual([]);
  });
});
