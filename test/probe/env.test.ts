/**
 * The probe Lambda's environment contract: PAYPROBE_PROCESSOR (JSON of one ProcessorConfig, as the CDK
 * stack serialises it) validated with the config file's schema, plus the deployed-config rules, and
 * PAYPROBE_SECRET_TTL_SECONDS.
 */
import { ConfigError } from '../../lambdas/core/config/load';
import { parseProcessorEnv, processorNameFromEnv } from '../../lambdas/glue/deployed-config';
import { readProbeEnv } from '../../lambdas/probe/env';
import { processorFromYaml, STRIPE_YAML, stripeProcessor } from '../support/probe';

function issues(fn: () => unknown): { file: string; path: string; message: string }[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return [...err.issues];
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('PAYPROBE_PROCESSOR', () => {
  it('round-trips a loaded config (what the CDK stack serialises), with baseDir from the JSON', () => {
    const loaded = processorFromYaml(`
defaults: { intervalSeconds: 30, timeoutMs: 4000 }
processors:
  - name: paypal
    preset: paypal
    environment: sandbox
    tls: { ca: { file: certs/ca.pem }, pins: ["sha256/${'A'.repeat(43)}="] }
    auth:
      credentials:
        type: oauth2-client-credentials
        clientId: { ssm: /payments/paypal/client-id }
        clientSecret: { secretsManager: payprobe/paypal/client-secret }
`);
    const json = JSON.stringify({ ...loaded, baseDir: '/var/task' });
    expect(parseProcessorEnv(json, '/unused')).toEqual({ ...loaded, baseDir: '/var/task' });
  });

  it('falls back to the given directory (LAMBDA_TASK_ROOT) when the JSON has no baseDir', () => {
    const { baseDir: _omit, ...noBase } = stripeProcessor();
    expect(
      readProbeEnv({ PAYPROBE_PROCESSOR: JSON.stringify(noBase), LAMBDA_TASK_ROOT: '/var/task' }).processor
        .baseDir,
    ).toBe('/var/task');
  });

  it('rejects unknown fields and invalid values with the field path, naming the variable', () => {
    const bad = { ...stripeProcessor(), intervalSeconds: 15, colour: 'blue' };
    const found = issues(() => parseProcessorEnv(JSON.stringify(bad), '/var/task'));
    expect(found.every((i) => i.file === 'environment variable PAYPROBE_PROCESSOR')).toBe(true);
    expect(found.map((i) => i.path).sort()).toEqual(['colour', 'intervalSeconds']);
    expect(found.find((i) => i.path === 'colour')?.message).toContain('unknown field');
  });

  it('rejects { env } references: the deployed function reads secrets from Secrets Manager or SSM only', () => {
    const p = processorFromYaml(
      STRIPE_YAML.replace('{ secretsManager: payprobe/stripe/api-key }', '{ env: STRIPE_KEY }'),
    );
    const found = issues(() => parseProcessorEnv(JSON.stringify(p), '/var/task'));
    expect(found).toEqual([
      expect.objectContaining({
        path: 'auth.credentials.token',
        message: expect.stringContaining('{ env: STRIPE_KEY }'),
      }),
    ]);
  });

  it('rejects { file } references outside the bundle, accepts relative ones inside it', () => {
    const withCa = (file: string) => ({
      ...stripeProcessor(),
      tls: { ...stripeProcessor().tls, ca: { file } },
    });
    expect(
      issues(() => parseProcessorEnv(JSON.stringify(withCa('/etc/ssl/ca.pem')), '/var/task'))[0]?.path,
    ).toBe('tls.ca');
    expect(issues(() => parseProcessorEnv(JSON.stringify(withCa('../ca.pem')), '/var/task'))[0]?.path).toBe(
      'tls.ca',
    );
    expect(parseProcessorEnv(JSON.stringify(withCa('certs/ca.pem')), '/var/task').tls.ca).toEqual({
      file: 'certs/ca.pem',
    });
  });

  it('says what to do when it is missing or not JSON', () => {
    expect(issues(() => parseProcessorEnv(undefined, '/'))[0]?.message).toContain('not set');
    expect(issues(() => parseProcessorEnv('{name: stripe', '/'))[0]?.message).toContain('not valid JSON');
    expect(issues(() => parseProcessorEnv('[1]', '/'))[0]?.message).toContain('expected a JSON object');
  });

  it('yields the processor name for reporting even when the rest is broken', () => {
    expect(processorNameFromEnv({ PAYPROBE_PROCESSOR: '{"name":"stripe","timeoutMs":"x"}' })).toBe('stripe');
    expect(processorNameFromEnv({ PAYPROBE_PROCESSOR: '{"name":"Not A Name"}' })).toBeUndefined();
    expect(processorNameFromEnv({})).toBeUndefined();
  });
});

describe('PAYPROBE_SECRET_TTL_SECONDS', () => {
  const base = { PAYPROBE_PROCESSOR: JSON.stringify(stripeProcessor()) };

  it('defaults to 60 seconds and accepts 0 to 3600', () => {
    expect(readProbeEnv(base).secretTtlSeconds).toBe(60);
    expect(readProbeEnv({ ...base, PAYPROBE_SECRET_TTL_SECONDS: '120' }).secretTtlSeconds).toBe(120);
    expect(readProbeEnv({ ...base, PAYPROBE_SECRET_TTL_SECONDS: '0' }).secretTtlSeconds).toBe(0);
  });

  it.each(['-1', '1.5', 'ten', '86400'])('rejects %s, reported together with any processor issue', (ttl) => {
    const found = issues(() => readProbeEnv({ PAYPROBE_SECRET_TTL_SECONDS: ttl }));
    expect(found.map((i) => i.file)).toEqual([
      'environment variable PAYPROBE_PROCESSOR',
      'environment variable PAYPROBE_SECRET_TTL_SECONDS',
    ]);
  });
});
