/**
 * `payprobe audit` rules: a table with, for every rule, a config that makes it fire (with the field it must
 * name) and a close variant where it stays quiet (cases/*.ts, by concern). Client-certificate rules use real
 * certificates from the testbed PKI; secret contents come through the SecretResolver interface (an
 * in-memory one here, the CLI's real SecretSources for file and env references).
 */
import { audit, RULE_IDS, RULES, weakCiphers } from '../../../lambdas/core/audit';
import { DAY_MS } from '../../../lambdas/core/checks/expiry';
import { loadConfigFile } from '../../../lambdas/core/config/load';
import type { SecretResolver } from '../../../lambdas/core/secrets/resolver';
import { SecretSources } from '../../../lambdas/core/secrets/sources';
import { EXAMPLE_CONFIG } from '../../support/paths';
import { AUTH_ALERTING_CONFIG_CASES } from './cases/auth-alerting-config';
import { CREDENTIAL_CERTIFICATE_CASES } from './cases/credentials-certificates';
import { ENDPOINT_TLS_CASES } from './cases/endpoint-tls';
import { LIVE_RULE_CASES } from './cases/live';
import { fx, load, MapSecrets, mtls, p0, run, stripe, useAuditFixtures, withSecrets } from './fixtures';

useAuditFixtures();

const CASES = [
  ...ENDPOINT_TLS_CASES,
  ...CREDENTIAL_CERTIFICATE_CASES,
  ...AUTH_ALERTING_CONFIG_CASES,
  ...LIVE_RULE_CASES,
];

describe('audit rules', () => {
  test.each(CASES.map((c) => [c.name, c] as const))('fires on %s', async (_name, c) => {
    const findings = await run(c.fires());
    const hit = findings.filter((f) => f.rule === c.rule);
    expect(hit.map((f) => f.field)).toContain(c.field);
    const finding = hit.find((f) => f.field === c.field);
    expect(finding?.severity).toBe(c.severity ?? RULES[c.rule].severity);
    expect(finding?.message.length).toBeGreaterThan(10);
    expect(finding?.fix.length).toBeGreaterThan(10);
    expect(finding?.why).toBe(RULES[c.rule].why);
  });

  test.each(CASES.map((c) => [c.name, c] as const))(
    'stays quiet on the fixed variant of %s',
    async (_name, c) => {
      const findings = await run(c.quiet());
      expect(findings.filter((f) => f.rule === c.rule)).toEqual([]);
    },
  );

  test('every rule has a firing case in the table', () => {
    expect(new Set(CASES.map((c) => c.rule))).toEqual(new Set(RULE_IDS));
  });
});

describe('referenced TLS settings', () => {
  test('a referenced minVersion that cannot be read here is reported as not checked, never as too low', async () => {
    const config = load((c) => (p0(c).tls = { minVersion: { ssm: '/payments/acme/tls-min' } }));
    const findings = await run({ config, options: { secrets: new MapSecrets({}) } });
    expect(findings.filter((f) => f.rule.startsWith('tls-'))).toEqual([]);
    expect(findings).toContainEqual(
      expect.objectContaining({
        rule: 'not-checked',
        severity: 'info',
        field: 'processors[0].tls.minVersion',
        message: expect.stringContaining('ssm /payments/acme/tls-min'),
      }),
    );
  });

  test('a referenced version range is checked on the read values, naming both references', async () => {
    const config = load(
      (c) =>
        (p0(c).tls = {
          minVersion: { ssm: '/payments/acme/tls-min' },
          maxVersion: { ssm: '/payments/acme/tls-max' },
        }),
    );
    const values = { 'ssm /payments/acme/tls-min': 'TLSv1.3', 'ssm /payments/acme/tls-max': 'TLSv1.2' };
    const findings = await run({ config, options: { secrets: new MapSecrets(values) } });
    const range = findings.find((f) => f.rule === 'tls-version-range-empty');
    expect(range?.message).toBe(
      'tls.minVersion TLSv1.3 (from ssm /payments/acme/tls-min) is above tls.maxVersion TLSv1.2 (from ssm /payments/acme/tls-max)',
    );
  });

  test('an invalid referenced value is named by its reference, and a long one is not echoed', async () => {
    const long = `{"minVersion":"TLSv1.2","note":"${'x'.repeat(80)}"}`;
    const config = load((c) => (p0(c).tls = { minVersion: { ssm: '/payments/acme/settings' } }));
    const findings = await run({
      config,
      options: { secrets: new MapSecrets({ 'ssm /payments/acme/settings': long }) },
    });
    const bad = findings.find((f) => f.rule === 'referenced-value-invalid');
    expect(bad?.field).toBe('processors[0].tls.minVersion');
    expect(bad?.message).toContain('ssm /payments/acme/settings');
    expect(bad?.message).toContain(`a ${long.length}-character value`);
    expect(JSON.stringify(findings)).not.toContain('xxxxxxxx');
  });

  test('an { env } minVersion in a deployed config is a local-secret-source error', async () => {
    const config = load((c) => (p0(c).tls = { minVersion: { env: 'ACME_TLS_MIN' } }));
    const findings = await run({
      config,
      options: { secrets: new SecretSources({ env: { ACME_TLS_MIN: 'TLSv1.2' } }) },
    });
    expect(findings).toContainEqual(
      expect.objectContaining({ rule: 'local-secret-source', field: 'processors[0].tls.minVersion' }),
    );
  });
});

