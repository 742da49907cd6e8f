/**
 * `payprobe demo` as a newcomer runs it (`npm run demo` runs cli/payprobe.ts `demo`): real servers, real
 * engine, the table, exit 0, no credential printed, everything cleaned up, also on Ctrl-C.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { DEMO_SECRET_PREFIX } from '../../cli/commands/demo';
import { CLI_NODE_ARGS } from '../support/cli';

const ROOT = path.resolve(__dirname, '../..');

interface Finished {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

function startDemo(): { child: ChildProcess; done: Promise<Finished>; output: () => string } {
  const child = spawn(process.execPath, [...CLI_NODE_ARGS, 'demo'], {
    cwd: ROOT,
    env: { ...process.env, NO_COLOR: '1' },
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const done = new Promise<Finished>((resolve) => {
    child.on('exit', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return { child, done, output: () => stdout };
}

function configDir(stdout: string): string {
  const m = /^Config: (\S+)\/payprobe\.yaml/m.exec(stdout);
  if (!m?.[1]) throw new Error(`no config path in demo output:\n${stdout}`);
  return m[1];
}

describe('payprobe demo', () => {
  it('probes the simulated fleet, explains each row, exits 0 and cleans up', async () => {
    const r = await startDemo().done;
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const row = (name: string) => r.stdout.split('\n').find((l) => l.startsWith(`${name} `)) ?? '';
    expect(row('healthy')).toMatch(/^healthy\s+PASS\s+-\s+\d+\s+\d+$/);
    expect(row('expired-cert')).toMatch(/^expired-cert\s+FAIL\s+tls CERT_EXPIRED\s+\d+\s+-\d+$/);
    expect(row('mtls-required')).toMatch(/^mtls-required\s+FAIL\s+tls CLIENT_CERT_REJECTED\s/);
    expect(row('rotated-key')).toMatch(/^rotated-key\s+FAIL\s+auth AUTH_REJECTED\s/);
    expect(row('slow')).toMatch(/^slow\s+WARN\s+SLOW_RESPONSE\s/);
    expect(r.stdout).toContain('What each row shows:');
    expect(r.stdout).toContain('would exit 1 (3 failed); the demo exits 0');
    // Two TLS failures of different classes (expired certificate, refused client certificate) are two causes.
    expect(r.stdout).not.toContain('verdict:');
    expect(r.stdout).not.toContain(DEMO_SECRET_PREFIX);
    expect(existsSync(configDir(r.stdout))).toBe(false);
  });

  it('cleans up and exits 130 on Ctrl-C', async () => {
    const demo = startDemo();
    // wait until the config is written and the probes are running (the slow server holds them ~1 s); the
    // ceiling is generous because a loaded machine starts the demo slowly, and speed is the bench's to judge
    const deadline = Date.now() + 45_000;
    while (!/^Config: /m.test(demo.output()) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    const dir = configDir(demo.output());
    expect(existsSync(dir)).toBe(true);
    demo.child.kill('SIGINT');
    const r = await demo.done;
    expect(r.code).toBe(130);
    expect(r.stderr).toContain('payprobe demo: SIGINT, cleaning up');
    expect(existsSync(dir)).toBe(false);
    expect(r.stdout).not.toContain(DEMO_SECRET_PREFIX);
  });
});
