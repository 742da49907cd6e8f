/**
 * Shared fixtures for the probe Lambda tests: processor configs through the real config loader, probe
 * results of every stage, a virtual clock, capture of the Powertools Logger's real JSON output, and the
 * handler's AWS clients mocked at the SDK boundary.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SSMClient } from '@aws-sdk/client-ssm';
import type { ScheduledEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { type ProcessorConfig, parseConfig } from '../../lambdas/core/config/load';
import type { CertSummary, ProbeResult } from '../../lambdas/core/contract/result';
import type { Clock } from '../../lambdas/probe/run';
import type { MemorySecrets } from '../../testbed/memory-secrets';

/** One processor config, loaded exactly as a config file would be. */
export function processorFromYaml(yaml: string): ProcessorConfig {
  const p = parseConfig(yaml, '/etc/payprobe/test.yaml').processors[0];
  if (!p) throw new Error('no processor');
  return p;
}

export const STRIPE_YAML = `
processors:
  - name: stripe
    preset: stripe
    endpoint: https://api.stripe.com
    auth:
      credentials: { type: bearer, token: { secretsManager: payprobe/stripe/api-key } }
`;

export function stripeProcessor(overrides: Partial<ProcessorConfig> = {}): ProcessorConfig {
  return { ...processorFromYaml(STRIPE_YAML), ...overrides };
}

export const START = Date.parse('2026-03-02T10:00:00.000Z');

export const LEAF: CertSummary = {
  subject: 'CN=api.stripe.com',
  issuer: 'CN=Test Intermediate',
  validFrom: '2026-01-01T00:00:00.000Z',
  validTo: '2026-05-01T00:00:00.000Z',
  daysToExpiry: 59,
  fingerprint256: 'AA:BB',
};

/** A passing run with every phase reached; override any field. */
export function passing(overrides: Partial<ProbeResult> = {}): ProbeResult {
  return {
    processor: 'stripe',
    ok: true,
    stage: null,
    class: null,
    detail: null,
    warnings: [],
    timings: { dnsMs: 3, connectMs: 11, tlsMs: 24, firstByteMs: 87, totalMs: 131 },
    tls: {
      protocol: 'TLSv1.3',
      cipher: 'TLS_AES_128_GCM_SHA256',
      serverCert: LEAF,
      chain: [LEAF],
      clientCert: null,
    },
    http: { status: 200 },
    startedAt: new Date(START).toISOString(),
    inputs: { endpoint: 'value:https://api.stripe.com', 'auth.credentials.token': 'version:v1' },
    ...overrides,
  };
}

const none = { dnsMs: null, connectMs: null, tlsMs: null, firstByteMs: null };

/** A failing run of each stage, as the engine reports it. */
export const FAILING: Record<string, ProbeResult> = {
  proxy: passing({
    ok: false,
    stage: 'proxy',
    class: 'PROXY_AUTH_REQUIRED',
    detail:
      'the proxy http://proxy.internal:3128 answered CONNECT api.stripe.com:443 with 407 Proxy Authentication Required',
    timings: { ...none, dnsMs: 1, connectMs: 2, proxyMs: null, totalMs: 7 },
    tls: null,
    http: null,
    proxy: { url: 'http://proxy.internal:3128' },
  }),
  dns: passing({
    ok: false,
    stage: 'dns',
    class: 'DNS_FAILURE',
    detail: 'getaddrinfo ENOTFOUND api.stripe.com',
    timings: { ...none, dnsMs: 4, totalMs: 5 },
    tls: null,
    http: null,
  }),
  connect: passing({
    ok: false,
    stage: 'connect',
    class: 'CONNECT_REFUSED',
    detail: 'connect ECONNREFUSED 10.0.0.1:443',
    timings: { ...none, dnsMs: 2, connectMs: 1, totalMs: 4 },
    tls: null,
    http: null,
  }),
  tls: passing({
    ok: false,
    stage: 'tls',
    class: 'TLS_HANDSHAKE_REJECTED',
    detail: 'alert 40 handshake failure',
    timings: { ...none, dnsMs: 2, connectMs: 9, tlsMs: 12, totalMs: 24 },
    tls: { protocol: null, cipher: null, serverCert: null, chain: [], clientCert: null },
    http: null,
  }),
  auth: passing({
    ok: false,
    stage: 'auth',
    class: 'AUTH_REJECTED',
    detail: 'HTTP 401 from GET /v1/balance',
    http: { status: 401 },
  }),
  http: passing({ ok: false, stage: 'http', class: 'HTTP_ERROR', detail: 'HTTP 503', http: { status: 503 } }),
  config: passing({
    ok: false,
    stage: 'config',
    class: 'CONFIG_ERROR',
    detail: 'cannot read secretsManager payprobe/stripe/api-key: AccessDeniedException',
    timings: { ...none, totalMs: 2 },
    tls: null,
    http: null,
    inputs: {},
  }),
};