describe('audit report', () => {
  test('the example config has no error or warning', async () => {
    const config = loadConfigFile(EXAMPLE_CONFIG);
    const report = await audit(config, { secrets: new MapSecrets({}) });
    expect(report.findings.filter((f) => f.severity !== 'info')).toEqual([]);
    expect(report.summary).toMatchObject({ processors: 2, errors: 0, warnings: 0, ok: true });
  });

  test('the baseline config has no finding at all and reads no secret', async () => {
    const secrets = new MapSecrets({});
    const report = await audit(load(), { secrets });
    expect(report.findings).toEqual([]);
    expect(secrets.reads).toEqual([]);
  });

  test('without a resolver the content rules report not-checked instead of failing', async () => {
    const report = await audit(load(mtls(fx.good.cert, fx.good.key)));
    expect(report.findings).toEqual([
      expect.objectContaining({
        rule: 'not-checked',
        severity: 'info',
        field: 'processors[0].tls.clientCert',
      }),
      expect.objectContaining({
        rule: 'not-checked',
        severity: 'info',
        field: 'processors[0].tls.clientKey',
      }),
    ]);
    expect(report.summary.ok).toBe(true);
  });

  test('a secret read that never answers is reported as not checked after the timeout', async () => {
    const hanging: SecretResolver = { resolve: () => new Promise(() => {}) };
    const started = Date.now();
    const report = await audit(load(mtls(fx.good.cert, fx.good.key)), {
      secrets: hanging,
      secretTimeoutMs: 50,
    });
    expect(Date.now() - started).toBeLessThan(2000);
    expect(report.findings.map((f) => f.rule)).toEqual(['not-checked', 'not-checked']);
    expect(report.findings[0]?.message).toMatch(/no answer within 50 ms/);
  });

  test('an env credential is read by the CLI resolver and never appears in any finding', async () => {
    const token = 'sk_test_SECRETVALUE0123456789';
    const config = load((c) => {
      c.processors[0] = {
        ...stripe(),
        auth: { credentials: { type: 'bearer', token: { env: 'STRIPE_KEY' } } },
      };
      c.processors.push({
        name: 'acme',
        endpoint: 'https://user:hunter2secret@api.acme.example/?api_key=querysecret99',
        auth: { request: { path: '/x', headers: { 'X-Api-Key': 'headersecret77' } } },
      });
    });
    const report = await audit(config, { secrets: new SecretSources({ env: { STRIPE_KEY: token } }) });
    const rules = report.findings.map((f) => f.rule);
    expect(rules).toEqual(
      expect.arrayContaining(['test-key-in-production', 'local-secret-source', 'secret-inline']),
    );
    const text = JSON.stringify(report);
    for (const secret of [token, 'hunter2secret', 'querysecret99', 'headersecret77'])
      expect(text).not.toContain(secret);
  });

  test('findings are grouped: config-wide first, then processors in config order, errors before warnings', async () => {
    const config = load((c) => {
      delete c.alerting;
      c.processors.unshift({ name: 'first', endpoint: 'http://first.example', tls: { pins: [fx.good.pin] } });
    });
    const report = await audit(config);
    const order = report.findings.map((f) => `${f.processor ?? '-'}:${f.severity}:${f.rule}`);
    expect(order).toEqual([
      '-:error:no-critical-subscriber',
      '-:warning:no-warning-subscriber',
      'first:error:endpoint-not-https',
      'first:warning:pin-without-backup',
      'first:warning:no-auth-check',
    ]);
    expect(report.summary).toEqual({ processors: 2, errors: 2, warnings: 3, infos: 0, ok: false });
  });

  test('certificate expiry is judged against the `now` option', async () => {
    const input = withSecrets(mtls(fx.good.cert, fx.good.key), {
      now: () => new Date(fx.good.notAfter.getTime() + DAY_MS),
    });
    const report = await audit(input.config, input.options);
    expect(report.findings.map((f) => f.rule)).toEqual(['client-cert-expired']);
  });
});

describe('weakCiphers', () => {
  test.each([
    ['ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384', []],
    ['HIGH:!aNULL:!MD5', []],
    ['DEFAULT:-RC4:!3DES', []],
    ['ALL:eNULL', ['eNULL']],
    ['DES-CBC3-SHA:AES128-SHA', ['DES-CBC3-SHA']],
    ['HIGH:+RC4', ['RC4']],
    ['EXP-RC4-MD5', ['EXP-RC4-MD5']],
  ])('%s -> %j', (list, weak) => {
    expect(weakCiphers(list)).toEqual(weak);
  });
});
