/**
 * A stand-in for the Lambda service, for the end-to-end harness: it runs a built payprobe bundle (the
 * artifact the stack deploys) in its own Node process with exactly the function's environment (from the
 * synthesized template), the emulator's endpoint and credentials, and a simulated clock. The process stays
 * up between invocations, like a warm container, so module-scope state (secret caches, last-seen inputs)
 * behaves as in Lambda; `stop()` and a new runtime make the next invocation a cold start.
 *
 * The child side is ./lambda-bootstrap.cjs (why the clock is frozen and how sleeps advance it is written
 * there). One invocation at a time per runtime, as Lambda runs one per execution environment. Each
 * invocation returns what the handler resolved or threw and the log lines it wrote.
 *
 * Not emulated: the Lambda service's own limits (memory, the timeout as a hard kill: an invocation that
 * takes more than `realTimeoutMs` of real time fails the test instead), the Node version (this machine's
 * Node runs the bundle, not nodejs22.x), IAM (the emulator does not check the execution role).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import * as path from 'node:path';

export interface LambdaFunctionSpec {
  /** The function's name: AWS_LAMBDA_FUNCTION_NAME, the Lambda metrics' FunctionName. */
  readonly name: string;
  /** A directory holding the bundle as `index.js` (LAMBDA_TASK_ROOT). */
  readonly codeDir: string;
  /** The function's environment variables, intrinsics already resolved. */
  readonly environment: Readonly<Record<string, string>>;
  /** The function's Timeout, for getRemainingTimeInMillis. */
  readonly timeoutSeconds: number;
  /** @default 256 */
  readonly memoryMb?: number;
  /**
   * `handler`: the bundle's deployed `handler` export. `createHandler:clock`: the bundle's `createHandler`
   * factory given a clock whose sleeps advance simulated time (for handlers that sleep: the probe).
   * @default 'handler'
   */
  readonly entry?: 'handler' | 'createHandler:clock';
}

export interface StartFunctionOptions {
  /** AWS_* variables for the emulator (moto's `env`): credentials, region, AWS_ENDPOINT_URL. */
  readonly awsEnv: Readonly<Record<string, string>>;
  /** The account in the function ARN. @default '123456789012' */
  readonly account?: string;
  /** Real time an invocation may take before the runtime fails it. @default 30000 */
  readonly realTimeoutMs?: number;
}

export interface Invocation {
  readonly ok: boolean;
  /** What the handler resolved with (null for undefined). */
  readonly response?: unknown;
  /** What it threw. */
  readonly error?: { readonly name: string; readonly message: string; readonly stack: string };
  /**
   * The lines the handler wrote to stdout and stderr during this invocation, stdout's first (Powertools
   * writes one JSON object per line: INFO and DEBUG to stdout, WARN and ERROR to stderr).
   */
  readonly logs: readonly string[];
  /** Simulated time when the invocation started and ended (its sleeps advance the end). */
  readonly at: number;
  readonly endedAt: number;
}

type Stream = 'stdout' | 'stderr';

interface Pending {
  readonly id: number;
  readonly at: number;
  readonly logs: Record<Stream, string[]>;
  readonly done: Set<Stream>;
  reply?: { ok: boolean; response?: unknown; error?: Invocation['error']; endedAt: number };
  readonly resolve: (i: Invocation) => void;
  readonly reject: (e: Error) => void;
  readonly timer: NodeJS.Timeout;
}

const BOOTSTRAP = path.join(__dirname, 'lambda-bootstrap.cjs');

/** A running function: invoke it at a simulated time; stop it to end the container. */
export class LambdaFunctionRuntime {
  private pending: Pending | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly buffers: Record<Stream, string> = { stdout: '', stderr: '' };
  /** The last 32 KB of stderr, for error messages. */
  private stderrText = '';
  private exited: { code: number | null; signal: string | null } | undefined;
  private readonly allLogs: string[] = [];
  private nextId = 0;

  private constructor(
    readonly spec: LambdaFunctionSpec,
    readonly arn: string,
    private readonly child: ChildProcess,
    private readonly realTimeoutMs: number,
  ) {
    child.stdout?.on('data', (d: Buffer) => this.onData('stdout', d.toString('utf8')));
    child.stderr?.on('data', (d: Buffer) => {
      this.stderrText = (this.stderrText + d.toString('utf8')).slice(-32 * 1024);
      this.onData('stderr', d.toString('utf8'));
    });
    child.on('message', (m: { type?: string; id?: number } & Pending['reply']) => {
      if (m?.type !== 'result' || !this.pending || m.id !== this.pending.id) return;
      this.pending.reply = { ok: m.ok, response: m.response, error: m.error, endedAt: m.endedAt };
      this.settle();
    });
    child.on('exit', (code, signal) => {
      this.exited = { code, signal };
      const p = this.pending;
      if (p) {
        this.pending = undefined;
        clearTimeout(p.timer);
        p.reject(this.failure(`exited (code ${code}, signal ${signal}) during an invocation`));
      }
    });
  }

