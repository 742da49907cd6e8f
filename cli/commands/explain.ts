/**
 * `payprobe explain [CLASS] [--config FILE --processor NAME]`: prints the runbook of a failure or warning
 * class (the same text as the page and docs/runbooks/CLASS.md, all from lambdas/core/diagnosis/runbooks.ts). With a
 * config and processor, the commands name the processor's real host, server name and secret references.
 * Without CLASS, lists every class. Exit 0, or 2 for an unknown class (the valid ones are listed).
 */

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
import { readConfig } from '../config-input';
import { type CliIo, EXIT, UsageError } from '../io';

export interface ExplainOptions {
  readonly config?: string;
  readonly processor?: string;
}

/** Accepts `cert-untrusted`, `cert_untrusted`, `CERT_UNTRUSTED`. */
export function normalizeClass(input: string): string {
  return input.trim().toUpperCase().replace(/-/g, '_');
}

/** `payprobe explain`: prints a runbook or the list of classes; returns the exit status. */
export async function explain(input: string | undefined, opts: ExplainOptions, io: CliIo): Promise<number> {
  if (input === undefined) {
    const width = Math.max(...RUNBOOK_CLASSES.map((c) => c.length));
    io.stdout.write('Failure and warning classes (payprobe explain CLASS prints the runbook):\n');
    for (const c of RUNBOOK_CLASSES) {
      const rb = runbookFor(c);
      io.stdout.write(
        `  ${c.padEnd(width)}  ${rb.kind === 'warning' ? 'warning ' : `${rb.stage.padEnd(8)}`} ${rb.summary}\n`,
      );
    }
    return EXIT.ok;
  }
  const cls = normalizeClass(input);
  if (!isRunbookClass(cls)) {
    throw new UsageError(`unknown class "${input}". Valid classes:\n  ${RUNBOOK_CLASSES.join('\n  ')}`);
  }
  const ctx = await contextFrom(opts, cls, io);
  io.stdout.write(`${renderRunbookText(runbookFor(cls), { ctx, link: runbookLink(cls), legend: true })}\n`);
  return EXIT.ok;
}

async function contextFrom(opts: ExplainOptions, cls: RunbookClass, io: CliIo): Promise<CommandContext> {
  if (opts.processor !== undefined && opts.config === undefined) {
    throw new UsageError('--processor needs --config FILE (the config that defines the processor)');
  }
  if (opts.config === undefined) return {};
  const loaded = await readConfig(opts.config, io);
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
