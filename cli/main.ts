/**
 * `payprobe`: the program. Builds the commander program from ./commands (their definitions only: each
 * command's implementation loads when it runs) and maps errors to exit statuses: 0 all passed, 1 some
 * failed, 2 bad usage or invalid config. ./payprobe.ts is the executable that runs it.
 */
import { Command, CommanderError } from 'commander';
import { COMMANDS } from './commands';
import { type CliIo, EXIT, processIo, UsageError } from './io';
import { packageVersion } from './package';

export function buildProgram(io: CliIo): Command {
  const program = new Command('payprobe')
    .description('Synthetic monitoring for payment-processor integrations: DNS, TCP, TLS and auth probes.')
    .version(packageVersion(), '-v, --version', 'print the version')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
    });
  for (const command of COMMANDS) command.register(program, io);
  // Subcommands inherit neither exitOverride nor the output sinks: set them on each.
  for (const sub of program.commands) {
    sub
      .exitOverride()
      .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) });
  }
  return program;
}

/** Runs the CLI with `args` (without node and script) and returns the exit status. */
export async function run(args: readonly string[], io: CliIo = processIo()): Promise<number> {
  const program = buildProgram(io);
  try {
    await program.parseAsync([...args], { from: 'user' });
  } catch (err) {
    return exitStatusFor(err, io);
  }
  return io.exitCode ?? EXIT.ok;
}

async function exitStatusFor(err: unknown, io: CliIo): Promise<number> {
  if (err instanceof CommanderError) {
    // Commander already printed its message. --help and --version exit 0; help shown because the command
    // was missing, an unknown option or command, a missing argument: all bad usage.
    return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
  }
  if (err instanceof UsageError) {
    io.stderr.write(`payprobe: ${err.message}\n`);
    return EXIT.usage;
  }
  // Only a command that loaded the config can throw a ConfigError: the module is loaded by then.
  const { ConfigError, formatConfigError } = await import('../lambdas/core/config/model');
  if (err instanceof ConfigError) {
    io.stderr.write(formatConfigError(err));
    return EXIT.usage;
  }
  io.stderr.write(
    `payprobe: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  return EXIT.usage;
}

/**
 * Exits with `code` once stdout and stderr have flushed what was written. A backstop: the run is over, so a
 * socket or timer still open (an AWS SDK request that never answers) must not keep the command alive.
 */
export function exitWhenDrained(code: number): void {
  process.exitCode = code;
  let pending = 2;
  const done = () => {
    pending -= 1;
    if (pending === 0) process.exit(code);
  };
  process.stdout.write('', done);
  process.stderr.write('', done);
}
