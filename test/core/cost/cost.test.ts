import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { loadConfigFile, parseConfig } from '../../../lambdas/core/config/load';
import { ALARM_KINDS } from '../../../lambdas/core/contract/alarm-names';
import { METRICS } from '../../../lambdas/core/contract/metric-names';
import type { ProbeResult } from '../../../lambdas/core/contract/result';
import {
  ALARM_METRICS,
  type CostAssumptions,
  DEFAULT_ASSUMPTIONS,
  deployedFactsFromTemplate,
  estimateCost,
  invocationSeconds,
  MINUTES_PER_MONTH,
  PROBE_PERIOD_ALARM_KINDS,
  PUBLISHES_PER_INCIDENT,
  perRunMetrics,
  probesPerInvocation,
} from '../../../lambdas/core/cost/cost';
import { HOURS_PER_MONTH, PRICES, type PriceKey } from '../../../lambdas/core/cost/pricing';
import { DEFAULT_FUNCTION_MEMORY_MB } from '../../../lambdas/core/policy/deployment';
import { CONFIRM_PAUSE_MS } from '../../../lambdas/core/policy/probe-policy';
import { MAIN_STACK_PROCESSORS } from '../../../lambdas/core/policy/sharding';
import { buildMetricData } from '../../../lambdas/probe/metrics';
import { addPayProbeStacks } from '../../../lib/constructs/payprobe-app';
import { fleetYaml } from '../../../testbed/generated-fleet';
import { EXAMPLE_CONFIG } from '../../support/paths';

function load(yaml: string) {
  return parseConfig(yaml, 'cost-test.yaml');
}

const ONE_AT = (interval: number, extra = '') => `
processors:
  - name: p
    endpoint: https://api.example.com
    intervalSeconds: ${interval}
${extra}`;

/** Assumptions with no incidents, so Lambda and SNS lines hold only the probe schedule (no re-probes). */
const QUIET: Partial<CostAssumptions> = {
  criticalIncidentsPerMonth: 0,
  warningIncidentsPerMonth: 0,
  failureClassesPerMonth: 0,
};

/** The probing's lines of one price (the live audit's lines are test/core/cost/audit-cost.test.ts's). */
function lineUsd(lines: readonly { item: string; price: PriceKey; usd: number }[], price: PriceKey): number {
  return lines
    .filter((l) => l.price === price && !l.item.startsWith('live audit:'))
    .reduce((n, l) => n + l.usd, 0);
}

