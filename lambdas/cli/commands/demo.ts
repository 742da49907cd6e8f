/** `payprobe demo`: a fleet of simulated processors on 127.0.0.1, probed by the real engine. (Being written by H2.) */
import type { Command } from 'commander';
import type { CliIo } from '../io';

export function register(program: Command, io: CliIo): void {
  program
    .command('demo')
    .description('probe a fleet of simulated processors on 127.0.0.1 (no AWS account needed)')
    .action(() => {
      io.stderr.write('payprobe demo: not implemented yet\n');
      io.exitCode = 2;
    });
}
