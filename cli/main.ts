/**
 * `payprobe`: entry point. Builds the commander program from ./commands and maps errors to exit statuses:
 * 0 all passed, 1 some failed, 2 bad usage or invalid config.
 */
import { Command, CommanderError } from 'commander';
import { ConfigError, formatConfigError } from '../lambdas/core/config/model';
import { COMMANDS } from './commands';
import { type CliIo, EXIT, processIo, UsageError } from './io';

export function buildProgram(io: CliIo): Command {
  const program = new Command('payprobe')
    .description('Synthetic monitoring for payment-processor integrations: DNS, TCP, TLS and auth probes.')
    .version(readVersion())
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

function exitStatusFor(err: unknown, io: CliIo): number {
  if (err instanceof CommanderError) {
    // Commander already printed its message. --help and --version exit 0; help shown because the command
    // was missing, an unknown option or command, a missing argument: all bad usage.
    return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
  }
  if (err instanceof ConfigError) {
    io.stderr.write(formatConfigError(err));
    return EXIT.usage;
  }
  if (err instanceof UsageError) {
    io.stderr.write(`payprobe: ${err.message}\n`);
    return EXIT.usage;
  }
  io.stderr.write(
    `payprobe: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  return EXIT.usage;
}

function readVersion(): string {
  return (require('../package.json') as { version: string }).version;
}

// Run when loaded by cli/payprobe.js (or directly with tsx), not when imported by tests.
const entry = require.main?.filename ?? '';
if (require.main === module || /[\\/]payprobe\.js$/.test(entry)) {
  // The AWS SDK warns on every run that its releases after January 2027 need Node 22: that is for our
  // dependency updates, not for someone running a check, and it would bury the results on stderr.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  run(process.argv.slice(2)).then(
    (code) => exitWhenDrained(code),
    (err: unknown) => {
      process.stderr.write(`payprobe: ${String(err)}\n`);
      exitWhenDrained(EXIT.usage);
    },
  );
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
