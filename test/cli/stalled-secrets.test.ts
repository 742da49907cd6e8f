/**
 * The real `payprobe` binary exits with its status when a Secrets Manager call stalls: the endpoint is a
 * 127.0.0.1 TCP server that accepts connections and never answers. The probe's budget reports CONFIG_ERROR;
 * the pending SDK request must not keep the process alive afterwards.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { CLI_NODE_ARGS } from '../support/cli';

/** Generous for a loaded 2-core machine (a run at load 9 took 12.6 s), far below the kill timeout a hanging
 * process would reach. */
const EXIT_WITHIN_MS = 20_000;
const KILL_AFTER_MS = 45_000;

let dir: string;
let server: net.Server;
const sockets = new Set<net.Socket>();
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'payprobe-stalled-'));
  server = net.createServer((socket) => {
    // Accept and never answer.
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  env = {
    PATH: process.env.PATH,
    HOME: dir,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: `http://127.0.0.1:${port}`,
    AWS_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: 'AKIAFAKEFAKEFAKEFAKE',
    AWS_SECRET_ACCESS_KEY: 'fake-secret-access-key',
    AWS_CONFIG_FILE: path.join(dir, 'no-aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: path.join(dir, 'no-aws-credentials'),
  };
});

afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  rmSync(dir, { recursive: true, force: true });
});

function spawnCli(
  args: string[],
): Promise<{ code: number | null; killed: boolean; ms: number; stdout: string }> {
  const start = Date.now();
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [...CLI_NODE_ARGS, ...args],
      { env, cwd: dir, timeout: KILL_AFTER_MS },
      (error, stdout) => {
        const killed = error?.killed === true || (error?.signal ?? null) !== null;
        const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
        resolve({ code, killed, ms: Date.now() - start, stdout });
      },
    );
  });
}

test('check exits 1 soon after the budget when a Secrets Manager read never answers', async () => {
  const file = path.join(dir, 'check.yaml');
  writeFileSync(
    file,
    [
      'processors:',
      '  - name: stalled',
      '    endpoint: https://127.0.0.1:9/',
      '    timeoutMs: 1000',
      '    auth:',
      '      credentials: { type: bearer, token: { secretsManager: probe/token } }',
      '      request: { path: / }',
      '',
    ].join('\n'),
  );
  const r = await spawnCli(['check', '--config', file]);
  expect(r.killed).toBe(false);
  expect(r.code).toBe(1);
  expect(r.stdout).toMatch(/^processor=stalled result=FAIL stage=config class=CONFIG_ERROR .*probe budget/m);
  expect(r.ms).toBeLessThan(EXIT_WITHIN_MS);
}, 60_000);

test('audit exits with its status when the Secrets Manager reads it needs never answer', async () => {
  const file = path.join(dir, 'audit.yaml');
  writeFileSync(
    file,
    [
      'processors:',
      '  - name: stalled',
      '    endpoint: https://127.0.0.1:9/',
      '    timeoutMs: 1000',
      '    tls:',
      '      clientCert: { secretsManager: probe/cert }',
      '      clientKey: { secretsManager: probe/key }',
      '',
    ].join('\n'),
  );
  const r = await spawnCli(['audit', '--config', file]);
  expect(r.killed).toBe(false);
  // No alerting subscriber is an error-level finding: exit 1.
  expect(r.code).toBe(1);
  expect(r.stdout).toMatch(/not checked: cannot read secretsManager/);
  expect(r.ms).toBeLessThan(EXIT_WITHIN_MS);
}, 60_000);