  /** Starts the container: loads the bundle (a cold start) and waits until it is ready for events. */
  static async start(
    spec: LambdaFunctionSpec,
    options: StartFunctionOptions,
  ): Promise<LambdaFunctionRuntime> {
    const region = options.awsEnv.AWS_REGION ?? 'us-east-1';
    const arn = `arn:aws:lambda:${region}:${options.account ?? '123456789012'}:function:${spec.name}`;
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '',
      ...options.awsEnv,
      ...spec.environment,
      LAMBDA_TASK_ROOT: spec.codeDir,
      _HANDLER: 'index.handler',
      AWS_LAMBDA_FUNCTION_NAME: spec.name,
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(spec.memoryMb ?? 256),
      AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
      TZ: 'UTC',
      // This machine's Node is older than the function's runtime: keep the SDK's notice out of the logs.
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    };
    const child = spawn(process.execPath, [BOOTSTRAP, spec.entry ?? 'handler'], {
      cwd: spec.codeDir,
      env,
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    const runtime = new LambdaFunctionRuntime(spec, arn, child, options.realTimeoutMs ?? 30_000);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(runtime.failure('did not load within 30 s')), 30_000);
      child.once('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
      child.on('message', (m: { type?: string; error?: { message: string } }) => {
        if (m?.type === 'ready') {
          clearTimeout(timer);
          resolve();
        } else if (m?.type === 'fatal') {
          clearTimeout(timer);
          reject(runtime.failure(m.error?.message ?? 'fatal'));
        }
      });
      child.once('exit', () => {
        clearTimeout(timer);
        reject(runtime.failure('exited while loading the bundle'));
      });
    });
    return runtime;
  }

  /** Every log line the function wrote so far: each finished invocation's, and any written between them. */
  get logs(): readonly string[] {
    return this.allLogs;
  }

  /** Invokes the handler with `event` at simulated time `at`; invocations queue up one after another. */
  invoke(event: unknown, at: number): Promise<Invocation> {
    const run = () =>
      new Promise<Invocation>((resolve, reject) => {
        if (this.exited) {
          reject(this.failure('is not running'));
          return;
        }
        const id = ++this.nextId;
        const timer = setTimeout(() => {
          this.pending = undefined;
          reject(this.failure(`invocation ${id} took more than ${this.realTimeoutMs} ms of real time`));
        }, this.realTimeoutMs);
        this.pending = { id, at, logs: { stdout: [], stderr: [] }, done: new Set(), resolve, reject, timer };
        this.child.send({
          type: 'invoke',
          id,
          at,
          event,
          timeoutMs: this.spec.timeoutSeconds * 1000,
          functionArn: this.arn,
        });
      });
    const result = this.queue.then(run, run);
    this.queue = result.catch(() => undefined);
    return result;
  }

  /** Ends the container. Safe to call twice. */
  async stop(): Promise<void> {
    if (this.exited) return;
    const gone = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 3000);
    await gone;
    clearTimeout(timer);
  }

  private onData(stream: Stream, text: string): void {
    this.buffers[stream] += text;
    let nl = this.buffers[stream].indexOf('\n');
    while (nl >= 0) {
      const line = this.buffers[stream].slice(0, nl);
      this.buffers[stream] = this.buffers[stream].slice(nl + 1);
      this.onLine(stream, line);
      nl = this.buffers[stream].indexOf('\n');
    }
  }

  private onLine(stream: Stream, line: string): void {
    const p = this.pending;
    const marker = /^@@(INVOKE|DONE) (\d+)$/.exec(line);
    if (marker) {
      if (marker[1] === 'DONE' && p && Number(marker[2]) === p.id) {
        p.done.add(stream);
        this.settle();
      }
      return;
    }
    if (line === '') return;
    // Lines of an invocation join the function's log when it ends (stdout's first, as in Invocation.logs).
    if (p) p.logs[stream].push(line);
    else this.allLogs.push(line);
  }

  /** Resolves the pending invocation once both its reply and the end of its logs have arrived. */
  private settle(): void {
    const p = this.pending;
    if (!p?.reply || p.done.size < 2) return;
    this.pending = undefined;
    clearTimeout(p.timer);
    const r = p.reply;
    const logs = [...p.logs.stdout, ...p.logs.stderr];
    this.allLogs.push(...logs);
    p.resolve({
      ok: r.ok,
      ...(r.ok ? { response: r.response } : { error: r.error }),
      logs,
      at: p.at,
      endedAt: r.endedAt,
    });
  }

  private failure(what: string): Error {
    const tail = this.stderrText.trim().split('\n').slice(-20).join('\n');
    return new Error(`Lambda function ${this.spec.name} ${what}${tail ? `:\n${tail}` : ''}`);
  }
}
