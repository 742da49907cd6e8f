/**
 * The preflight's decision (lambdas/preflight/preflight.ts) with an injected probe function: any failure
 * class fails it, warnings do not, a failure must persist across attempts, and the failure reason names
 * processor, stage, class and detail without a secret. Parsing of the processors the stack passes.
 */
import { type ProcessorConfig, parseConfig } from '../../lambdas/core/config/load';
import type { ManyEngine } from '../../lambdas/core/contract/engine';
import type { ProbeResult } from '../../lambdas/core/contract/result';
import {
  failureReason,
  parseProcessorsJson,
  runPreflight,
  successSummary,
} from '../../lambdas/preflight/preflight';
import { MemorySecrets } from '../../testbed/memory-secrets';

const CONFIG = `
processors:
  - name: stripe
    preset: stripe
    auth: { credentials: { type: bearer, token: { secretsManager: payprobe/stripe/api-key } } }
  - name: acme
    endpoint: https://api.acme.example
    auth:
      request: { path: /ping }
      credentials: { type: bearer, token: { secretsManager: payprobe/acme/api-key } }
`;

function processors(): ProcessorConfig[] {
  return [...parseConfig(CONFIG, '/etc/payprobe/payprobe.yaml').processors];
}

function result(processor: string, overrides: Partial<ProbeResult> = {}): ProbeResult {
  return {
    processor,
    ok: true,
    stage: null,
    class: null,
    detail: null,
    warnings: [],
    timings: { dnsMs: 1, connectMs: 1, tlsMs: 5, firstByteMs: 20, totalMs: 30 },
    tls: null,
    http: { status: 200 },
    startedAt: '2026-03-02T10:00:00.000Z',
    inputs: {},
    ...overrides,
  };
}

const expiredCert = (p: string) =>
  result(p, {
    ok: false,
    stage: 'tls',
    class: 'CERT_EXPIRED',
    detail: 'certificate has expired (CERT_HAS_EXPIRED); validTo 2026-02-01T00:00:00.000Z',
  });

/** A probe function scripted per attempt: attempt n returns script[n](processor name). */
function scripted(...script: ((name: string) => ProbeResult)[]): ManyEngine & { calls: string[][] } {
  const calls: string[][] = [];
  const fn = async (ps: readonly ProcessorConfig[]) => {
    const step = script[Math.min(calls.length, script.length - 1)];
    calls.push(ps.map((p) => p.name));
    if (!step) throw new Error('no script');
    return ps.map((p) => step(p.name));
  };
  return Object.assign(fn, { calls });
}

const noSleep = async () => {};

describe('runPreflight', () => {
  test('passes when every processor passes, after one attempt', async () => {
    const probe = scripted((n) => result(n));
    const outcome = await runPreflight(processors(), {
      probeMany: probe,
      secrets: new MemorySecrets(),
      sleep: noSleep,
    });
    expect(outcome).toMatchObject({ ok: true, failures: [], attempts: 1 });
    expect(probe.calls).toEqual([['stripe', 'acme']]);
  });

  test('passes with warnings: CERT_EXPIRING_SOON does not fail a deployment', async () => {
    const probe = scripted((n) =>
      result(n, {
        warnings: [{ class: 'CERT_EXPIRING_SOON', detail: 'server certificate expires in 9 days' }],
      }),
    );
    const outcome = await runPreflight(processors(), {
      probeMany: probe,
      secrets: new MemorySecrets(),
      sleep: noSleep,
    });
    expect(outcome.ok).toBe(true);
    expect(successSummary(outcome)).toBe(
      'payprobe preflight passed: 2 processors ok; warnings: stripe: CERT_EXPIRING_SOON; acme: CERT_EXPIRING_SOON',
    );
  });

  test('fails when a processor fails on every attempt, and re-probes only the failed one', async () => {
    const probe = scripted((n) => (n === 'acme' ? expiredCert(n) : result(n)));
    const slept: number[] = [];
    const outcome = await runPreflight(
      processors(),
      {
        probeMany: probe,
        secrets: new MemorySecrets(),
        sleep: async (ms) => {
          slept.push(ms);
        },
      },
      { attempts: 3, retryDelayMs: 1234 },
    );
    expect(outcome.ok).toBe(false);
    expect(outcome.attempts).toBe(3);
    expect(probe.calls).toEqual([['stripe', 'acme'], ['acme'], ['acme']]);
    expect(slept).toEqual([1234, 1234]);
    expect(outcome.failures).toEqual([
      {
        processor: 'acme',
        stage: 'tls',
        class: 'CERT_EXPIRED',
        detail: 'certificate has expired (CERT_HAS_EXPIRED); validTo 2026-02-01T00:00:00.000Z',
      },
    ]);
    expect(outcome.results.map((r) => r.processor)).toEqual(['stripe', 'acme']);
  });

  test('a failure that clears on the second attempt passes (one dropped packet does not roll back)', async () => {
    const probe = scripted(
      (n) =>
        n === 'stripe'
          ? result(n, { ok: false, stage: 'connect', class: 'CONNECT_TIMEOUT', detail: 'x' })
          : result(n),
      (n) => result(n),
    );
    const outcome = await runPreflight(processors(), {
      probeMany: probe,
      secrets: new MemorySecrets(),
      sleep: noSleep,
    });
    expect(outcome).toMatchObject({ ok: true, attempts: 2 });
    expect(probe.calls).toEqual([['stripe', 'acme'], ['stripe']]);
    expect(successSummary(outcome)).toBe('payprobe preflight passed: 2 processors ok (after 2 attempts)');
  });

  test.each([
    ['AUTH_REJECTED', 'auth'],
    ['CONFIG_ERROR', 'config'],
    ['DNS_FAILURE', 'dns'],
    ['HTTP_ERROR', 'http'],
  ] as const)('any failure class fails it: %s', async (cls, stage) => {
    const probe = scripted((n) =>
      n === 'stripe' ? result(n, { ok: false, stage, class: cls, detail: 'd' }) : result(n),
    );
    const outcome = await runPreflight(
      processors(),
      { probeMany: probe, secrets: new MemorySecrets(), sleep: noSleep },
      { attempts: 1 },
    );
    expect(outcome.ok).toBe(false);
    expect(outcome.failures.map((f) => f.class)).toEqual([cls]);
  });
});

