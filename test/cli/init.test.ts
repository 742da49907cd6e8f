/**
 * `payprobe init` and `payprobe schema`: a commented starter config that validates as written (for every
 * preset), names the JSON Schema on its first line, is never written over without --force, and loads in
 * `check` and `audit` without a config error; `schema` prints the shipped schema.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import YAML from 'yaml';
import { loadConfigFile } from '../../lambdas/core/config/load';
import { runCli } from '../support/cli-capture';
import { REPO } from '../support/paths';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'payprobe-init-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const cli = (args: string[], env: NodeJS.ProcessEnv = {}) => runCli(args, { cwd: dir, env });

test('writes payprobe.yaml: the schema line, comments, one processor per preset, and it loads as written', async () => {
  const r = await cli(['init', '--preset', 'stripe,paypal', '--preset', 'adyen']);
  expect(r.code).toBe(0);
  expect(r.stderr).toMatch(/^payprobe: wrote payprobe\.yaml\. Next:/);
  const file = path.join(dir, 'payprobe.yaml');
  const text = readFileSync(file, 'utf8');
  // Outside a project with payprobe installed, the schema of the payprobe that wrote it.
  expect(text.split('\n')[0]).toBe(
    `# yaml-language-server: $schema=${path.relative(dir, path.join(REPO, 'schema', 'payprobe.schema.json'))}`,
  );
  expect(text).toMatch(/^# payprobe config:/m);
  const config = loadConfigFile(file);
  expect(config.processors.map((p) => [p.name, p.preset])).toEqual([
    ['stripe', 'stripe'],
    ['paypal', 'paypal'],
    ['adyen', 'adyen'],
  ]);
  // Every credential is a Secrets Manager reference named for its processor; Adyen gets its merchant account.
  expect(text).toContain('token: { secretsManager: payprobe/stripe/api-key }');
  expect(YAML.parse(text).processors[2].auth.merchantAccount).toBe('YourMerchantAccount');
});

test('in a project that installed payprobe, the schema line names the installed copy', async () => {
  const installed = path.join(dir, 'node_modules', 'payprobe', 'schema');
  mkdirSync(installed, { recursive: true });
  writeFileSync(path.join(installed, 'payprobe.schema.json'), '{}');
  mkdirSync(path.join(dir, 'infra'));
  expect((await cli(['init', '-o', 'infra/payprobe.yaml'])).code).toBe(0);
  expect(readFileSync(path.join(dir, 'infra', 'payprobe.yaml'), 'utf8').split('\n')[0]).toBe(
    '# yaml-language-server: $schema=../node_modules/payprobe/schema/payprobe.schema.json',
  );
});

test('never overwrites without --force; --force does', async () => {
  const file = path.join(dir, 'payprobe.yaml');
  writeFileSync(file, '# mine\n');
  const r = await cli(['init']);
  expect(r.code).toBe(2);
  expect(r.stderr).toBe(`payprobe: ${file} exists: pass --force to overwrite it, or --output another file\n`);
  expect(readFileSync(file, 'utf8')).toBe('# mine\n');
  expect((await cli(['init', '--force'])).code).toBe(0);
  expect(readFileSync(file, 'utf8')).toMatch(/name: my-processor/);
});

test('an unknown preset gets a did-you-mean; - prints to stdout and writes nothing', async () => {
  const r = await cli(['init', '--preset', 'strpe']);
  expect(r.code).toBe(2);
  expect(r.stderr).toMatch(
    /^payprobe: unknown preset "strpe": expected one of stripe, .* \(did you mean "stripe"\?\)$/m,
  );
  const printed = await cli(['init', '-o', '-', '--preset', 'square']);
  expect(printed.code).toBe(0);
  expect(printed.stdout).toMatch(/preset: square/);
  expect(() => readFileSync(path.join(dir, 'payprobe.yaml'))).toThrow(/ENOENT/);
});

test('check and audit load the starter without a config error (its secret cannot be read here: exit 1)', async () => {
  expect((await cli(['init', '--preset', 'stripe'])).code).toBe(0);
  const aws = {
    AWS_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
    AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
    AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
    AWS_EC2_METADATA_DISABLED: 'true',
  };
  const check = await cli(['check', '--json'], aws);
  expect(check.stderr).not.toMatch(/invalid config/);
  expect(check.code).toBe(1);
  expect(JSON.parse(check.stdout)).toMatchObject({
    results: [{ processor: 'stripe', class: 'CONFIG_ERROR' }],
  });
  const audit = await cli(['audit'], aws);
  expect(audit.stderr).toBe('');
  // Its only error: nobody is paged yet (alerting is left for the user to fill in).
  expect(audit.code).toBe(1);
  expect(audit.stdout).toMatch(/no-critical-subscriber/);
});

test('payprobe schema prints the shipped JSON Schema', async () => {
  const r = await cli(['schema']);
  expect(r.code).toBe(0);
  expect(r.stdout).toBe(readFileSync(path.join(REPO, 'schema', 'payprobe.schema.json'), 'utf8'));
});
