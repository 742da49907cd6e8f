/**
 * The Lambda bundles' credentials (the Lambda glue's lambda-credentials.ts, put in place of the AWS SDK's
 * default chain by PAYPROBE_ESBUILD_OPTIONS `alias`): the environment's credentials as the Lambda runtime sets
 * them, a clear error without them (no profile, SSO or metadata fallback), and bundles built with the one
 * bundling configuration that hold none of the chain the CLI keeps. The bundle tests (test/probe,
 * test/diagnose) and the e2e replays run these bundles against an endpoint that checks nothing but signed
 * requests with these environment credentials.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { build } from 'esbuild';
import { defaultProvider } from '../../lambdas/glue/lambda-credentials';
import { handlerEntry, PAYPROBE_ESBUILD_OPTIONS, PAYPROBE_HANDLERS } from '../../lib/function/bundling';
import { CLI_BUNDLE_OPTIONS } from '../../scripts/build';
import { REPO } from '../support/paths';

const ENV_NAMES = [
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_PROFILE',
  'AWS_SHARED_CREDENTIALS_FILE',
  'AWS_CONFIG_FILE',
] as const;
const saved = Object.fromEntries(ENV_NAMES.map((n) => [n, process.env[n]]));
const work = mkdtempSync(path.join(tmpdir(), 'payprobe-credentials-'));

afterEach(() => {
  for (const n of ENV_NAMES) {
    if (saved[n] === undefined) delete process.env[n];
    else process.env[n] = saved[n];
  }
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** The packages of the SDK's full default chain, which a Lambda never reaches. */
const CHAIN = [
  '@aws-sdk/credential-provider-node',
  '@aws-sdk/credential-provider-ini',
  '@aws-sdk/credential-provider-sso',
  '@aws-sdk/credential-provider-process',
  '@aws-sdk/credential-provider-web-identity',
  '@aws-sdk/credential-provider-login',
  '@aws-sdk/credential-provider-http',
  '@aws-sdk/nested-clients',
  '@aws-sdk/token-providers',
  '@smithy/credential-provider-imds',
];

test('serves the execution role credentials the Lambda runtime puts in the environment', async () => {
  Object.assign(process.env, {
    AWS_ACCESS_KEY_ID: 'ASIAEXAMPLEROLEKEY01',
    AWS_SECRET_ACCESS_KEY: 'role/secret/example',
    AWS_SESSION_TOKEN: 'role-session-token',
  });
  await expect(defaultProvider()()).resolves.toMatchObject({
    accessKeyId: 'ASIAEXAMPLEROLEKEY01',
    secretAccessKey: 'role/secret/example',
    sessionToken: 'role-session-token',
  });
});

test('without environment credentials it says where it looks, and reads no profile', async () => {
  for (const n of ENV_NAMES) delete process.env[n];
  // A profile the full chain would use: the Lambda bundle must not.
  const file = path.join(work, 'credentials');
  writeFileSync(file, '[default]\naws_access_key_id = AKIAPROFILEKEY000001\naws_secret_access_key = x\n');
  process.env.AWS_SHARED_CREDENTIALS_FILE = file;
  await expect(defaultProvider()()).rejects.toThrow(
    /no AWS credentials in the environment \(AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY/,
  );
});

test.each(PAYPROBE_HANDLERS)(
  'the %s bundle takes its credentials from the environment provider only',
  async (handler) => {
    const result = await build({
      ...PAYPROBE_ESBUILD_OPTIONS,
      entryPoints: [handlerEntry(handler)],
      outfile: path.join(work, handler, 'index.js'),
      write: false,
      metafile: true,
      logLevel: 'silent',
    });
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.filter((f) => CHAIN.some((p) => f.includes(`node_modules/${p}/`)))).toEqual([]);
    expect(inputs).toContain('lambdas/glue/lambda-credentials.ts');
    expect(inputs.some((f) => f.includes('node_modules/@aws-sdk/credential-provider-env/'))).toBe(true);
  },
);

test('the CLI bundle keeps the whole chain: profiles and SSO on laptops and CI', async () => {
  const result = await build({
    ...CLI_BUNDLE_OPTIONS,
    entryPoints: [path.join(REPO, 'cli', 'payprobe.ts')],
    outdir: path.join(work, 'cli'),
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  const inputs = Object.keys(result.metafile.inputs);
  expect(inputs.some((f) => f.includes('node_modules/@aws-sdk/credential-provider-node/'))).toBe(true);
  expect(inputs.some((f) => f.includes('node_modules/@aws-sdk/credential-provider-sso/'))).toBe(true);
  expect(inputs.some((f) => f.includes('lambda-credentials'))).toBe(false);
});
