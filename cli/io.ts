/**
 * What a CLI command may touch: output streams, working directory, environment and the exit status. main.ts
 * passes the real process's; tests pass in-memory ones so commands run in-process.
 */

export interface OutputStream {
  write(chunk: string): unknown;
  /** True on a terminal: tables and progressive output. */
  readonly isTTY?: boolean;
  readonly columns?: number;
}

export interface CliIo {
  readonly stdout: OutputStream;
  readonly stderr: OutputStream;
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  /** Reads all of standard input (`--config -`). @default none: `-` is then a usage error */
  readonly stdin?: () => Promise<string>;
  /**
   * Exit status set by the command's action: 0 all passed, 1 some failed (or findings), 2 bad usage or invalid
   * config. Unset means 0. Commands may instead throw UsageError or ConfigError (both exit 2).
   */
  exitCode?: number;
}

/** Bad usage (unknown processor, missing --config ...): printed to stderr, exit status 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

export function processIo(): CliIo {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    cwd: process.cwd(),
    env: process.env,
    stdin: async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks).toString('utf8');
    },
  };
}
