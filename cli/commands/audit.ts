/**
 * `payprobe audit [--config FILE|-] [--json [FILE|-]] [--local]`: static rules over the config and what its
 * secrets contain (lambdas/core/audit/audit.ts). Exit 1 on any error-level finding, 0 otherwise (warnings and
 * infos do not fail), 2 on bad usage or an invalid config (main.ts prints the ConfigError with file and
 * field). The options are defined in ./index.ts; this module is the implementation, loaded when it runs.
 */
import * as path from 'node:path';
import { type AuditReport, audit, type Finding, type Severity } from '../../lambdas/core/audit';
import { readConfig } from '../config-input';
import { type CliIo, EXIT } from '../io';
import { redactingStream } from '../output';
import { jsonDocument, type Palette, palette, paletteFor, targetOf, writeDocument } from '../voice';
import { cliSecretSources, credentialRedactor } from './check';

export interface AuditCliOptions {
  readonly config?: string;
  /** `true` (the flag alone) or `-`: the document on stdout instead of the report; a path: to that file. */
  readonly json?: string | boolean;
  readonly local?: boolean;
}

/** Loads, audits and prints. Returns the exit status; throws ConfigError/UsageError for exit status 2. */
export async function runAudit(opts: AuditCliOptions, io: CliIo): Promise<number> {
  const json = targetOf(opts.json, io.cwd);
  const config = await readConfig(opts.config, io);
  const file = config.file;
  const secrets = cliSecretSources(config.processors, io.env);
  let report: AuditReport;
  try {
    report = await audit(config, { secrets, deployed: opts.local !== true });
  } finally {
    await secrets.destroy();
  }
  const shown = { ...report, file: displayPath(file, io.cwd) };
  // Findings quote what a secret holds only as a prefix, but the audit's output is an output path like any.
  const redactor = credentialRedactor(config.processors, secrets);
  const stdout = redactingStream(io.stdout, redactor);
  if (json?.kind !== 'stdout') stdout.write(formatReport(shown, { palette: paletteFor(io.stdout, io.env) }));
  if (json) {
    const { summary, ...body } = shown;
    writeDocument(json, redactor().text(jsonDocument('audit', summary, body)), io.stdout, '--json');
  }
  return report.summary.ok ? EXIT.ok : EXIT.failed;
}

function displayPath(file: string, cwd: string): string {
  const rel = path.relative(cwd, file);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : file;
}

const SEVERITY_STYLE = { error: 'red', warning: 'yellow', info: 'cyan' } as const;

/**
 * The readable report: findings grouped by processor (config-wide ones first), each with severity, rule id,
 * field, message, why and fix, then a summary line.
 */
export function formatReport(report: AuditReport, options: { readonly palette?: Palette } = {}): string {
  const colors = options.palette ?? palette(false);
  const paint = (s: Severity, text: string) => colors[SEVERITY_STYLE[s]](text);
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
