/**
 * `payprobe check` through a real forward proxy on 127.0.0.1 (tinyproxy, with Basic proxy credentials): the
 * config's `proxy` with its password from an { env } reference, and `proxy: env` with the account in
 * HTTPS_PROXY's user info. The run passes, `--json` reports proxyMs and the proxy, the table and logfmt lines
 * carry the proxy time, and the proxy password is in no output.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { ProbeResult } from '../../lambdas/core/contract/result';
import { type RunningProxy, type SimulatedProcessor, Testbed } from '../../testbed/servers';
import { type CliRun, runCli } from '../support/cli-capture';
import { leaks } from '../support/encodings';

const TOKEN = 'sk_test_cli_proxy_0123456789';
const ACCOUNT = { username: 'gw-cli', password: 'cli-proxy-pass_42.x' };
let bed: Testbed;
let api: SimulatedProcessor;
let proxy: RunningProxy;
let dir: string;

beforeAll(async () => {
  bed = await Testbed.start();
  [api, proxy] = await Promise.all([
    bed.start('healthy', { credentials: { type: 'bearer', token: TOKEN } }),
    bed.tinyproxy({ credentials: ACCOUNT }),
  ]);
  dir = mkdtempSync(path.join(tmpdir(), 'payprobe-cli-proxy-'));
  writeFileSync(path.join(dir, 'ca.pem'), bed.pki.caPem);
});

afterAll(async () => {
  await bed.close();
  rmSync(dir, { recursive: true, force: true });
});

function config(proxyYaml: string): string {
  const file = path.join(dir, `payprobe-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(
    file,
    [
      'processors:',
      '  - name: acquirer',
      `    endpoint: ${api.url}`,
      '    tls: { ca: { file: ca.pem } }',
      '    auth:',
      '      request: { path: /v1/balance }',
      '      credentials: { type: bearer, token: { env: ACQUIRER_TOKEN } }',
      proxyYaml,
      '',
    ].join('\n'),
  );
  return file;
}

/** `output` is everything written; `stdout` alone holds a --json document (the summary goes to stderr). */
function cli(args: string[], env: NodeJS.ProcessEnv, tty = false): Promise<CliRun> {
  return runCli(['check', ...args], { cwd: dir, env: { ACQUIRER_TOKEN: TOKEN, ...env }, tty });
}

describe('payprobe check through a forward proxy', () => {
  it('passes through the proxy with proxy.url and proxy.credentials, reporting proxyMs', async () => {
    const file = config(
      `    proxy: { url: ${proxy.url}, credentials: { username: ${ACCOUNT.username}, password: { env: PROXY_PASS } } }`,
    );
    const { code, output, stdout } = await cli(['--config', file, '--json'], {
      PROXY_PASS: ACCOUNT.password,
    });
    expect(code).toBe(0);
    const [r] = (JSON.parse(stdout) as { results: ProbeResult[] }).results;
    expect(r).toMatchObject({ ok: true, proxy: { url: proxy.url } });
    expect(r?.timings.proxyMs).toEqual(expect.any(Number));
    expect(proxy.log()).toContain(`CONNECT 127.0.0.1:${api.port}`);
    expect(leaks(output, [ACCOUNT.password])).toEqual([]);
  });

  it('fails with PROXY_AUTH_REQUIRED and exit 1 without the credentials, the table naming the class', async () => {
    const file = config(`    proxy: { url: ${proxy.url} }`);
    const { code, output } = await cli(['--config', file], { NO_COLOR: '1' }, true);
    expect(code).toBe(1);
    expect(output).toMatch(/acquirer\s+FAIL\s+proxy PROXY_AUTH_REQUIRED/);
    expect(output).toContain('407 Proxy Authentication Required');
  });

  it('proxy: env takes HTTPS_PROXY, credentials in its user info, and never prints them', async () => {
    const withAccount = new URL(proxy.url);
    withAccount.username = ACCOUNT.username;
    withAccount.password = ACCOUNT.password;
    const file = config('    proxy: env');
    const env = { HTTPS_PROXY: withAccount.href };
    const logfmt = await cli(['--config', file], env);
    expect(logfmt.code).toBe(0);
    expect(logfmt.output).toMatch(/processor=acquirer result=PASS total_ms=\d+ proxy_ms=\d+ /);
    const json = await cli(['--config', file, '--json'], env);
    expect(json.code).toBe(0);
    for (const out of [logfmt.output, json.output]) {
      expect(leaks(out, [ACCOUNT.password])).toEqual([]);
      expect(out).not.toContain(withAccount.href);
    }
  });
});
