/**
 * The diagnose core around the engine: last-line redaction of secrets, an engine that throws, the
 * environment contract, event parsing and the page's format limits (SNS subject and message size).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { ConfigError, type ProcessorConfig, parseConfig } from '../../lambdas/core/config/load';
import type { Engine } from '../../lambdas/core/contract/engine';
import type { CertSummary, ProbeResult } from '../../lambdas/core/contract/result';
import {
  buildDiagnosisNotification,
  buildResolvedNotification,
  fitSubject,
  formatDuration,
  MESSAGE_MAX_BYTES,
  parseAlarmTime,
  SUBJECT_MAX,
  structuredMessage,
} from '../../lambdas/core/diagnosis/notification';
import { snapshotOf } from '../../lambdas/core/diagnosis/snapshot';
import { SecretError } from '../../lambdas/core/secrets/resolver';
import { parseAlarmEvent } from '../../lambdas/diagnose/alarm-event';
import { type DiagnoseDeps, handleAlarmEvent } from '../../lambdas/diagnose/diagnose';
import { readDiagnoseEnv } from '../../lambdas/diagnose/env';
import { MemoryHistory } from '../../testbed/memory-history';
import { alarmEvent, CRITICAL_ARN, readPublish, WARNING_ARN } from '../support/diagnose';

const SECRET = 'sk_live_51HredactMeEverywhere0042';
const sns = mockClient(SNSClient);

const processor: ProcessorConfig = parseConfig(
  [
    'processors:',
    '  - name: stripe',
    '    preset: stripe',
    '    auth: { credentials: { type: bearer, token: { secretsManager: payprobe/stripe/api-key } } }',
  ].join('\n'),
  '/etc/payprobe/payprobe.yaml',
).processors[0] as ProcessorConfig;

function failing(overrides: Partial<ProbeResult> = {}): ProbeResult {
  return {
    processor: 'stripe',
    ok: false,
    stage: 'auth',
    class: 'AUTH_REJECTED',
    detail: 'HTTP 401 from GET /v1/balance',
    warnings: [],
    timings: { dnsMs: 2, connectMs: 10, tlsMs: 21, firstByteMs: 80, totalMs: 120 },
    tls: {
      protocol: 'TLSv1.3',
      cipher: 'TLS_AES_128_GCM_SHA256',
      serverCert: null,
      chain: [],
      clientCert: null,
    },
    http: { status: 401 },
    startedAt: '2025-03-01T10:03:11.000Z',
    inputs: { endpoint: 'https://api.stripe.com/', 'auth.credentials.token': 'version:v7' },
    ...overrides,
  };
}

function deps(engine: Engine, extra: Partial<DiagnoseDeps> = {}): DiagnoseDeps {
  return {
    processors: new Map([['stripe', processor]]),
    topics: { critical: CRITICAL_ARN, warning: WARNING_ARN },
    sns: new SNSClient({ region: 'eu-west-1' }),
    secrets: {
      resolve: async () => ({ value: SECRET, version: 'v7' }),
      sensitiveValues: () => [SECRET],
    },
    engine,
    ...extra,
  };
}

/** The n-th Publish call, read back. */
function publishAt(n: number) {
  const input = sns.commandCalls(PublishCommand)[n]?.args[0].input;
  if (!input) throw new Error(`no Publish call #${n}`);
  return readPublish(input);
}

beforeEach(() => {
  sns.reset();
  sns.on(PublishCommand).resolves({ MessageId: 'm' });
});

test('a secret that reaches a result is masked in every part of the Publish call', async () => {
  // An engine bug (or a processor echoing the key in an error body) must not put the key on a page.
  const leaky = failing({ detail: `HTTP 401: Invalid API Key provided: ${SECRET}` });
  await handleAlarmEvent(
    alarmEvent('PayProbe-stripe-AuthRejected', 'ALARM', 'OK'),
    deps(async () => leaky),
  );
  const p = publishAt(0);
  expect(JSON.stringify(p.input)).not.toContain(SECRET);
  expect(p.text).toContain('Invalid API Key provided: [REDACTED]');
  expect(p.document.result?.detail).toBe('HTTP 401: Invalid API Key provided: [REDACTED]');
});

