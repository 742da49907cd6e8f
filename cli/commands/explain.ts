/**
 * `payprobe explain [CLASS] [--config FILE --processor NAME]`: prints the runbook of a failure or warning
 * class (the same text as the page and docs/runbooks/CLASS.md, all from lambdas/core/diagnosis/runbooks.ts). With a
 * config and processor, the commands name the processor's real host, server name and secret references.
 * Without CLASS, lists every class. Exit 0, or 2 for an unknown class (the valid ones are listed).
 */
import * as path from 'node:path';
import type { Command } from 'commander';
import { loadConfigFile } from '../../lambdas/core/config/load';
import { commandContext } from '../../lambdas/core/diagnosis/notification';
import {
  type CommandContext,
  isRunbookClass,
  RUNBOOK_CLASSES,
  type RunbookClass,
  renderRunbookText,
  runbookFor,
  runbookLink,
} from '../../lambdas/core/diagnosis/runbooks';
import { type CliIo, EXIT, UsageError } from '../io';

interface ExplainOptions {
  readonly config?: string;
  readonly processor?: string;
}

export function register(program: Command, io: CliIo): void {
  program
    .command('explain')
    .argument('[class]', 'a failure or warning class, e.g. CERT_UNTRUSTED (case and - vs _ do not matter)')
    .description(
      'print the runbook of a failure or warning class: meaning, causes, first check, commands, fix',
    )
    .option('-c, --config <file>', "fill the commands with this config file's values (with --processor)")
    .option('-p, --processor <name>', 'the processor whose host, server name and references to use')
    .addHelpText(
      'after',
      `\nClasses: ${RUNBOOK_CLASSES.join(', ')}.\nExit status: 0, or 2 for an unknown class.`,
    )
    .action((cls: string | undefined, opts: ExplainOptions) => {
      explain(cls, opts, io);
    });
}

/** Accepts `cert-untrusted`, `cert_untrusted`, `CERT_UNTRUSTED`. */
export function normalizeClass(input: string): string {
  return input.trim().toUpperCase().replace(/-/g, '_');
}

function explain(input: string | undefined, opts: ExplainOptions, io: CliIo): void {
  if (input === undefined) {
    const width = Math.max(...RUNBOOK_CLASSES.map((c) => c.length));
    io.stdout.write('Failure and warning classes (payprobe explain CLASS prints the runbook):\n');
    for (const c of RUNBOOK_CLASSES) {
      const rb = runbookFor(c);
      io.stdout.write(
        `  ${c.padEnd(width)}  ${rb.kind === 'warning' ? 'warning ' : `${rb.stage.padEnd(8)}`} ${rb.summary}\n`,
      );
    }
    io.exitCode = EXIT.ok;
    return;
  }
  const cls = normalizeClass(input);
  if (!isRunbookClass(cls)) {
    throw new UsageError(`unknown class "${input}". Valid classes:\n  ${RUNBOOK_CLASSES.join('\n  ')}`);
  }
  const ctx = contextFrom(opts, cls, io);
  io.stdout.write(`${renderRunbookText(runbookFor(cls), { ctx, link: runbookLink(cls), legend: true })}\n`);
  io.exitCode = EXIT.ok;
}

function contextFrom(opts: ExplainOptions, cls: RunbookClass, io: CliIo): CommandContext {
  if (opts.processor !== undefined && opts.config === undefined) {
    throw new UsageError('--processor needs --config FILE (the config that defines the processor)');
  }
  if (opts.config === undefined) return {};
  const file = path.resolve(io.cwd, opts.config);
  const loaded = loadConfigFile(file);
  const name = opts.processor ?? (loaded.processors.length === 1 ? loaded.processors[0]?.name : undefined);
  if (name === undefined) {
    throw new UsageError(
      `${opts.config} defines several processors: pick one with --processor (${loaded.processors.map((p) => p.name).join(', ')})`,
    );
  }
  const processor = loaded.processors.find((p) => p.name === name);
  if (!processor) {
    throw new UsageError(
      `unknown processor "${name}" in ${opts.config}; known: ${loaded.processors.map((p) => p.name).join(', ')}`,
    );
  }
  return commandContext(processor, cls, opts.config);
}