describe('cost model: invocations and Lambda duration', () => {
  it('invokes once a minute and probes once per invocation at a 60-s interval', () => {
    const cfg = load(ONE_AT(60));
    const [p] = estimateCost({ processors: cfg.processors }, QUIET).processors;
    expect(p?.usage.invocations).toBe(HOURS_PER_MONTH * 60);
    expect(p?.usage.probes).toBe(HOURS_PER_MONTH * 60);
    expect(p?.usage.putMetricDataRequests).toBe(HOURS_PER_MONTH * 60);
    const billed = DEFAULT_ASSUMPTIONS.probeSeconds + DEFAULT_ASSUMPTIONS.invocationOverheadSeconds;
    expect(p?.usage.durationSeconds).toBeCloseTo(billed, 9);
    const gbs = (DEFAULT_ASSUMPTIONS.memoryMb / 1024) * billed * MINUTES_PER_MONTH;
    expect(p?.usage.gbSeconds).toBeCloseTo(gbs, 6);
    expect(lineUsd(p?.lines ?? [], 'lambdaArmGbSecond')).toBeCloseTo(gbs * PRICES.lambdaArmGbSecond.usd, 9);
  });

  it('bills sub-minute modes for the sleep between probes inside the one invocation', () => {
    expect([10, 20, 30, 60].map(probesPerInvocation)).toEqual([6, 3, 2, 1]);
    const a = DEFAULT_ASSUMPTIONS;
    const once = a.probeSeconds + a.invocationOverheadSeconds;
    expect(invocationSeconds(10, a)).toBeCloseTo(50 + once, 9);
    expect(invocationSeconds(30, a)).toBeCloseTo(30 + once, 9);
    const cfg = load(ONE_AT(10));
    const [p] = estimateCost({ processors: cfg.processors }, QUIET).processors;
    expect(p?.usage.invocations).toBe(MINUTES_PER_MONTH);
    expect(p?.usage.probes).toBe(MINUTES_PER_MONTH * 6);
    expect(p?.usage.putMetricDataRequests).toBe(MINUTES_PER_MONTH * 6);
    // Every invocation stays inside its minute, so runs never overlap.
    expect(p?.usage.durationSeconds).toBeLessThan(60);
  });

  it('bills the re-probe of every failed run at 60 s (pause + one probe), and none in sub-minute modes', () => {
    const a = { ...DEFAULT_ASSUMPTIONS, ...QUIET, failureClassesPerMonth: 2, failingHoursPerClass: 12 };
    const at60 = estimateCost({ processors: load(ONE_AT(60)).processors }, a).processors[0];
    const quiet60 = estimateCost(
      { processors: load(ONE_AT(60)).processors },
      { ...a, failureClassesPerMonth: 0 },
    ).processors[0];
    expect(at60?.usage.reprobes).toBe(24 * 60);
    expect(quiet60?.usage.reprobes).toBe(0);
    const extraGbs = (a.memoryMb / 1024) * 24 * 60 * (CONFIRM_PAUSE_MS / 1000 + a.probeSeconds);
    expect((at60?.usage.gbSeconds ?? 0) - (quiet60?.usage.gbSeconds ?? 0)).toBeCloseTo(extraGbs, 6);
    // Still one PutMetricData per run: the re-probe publishes with its run.
    expect(at60?.usage.putMetricDataRequests).toBe(MINUTES_PER_MONTH);
    // Not material: about two cents.
    expect(extraGbs * PRICES.lambdaArmGbSecond.usd).toBeLessThan(0.05);
    expect(estimateCost({ processors: load(ONE_AT(10)).processors }, a).processors[0]?.usage.reprobes).toBe(
      0,
    );
  });

  it('scales Lambda duration cost with memory, and deployed facts override the assumption', () => {
    const cfg = load(ONE_AT(60));
    const at256 = estimateCost({ processors: cfg.processors }, { ...QUIET, memoryMb: 256 }).processors[0];
    const at512 = estimateCost({ processors: cfg.processors }, { ...QUIET, memoryMb: 512 }).processors[0];
    const deployed = estimateCost(
      { processors: cfg.processors },
      { ...QUIET, memoryMb: 256 },
      {
        processors: { p: { memoryMb: 512 } },
      },
    ).processors[0];
    const d256 = lineUsd(at256?.lines ?? [], 'lambdaArmGbSecond');
    expect(lineUsd(at512?.lines ?? [], 'lambdaArmGbSecond')).toBeCloseTo(2 * d256, 9);
    expect(lineUsd(deployed?.lines ?? [], 'lambdaArmGbSecond')).toBeCloseTo(2 * d256, 9);
  });
});

