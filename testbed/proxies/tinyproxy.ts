/**
 * A real forward proxy on 127.0.0.1 for tests and the demo: tinyproxy from Debian's packages (listed in
 * .ci/packages.txt, installed by .ci/run), started per test with its own generated config on a free port as a
 * foreground child process (`tinyproxy -d -c FILE`) and stopped by its pid. Tinyproxy rather than Squid:
 * Basic proxy authentication is built in (Squid needs basic_ncsa_auth and an htpasswd file), it starts in
 * milliseconds as an unprivileged foreground process with no cache directories, and it answers CONNECT the
 * way the engine must read: 200 and a tunnel, 407 with Proxy-Authenticate, 403 for a port its ACL does not
 * allow (ConnectPort), 500 when it cannot reach the target.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { LOOPBACK } from '../processors/listeners';

/** Where tinyproxy may be installed (Debian puts it in /usr/bin); TINYPROXY overrides. */
const CANDIDATES = ['/usr/bin/tinyproxy', '/usr/sbin/tinyproxy', '/usr/local/bin/tinyproxy'];

export const TINYPROXY_MISSING =
  'tinyproxy is not installed: `apt-get install tinyproxy` (Debian/Ubuntu; .ci/packages.txt lists it and .ci/run installs it), or set TINYPROXY to its path';

export interface TinyproxyOptions {
  /**
   * Basic credentials the proxy requires (407 without them, 401 when wrong). Tinyproxy's config parser takes
   * letters, digits, ".", "_" and "-" only. @default none: every client is served
   */
  readonly credentials?: { readonly username: string; readonly password: string };
  /** Ports CONNECT may reach; any other gets 403 "Access violation". @default every port */
  readonly connectPorts?: readonly number[];
}

export interface RunningProxy {
  /** http://127.0.0.1:PORT */
  readonly url: string;
  readonly port: number;
  /** What the proxy logged so far (for a failing test's message). */
  log(): string;
  close(): Promise<void>;
}

/** The tinyproxy binary, or undefined when none is installed. */
export function tinyproxyPath(): string | undefined {
  const fromEnv = process.env.TINYPROXY;
  if (fromEnv) return existsSync(fromEnv) ? fromEnv : undefined;
  return CANDIDATES.find((c) => existsSync(c));
}

/** A port that was free a moment ago (tinyproxy wants a number in its config file). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, LOOPBACK, () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const c = net.connect(port, LOOPBACK);
    c.once('connect', () => {
      c.destroy();
      resolve(true);
    });
    c.once('error', () => resolve(false));
  });
}

function configText(port: number, o: TinyproxyOptions): string {
  return [
    `Port ${port}`,
    `Listen ${LOOPBACK}`,
    'Timeout 30',
    'MaxClients 50',
    'LogLevel Connect',
    'DisableViaHeader Yes',
    `Allow ${LOOPBACK}`,
    ...(o.credentials ? [`BasicAuth ${o.credentials.username} ${o.credentials.password}`] : []),
    ...(o.connectPorts ?? []).map((p) => `ConnectPort ${p}`),
    '',
  ].join('\n');
}

/** Starts tinyproxy; throws TINYPROXY_MISSING when it is not installed. */
export async function startTinyproxy(o: TinyproxyOptions = {}): Promise<RunningProxy> {
  const bin = tinyproxyPath();
  if (!bin) throw new Error(TINYPROXY_MISSING);
  const c = o.credentials;
  if (c && !/^[A-Za-z0-9._-]+$/.test(`${c.username}${c.password}`))
    throw new Error('tinyproxy BasicAuth takes letters, digits, ".", "_" and "-" only');
  const dir = await mkdtemp(path.join(tmpdir(), 'payprobe-tinyproxy-'));
  try {
    // A port free a moment ago can be taken before tinyproxy binds it: try a few.
    let lastOutput = '';
    for (let attempt = 0; attempt < 5; attempt++) {
      const port = await freePort();
      const file = path.join(dir, 'tinyproxy.conf');
      await writeFile(file, configText(port, o));
      const child = spawn(bin, ['-d', '-c', file], { stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      child.stdout.on('data', (d) => {
        output += String(d);
      });
      child.stderr.on('data', (d) => {
        output += String(d);
      });
      const up = await waitUntilListening(child, port);
      if (!up && /Syntax error|Unable to parse/.test(output))
        throw new Error(`tinyproxy refused its generated config: ${output.slice(-500)}`);
      if (up) {
        return {
          url: `http://${LOOPBACK}:${port}`,
          port,
          log: () => output,
          close: async () => {
            await stop(child);
            await rm(dir, { recursive: true, force: true });
          },
        };
      }
      await stop(child);
      lastOutput = output;
    }
    throw new Error(
      `tinyproxy did not start listening after 5 attempts; it said:\n${lastOutput.slice(-2000)}`,
    );
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}

/** Polls until the proxy accepts connections, or the child exits (the port was taken). */
async function waitUntilListening(child: ChildProcess, port: number): Promise<boolean> {
  let exited = child.exitCode !== null;
  child.once('exit', () => {
    exited = true;
  });
  for (let i = 0; i < 100 && !exited; i++) {
    if (await canConnect(port)) return !exited;
    await new Promise((r) => setTimeout(r, 20));
  }
  return false;
}

/** SIGTERM to this child's pid, SIGKILL if it is still there after a second. */
function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), 1000);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
