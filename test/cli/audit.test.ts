/**
 * `payprobe audit`: exit statuses 0 (no error finding), 1 (errors) and 2 (invalid input), the readable
 * report grouped by processor, the --json document, --local, and that secret values are never printed.
 * Runs the real CLI program in-process, and once as a real process (cli/payprobe.ts).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import type { Finding } from '../../lambdas/core/audit';
import { CLI_NODE_ARGS } from '../support/cli';
import { runCli } from '../support/cli-capture';

const ROOT = path.join(__dirname, '../..');
const TEST_KEY = 'sk_test_auditCliSecret0123456789';

const cli = (args: string[], env: NodeJS.ProcessEnv = {}, cwd = ROOT) => runCli(args, { cwd, env });

interface AuditJson {
  file: string;
  findings: Finding[];
  summary: { processors: number; errors: number; warnings: number; infos: number; ok: boolean };
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'payprobe-audit-cli-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function configFile(name: string, text: string): string {
  const file = path.join(dir, name);
  writeFileSync(file, text);
  return file;
}

/** Every finding examples/bad.yaml must produce: [rule, field] (with STRIPE_SECRET_KEY set to a test key). */
const BAD_FINDINGS: [string, string][] = [
  ['no-critical-subscriber', 'alerting.critical'],
  ['tls-min-version-too-low', 'defaults.tls.minVersion'],
  ['test-key-in-production', 'processors[0].auth.credentials.token'],
  ['local-secret-source', 'processors[0].auth.credentials.token'],
  ['pin-without-backup', 'processors[0].tls.pins'],
  ['pinning-discouraged', 'processors[0].tls.pins'],
  ['sandbox-host-in-production', 'processors[1].endpoint'],
  ['local-secret-source', 'processors[1].auth.credentials.clientSecret'],
  ['endpoint-not-https', 'processors[2].endpoint'],
  ['tls-verify-disabled', 'processors[2].tls.verify'],
  ['weak-ciphers', 'processors[2].tls.ciphers'],
  ['ciphers-no-forward-secrecy', 'processors[2].tls.ciphers'],
  ['secret-inline', 'processors[2].auth.request.headers.Authorization'],
  ['secret-inline', 'processors[2].auth.request.path'],
  ['expect-status-accepts-rejection', 'processors[2].auth.expectStatus'],
  ['no-auth-check', 'processors[2].auth.credentials'],
  ['endpoint-not-https', 'processors[3].endpoint'],
  ['tls-max-version-too-low', 'processors[3].tls.maxVersion'],
  ['no-auth-check', 'processors[3].auth'],
  ['duplicate-endpoint', 'processors[3].endpoint'],
  ['production-host-in-sandbox', 'processors[4].endpoint'],
  ['local-secret-source', 'processors[4].tls.clientKey'],
  ['client-cert-expired', 'processors[4].tls.clientCert'],
  ['client-key-mismatch', 'processors[4].tls.clientKey'],
  ['ca-invalid', 'processors[4].tls.ca'],
  ['budget-near-interval', 'processors[4].budgetMs'],
  ['bundled-file', 'processors[4].tls.ca'],
  ['bundled-file', 'processors[4].tls.clientCert'],
  ['preset-unverified', 'processors[4].preset'],
];