describe('cost model: metrics and alarms', () => {
  it('bills the alarm metrics for the whole month, InputChanged for its hours, and no phase-timing metric', () => {
    const cfg = load(ONE_AT(60));
    expect([...perRunMetrics()].sort()).toEqual(
      Object.values(METRICS)
        .filter((m) => m !== METRICS.failure && m !== METRICS.inputChanged)
        .sort(),
    );
    const a: CostAssumptions = { ...DEFAULT_ASSUMPTIONS, ...QUIET, inputChangeHoursPerMonth: 3 };
    const cost = estimateCost({ processors: cfg.processors }, a).processors[0];
    const hours = Object.fromEntries((cost?.usage.metrics ?? []).map((m) => [m.name, m.hours]));
    expect(hours).toEqual({
      Success: HOURS_PER_MONTH,
      HandshakeFailure: HOURS_PER_MONTH,
      AuthFailure: HOURS_PER_MONTH,
      TotalTime: HOURS_PER_MONTH,
      CertDaysToExpiry: HOURS_PER_MONTH,
      InputChanged: 3,
    });
    expect(lineUsd(cost?.lines ?? [], 'customMetricMonth')).toBeCloseTo(
      (5 + 3 / HOURS_PER_MONTH) * PRICES.customMetricMonth.usd,
      9,
    );
  });

  it('prices exactly the metrics the probe Lambda publishes on a plain passing run, at any hour', () => {
    const passing = (startedAt: string): ProbeResult => ({
      processor: 'p',
      ok: true,
      stage: null,
      class: null,
      detail: null,
      warnings: [],
      timings: { dnsMs: 1, connectMs: 2, tlsMs: 3, firstByteMs: 4, totalMs: 10 },
      tls: {
        protocol: 'TLSv1.3',
        cipher: 'x',
        serverCert: {
          subject: 'CN=p',
          issuer: 'CN=ca',
          validFrom: '2026-01-01T00:00:00.000Z',
          validTo: '2027-01-01T00:00:00.000Z',
          daysToExpiry: 200,
          fingerprint256: 'AA',
        },
        chain: [],
        clientCert: { validTo: '2027-01-01T00:00:00.000Z', daysToExpiry: 200 },
      },
      http: { status: 200 },
      startedAt,
      inputs: {},
    });
    const names = (iso: string) =>
      (buildMetricData(passing(iso), { highResolution: false, inputChanged: false }).MetricData ?? []).map(
        (d) => d.MetricName,
      );
    for (const iso of ['2026-03-02T00:00:00.000Z', '2026-03-02T10:00:00.000Z']) {
      expect(names(iso).sort()).toEqual([...perRunMetrics()].sort());
    }
  });

  it('prorates Failure-by-class metrics by the hours they receive data', () => {
    const cfg = load(ONE_AT(60));
    const none = estimateCost({ processors: cfg.processors }, { ...QUIET, failureClassesPerMonth: 0 })
      .processors[0];
    const some = estimateCost(
      { processors: cfg.processors },
      { ...QUIET, failureClassesPerMonth: 3, failingHoursPerClass: 73 },
    ).processors[0];
    const failureHours = (c: typeof some) =>
      (c?.usage.metrics ?? []).filter((m) => m.name.startsWith('Failure')).reduce((n, m) => n + m.hours, 0);
    expect(failureHours(none)).toBe(0);
    expect(failureHours(some)).toBe(3 * 73);
    expect(some?.usage.metrics.filter((m) => m.name.startsWith('Failure'))).toHaveLength(3);
    // Every other metric is billed all month anyway: only Failure adds.
    expect((some?.usage.metricMonths ?? 0) - (none?.usage.metricMonths ?? 0)).toBeCloseTo(
      (3 * 73) / HOURS_PER_MONTH,
      9,
    );
  });

  it('prices the dashboard phase timings as Logs Insights scans of the probe log, not as metrics', () => {
    const a = { ...DEFAULT_ASSUMPTIONS, ...QUIET, dashboardViewsPerMonth: 100, dashboardRangeHours: 3 };
    const at60 = estimateCost({ processors: load(ONE_AT(60)).processors }, a).processors[0];
    const at10 = estimateCost({ processors: load(ONE_AT(10)).processors }, a).processors[0];
    // 100 views x 3 h x 60 runs an hour x the log line.
    expect(at60?.usage.logsInsightsGb).toBeCloseTo((100 * 3 * 60 * a.logBytesPerProbe) / 1e9, 9);
    expect(at10?.usage.logsInsightsGb).toBeCloseTo(6 * (at60?.usage.logsInsightsGb ?? 0), 9);
    expect(lineUsd(at60?.lines ?? [], 'logsInsightsGbScanned')).toBeLessThan(0.01);
  });

  it('adds the client-certificate metric and alarm only for mTLS processors', () => {
    const plain = load(ONE_AT(60)).processors;
    const mtls = load(
      ONE_AT(60, '    tls: { clientCert: { secretsManager: c }, clientKey: { secretsManager: k } }'),
    ).processors;
    const a = estimateCost({ processors: plain }, QUIET).processors[0];
    const b = estimateCost({ processors: mtls }, QUIET).processors[0];
    expect(b?.usage.metrics.map((m) => m.name)).toContain(METRICS.clientCertDaysToExpiry);
    expect(a?.usage.metrics.map((m) => m.name)).not.toContain(METRICS.clientCertDaysToExpiry);
    // Billed like the server certificate days.
    const hours = (name: string) => b?.usage.metrics.find((m) => m.name === name)?.hours;
    expect(hours(METRICS.clientCertDaysToExpiry)).toBe(hours(METRICS.certDaysToExpiry));
    expect((b?.usage.alarms.standard ?? 0) - (a?.usage.alarms.standard ?? 0)).toBe(1);
  });

  it('makes the probe-period alarms high-resolution below a 60-s interval and bills each alarm per metric', () => {
    const kinds = Object.keys(ALARM_KINDS).filter((k) => k !== 'ClientCertExpiring');
    const billed = kinds.reduce((n, k) => n + (ALARM_METRICS[k as keyof typeof ALARM_METRICS] ?? 1), 0);
    expect(billed).toBeGreaterThan(kinds.length); // ProbeNotRunning watches Success and the function's Errors
    const at60 = estimateCost({ processors: load(ONE_AT(60)).processors }, QUIET).processors[0];
    const at10 = estimateCost({ processors: load(ONE_AT(10)).processors }, QUIET).processors[0];
    const stage = [...PROBE_PERIOD_ALARM_KINDS].reduce((n, k) => n + (ALARM_METRICS[k] ?? 1), 0);
    expect(at60?.usage.alarms).toEqual({ standard: billed, highResolution: 0 });
    expect(at10?.usage.alarms).toEqual({ standard: billed - stage, highResolution: stage });
    expect(lineUsd(at10?.lines ?? [], 'alarmHighResolutionMonth')).toBeCloseTo(
      stage * PRICES.alarmHighResolutionMonth.usd,
      9,
    );
  });

  it('uses alarm counts read from a synthesized template when given', () => {
    const cost = estimateCost({ processors: load(ONE_AT(60)).processors }, QUIET, {
      processors: { p: { alarms: { standard: 2, highResolution: 3 } } },
    }).processors[0];
    expect(lineUsd(cost?.lines ?? [], 'alarmStandardMonth')).toBeCloseTo(
      2 * PRICES.alarmStandardMonth.usd,
      9,
    );
    expect(lineUsd(cost?.lines ?? [], 'alarmHighResolutionMonth')).toBeCloseTo(
      3 * PRICES.alarmHighResolutionMonth.usd,
      9,
    );
  });
});

