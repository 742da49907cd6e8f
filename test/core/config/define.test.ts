/**
 * defineConfig, the typed way to write a config in TypeScript: the same validation and the same messages
 * as a YAML file with the same content, and `{ file }` references relative to the file that defines it.
 */
import YAML from 'yaml';
import { DEFINED_IN_CODE, defineConfig, type PayProbeConfig } from '../../../lambdas/core/config/api';
import { ConfigError, type ConfigIssue, parseConfig } from '../../../lambdas/core/config/load';

function issues(run: () => unknown): ConfigIssue[] {
  try {
    run();
  } catch (err) {
    if (err instanceof ConfigError) return [...err.issues];
    throw err;
  }
  throw new Error('expected a ConfigError, but the config was accepted');
}

const VALID: PayProbeConfig = {
  defaults: { timeoutMs: 3000, tls: { minVersion: 'TLSv1.2' } },
  alerting: { critical: [{ email: 'oncall@example.com' }] },
  processors: [
    {
      name: 'stripe',
      preset: 'stripe',
      tls: { ca: { file: 'certs/ca.pem' } },
      auth: { credentials: { type: 'bearer', token: { secretsManager: 'payprobe/stripe/api-key' } } },
    },
  ],
};

test('a valid config resolves as the same YAML does: defaults, preset and references', () => {
  const fromCode = defineConfig(VALID, { file: '/srv/app/monitoring.ts' });
  const fromYaml = parseConfig(YAML.stringify(VALID), '/srv/app/payprobe.yaml');
  expect(fromCode.processors).toEqual(fromYaml.processors);
  expect(fromCode.raw).toEqual(fromYaml.raw);
  expect(fromCode.file).toBe('/srv/app/monitoring.ts');
  // `{ file }` references resolve next to the defining file.
  expect(fromCode.processors[0]?.baseDir).toBe('/srv/app');
});

test('without a file, messages name defineConfig() and references are relative to the working directory', () => {
  const config = defineConfig(VALID);
  expect(config.file).toBe(DEFINED_IN_CODE);
  expect(config.processors[0]?.baseDir).toBe(process.cwd());
});

test.each([
  ['a misspelt field', { processors: [{ name: 'a', endpoint: 'https://a.example', timeoutMS: 3000 }] }],
  ['an unknown preset', { processors: [{ name: 'a', preset: 'strpe' }] }],
  [
    'an inline secret',
    {
      processors: [
        { name: 'a', preset: 'stripe', auth: { credentials: { type: 'bearer', token: 'sk_live_x' } } },
      ],
    },
  ],
  [
    'a timeout above the interval',
    { processors: [{ name: 'a', endpoint: 'https://a.example', intervalSeconds: 10, timeoutMs: 20000 }] },
  ],
  ['no processors', { processors: [] }],
])('%s: exactly the issues and messages of the same YAML', (_, config) => {
  const file = '/srv/app/payprobe.yaml';
  const fromCode = issues(() => defineConfig(config as PayProbeConfig, { file }));
  expect(fromCode.length).toBeGreaterThan(0);
  expect(fromCode).toEqual(issues(() => parseConfig(YAML.stringify(config), file)));
});

test('the type catches a misspelt field before anything runs', () => {
  // @ts-expect-error: `timeoutMS` is not a field (the schema's input type drives completion and checks).
  const misspelt: PayProbeConfig = { processors: [{ name: 'a', timeoutMS: 1 }] };
  expect(issues(() => defineConfig(misspelt)).map((i) => i.path)).toContain('processors[0].timeoutMS');
});
