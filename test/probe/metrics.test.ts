/**
 * What the probe Lambda sends to CloudWatch, at the SDK boundary (aws-sdk-client-mock), in both metrics modes
 * (lambdas/probe/publishing.ts): in `full` mode (the default) the exact PutMetricData request of a passing
 * run with every documented metric at any hour and the metrics of a failure at every stage; in `sampled` mode
 * the request in and out of the sample hours and when the slow-moving metrics ride along; one call per run.
 */
import { type MetricDatum, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import 'aws-sdk-client-mock-jest';
import { parseConfig } from '../../lambdas/core/config/load';
import { METRICS } from '../../lambdas/core/contract/metric-names';
import type { ProbeResult } from '../../lambdas/core/contract/result';
import { publishThresholds } from '../../lambdas/core/policy/publishing';
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

/** The example processor in the opt-in cost mode. */
const sampledProcessor = (overrides: Parameters<typeof stripeProcessor>[0] = {}) =>
  stripeProcessor({ metrics: 'sampled', ...overrides });

/** "Name" or "Name/Class" → value, for compact expectations. */
function values(data: readonly MetricDatum[] | undefined): Record<string, number | undefined> {
  const out: Record<string, number | undefined> = {};
  for (const d of data ?? []) {
    const cls = d.Dimensions?.find((x) => x.Name === 'Class')?.Value;
    out[cls ? `${d.MetricName}/${cls}` : (d.MetricName ?? '?')] = d.Value;
  }
  return out;
}

describe('metrics: full (the default)', () => {
  it('is the mode of a processor that does not set it; defaults and the processor can choose sampled', () => {
    const modes = (yaml: string) => parseConfig(yaml, 'modes.yaml').processors.map((p) => p.metrics);
    const two =
      'processors:\n  - { name: a, endpoint: https://a.example }\n  - { name: b, endpoint: https://b.example, metrics: full }\n';
    expect(modes(two)).toEqual(['full', 'full']);
    expect(modes(`defaults: { metrics: sampled }\n${two}`)).toEqual(['sampled', 'full']);
    expect(stripeProcessor().metrics).toBe('full');
  });

  it('publishes every documented metric of a passing run in one PutMetricData call, outside any sample hour', async () => {
    // START is 10:00 UTC: no sample hour of the sampled mode, so nothing here rides on the hour.
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
      ],
    });
  });

  it('publishes the same metric set at every hour of the day', () => {
    const publishing = publishThresholds(stripeProcessor());
    const sets = Array.from({ length: 24 }, (_, h) => {
      const at = new Date(Date.UTC(2026, 2, 2, h, 30));
      const data = buildMetricData(passing({ startedAt: at.toISOString() }), {
        highResolution: false,
        inputChanged: false,
        thresholds: publishing,
      }).MetricData;
      return (data ?? []).map((d) => d.MetricName).join(',');
    });
    expect(new Set(sets)).toEqual(
      new Set([
        'Success,HandshakeFailure,AuthFailure,TotalTime,DnsTime,ConnectTime,TlsTime,FirstByteTime,CertDaysToExpiry',
      ]),
    );
  });

  it('adds ClientCertDaysToExpiry on every run when mTLS is configured', async () => {
    const [call] = await publishedFor(
      passing({ tls: { ...TLS, clientCert: { validTo: 'x', daysToExpiry: 120 } } }),
    );
    expect(values(call?.MetricData)).toMatchObject({
      DnsTime: 3,
      FirstByteTime: 87,
      CertDaysToExpiry: 59,
      ClientCertDaysToExpiry: 120,
    });
  });

  // What each stage's failure must publish, written out by hand from docs/lambda.md "Metrics": its flags, the
  // phases it reached, the certificate days when a server certificate was seen, and Failure by Class.
  const expected: Record<string, Record<string, number>> = {
    dns: {
      Success: 0,
      HandshakeFailure: 0,
      AuthFailure: 0,
      TotalTime: 5,
      DnsTime: 4,
      'Failure/DNS_FAILURE': 1,
    },
    connect: {
      Success: 0,
      HandshakeFailure: 0,
      AuthFailure: 0,
      TotalTime: 4,
      DnsTime: 2,
      ConnectTime: 1,
      'Failure/CONNECT_REFUSED': 1,
    },
    // The server refused the handshake before sending a certificate: no certificate days.
    tls: {
      Success: 0,
      HandshakeFailure: 1,
      AuthFailure: 0,
      TotalTime: 24,
      DnsTime: 2,
      ConnectTime: 9,
      TlsTime: 12,
      'Failure/TLS_HANDSHAKE_REJECTED': 1,
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
    },
    // Nothing reached: no timing at all, not even TotalTime (it would drag the latency percentiles down).
    config: { Success: 0, HandshakeFailure: 0, AuthFailure: 0, 'Failure/CONFIG_ERROR': 1 },
  };

  it.each(Object.keys(expected))(
    'a failure at stage %s publishes its flags, the phases reached and Failure by Class',
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
    });
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