describe('cost model: notifications, secrets, regions and totals', () => {
  it('delivers each incident twice (the diagnose page, its RESOLVED) to every subscriber of its severity', () => {
    const cfg = load(`
alerting:
  critical: [{ email: a@example.com }, { email: b@example.com }, { sms: "+14155550100" }]
  warning: [{ https: https://hooks.example.com/x }]
${ONE_AT(60)}`);
    const a: Partial<CostAssumptions> = { criticalIncidentsPerMonth: 5, warningIncidentsPerMonth: 3 };
    const p = estimateCost({ processors: cfg.processors, alerting: cfg.raw.alerting }, a).processors[0];
    // The diagnose function is the one pager: the alarms publish nothing themselves.
    expect(PUBLISHES_PER_INCIDENT).toBe(2);
    expect(p?.usage.snsPublishes).toBe(2 * (5 + 3));
    expect(p?.usage.deliveries).toEqual({ email: 2 * 5 * 2, https: 2 * 3, sms: 2 * 5 });
    expect(p?.usage.diagnoseInvocations).toBe(2 * (5 + 3));
    expect(lineUsd(p?.lines ?? [], 'snsSmsUs')).toBeCloseTo(10 * PRICES.snsSmsUs.usd, 9);
  });

  it("adds the alarm's own notification to each incident and audit finding with directAlarmNotifications", () => {
    const yaml = (direct: boolean) => `
alerting:
  critical: [{ sms: "+14155550100" }]
  warning: [{ https: https://hooks.example.com/x }]
  directAlarmNotifications: ${direct}
${ONE_AT(60)}`;
    const a: Partial<CostAssumptions> = { criticalIncidentsPerMonth: 5, warningIncidentsPerMonth: 3 };
    const usage = (direct: boolean) => {
      const cfg = load(yaml(direct));
      return estimateCost({ processors: cfg.processors, alerting: cfg.raw.alerting }, a).processors[0]?.usage;
    };
    expect(usage(true)?.snsPublishes).toBe(3 * (5 + 3));
    expect(usage(true)?.deliveries).toEqual({ email: 0, https: 3 * 3, sms: 3 * 5 });
    expect(usage(false)?.snsPublishes).toBe(2 * (5 + 3));
    // The live audit: a finding's page and resolved page, plus the AuditFindings alarm's notification.
    expect((usage(true)?.audit?.snsPublishes ?? 0) / (usage(false)?.audit?.snsPublishes ?? 1)).toBeCloseTo(
      1.5,
      9,
    );
  });

  it('charges Secrets Manager reads per reference and cache TTL, and none for SSM or env references', () => {
    const cfg = load(`
processors:
  - name: p
    endpoint: https://api.example.com
    auth:
      credentials: { type: basic, username: { ssm: /u }, password: { secretsManager: pw } }
    tls: { ca: { secretsManager: ca }, servername: { env: SNI } }
`);
    const p = estimateCost({ processors: cfg.processors }, { ...QUIET, secretCacheTtlSeconds: 600 })
      .processors[0];
    expect(p?.usage.secretsManagerRefs).toBe(2);
    expect(p?.usage.secretsManagerCalls).toBeCloseTo((2 * HOURS_PER_MONTH * 3600) / 600, 6);
  });

  it('states the OAuth token requests each processor makes to its processor: 4 an hour for PayPal and M-Pesa, none without OAuth', () => {
    const oauth = (name: string, preset: string) => `
  - name: ${name}
    preset: ${preset}
    auth:
      credentials: { type: oauth2-client-credentials, clientId: id, clientSecret: { secretsManager: s } }`;
    const cfg = load(`
processors:${oauth('paypal', 'paypal')}${oauth('mpesa', 'mpesa-daraja')}
  - name: stripe
    preset: stripe
    auth: { credentials: { type: bearer, token: { secretsManager: k } } }
  - name: custom
    endpoint: https://api.example.com
    intervalSeconds: 10
    auth:
      credentials: { type: oauth2-client-credentials, tokenUrl: /oauth/token, clientId: id, clientSecret: { secretsManager: s } }
`);
    const rates = estimateCost({ processors: cfg.processors }).processors.map((p) => [
      p.processor,
      p.usage.tokenRequestsPerHour,
    ]);
    // One per 15 minutes (TOKEN_REFRESH_MS), whatever the interval, where the token outlives that.
    expect(rates).toEqual([
      ['paypal', 4],
      ['mpesa', 4],
      ['stripe', 0],
      ['custom', 4],
    ]);
  });

  it('multiplies per-processor and shared items by the number of regions', () => {
    const cfg = load(`regions: [us-east-1, eu-west-1, ap-southeast-2]\n${ONE_AT(60)}`);
    const one = estimateCost({ processors: cfg.processors });
    const three = estimateCost({
      processors: cfg.processors,
      ...(cfg.raw.regions ? { regions: cfg.raw.regions } : {}),
    });
    expect(three.regions).toHaveLength(3);
    expect(three.processors[0]?.usd).toBeCloseTo(3 * (one.processors[0]?.usd ?? 0), 9);
    expect(three.shared.usd).toBeCloseTo(3 * one.shared.usd, 9);
    expect(three.totalUsd).toBeCloseTo(3 * one.totalUsd, 9);
    expect(three.synthetics.usd).toBeCloseTo(3 * one.synthetics.usd, 9);
  });

  it('adds up: line items to the processor, processors and shared items to the total', () => {
    const cfg = load(`${ONE_AT(60)}
  - name: q
    endpoint: https://q.example.com
    intervalSeconds: 20
`);
    const e = estimateCost({ processors: cfg.processors });
    for (const p of e.processors) {
      expect(p.usdPerRegion).toBeCloseTo(
        p.lines.reduce((n, l) => n + l.usd, 0),
        9,
      );
      for (const l of p.lines) expect(l.usd).toBeCloseTo(l.quantity * PRICES[l.price].usd, 12);
    }
    expect(e.totalUsd).toBeCloseTo(e.processors.reduce((n, p) => n + p.usd, 0) + e.shared.usd, 9);
    // A 20-s processor costs more than a 60-s one (more Lambda time, requests and high-resolution alarms).
    expect(e.processors[1]?.usd).toBeGreaterThan(e.processors[0]?.usd ?? Number.POSITIVE_INFINITY);
  });

  it('prices a 1-minute Synthetics canary at one run a minute for comparison', () => {
    const e = estimateCost({ processors: load(ONE_AT(60)).processors });
    expect(e.synthetics.runsPerMonth).toBe(MINUTES_PER_MONTH);
    expect(e.synthetics.usdPerProcessor).toBeCloseTo(MINUTES_PER_MONTH * 0.0012, 9);
  });
});