describe('failureReason', () => {
  test('names every failed processor with stage, class and detail, and says it rolls back', async () => {
    const probe = scripted((n) =>
      n === 'acme'
        ? expiredCert(n)
        : result(n, { ok: false, stage: 'auth', class: 'AUTH_REJECTED', detail: 'HTTP 401' }),
    );
    const outcome = await runPreflight(processors(), {
      probeMany: probe,
      secrets: new MemorySecrets(),
      sleep: noSleep,
    });
    expect(failureReason(outcome)).toBe(
      'payprobe preflight failed: 2 of 2 processors failed on all 2 attempts; the deployment is rolled back. ' +
        'stripe: auth AUTH_REJECTED (HTTP 401); acme: tls CERT_EXPIRED (certificate has expired (CERT_HAS_EXPIRED); validTo 2026-02-01T00:00:00.000Z). ' +
        'Run `npx payprobe check --config FILE` for the full diagnosis.',
    );
  });

  test('masks secret values through the redactor and caps long details', async () => {
    const secret = 'sk_live_abcdefghijklmnop';
    const probe = scripted((n) =>
      result(n, {
        ok: false,
        stage: 'http',
        class: 'HTTP_ERROR',
        detail: `echoed ${secret} ${'x'.repeat(1000)}`,
      }),
    );
    const outcome = await runPreflight(
      processors(),
      { probeMany: probe, secrets: new MemorySecrets(), sleep: noSleep },
      { attempts: 1 },
    );
    const reason = failureReason(outcome, (t) => t.split(secret).join('[REDACTED]'));
    expect(reason).not.toContain(secret);
    expect(reason).toContain('stripe: http HTTP_ERROR (echoed [REDACTED] xxx');
    expect(reason.length).toBeLessThan(1000);
  });
});

describe('parseProcessorsJson', () => {
  const deployed = () =>
    Object.fromEntries(processors().map((p) => [p.name, { ...p, baseDir: '/var/task' }]));

  test('reads processor configs keyed by name, validated like the probe Lambda reads one', () => {
    const parsed = parseProcessorsJson(JSON.stringify(deployed()), '/var/task');
    expect(parsed.map((p) => [p.name, p.baseDir, p.endpoint])).toEqual([
      ['stripe', '/var/task', 'https://api.stripe.com'],
      ['acme', '/var/task', 'https://api.acme.example'],
    ]);
    expect(parsed).toEqual(processors().map((p) => ({ ...p, baseDir: '/var/task' })));
  });

  test('a broken entry fails with the processor and field named', () => {
    const bad = deployed();
    (bad.acme as Record<string, unknown>).timeoutMs = 'soon';
    (bad.stripe as Record<string, unknown>).auth = {
      credentials: { type: 'bearer', token: { env: 'STRIPE_KEY' } },
    };
    expect(() => parseProcessorsJson(JSON.stringify(bad), '/var/task')).toThrow(
      expect.objectContaining({
        issues: expect.arrayContaining([
          expect.objectContaining({ file: 'preflight property ProcessorsJson', path: 'acme.timeoutMs' }),
          expect.objectContaining({
            path: 'stripe.auth.credentials.token',
            message: expect.stringMatching(/env/),
          }),
        ]),
      }),
    );
  });

  test.each([
    [undefined, /not set/],
    ['{', /not valid JSON/],
    ['[]', /expected a JSON object/],
    ['{}', /no processors/],
  ])('rejects %p', (json, message) => {
    expect(() => parseProcessorsJson(json, '/var/task')).toThrow(message);
  });
});
