/**
 * `payprobe audit --config FILE [--json] [--local]`: static rules over the config and what its secrets contain
 * (lambdas/core/audit/audit.ts). Exit 1 on any error-level finding, 0 otherwise (warnings and infos do not fail),
 * 2 on bad usage or an invalid config (main.ts prints the ConfigError with file and field).
 */
import * as path from 'node:path';
import type { Command } from 'commander';
import { type AuditReport, audit, type Finding, type Severity } from '../../lambdas/core/audit';
import { loadConfigFile } from '../../lambdas/core/config/load';
import { type CliIo, EXIT } from '../io';
import { redactingStream } from '../output';
import { cliSecretSources, configPath, credentialRedactor } from './check';

export interface AuditCliOptions {
  readonly config?: string;
  readonly json?: boolean;
  readonly local?: boolean;
}

export function register(program: Command, io: CliIo): void {
  program
    .command('audit')
    .description(
      'check a config for misconfiguration: insecure TLS, sandbox/production mix-ups, secrets, client certificates, alerting',
    )
    .option(
      '-c, --config <file>',
      'config file (YAML or JSON); default: payprobe.yaml in the current directory',
    )
    .option('--json', 'print one JSON document { "file", "findings": [...], "summary" }')
    .option(
      '--local',
      'the config is used only by `payprobe check` on this machine: credentials from { env } / { file } are fine',
    )
    .addHelpText(
      'after',
      '\nExit status: 0 no error-level finding (warnings and infos do not fail), 1 some error, 2 bad usage or invalid config.\nRule ids, why they matter and how to fix: docs/audit.md.',
    )
    .action(async (opts: AuditCliOptions) => {
      io.exitCode = await runAudit(opts, io);
    });
}

/** Loads, audits and prints. Returns the exit status; throws ConfigError/UsageError for exit status 2. */
export async function runAudit(opts: AuditCliOptions, io: CliIo): Promise<number> {
  const file = configPath(opts.config, io.cwd);
  const config = loadConfigFile(file);
  const secrets = cliSecretSources(config.processors, io.env);
  let report: AuditReport;
  try {
    report = await audit(config, { secrets, deployed: opts.local !== true });
  } finally {
    await secrets.destroy();
  }
  const shown = { ...report, file: displayPath(file, io.cwd) };
  // Findings quote what a secret holds only as a prefix, but the audit's output is an output path like any.
  const stdout = redactingStream(io.stdout, credentialRedactor(config.processors, secrets));
  stdout.write(
    opts.json
      ? `${JSON.stringify(shown, null, 2)}\n`
      : formatReport(shown, { color: io.stdout.isTTY === true }),
  );
  return report.summary.ok ? EXIT.ok : EXIT.failed;
}

function displayPath(file: string, cwd: string): string {
  const rel = path.relative(cwd, file);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : file;
}

const COLOR: Record<Severity, string> = { error: '\x1b[31m', warning: '\x1b[33m', info: '\x1b[36m' };
const RESET = '\x1b[0m';

/**
 * The readable report: findings grouped by processor (config-wide ones first), each with severity, rule id,
 * field, message, why and fix, then a summary line.
 */
export function formatReport(report: AuditReport, options: { readonly color?: boolean } = {}): string {
  const paint = (s: Severity, text: string) => (options.color ? `${COLOR[s]}${text}${RESET}` : text);
  const lines: string[] = [`payprobe audit: ${report.file}`];
  const groups = new Map<string, Finding[]>();
  for (const f of report.findings) {
    const key = f.processor ?? '(config)';
    groups.set(key, [...(groups.get(key) ?? []), f]);
  }
  for (const [group, findings] of groups) {
    lines.push('', group);
    for (const f of findings) {
      lines.push(`  ${paint(f.severity, f.severity.padEnd(7))}  ${f.rule}  ${f.field}`);
      lines.push(`           ${f.message}`);
      lines.push(`           why: ${f.why}`);
      lines.push(`           fix: ${f.fix}`);
    }
  }
  const s = report.summary;
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  lines.push(
    '',
    `${report.findings.length === 0 ? 'no findings: ' : ''}${plural(s.processors, 'processor')}, ${plural(s.errors, 'error')}, ${plural(s.warnings, 'warning')}, ${plural(s.infos, 'info')}: ${s.ok ? 'PASS' : 'FAIL'}`,
  );
  return `${lines.join('\n')}\n`;
}