test('an unreadable secret (the engine throws SecretError) is published as CONFIG_ERROR', async () => {
  const engine: Engine = async () => {
    throw new SecretError(
      { secretsManager: 'payprobe/stripe/api-key' },
      'AccessDeniedException: not authorized',
    );
  };
  const out = await handleAlarmEvent(
    alarmEvent('PayProbe-stripe-AvailabilityLow', 'ALARM', 'OK'),
    deps(engine),
  );
  expect(out).toMatchObject({
    action: 'published',
    subject: '[CRITICAL] stripe: probes failing (DNS, connect, HTTP, config) - CONFIG_ERROR',
  });
  const p = publishAt(0);
  expect(p.input.MessageAttributes?.stage?.StringValue).toBe('config');
  expect(p.text).toContain(
    'Detail:    cannot read secretsManager payprobe/stripe/api-key: AccessDeniedException: not authorized',
  );
});

test('an engine bug still pages (as a failure), then fails the invocation so the Errors alarm fires', async () => {
  const engine: Engine = async () => {
    throw new TypeError(`Cannot read properties of undefined (reading '${SECRET}')`);
  };
  await expect(
    handleAlarmEvent(alarmEvent('PayProbe-stripe-HandshakeFailing', 'ALARM', 'OK'), deps(engine)),
  ).rejects.toThrow(/the probe engine threw for stripe \(page published\)/);
  expect(sns).toHaveReceivedCommandTimes(PublishCommand, 1);
  expect(JSON.stringify(sns.commandCalls(PublishCommand)[0]?.args[0].input)).not.toContain(SECRET);
});

test('what changed comes from the last passing probe in the history table, and says so when it is unknown', async () => {
  const history = new MemoryHistory();
  const passing = failing({ ok: true, stage: null, class: null, detail: null, http: { status: 200 } });
  let next: ProbeResult = failing();
  const event = alarmEvent('PayProbe-stripe-AuthRejected', 'ALARM', 'OK');
  // No history table at all, then a table that holds nothing for this processor yet.
  await handleAlarmEvent(
    event,
    deps(async () => next),
  );
  await handleAlarmEvent(
    event,
    deps(async () => next, { history }),
  );
  // The probe function recorded a passing run; the token's version changes and the processor refuses it.
  await history.recordPass(snapshotOf(passing));
  next = failing({ inputs: { ...passing.inputs, 'auth.credentials.token': 'version:v8' } });
  await handleAlarmEvent(
    event,
    deps(async () => next, { history }),
  );
  expect(publishAt(0).text).toContain(
    '  unknown: this deployment keeps no history of passing probes (no history table).',
  );
  expect(publishAt(1).text).toContain('  unknown: no passing probe of this processor has been recorded yet.');
  const p = publishAt(2);
  expect(p.text).toContain(
    `  since the last passing probe (${passing.startedAt}; failing since 2025-03-01T10:00:00.000Z), nearest the onset first:\n  1. auth.credentials.token (secretsManager payprobe/stripe/api-key): version v7 -> v8 [our side]`,
  );
  expect(p.document.history).toMatchObject({ status: 'known', lastGoodAt: passing.startedAt });
  expect(p.document.inputs?.changes).toEqual([
    { field: 'auth.credentials.token', before: 'version:v7', after: 'version:v8' },
  ]);
  // Our side changed: no "processor's side" verdict on a single processor.
  expect(p.document.verdict).toBeNull();
});

