/**
 * Starts moto (https://github.com/getmoto/moto, version 5, `moto_server`) on 127.0.0.1 for the end-to-end
 * harness: a free port, a wait until it answers, dummy credentials for SDK clients and child processes,
 * and a stop that kills it (also when the test process exits). The endpoint uses the host name
 * `localhost`: moto's CloudFormation resolves template URLs by host.
 *
 * moto_server missing is an error carrying the install hint, never a silent skip: an e2e run that skipped
 * its AWS would pass without testing anything.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import * as net from 'node:net';

export const MOTO_INSTALL_HINT = 'pip install "moto[server]"';

/** Dummy credentials moto accepts (it does not check them). */
export const MOTO_CREDENTIALS = { accessKeyId: 'testing', secretAccessKey: 'testing' } as const;

/** What an AWS SDK v3 client needs to talk to moto: `new SNSClient(moto.clientConfig)`. */
export interface MotoClientConfig {
  readonly endpoint: string;
  readonly region: string;
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
}

export interface MotoServer {
  /** http://localhost:PORT */
  readonly endpoint: string;
  readonly port: number;
  readonly region: string;
  /** For child processes (a bundled handler, the AWS CLI): credentials, region, AWS_ENDPOINT_URL. */
  readonly env: Readonly<Record<string, string>>;
  readonly clientConfig: MotoClientConfig;
  /** moto's recent output (stderr and stdout, the last 64 KB): for error messages. */
  output(): string;
  /** Clears every backend (moto's /moto-api/reset). */
  reset(): Promise<void>;
  /** Kills the server; resolves once it has exited. Safe to call twice. */
  stop(): Promise<void>;
}

export interface StartMotoOptions {
  /** @default 'us-east-1' */
  readonly region?: string;
  /** The executable. @default 'moto_server' */
  readonly command?: string;
  /** @default 30000 (moto takes a few seconds to import its backends) */
  readonly startTimeoutMs?: number;
}

const OUTPUT_LIMIT = 64 * 1024;

/** Starts moto_server on a free loopback port and waits until it answers. */
export async function startMoto(options: StartMotoOptions = {}): Promise<MotoServer> {
  const region = options.region ?? 'us-east-1';
  let lastError: Error | undefined;
  // A port found free can be taken before moto binds it: try a few.
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    try {
      return await launch(port, region, options);
    } catch (e) {
      lastError = e as Error;
      if ((e as { code?: string }).code === 'ENOENT' || !/Address already in use/i.test(lastError.message))
        throw e;
    }
  }
  throw lastError ?? new Error('moto_server did not start');
}

async function launch(port: number, region: string, options: StartMotoOptions): Promise<MotoServer> {
  const command = options.command ?? 'moto_server';
  let output = '';
  const append = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-OUTPUT_LIMIT);
  };
  const child = spawn(command, ['-H', '127.0.0.1', '-p', String(port)], {
    // Its own process group, so stop() ends moto and anything its launcher started.
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; error?: Error }>(
    (resolve) => {
      child.once('error', (error) => resolve({ code: null, signal: null, error }));
      child.once('exit', (code, signal) => resolve({ code, signal }));
    },
  );
  const killOnExit = () => kill(child, 'SIGKILL');
  process.once('exit', killOnExit);

  const endpoint = `http://localhost:${port}`;
  const deadline = Date.now() + (options.startTimeoutMs ?? 30_000);
  let done: { code: number | null; signal: NodeJS.Signals | null; error?: Error } | undefined;
  void exited.then((d) => {
    done = d;
  });
  while (!(await answers(port))) {
    if (done) {
      process.removeListener('exit', killOnExit);
      if ((done.error as { code?: string } | undefined)?.code === 'ENOENT') {
        throw Object.assign(new Error(`${command} is not on PATH: install moto with ${MOTO_INSTALL_HINT}`), {
          code: 'ENOENT',
        });
      }
      throw new Error(
        `${command} exited (${done.error?.message ?? `code ${done.code}, signal ${done.signal}`}) before answering on port ${port}:\n${output.trim()}`,
      );
    }
    if (Date.now() > deadline) {
      kill(child, 'SIGKILL');
      process.removeListener('exit', killOnExit);
      throw new Error(
        `${command} did not answer on port ${port} within ${options.startTimeoutMs ?? 30_000} ms:\n${output.trim()}`,
      );
    }
    await new Promise((r) => setTimeout(r, 100));
  }

  let stopping: Promise<void> | undefined;
  return {
    endpoint,
    port,
    region,
    env: {
      AWS_ACCESS_KEY_ID: MOTO_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: MOTO_CREDENTIALS.secretAccessKey,
      AWS_REGION: region,
      AWS_DEFAULT_REGION: region,
      AWS_ENDPOINT_URL: endpoint,
      AWS_EC2_METADATA_DISABLED: 'true',
    },
    clientConfig: { endpoint, region, credentials: { ...MOTO_CREDENTIALS } },
    output: () => output,
    async reset() {
      const res = await fetch(`http://127.0.0.1:${port}/moto-api/reset`, { method: 'POST' });
      if (!res.ok) throw new Error(`moto reset answered ${res.status}:\n${output.trim()}`);
    },
    stop() {
      stopping ??= (async () => {
        process.removeListener('exit', killOnExit);
        if (!done) {
          kill(child, 'SIGTERM');
          const timer = setTimeout(() => kill(child, 'SIGKILL'), 3000);
          await exited;
          clearTimeout(timer);
        }
      })();
      return stopping;
    },
  };
}

/** Signals moto's process group (it was started detached), falling back to the process itself. */
function kill(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    try {
      child.kill(signal);
    } catch {
      // already gone
    }
  }
}

async function answers(port: number): Promise<boolean> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/moto-api/`, { signal: AbortSignal.timeout(1000) });
    await res.arrayBuffer();
    return res.ok;
  } catch {
    return false;
  }
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
