/**
 * `payprobe explain`: prints the runbook (the same text as the page and docs/runbooks), lists classes, fills
 * the commands from a config, and exits 2 on an unknown class listing the valid ones.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import {
  RUNBOOK_CLASSES,
  renderRunbookText,
  runbookFor,
  runbookLink,
} from '../../lambdas/core/diagnosis/runbooks';
import { runCli } from '../support/cli-capture';

const cli = (args: string[], cwd = process.cwd()) => runCli(args, { cwd });

test('explain CLASS prints exactly the runbook text and exits 0', async () => {
  const r = await cli(['explain', 'CLIENT_CERT_REJECTED']);
  expect(r.code).toBe(0);
  expect(r.stderr).toBe('');
  expect(r.stdout).toBe(
    `${renderRunbookText(runbookFor('CLIENT_CERT_REJECTED'), { link: runbookLink('CLIENT_CERT_REJECTED'), legend: true })}\n`,
  );
  expect(r.stdout).toContain(
    'openssl s_client -connect HOST:443 -servername NAME -tls1_2 -cert client.pem -key client.key',
  );
  expect(r.stdout).toContain('Full runbook: docs/runbooks/CLIENT_CERT_REJECTED.md');
});

test('explain CERT_REVOKED and REVOCATION_UNKNOWN print the revocation runbooks', async () => {
  const revoked = await cli(['explain', 'CERT_REVOKED']);
  expect(revoked.code).toBe(0);
  expect(revoked.stdout.split('\n')[0]).toBe(
    "CERT_REVOKED (failure, stage tls): The processor's certificate has been revoked by its CA",
  );
  expect(revoked.stdout).toContain('openssl ocsp -issuer issuer.pem -cert leaf.pem');
  const unknown = await cli(['explain', 'revocation-unknown']);
  expect(unknown.code).toBe(0);
  expect(unknown.stdout.split('\n')[0]).toMatch(/^REVOCATION_UNKNOWN \(warning, stage tls\)/);
});

test('explain accepts lower case and dashes', async () => {
  const r = await cli(['explain', 'cert-expiring-soon']);
  expect(r.code).toBe(0);
  expect(r.stdout.split('\n')[0]).toBe(
    "CERT_EXPIRING_SOON (warning, stage tls): The processor's certificate expires soon",
  );
});

test('an unknown class exits 2 and lists every valid class on stderr', async () => {
  const r = await cli(['explain', 'PROBE_FAILED']);
  expect(r.code).toBe(2);
  expect(r.stdout).toBe('');
  expect(r.stderr).toContain('unknown class "PROBE_FAILED"');
  for (const c of RUNBOOK_CLASSES) expect(r.stderr).toContain(`  ${c}\n`);
});

test('explain without a class lists every class with its summary', async () => {
  const r = await cli(['explain']);
  expect(r.code).toBe(0);
  const lines = r.stdout.trim().split('\n').slice(1);
  expect(lines).toHaveLength(RUNBOOK_CLASSES.length);
  RUNBOOK_CLASSES.forEach((c, i) => {
    expect(lines[i]).toMatch(
      new RegExp(`^  ${c} +\\S+ +${runbookFor(c).summary.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`),
    );
  });
});

describe('with a config', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'payprobe-explain-'));
    writeFileSync(
      path.join(dir, 'payprobe.yaml'),
      [
        'processors:',
        '  - name: acquirer',
        '    endpoint: https://api.acquirer.example:8443/v2',
        '    tls:',
        '      servername: edge.acquirer.example',
        '      clientCert: { secretsManager: payprobe/acquirer/client-cert }',
        '      clientKey: { secretsManager: payprobe/acquirer/client-key }',
        '    auth:',
        '      request: { path: /ping }',
        '      credentials: { type: bearer, token: { secretsManager: payprobe/acquirer/api-key } }',
        '  - name: other',
        '    endpoint: https://other.example',
      ].join('\n'),
    );
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('--config and --processor fill host, port, server name, path and the secret reference', async () => {
    const mtls = await cli(
      ['explain', 'CLIENT_CERT_REJECTED', '--config', 'payprobe.yaml', '--processor', 'acquirer'],
      dir,
    );
    expect(mtls.code).toBe(0);
    expect(mtls.stdout).toContain(
      'openssl s_client -connect api.acquirer.example:8443 -servername edge.acquirer.example -tls1_2 -cert client.pem -key client.key',
    );
    expect(mtls.stdout).toContain(
      'aws secretsmanager describe-secret --secret-id payprobe/acquirer/client-cert',
    );
    expect(mtls.stdout).toContain('npx payprobe check --config payprobe.yaml --processor acquirer');
    const auth = await cli(['explain', 'AUTH_REJECTED', '-c', 'payprobe.yaml', '-p', 'acquirer'], dir);
    expect(auth.stdout).toContain('https://api.acquirer.example:8443/v2/ping');
    expect(auth.stdout).toContain('--secret-id payprobe/acquirer/api-key');
  });

  test('an unknown processor or --processor without --config exits 2', async () => {
    const unknown = await cli(
      ['explain', 'DNS_FAILURE', '--config', 'payprobe.yaml', '--processor', 'nope'],
      dir,
    );
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown processor "nope" in payprobe.yaml; known: acquirer, other');
    const noConfig = await cli(['explain', 'DNS_FAILURE', '--processor', 'acquirer'], dir);
    expect(noConfig.code).toBe(2);
    expect(noConfig.stderr).toContain('--processor needs --config FILE');
  });
});
