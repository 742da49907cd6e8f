/** `payprobe check`: probe now and report. (Being written by H2.) */
import type { Command } from 'commander';
import type { CliIo } from '../io';

export function register(program: Command, io: CliIo): void {
  program
    .command('check')
    .description('probe the configured processors now and report each result')
    .option(
      '-c, --config <file>',
      'config file (YAML or JSON); default: payprobe.yaml in the current directory',
    )
    .option('-p, --processor <name>', 'probe only this processor (repeatable)', collect, [] as string[])
    .option('--json', 'print one JSON document { "results": [...] }')
    .option('--junit <file>', 'also write JUnit XML (one test case per processor) to this file')
    .action(() => {
      io.stderr.write('payprobe check: not implemented yet\n');
      io.exitCode = 2;
    });
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