/** A clock whose sleep advances virtual time at once: a minute of sub-minute slots runs in microseconds. */
export function virtualClock(start = START): Clock & { sleeps: number[]; advance(ms: number): void } {
  let t = start;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => t,
    sleep: async (ms) => {
      sleeps.push(ms);
      t += ms;
    },
    advance: (ms) => {
      t += ms;
    },
  };
}

export function lambdaContext(remainingMs = 60_000, clock?: Clock): { getRemainingTimeInMillis(): number } {
  const deadline = (clock?.now() ?? Date.now()) + remainingMs;
  return { getRemainingTimeInMillis: () => deadline - (clock?.now() ?? Date.now()) };
}

/** An EventBridge scheduled event as Lambda receives it. */
export function scheduledEvent(time = '2026-03-02T10:00:00Z'): ScheduledEvent {
  return {
    version: '0',
    id: '89d1a02d-5ec7-412e-82f5-13505f849b41',
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: '123456789012',
    time,
    region: 'eu-west-1',
    resources: ['arn:aws:events:eu-west-1:123456789012:rule/PayProbe-stripe-Schedule'],
    detail: {},
  };
}

export interface LogLine {
  readonly level: string;
  readonly message: string;
  readonly [key: string]: unknown;
}

/**
 * A Powertools Logger whose real JSON output (what CloudWatch Logs would receive) is captured: the logger
 * writes through its own Console on process.stdout/stderr, so those writes are recorded while it logs.
 */
export function capturedLogger(): { logger: Logger; raw: () => string; lines: () => LogLine[] } {
  const chunks: string[] = [];
  const logger = new Logger({ serviceName: 'payprobe-probe', logLevel: 'DEBUG' });
  const target = logger as unknown as { console: Record<string, (...a: unknown[]) => void> };
  for (const method of ['log', 'info', 'warn', 'error', 'debug', 'trace']) {
    target.console[method] = (...args: unknown[]) => {
      chunks.push(args.map(String).join(' '));
    };
  }
  return {
    logger,
    raw: () => chunks.join('\n'),
    lines: () => chunks.map((c) => JSON.parse(c) as LogLine),
  };
}

/**
 * The handler's AWS clients, each mocked at the SDK boundary (aws-sdk-client-mock) and reset before every
 * test, CloudWatch accepting PutMetricData; a test (or its own beforeEach) says what Secrets Manager and
 * SSM answer. Call at module scope, before the file's own hooks.
 */
export function mockedAwsClients() {
  const region = 'eu-west-1';
  const cloudwatch = new CloudWatchClient({ region });
  const secretsManager = new SecretsManagerClient({ region });
  const ssm = new SSMClient({ region });
  const cw = mockClient(cloudwatch);
  const sm = mockClient(secretsManager);
  const ps = mockClient(ssm);
  beforeEach(() => {
    cw.reset();
    sm.reset();
    ps.reset();
    cw.on(PutMetricDataCommand).resolves({});
  });
  return { cloudwatch, secretsManager, ssm, cw, sm, ps };
}

/**
 * Before each test, the mocked Secrets Manager answers from a testbed store: whatever the store holds at the
 * time of the call (so a test can rotate a secret between two reads).
 */
export function answerSecretsFrom(
  sm: ReturnType<typeof mockedAwsClients>['sm'],
  store: () => MemorySecrets,
): void {
  beforeEach(() => {
    sm.on(GetSecretValueCommand).callsFake(async (input: { SecretId: string }) => {
      const v = await store().resolve({ secretsManager: input.SecretId });
      return { SecretString: v.value, VersionId: v.version };
    });
  });
}
