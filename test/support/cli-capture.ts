/**
 * For the tests that run the CLI in-process (cli/main.ts `run`, or a command with its CliIo): an in-memory
 * CliIo that keeps what the CLI writes, stdout and stderr apart and interleaved as written, so a test can
 * search all of it (secrets, hostile text) or parse stdout alone (a --json document; the summary goes to
 * stderr). The tests that spawn the real executable use ./cli.ts.
 */
import type { CliIo } from '../../cli/io';
import { run } from '../../cli/main';

export interface CaptureOptions {
  /** The CLI's working directory (where --config and --junit paths resolve). */
  readonly cwd: string;
  /** The CLI's environment (env references, NO_COLOR). @default empty */
  readonly env?: NodeJS.ProcessEnv;
  /** Whether stdout is a terminal (tables, progressive output). @default unset, as a pipe */
  readonly tty?: boolean;
  /** What standard input holds (`--config -`). @default none */
  readonly stdin?: string;
}

/** A CliIo that keeps what is written. */
export interface CapturedIo extends CliIo {
  /** stdout alone. */
  out(): string;
  /** stderr alone. */
  err(): string;
  /** Everything written, in the order it was written. */
  output(): string;
}

export function capturedIo(options: CaptureOptions): CapturedIo {
  const all: string[] = [];
  const out: string[] = [];
  const err: string[] = [];
  return {
    stdout: {
      ...(options.tty !== undefined ? { isTTY: options.tty } : {}),
      write: (s: string) => {
        out.push(s);
        all.push(s);
      },
    },
    stderr: {
      write: (s: string) => {
        err.push(s);
        all.push(s);
      },
    },
    cwd: options.cwd,
    env: options.env ?? {},
    ...(options.stdin !== undefined ? { stdin: async () => options.stdin as string } : {}),
    out: () => out.join(''),
    err: () => err.join(''),
    output: () => all.join(''),
  };
}

/** What one run of the CLI returned and wrote. */
export interface CliRun {
  readonly code: number;
  /** Everything written, stdout and stderr in the order written. */
  readonly output: string;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `payprobe <args>` in this process with a captured CliIo. */
export async function runCli(args: readonly string[], options: CaptureOptions): Promise<CliRun> {
  const io = capturedIo(options);
  const code = await run([...args], io);
  return { code, output: io.output(), stdout: io.out(), stderr: io.err() };
}