describe('payprobe audit', () => {
  test('the example config passes: exit 0', async () => {
    const r = await cli(['audit', '--config', 'payprobe.example.yaml']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^payprobe audit: payprobe\.example\.yaml\n/);
    expect(r.stdout).toMatch(/2 processors, 0 errors, 0 warnings, \d+ infos?: PASS\n$/);
  });

  test('the bad example: exit 1, every finding in --json with its field and fix', async () => {
    const r = await cli(['audit', '--config', 'examples/bad.yaml', '--json'], {
      STRIPE_SECRET_KEY: TEST_KEY,
    });
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.stdout) as AuditJson;
    expect(doc.file).toBe(path.join('examples', 'bad.yaml'));
    expect(doc.findings.map((f) => [f.rule, f.field])).toEqual(expect.arrayContaining(BAD_FINDINGS));
    expect(doc.findings).toHaveLength(BAD_FINDINGS.length + 3); // tls-min-version-too-low once per processor it reaches
    for (const f of doc.findings) {
      expect(Object.keys(f).sort()).toEqual([
        'field',
        'fix',
        'message',
        'processor',
        'rule',
        'severity',
        'why',
      ]);
      expect(f.fix).not.toBe('');
    }
    expect(doc.summary).toEqual({ processors: 5, errors: 22, warnings: 7, infos: 3, ok: false });
    expect(r.stdout).not.toContain(TEST_KEY);
  });

  test('the readable report groups findings by processor with severity, rule, field, message, why and fix', async () => {
    const r = await cli(['audit', '--config', 'examples/bad.yaml'], { STRIPE_SECRET_KEY: TEST_KEY });
    expect(r.code).toBe(1);
    const groups = r.stdout.split('\n').filter((l) => /^\S/.test(l));
    expect(groups).toEqual([
      'payprobe audit: examples/bad.yaml',
      '(config)',
      'stripe',
      'paypal',
      'acme',
      'acme-again',
      'adyen',
      '5 processors, 22 errors, 7 warnings, 3 infos: FAIL',
    ]);
    expect(r.stdout).toContain(
      [
        '  error    client-key-mismatch  processors[4].tls.clientKey',
        '           file bad/other-client.key is not the private key of the certificate in file bad/expired-client.pem',
        '           why: the handshake cannot be completed: every probe fails with CONFIG_ERROR (often after a renewal that replaced only one of the two)',
        '           fix: store the key that belongs to the certificate (or the certificate that belongs to the key)',
      ].join('\n'),
    );
    expect(r.stdout).not.toContain(TEST_KEY);
    expect(r.stdout).not.toContain('\x1b['); // no colour when not on a terminal
  });

  test('an env credential that is not set is an error of its own (the probe would fail with CONFIG_ERROR)', async () => {
    const r = await cli(['audit', '--config', 'examples/bad.yaml', '--json']);
    const doc = JSON.parse(r.stdout) as AuditJson;
    expect(doc.findings).toContainEqual(
      expect.objectContaining({
        rule: 'secret-unreadable',
        field: 'processors[0].auth.credentials.token',
        message: 'cannot read env STRIPE_SECRET_KEY: environment variable STRIPE_SECRET_KEY is not set',
      }),
    );
  });

  test('warnings alone exit 0', async () => {
    const file = configFile(
      'warn.yaml',
      [
        'alerting: { critical: [{ email: oncall@example.com }] }',
        'processors:',
        '  - name: acme',
        '    endpoint: https://api.acme.example',
      ].join('\n'),
    );
    const r = await cli(['audit', '--config', file, '--json']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as AuditJson;
    expect(doc.findings.map((f) => `${f.severity} ${f.rule}`)).toEqual([
      'warning no-warning-subscriber',
      'warning no-auth-check',
    ]);
    expect(doc.summary.ok).toBe(true);
  });

  test('--local accepts credentials from the environment for a config used only on this machine', async () => {
    const text = [
      'alerting: { critical: [{ email: oncall@example.com }], warning: [{ email: team@example.com }] }',
      'processors:',
      '  - name: stripe',
      '    preset: stripe',
      '    auth: { credentials: { type: bearer, token: { env: STRIPE_KEY } } }',
    ].join('\n');
    const file = configFile('local.yaml', text);
    const env = { STRIPE_KEY: 'sk_live_localOnly0123456789' };
    expect((await cli(['audit', '--config', file], env)).code).toBe(1);
    const local = await cli(['audit', '--config', file, '--local'], env);
    expect(local.code).toBe(0);
    expect(local.stdout).toMatch(/no findings: 1 processor, 0 errors, 0 warnings, 0 infos: PASS/);
  });

  test('an invalid config exits 2 with the file and field, and no audit', async () => {
    const file = configFile(
      'invalid.yaml',
      [
        'processors:',
        '  - name: acme',
        '    endpoint: https://api.acme.example',
        '    timeoutMs: 60000',
      ].join('\n'),
    );
    const r = await cli(['audit', '--config', file]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(
      `${file}: processors[0].timeoutMs: 60000 ms must be below the interval (60 s)`,
    );
  });

  test('a missing config file exits 2', async () => {
    const r = await cli(['audit', '--config', 'no-such.yaml'], {}, dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('no-such.yaml');
    const none = await cli(['audit'], {}, dir);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/no config file: pass --config FILE/);
  });

  test('the installed command: exit statuses through a real process', async () => {
    const exec = promisify(execFile);
    const ok = await exec(
      process.execPath,
      [...CLI_NODE_ARGS, 'audit', '--config', 'payprobe.example.yaml'],
      {
        cwd: ROOT,
      },
    );
    expect(ok.stdout).toMatch(/: PASS\n$/);
    const bad = await exec(
      process.execPath,
      [...CLI_NODE_ARGS, 'audit', '--config', 'examples/bad.yaml', '--json'],
      {
        cwd: ROOT,
      },
    ).catch((e: { code: number; stdout: string }) => e);
    expect((bad as { code: number }).code).toBe(1);
    expect((JSON.parse((bad as { stdout: string }).stdout) as AuditJson).summary.ok).toBe(false);
  }, 60_000);
});
