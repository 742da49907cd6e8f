/**
 * A small loopback fleet for CLI tests: real HTTPS servers with certificates from the testbed PKI and a config
 * file in a temp dir whose secrets come from { file } and { env } references.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { createPki } from '../../testbed/pki';

/** Credentials the fleet accepts. Tests assert these never appear in any output. */
export const TOKEN = 'tok_live_5f1d2c9e7a4b8c3d6e0f1a2b';
export const ENV_TOKEN_VAR = 'PAYPROBE_CLI_TEST_TOKEN';
export const ENV_TOKEN = 'tok_env_9a8b7c6d5e4f3a2b1c0d';

export interface Fleet {
  readonly dir: string;
  readonly configFile: string;
  readonly ports: Readonly<Record<string, number>>;
  /** Environment for the CLI: the { env } secret is set here only. */
  readonly env: NodeJS.ProcessEnv;
  close(): Promise<void>;
}

export interface FleetOptions {
  /** Delay of the "slow" server's response. @default 0 */
  readonly slowMs?: number;
}

async function listen(server: https.Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

/**
 * healthy (bearer from { file }), env-auth (bearer from { env }), rejecting (401 echoing the token back, as
 * careless APIs do) and slow (answers after slowMs).
 */
export async function startFleet(options: FleetOptions = {}): Promise<Fleet> {
  const pki = await createPki({ name: 'payprobe-cli-test' });
  const leaf = await pki.serverCert();
  const tlsOpts = { cert: leaf.chain, key: leaf.key };
  const authorized = (req: { headers: Record<string, string | string[] | undefined> }, token: string) =>
    req.headers.authorization === `Bearer ${token}`;

  const servers: Record<string, https.Server> = {
    healthy: https.createServer(tlsOpts, (req, res) => {
      res.writeHead(authorized(req, TOKEN) ? 200 : 401).end('{}');
    }),
    'env-auth': https.createServer(tlsOpts, (req, res) => {
      res.writeHead(authorized(req, ENV_TOKEN) ? 200 : 401).end('{}');
    }),
    rejecting: https.createServer(tlsOpts, (req, res) => {
      res
        .writeHead(401, {
          'content-type': 'application/json',
          'www-authenticate': `Bearer error="invalid_token" token="${TOKEN}"`,
        })
        .end(JSON.stringify({ error: `invalid api key ${String(req.headers.authorization)}` }));
    }),
    slow: https.createServer(tlsOpts, (_req, res) => {
      setTimeout(() => res.writeHead(200).end('{}'), options.slowMs ?? 0);
    }),
  };
  const ports: Record<string, number> = {};
  for (const [name, server] of Object.entries(servers)) {
    ports[name] = await listen(server);
  }

  const dir = mkdtempSync(path.join(tmpdir(), 'payprobe-cli-'));
  writeFileSync(path.join(dir, 'ca.pem'), pki.caPem);
  writeFileSync(path.join(dir, 'token.txt'), `${TOKEN}\n`);
  const processor = (name: string, token: string) =>
    [
      `  - name: ${name}`,
      `    endpoint: https://localhost:${ports[name]}`,
      '    timeoutMs: 3000',
      '    tls: { ca: { file: ca.pem } }',
      '    auth:',
      '      request: { path: /v1/ping }',
      `      credentials: { type: bearer, token: ${token} }`,
    ].join('\n');
  const configFile = path.join(dir, 'payprobe.yaml');
  writeFileSync(
    configFile,
    [
      'processors:',
      processor('healthy', '{ file: token.txt }'),
      processor('env-auth', `{ env: ${ENV_TOKEN_VAR} }`),
      processor('rejecting', '{ file: token.txt }'),
      processor('slow', '{ file: token.txt }'),
      '',
    ].join('\n'),
  );

  return {
    dir,
    configFile,
    ports,
    env: { ...process.env, [ENV_TOKEN_VAR]: ENV_TOKEN, NO_COLOR: '1' },
    async close() {
      for (const s of Object.values(servers)) s.closeAllConnections();
      await Promise.all(Object.values(servers).map((s) => new Promise((resolve) => s.close(resolve))));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
