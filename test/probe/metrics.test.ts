/**
 * What the probe Lambda sends to CloudWatch, at the SDK boundary (aws-sdk-client-mock): the exact
 * PutMetricData request of a passing run, the metrics of a failure at every stage, certificate metrics on a
 * certificate failure, and one call per run.
 */
import { type MetricDatum, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import 'aws-sdk-client-mock-jest';
import { METRICS } from '../../lambdas/core/metric-names';
import type { ProbeResult } from '../../lambdas/core/result';
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
} from './support';

const { cloudwatch, cw } = mockedAwsClients();

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

describe('a passing run', () => {
  it('publishes exactly the DESIGN.md metrics in one PutMetricData call', async () => {
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
        { MetricName: 'DnsTime', Dimensions: dims, Timestamp: ts, Value: 3, Unit: 'Milliseconds' },
        { MetricName: 'ConnectTime', Dimensions: dims, Timestamp: ts, Value: 11, Unit: 'Milliseconds' },
        { MetricName: 'TlsTime', Dimensions: dims, Timestamp: ts, Value: 24, Unit: 'Milliseconds' },
        { MetricName: 'FirstByteTime', Dimensions: dims, Timestamp: ts, Value: 87, Unit: 'Milliseconds' },
        { MetricName: 'CertDaysToExpiry', Dimensions: dims, Timestamp: ts, Value: 59, Unit: 'None' },
        { MetricName: 'InputChanged', Dimensions: dims, Timestamp: ts, Value: 0, Unit: 'Count' },
      ],
    });
  });

  it('adds ClientCertDaysToExpiry when mTLS is configured', async () => {
    const result = passing({
      tls: {
        protocol: 'TLSv1.3',
        cipher: 'x',
        serverCert: LEAF,
        chain: [LEAF],
        clientCert: { validTo: 'x', daysToExpiry: 12 },
      },
    });
    const [call] = await publishedFor(result);
    expect(values(call?.MetricData)).toMatchObject({ CertDaysToExpiry: 59, ClientCertDaysToExpiry: 12 });
  });

  it('timestamps the datapoints with the run start, not the publish time', async () => {
    const [call] = await publishedFor(passing({ startedAt: '2026-03-02T10:00:07.250Z' }));
    expect(new Set(call?.MetricData?.map((d) => d.Timestamp?.toISOString()))).toEqual(
      new Set(['2026-03-02T10:00:07.250Z']),
    );
  });
});

describe('a failing run', () => {
  // What each stage's failure must publish, written out by hand from DESIGN.md "Metrics".
  const expected: Record<string, Record<string, number>> = {
    dns: {
      Success: 0,
      HandshakeFailure: 0,
      AuthFailure: 0,
      TotalTime: 5,
      DnsTime: 4,
      'Failure/DNS_FAILURE': 1,
      InputChanged: 0,
    },
    connect: {
      Success: 0,
      HandshakeFailure: 0,
      AuthFailure: 0,
      TotalTime: 4,
      DnsTime: 2,
      ConnectTime: 1,
      'Failure/CONNECT_REFUSED': 1,
      InputChanged: 0,
    },
    tls: {
      Success: 0,
      HandshakeFailure: 1,
      AuthFailure: 0,
      TotalTime: 24,
      DnsTime: 2,
      ConnectTime: 9,
      TlsTime: 12,
      'Failure/TLS_HANDSHAKE_REJECTED': 1,
      InputChanged: 0,
    },
    auth: {
      Success: 0,
      HandshakeFailure: 0,
      AuthFailure: 1,
      TotalTime: 131,
      DnsTime: 3,
      ConnectTime: 11,
      TlsTime: 24,
      FirstByteTime: 87,
      CertDaysToExpiry: 59,
      'Failure/AUTH_REJECTED': 1,
      InputChanged: 0,
    },
    http: {
      Success: 0,
      HandshakeFailure: 0,
      AuthFailure: 0,
      TotalTime: 131,
      DnsTime: 3,
      ConnectTime: 11,
      TlsTime: 24,
      FirstByteTime: 87,
      CertDaysToExpiry: 59,
      'Failure/HTTP_ERROR': 1,
      InputChanged: 0,
    },
    // Nothing reached: no timing at all, not even TotalTime (it would drag the latency percentiles down).
    config: { Success: 0, HandshakeFailure: 0, AuthFailure: 0, 'Failure/CONFIG_ERROR': 1, InputChanged: 0 },
  };

  it.each(Object.keys(expected))(
    'at stage %s publishes its flags, the phases reached and Failure by Class',
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
      TotalTime: 12,
      DnsTime: 1,
      ConnectTime: 2,
      TlsTime: 8,
      CertDaysToExpiry: -10,
      'Failure/CERT_EXPIRED': 1,
      InputChanged: 0,
    });
  });
});

describe('buildMetricData', () => {
  it('marks every datapoint high-resolution in sub-minute mode, and none otherwise', () => {
    const high = buildMetricData(passing(), { highResolution: true, inputChanged: false }).MetricData ?? [];
    const std = buildMetricData(passing(), { highResolution: false, inputChanged: false }).MetricData ?? [];
    expect(high.length).toBeGreaterThan(5);
    expect(high.every((d) => d.StorageResolution === 1)).toBe(true);
    expect(std.every((d) => d.StorageResolution === undefined)).toBe(true);
  });

  it('uses only metric names from metric-names.ts', () => {
    const known = new Set<string>(Object.values(METRICS));
    const all = [passing(), ...Object.values(FAILING)].flatMap(
      (r) => buildMetricData(r, { highResolution: false, inputChanged: true }).MetricData ?? [],
    );
    expect(all.filter((d) => !known.has(d.MetricName ?? ''))).toEqual([]);
  });
});
