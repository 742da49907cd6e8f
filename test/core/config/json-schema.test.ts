/**
 * The JSON Schema the package ships (schema/payprobe.schema.json) is what the zod schema generates, and a
 * well-kept validator (ajv, draft 2020-12, with formats) judges files as the loader does: it accepts every
 * valid config of this repository and every starter `payprobe init` writes, and rejects each invalid one
 * at the field paths the loader names. Problems of meaning are the loader's alone (listed below).
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import YAML from 'yaml';
import { starterConfig } from '../../../cli/commands/init';
import { SCHEMA_PATH } from '../../../cli/package';
import { configJsonSchema } from '../../../lambdas/core/config/json-schema';
import { ConfigError, type ConfigIssue, parseConfig } from '../../../lambdas/core/config/load';
import { PRESET_NAMES } from '../../../lambdas/core/config/presets';
import { schemaText } from '../../../scripts/gen-schema';
import { REPO } from '../../support/paths';

const shipped = readFileSync(path.join(REPO, SCHEMA_PATH), 'utf8');
// Strict, but a type may be a list (`equals: string | number | boolean`), which JSON Schema allows.
const ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true });
addFormats(ajv);
const validate = ajv.compile(JSON.parse(shipped) as object);

/** ajv's error locations as the loader writes field paths: `processors[0].tls.ca`. */
function schemaPaths(doc: unknown): string[] {
  if (validate(doc)) return [];
  return (validate.errors ?? []).map((e) => {
    const parts = e.instancePath.split('/').slice(1);
    if (e.keyword === 'additionalProperties') parts.push(String(e.params.additionalProperty));
    if (e.keyword === 'required') parts.push(String(e.params.missingProperty));
    return parts.map((p, i) => (/^\d+$/.test(p) ? `[${p}]` : `${i === 0 ? '' : '.'}${p}`)).join('');
  });
}

function loaderIssues(text: string): ConfigIssue[] {
  try {
    parseConfig(text, '/srv/payprobe.yaml');
    return [];
  } catch (err) {
    if (err instanceof ConfigError) return [...err.issues];
    throw err;
  }
}

test('the shipped file is what the zod schema generates (npx tsx scripts/gen-schema.ts)', () => {
  expect(shipped).toBe(schemaText());
  expect(JSON.parse(shipped)).toEqual(configJsonSchema());
});

describe('valid configs are accepted by both', () => {
  const files = [
    'payprobe.example.yaml',
    'examples/bad.yaml',
    'test/lib/fixtures/two-processors.yaml',
    'test/lib/fixtures/regions.yaml',
    'test/lib/fixtures/env-secret.yaml',
  ];
  test.each(files)('%s', (file) => {
    const text = readFileSync(path.join(REPO, file), 'utf8');
    expect(loaderIssues(text)).toEqual([]);
    expect(schemaPaths(YAML.parse(text))).toEqual([]);
  });

  test.each([[[]], ...PRESET_NAMES.map((p) => [[p]]), [['stripe', 'stripe', 'paypal']]])(
    'payprobe init --preset %j',
    (presets) => {
      const text = starterConfig(presets as string[], './schema/payprobe.schema.json');
      expect(loaderIssues(text)).toEqual([]);
      expect(schemaPaths(YAML.parse(text))).toEqual([]);
    },
  );
});

const ok = 'processors:\n  - name: a\n    endpoint: https://a.example\n';

/** Invalid configs: a problem of the schema in each, the loader's path for it among ajv's. */
const INVALID: readonly [string, string][] = [
  ['a misspelt field', `${ok}    timeoutMS: 3000\n`],
  ['a misspelt top-level field', `${ok}alerts: {}\n`],
  ['no processors', 'processors: []\n'],
  ['processors missing', 'defaults: {}\n'],
  ['a list instead of the mapping', '- name: a\n'],
  ['an interval that is not 10, 20, 30 or 60', `${ok}    intervalSeconds: 45\n`],
  ['a timeout below the minimum', `${ok}    timeoutMs: 50\n`],
  ['a fraction for a whole number', `${ok}    maxBodyBytes: 1.5\n`],
  ['the removed metrics field', `${ok}    metrics: minimal\n`],
  ['a maintenance window without a reason', `${ok}maintenance: [{ processors: [a], cron: "0 3 * * SUN" }]\n`],
  [
    'a maintenance window with a misspelt field',
    `${ok}maintenance: [{ processors: [a], reason: r, tz: UTC }]\n`,
  ],
  ['a proxy that is neither env, none nor a mapping', `${ok}    proxy: direct\n`],
  ['a proxy with a misspelt field', `${ok}    proxy: { url: "http://proxy.example:3128", user: x }\n`],
  [
    'a malformed subnet id',
    `${ok}    network: { vpc: { vpcId: vpc-0abc12345def67890, subnetIds: [net-1] } }\n`,
  ],
  ['an invalid processor name', 'processors:\n  - { name: Stripe, endpoint: https://a.example }\n'],
  ['a non-HTTP endpoint', 'processors:\n  - { name: a, endpoint: "ftp://a.example" }\n'],
  ['an inline secret', `${ok}    auth: { credentials: { type: bearer, token: sk_live_abc } }\n`],
  ['a reference with two sources', `${ok}    tls: { ca: { file: a.pem, ssm: /x } }\n`],
  ['an unknown credential type', `${ok}    auth: { credentials: { type: digest, token: { env: T } } }\n`],
  ['a request path without /', `${ok}    auth: { request: { path: v1/balance } }\n`],
  ['an unknown TLS version', `${ok}    tls: { minVersion: TLSv1.4 }\n`],
  ['a malformed pin', `${ok}    tls: { pins: [abc] }\n`],
  ['an empty status list', `${ok}    auth: { expectStatus: [] }\n`],
  ['an http webhook', `${ok}alerting: { critical: [{ https: "http://hooks.example.com/x" }] }\n`],
  ['a bare-string subscription', `${ok}alerting: { critical: ["oncall@example.com"] }\n`],
  ['a malformed region', `regions: [Ireland]\n${ok}`],
  ['an empty body check', `${ok}    auth: { expectBody: { contains: "" } }\n`],
  [
    'an unknown token method',
    `${ok}    auth: { credentials: { type: oauth2-client-credentials, tokenUrl: /t, clientId: x, clientSecret: { env: S }, tokenMethod: PUT } }\n`,
  ],
];

describe('invalid configs are rejected by both, at the loader’s field paths', () => {
  test.each(INVALID)('%s', (_, text) => {
    const issues = loaderIssues(text);
    expect(issues.length).toBeGreaterThan(0);
    const paths = new Set(schemaPaths(YAML.parse(text)));
    expect(paths.size).toBeGreaterThan(0);
    expect(issues.map((i) => i.path).filter((p) => !paths.has(p))).toEqual([]);
  });
});

test('problems of meaning are the loader’s: the schema cannot see them', () => {
  const meaning = [
    'processors:\n  - { name: a, preset: strpe }\n',
    'processors:\n  - { name: a, endpoint: https://a.example }\n  - { name: a, endpoint: https://b.example }\n',
    `${ok}    intervalSeconds: 10\n    timeoutMs: 20000\n`,
    `${ok}    tls: { clientCert: { file: c.pem } }\n`,
  ];
  for (const text of meaning) {
    expect(loaderIssues(text).length).toBeGreaterThan(0);
    expect(schemaPaths(YAML.parse(text))).toEqual([]);
  }
});