describe('page format limits', () => {
  test('subjects stay printable ASCII below 100 characters, even for a 63-character processor name', () => {
    const name = 'a'.repeat(63);
    const s = fitSubject(
      `[WARNING] ${name}: `,
      'our client certificate expiring - CLIENT_CERT_EXPIRING_SOON',
    );
    expect(s.length).toBe(SUBJECT_MAX);
    expect(s).toMatch(/^\[WARNING\] a{63}: our client .*\.\.\.$/);
    expect(fitSubject('[CRITICAL] x: ', 'TLS handshake failing \u2014 CERT_EXPIRED\n')).toBe(
      '[CRITICAL] x: TLS handshake failing - CERT_EXPIRED',
    );
  });

  test('a page too large for SNS sheds the JSON copies of the text, then the full result, then cuts the text', () => {
    const cert = (subject: string): CertSummary => ({
      subject,
      issuer: 'CN=ca',
      validFrom: '2025-01-01T00:00:00.000Z',
      validTo: '2026-01-01T00:00:00.000Z',
      daysToExpiry: 100,
      fingerprint256: 'AA',
    });
    const page = (subjectLength: number, certs: number, warnings: number) => {
      const big = cert(`CN=${'x'.repeat(subjectLength)}`);
      const result = failing({
        class: 'CERT_UNTRUSTED',
        stage: 'tls',
        warnings: Array.from({ length: warnings }, (_, i) => ({
          class: 'SLOW_RESPONSE' as const,
          detail: `${i} ${'w'.repeat(4000)}`,
        })),
        tls: {
          protocol: null,
          cipher: null,
          serverCert: big,
          chain: Array(certs).fill(big),
          clientCert: null,
        },
      });
      const alarm = parseAlarmEvent(alarmEvent('PayProbe-stripe-HandshakeFailing', 'ALARM', 'OK'));
      if (!alarm) throw new Error('event');
      return buildDiagnosisNotification({
        alarm,
        kind: 'HandshakeFailing',
        processor: 'stripe',
        result,
        config: processor,
      });
    };
    const read = (m: string) => {
      const parsed = JSON.parse(m) as Record<string, string>;
      return {
        parsed,
        doc: JSON.parse(parsed.https ?? '{}') as {
          text: string;
          result: unknown;
          diagnosis: { class: string };
        },
      };
    };
    // A normal page carries everything.
    const normal = page(40, 3, 0);
    expect(read(structuredMessage(normal)).doc.text).toBe(normal.text);
    // A long chain of long names: the JSON copies lose the embedded text (and the full result if need be),
    // email keeps all of it.
    const medium = page(3000, 10, 2);
    const everything = JSON.stringify({
      default: medium.text,
      email: medium.text,
      ...Object.fromEntries(
        ['http', 'https', 'sqs', 'lambda', 'firehose', 'email-json'].map((k) => [
          k,
          JSON.stringify(medium.document),
        ]),
      ),
    });
    expect(Buffer.byteLength(everything)).toBeGreaterThan(MESSAGE_MAX_BYTES);
    const m1 = structuredMessage(medium);
    expect(Buffer.byteLength(m1)).toBeLessThanOrEqual(MESSAGE_MAX_BYTES);
    expect(read(m1).parsed.email).toBe(medium.text);
    expect(read(m1).doc.text).toBe('');
    expect(read(m1).doc.diagnosis.class).toBe('CERT_UNTRUSTED');
    // Far too much text: the full result goes, the diagnosis stays, the text is cut with a note.
    const huge = page(20000, 10, 200);
    const m2 = structuredMessage(huge);
    expect(Buffer.byteLength(m2)).toBeLessThanOrEqual(MESSAGE_MAX_BYTES);
    expect(read(m2).doc.result).toBeNull();
    expect(read(m2).doc.diagnosis.class).toBe('CERT_UNTRUSTED');
    expect(read(m2).parsed.email).toMatch(/\[\.\.\. cut: the page exceeded the SNS message size/);
  });

  test('durations read like a person would say them', () => {
    expect(formatDuration(45_000)).toBe('45 s');
    expect(formatDuration(17.5 * 60_000)).toBe('18 min');
    expect(formatDuration(125 * 60_000)).toBe('2 h 5 min');
    expect(formatDuration(50 * 3_600_000)).toBe('2 d 2 h');
  });

  test('CloudWatch timestamps (+0000) parse', () => {
    expect(parseAlarmTime('2025-03-01T10:03:10.123+0000')?.toISOString()).toBe('2025-03-01T10:03:10.123Z');
    expect(parseAlarmTime('garbage')).toBeNull();
  });

  test('a RESOLVED page without a previous timestamp says the time is unknown', () => {
    const alarm = parseAlarmEvent(
      alarmEvent('PayProbe-stripe-LatencyHigh', 'OK', 'ALARM', { previous: 'n/a' }),
    );
    if (!alarm) throw new Error('event');
    const n = buildResolvedNotification({ alarm, kind: 'LatencyHigh', processor: 'stripe' });
    expect(n.subject).toBe('[RESOLVED] stripe: latency above budget - OK after an unknown time');
    expect(n.attributes).toEqual({
      processor: 'stripe',
      severity: 'warning',
      stage: 'none',
      class: 'OK',
      event: 'resolved',
    });
  });
});

describe('environment', () => {
  const topics = {
    PAYPROBE_TOPIC_CRITICAL_ARN: CRITICAL_ARN,
    PAYPROBE_TOPIC_WARNING_ARN: WARNING_ARN,
  };
  const deployed = { ...processor, baseDir: '/var/task/processors/stripe' };

  test("processors come from PAYPROBE_PROCESSORS, validated with the probe Lambda's rules", () => {
    const env = readDiagnoseEnv({ ...topics, PAYPROBE_PROCESSORS: JSON.stringify({ stripe: deployed }) });
    expect([...env.processors.keys()]).toEqual(['stripe']);
    expect(env.processors.get('stripe')?.baseDir).toBe('/var/task/processors/stripe');
    expect(env.topics).toEqual({ critical: CRITICAL_ARN, warning: WARNING_ARN });
  });

  test('or from the bundled file named by PAYPROBE_PROCESSORS_FILE', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'payprobe-diag-env-'));
    try {
      writeFileSync(path.join(dir, 'payprobe-processors.json'), JSON.stringify({ stripe: deployed }));
      const env = readDiagnoseEnv({
        ...topics,
        LAMBDA_TASK_ROOT: dir,
        PAYPROBE_PROCESSORS_FILE: 'payprobe-processors.json',
      });
      expect([...env.processors.keys()]).toEqual(['stripe']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('every problem is reported at once, naming the variable and the field', () => {
    const bad = { ...deployed, auth: { credentials: { type: 'bearer', token: { env: 'STRIPE_KEY' } } } };
    let err: ConfigError | undefined;
    try {
      readDiagnoseEnv({
        PAYPROBE_PROCESSORS: JSON.stringify({ stripe: bad, paypal: deployed }),
        PAYPROBE_TOPIC_CRITICAL_ARN: 'not-an-arn',
      });
    } catch (e) {
      err = e as ConfigError;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const issues = err?.issues ?? [];
    expect(issues).toContainEqual(expect.objectContaining({ path: 'stripe.auth.credentials.token' }));
    expect(issues).toContainEqual(
      expect.objectContaining({
        path: 'paypal',
        message: 'the key "paypal" names a processor called "stripe"',
      }),
    );
    expect(issues).toContainEqual(
      expect.objectContaining({
        file: 'environment variable PAYPROBE_TOPIC_CRITICAL_ARN',
        message: '"not-an-arn" is not an SNS topic ARN',
      }),
    );
    expect(issues).toContainEqual(
      expect.objectContaining({ file: 'environment variable PAYPROBE_TOPIC_WARNING_ARN' }),
    );
  });
});

test('events from other sources or with a malformed detail are not alarm state changes', () => {
  expect(
    parseAlarmEvent({
      source: 'aws.cloudwatch',
      'detail-type': 'CloudWatch Alarm State Change',
      time: 't',
      detail: {},
    }),
  ).toBeNull();
  expect(parseAlarmEvent(null)).toBeNull();
  expect(parseAlarmEvent(alarmEvent('PayProbe-stripe-AuthRejected', 'ALARM', 'OK'))).toMatchObject({
    alarmName: 'PayProbe-stripe-AuthRejected',
    region: 'eu-west-1',
    account: '123456789012',
    state: { value: 'ALARM' },
    previousState: { value: 'OK' },
  });
});