describe('metrics: sampled (the opt-in cost mode)', () => {
  it('publishes the every-run metrics in one PutMetricData call outside the sample hours', async () => {
    // START is 10:00 UTC: neither a phase (every 12th) nor a certificate (every 3rd) sample hour.
    const calls = await publishedFor(passing(), sampledProcessor());
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
        { MetricName: 'TlsTime', Dimensions: dims, Timestamp: ts, Value: 24, Unit: 'Milliseconds' },
      ],
    });
  });

  it('adds every documented metric in a sample hour: the phases every 12th UTC hour, the certificate days every 3rd', async () => {
    const at = (iso: string) => publishedFor(passing({ startedAt: iso }), sampledProcessor());
    const [noon] = await at('2026-03-02T12:59:59.000Z');
    expect(values(noon?.MetricData)).toEqual({
      Success: 1,
      HandshakeFailure: 0,
      AuthFailure: 0,
      TotalTime: 131,
      DnsTime: 3,
      ConnectTime: 11,
      TlsTime: 24,
      FirstByteTime: 87,
      CertDaysToExpiry: 59,
    });
    cw.resetHistory();
    const [three] = await at('2026-03-02T06:00:00.000Z');
    expect(Object.keys(values(three?.MetricData))).toEqual([
      'Success',
      'HandshakeFailure',
      'AuthFailure',
      'TotalTime',
      'TlsTime',
      'CertDaysToExpiry',
    ]);
    cw.resetHistory();
    const [eleven] = await at('2026-03-02T11:30:00.000Z');
    expect(values(eleven?.MetricData)).not.toHaveProperty('CertDaysToExpiry');
    expect(values(eleven?.MetricData)).not.toHaveProperty('DnsTime');
  });

  it('adds ClientCertDaysToExpiry with the server certificate days when mTLS is configured', async () => {
    const result = passing({
      startedAt: '2026-03-02T21:05:00.000Z',
      tls: {
        protocol: 'TLSv1.3',
        cipher: 'x',
        serverCert: LEAF,
        chain: [LEAF],
        clientCert: { validTo: 'x', daysToExpiry: 120 },
      },
    });
    const [call] = await publishedFor(result, sampledProcessor());
    expect(values(call?.MetricData)).toMatchObject({ CertDaysToExpiry: 59, ClientCertDaysToExpiry: 120 });
    expect(values(call?.MetricData)).not.toHaveProperty('DnsTime');
  });

  it('publishes the phase timings on a run slower than the latency budget, at any hour', async () => {
    const slow = passing({
      timings: { dnsMs: 3, connectMs: 1900, tlsMs: 24, firstByteMs: 87, totalMs: 2014 },
    });
    const [call] = await publishedFor(slow, sampledProcessor({ alarms: { latencyBudgetMs: 2000 } }));
    expect(values(call?.MetricData)).toMatchObject({ DnsTime: 3, ConnectTime: 1900, FirstByteTime: 87 });
    cw.resetHistory();
    // The engine's SLOW_RESPONSE warning counts too, whatever the alarm's budget.
    const warned = passing({
      warnings: [{ class: 'SLOW_RESPONSE', detail: 'total 131 ms is above 100 ms' }],
    });
    const [call2] = await publishedFor(warned, sampledProcessor());
    expect(values(call2?.MetricData)).toHaveProperty('ConnectTime', 11);
  });

  it('publishes the certificate days on every run while a certificate is inside its warning window', async () => {
    const expiring = { ...LEAF, daysToExpiry: 21 };
    const [server] = await publishedFor(
      passing({
        tls: { protocol: 'TLSv1.3', cipher: 'x', serverCert: expiring, chain: [expiring], clientCert: null },
      }),
      sampledProcessor(),
    );
    expect(values(server?.MetricData)).toHaveProperty('CertDaysToExpiry', 21);
    cw.resetHistory();
    const [client] = await publishedFor(
      passing({
        tls: {
          protocol: 'TLSv1.3',
          cipher: 'x',
          serverCert: LEAF,
          chain: [LEAF],
          clientCert: { validTo: 'x', daysToExpiry: 9 },
        },
      }),
      sampledProcessor({ tls: { ...stripeProcessor().tls, clientCertExpiryWarningDays: 14 } }),
    );
    expect(values(client?.MetricData)).toMatchObject({ CertDaysToExpiry: 59, ClientCertDaysToExpiry: 9 });
    cw.resetHistory();
    const [outside] = await publishedFor(
      passing({ tls: { ...TLS, serverCert: { ...LEAF, daysToExpiry: 22 } } }),
      sampledProcessor(),
    );
    expect(values(outside?.MetricData)).not.toHaveProperty('CertDaysToExpiry');
  });

  it('publishes the certificate days on the run where a warm environment sees a new certificate', async () => {
    const renewed = { ...LEAF, fingerprint256: 'CC:DD', daysToExpiry: 89 };
    const results = [
      passing(),
      passing(),
      passing({ tls: { ...TLS, serverCert: renewed, chain: [renewed] } }),
      passing({ tls: { ...TLS, serverCert: renewed, chain: [renewed] } }),
    ];
    const clock = virtualClock();
    let i = 0;
    const handler = createHandler({
      env: { PAYPROBE_PROCESSOR: JSON.stringify(sampledProcessor()) },
      cloudwatch,
      logger: capturedLogger().logger,
      engine: async () => results[i++] ?? passing(),
      clock,
    });
    for (let n = 0; n < results.length; n++) await handler(scheduledEvent(), lambdaContext(60_000, clock));
    const days = cw
      .commandCalls(PutMetricDataCommand)
      .map((c) => values(c.args[0].input.MetricData).CertDaysToExpiry);
    // The first run of an environment has nothing to compare with; the renewal is published once.
    expect(days).toEqual([undefined, undefined, 89, undefined]);
  });

  it('timestamps the datapoints with the run start, not the publish time', async () => {
    const [call] = await publishedFor(passing({ startedAt: '2026-03-02T10:00:07.250Z' }), sampledProcessor());
    expect(new Set(call?.MetricData?.map((d) => d.Timestamp?.toISOString()))).toEqual(
      new Set(['2026-03-02T10:00:07.250Z']),
    );
  });

  it('publishes the phases reached on a failed run at any hour; the certificate days only on a failure at stage tls', async () => {
    const [auth] = await publishedFor(FAILING.auth as ProbeResult, sampledProcessor());
    expect(values(auth?.MetricData)).toEqual({
      Success: 0,
      HandshakeFailure: 0,
      AuthFailure: 1,
      TotalTime: 131,
      DnsTime: 3,
      ConnectTime: 11,
      TlsTime: 24,
      FirstByteTime: 87,
      'Failure/AUTH_REJECTED': 1,
    });
    cw.resetHistory();
    const expired = { ...LEAF, daysToExpiry: -10 };
    const [tls] = await publishedFor(
      passing({
        ok: false,
        stage: 'tls',
        class: 'CERT_EXPIRED',
        detail: 'certificate has expired (CERT_HAS_EXPIRED)',
        timings: { dnsMs: 1, connectMs: 2, tlsMs: 8, firstByteMs: null, totalMs: 12 },
        tls: { protocol: null, cipher: null, serverCert: expired, chain: [expired], clientCert: null },
        http: null,
      }),
      sampledProcessor(),
    );
    expect(values(tls?.MetricData)).toMatchObject({ DnsTime: 1, TlsTime: 8, CertDaysToExpiry: -10 });
  });
});

describe('buildMetricData', () => {
  it('marks every datapoint high-resolution in sub-minute mode, and none otherwise', () => {
    const high = buildMetricData(passing(), { highResolution: true, inputChanged: true }).MetricData ?? [];
    const std = buildMetricData(passing(), { highResolution: false, inputChanged: true }).MetricData ?? [];
    expect(high.length).toBeGreaterThanOrEqual(6);
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
