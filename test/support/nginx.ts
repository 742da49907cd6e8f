/**
 * A real nginx (Debian package `nginx`, listed in .ci/packages.txt) on 127.0.0.1 for the tests: a generated
 * config in a temporary directory, the testbed's server certificate, and `ssl_verify_client` as asked, run
 * in the foreground as a child process (`daemon off; master_process off`) and stopped by close(). Fails
 * with an install hint when nginx is missing.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

export interface NginxOptions {
  /** Server certificate chain and key (PEM). */
  readonly cert: string;
  readonly key: string;
  /** CA certificates client certificates must chain to (PEM). */
  readonly clientCa: string;
  /** nginx's `ssl_verify_client`. */
  readonly verifyClient: 'on' | 'optional';
}

export interface Nginx {
  readonly url: string;
  close(): Promise<void>;
}

const CANDIDATES = ['/usr/sbin/nginx', '/usr/bin/nginx', '/usr/local/sbin/nginx', '/usr/local/bin/nginx'];

/** The nginx binary, or an error that says how to install it. */
export function nginxBinary(): string {
  const found = CANDIDATES.find((p) => existsSync(p));
  if (!found) {
    throw new Error(
      'nginx is not installed: these tests run a real nginx. Install it with `apt-get install nginx` ' +
        '(it is listed in .ci/packages.txt, which .ci/run installs).',
    );
  }
  return found;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const c = net.connect(port, '127.0.0.1');
    c.once('connect', () => {
      c.destroy();
      resolve(true);
    });
    c.once('error', () => resolve(false));
  });
}

/** Starts nginx with TLS on a free loopback port; resolves once it accepts connections. */
export async function startNginx(o: NginxOptions): Promise<Nginx> {
  const bin = nginxBinary();
  const dir = mkdtempSync(path.join(tmpdir(), 'payprobe-nginx-'));
  writeFileSync(path.join(dir, 'server.pem'), o.cert);
  writeFileSync(path.join(dir, 'server.key'), o.key, { mode: 0o600 });
  writeFileSync(path.join(dir, 'client-ca.pem'), o.clientCa);
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort();
    const t = (name: string) => path.join(dir, name);
    writeFileSync(
      t('nginx.conf'),
      `daemon off;
master_process off;
pid ${t('nginx.pid')};
error_log ${t('error.log')} warn;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path ${t('body')};
  proxy_temp_path ${t('proxy')};
  fastcgi_temp_path ${t('fastcgi')};
  uwsgi_temp_path ${t('uwsgi')};
  scgi_temp_path ${t('scgi')};
  server {
    listen 127.0.0.1:${port} ssl;
    ssl_certificate ${t('server.pem')};
    ssl_certificate_key ${t('server.key')};
    ssl_client_certificate ${t('client-ca.pem')};
    ssl_verify_client ${o.verifyClient};
    ssl_verify_depth 3;
    ssl_protocols TLSv1.2 TLSv1.3;
    location / { default_type application/json; return 200 '{"ok":true}'; }
  }
}
`,
    );
    const child = spawn(bin, ['-p', dir, '-c', t('nginx.conf')], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    let up = false;
    let gone = false;
    void exited.then(() => {
      gone = true;
    });
    for (let i = 0; i < 100 && !up && !gone; i++) {
      await new Promise((r) => setTimeout(r, 20));
      up = await accepts(port);
    }
    if (up) {
      return {
        url: `https://127.0.0.1:${port}`,
        close: async () => {
          child.kill('SIGTERM');
          await exited;
          rmSync(dir, { recursive: true, force: true });
        },
      };
    }
    child.kill('SIGKILL');
    await exited;
    // Another process took the port between our probe of it and nginx's bind: try another.
    if (!/Address already in use/.test(stderr)) {
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`nginx did not start: ${stderr.trim().slice(0, 500)}`);
    }
  }
  rmSync(dir, { recursive: true, force: true });
  throw new Error('nginx did not start: no free port after 5 attempts');
}