describe('price table', () => {
  it('gives every price a source page, a check date and a verification status', () => {
    for (const [key, p] of Object.entries(PRICES)) {
      expect({ key, source: p.source }).toEqual({
        key,
        source: expect.stringMatching(/^https:\/\/aws\.amazon\.com\//),
      });
      expect(p.checked).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect(['aws-page', 'secondary', 'unverified']).toContain(p.verified);
      expect(p.usd).toBeGreaterThanOrEqual(0);
    }
  });
});

describe('cost model from a synthesized template', () => {
  it('reads memory, log retention, alarms by resolution and shared items from CloudFormation', () => {
    const processorEnv = (name: string) => ({
      PAYPROBE_PROCESSOR: JSON.stringify({ name, intervalSeconds: 10 }),
    });
    const facts = deployedFactsFromTemplate({
      Resources: {
        Fn: {
          Type: 'AWS::Lambda::Function',
          Properties: {
            MemorySize: 512,
            Environment: { Variables: processorEnv('acme') },
            LoggingConfig: { LogGroup: { Ref: 'Logs' } },
          },
        },
        Logs: { Type: 'AWS::Logs::LogGroup', Properties: { RetentionInDays: 7 } },
        Other: { Type: 'AWS::Lambda::Function', Properties: { MemorySize: 1024 } },
        Fast: {
          Type: 'AWS::CloudWatch::Alarm',
          Properties: { AlarmName: 'PayProbe-acme-HandshakeFailing', Period: 10 },
        },
        Slow: {
          Type: 'AWS::CloudWatch::Alarm',
          Properties: { AlarmName: 'PayProbe-acme-CertExpiring', Period: 3600 },
        },
        MathAlarm: {
          Type: 'AWS::CloudWatch::Alarm',
          Properties: {
            AlarmName: 'PayProbe-acme-ProbeNotRunning',
            Metrics: [
              { Id: 'e', Expression: 'a + b' },
              { Id: 'a', MetricStat: { Period: 60 } },
              { Id: 'b', MetricStat: { Period: 60 } },
            ],
          },
        },
        Diagnose: {
          Type: 'AWS::CloudWatch::Alarm',
          Properties: { AlarmName: 'payprobe-diagnose-errors', Period: 60 },
        },
        Dash: { Type: 'AWS::CloudWatch::Dashboard' },
        Key: { Type: 'AWS::KMS::Key' },
      },
    });
    expect(facts.processors).toEqual({
      acme: { memoryMb: 512, logRetentionDays: 7, alarms: { standard: 3, highResolution: 1 } },
    });
    expect(facts.shared).toEqual({ dashboards: 1, kmsKeys: 1, alarms: { standard: 1, highResolution: 0 } });
  });

  it('agrees with the CDK stack of the example config: memory, retention and alarms per processor', () => {
    const config = loadConfigFile(EXAMPLE_CONFIG);
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const [stack] = addPayProbeStacks(app, config);
    if (!stack) throw new Error('no stack');
    const facts = deployedFactsFromTemplate(Template.fromStack(stack).toJSON());
    const model = estimateCost({ processors: config.processors });
    expect(Object.keys(facts.processors).sort()).toEqual(config.processors.map((p) => p.name).sort());
    for (const p of model.processors) {
      expect({ p: p.processor, memoryMb: facts.processors[p.processor]?.memoryMb }).toEqual({
        p: p.processor,
        memoryMb: DEFAULT_FUNCTION_MEMORY_MB,
      });
      expect(facts.processors[p.processor]?.logRetentionDays).toBe(DEFAULT_ASSUMPTIONS.logRetentionDays);
      expect({ p: p.processor, alarms: facts.processors[p.processor]?.alarms }).toEqual({
        p: p.processor,
        alarms: p.usage.alarms,
      });
    }
    expect(facts.shared.dashboards).toBe(DEFAULT_ASSUMPTIONS.dashboardsPerRegion);
    expect(facts.shared.kmsKeys).toBe(DEFAULT_ASSUMPTIONS.kmsKeysPerRegion);
  });
});

describe('cost model: a sharded config (500 processors)', () => {
  test('each shard adds its dashboard and its diagnose alarm, and the fleet overview is one more dashboard', () => {
    const config = load(fleetYaml(500));
    const e = estimateCost({ processors: config.processors });
    expect(e.deployment).toEqual({
      mainStackProcessors: MAIN_STACK_PROCESSORS,
      shards: 32,
      groups: 33,
      dashboards: 34,
    });
    const shared = (price: PriceKey) => e.shared.lines.find((l) => l.price === price)?.quantity;
    expect(shared('dashboardMonth')).toBe(34);
    expect(shared('alarmStandardMonth')).toBe(DEFAULT_ASSUMPTIONS.sharedAlarmsPerRegion + 3 * 32);
    // Per processor the bill is about what one processor costs alone (the diagnosis reads the whole fleet's
    // history, a fraction of a cent): sharding changes the shared items.
    const one = estimateCost({ processors: load(fleetYaml(1)).processors });
    expect(one.deployment).toEqual({ mainStackProcessors: 1, shards: 0, groups: 1, dashboards: 1 });
    expect(e.processors[499]?.usd).toBeCloseTo(one.processors[0]?.usd ?? 0, 2);
    expect(e.totalUsd).toBeCloseTo(e.processors.reduce((n, p) => n + p.usd, 0) + e.shared.usd, 6);
  });
});
