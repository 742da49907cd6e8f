/**
 * Rendering of probe results: a table on a terminal (rows appear as results finish), one logfmt line per
 * processor otherwise, the `--json` document (docs/cli.md "payprobe check") and JUnit XML for CI systems.
 * Pure functions of ProbeResult values: nothing here reads secrets, and the one redactor
 * (lambdas/core/text/redact.ts, through redactingStream) is a last line of defence applied to everything
 * the CLI prints. Text a server chose (details, certificate names) is shown through
 * lambdas/core/text/escape.ts: control, bidi and invisible characters as visible escapes, and bounded in
 * the table, logfmt lines and JUnit (SHOWN_MAX_BYTES); the JSON document keeps every value whole and never
 * writes those characters raw.
 */
import type { ProbeResult } from '../lambdas/core/contract/result';
import { type Verdict as FleetVerdict, verdictJson, verdictLine } from '../lambdas/core/diagnosis/verdict';
import { SHOWN_MAX_BYTES, safeJson, showUntrusted, xmlEscape } from '../lambdas/core/text/escape';
import type { Redactor } from '../lambdas/core/text/redact';
import type { OutputStream } from './io';

export type Verdict = 'PASS' | 'WARN' | 'FAIL';

/** PASS, WARN (passed with warnings) or FAIL. */
export function verdict(r: ProbeResult): Verdict {
  if (!r.ok) return 'FAIL';
  return r.warnings.length > 0 ? 'WARN' : 'PASS';
}

/** `tls CERT_EXPIRED` for a failure, the warning classes for a pass with warnings, `-` otherwise. */
export function stageClass(r: ProbeResult): string {
  if (!r.ok) return `${r.stage ?? '?'} ${r.class ?? '?'}`;
  if (r.warnings.length > 0) return r.warnings.map((w) => w.class).join(',');
  return '-';
}

/** A failure's or a warning's detail as a person is shown it: escaped and bounded. */
function shownDetail(detail: string): string {
  return showUntrusted(detail, SHOWN_MAX_BYTES.detail);
}

function ms(n: number | null | undefined): string {
  return n === null || n === undefined ? '-' : String(Math.round(n));
}

function certDays(r: ProbeResult): string {
  const d = r.tls?.serverCert?.daysToExpiry;
  return d === undefined ? '-' : String(d);
}

const COLORS: Record<Verdict, string> = { PASS: '\x1b[32m', WARN: '\x1b[33m', FAIL: '\x1b[31m' };
const RESET = '\x1b[0m';
const DIM = '\x1b[2m';

export interface TableOptions {
  /** ANSI colours. @default false */
  readonly color?: boolean;
}

/**
 * A table written row by row as results arrive: widths come from the processor names known up front and the
 * longest class name, so the header can print before the first result.
 */
export class TableWriter {
  private readonly widths: { name: number; result: number; cls: number; total: number; days: number };
  private readonly color: boolean;

  constructor(
    private readonly out: OutputStream,
    processorNames: readonly string[],
    options: TableOptions = {},
  ) {
    this.color = options.color ?? false;
    this.widths = {
      name: Math.max('PROCESSOR'.length, ...processorNames.map((n) => n.length)),
      result: 'RESULT'.length,
      cls: Math.max('STAGE/CLASS'.length, 'tls TLS_HANDSHAKE_REJECTED'.length),
      total: 'TOTAL MS'.length,
      days: 'CERT DAYS'.length,
    };
  }

  header(): void {
    const w = this.widths;
    const line = [
      'PROCESSOR'.padEnd(w.name),
      'RESULT'.padEnd(w.result),
      'STAGE/CLASS'.padEnd(w.cls),
      'TOTAL MS'.padStart(w.total),
      'CERT DAYS'.padStart(w.days),
    ].join('  ');
    this.out.write(`${this.dim(line)}\n`);
  }

  row(r: ProbeResult): void {
    const w = this.widths;
    const v = verdict(r);
    const result = this.color ? `${COLORS[v]}${v.padEnd(w.result)}${RESET}` : v.padEnd(w.result);
    const line = [
      r.processor.padEnd(w.name),
      result,
      stageClass(r).padEnd(w.cls),
      ms(r.timings.totalMs).padStart(w.total),
      certDays(r).padStart(w.days),
    ].join('  ');
    this.out.write(`${line.trimEnd()}\n`);
    const indent = ' '.repeat(w.name + 2);
    if (!r.ok && r.detail) this.out.write(`${indent}${this.dim(`↳ ${shownDetail(r.detail)}`)}\n`);
    for (const warning of r.warnings)
      this.out.write(`${indent}${this.dim(`↳ ${warning.class}: ${shownDetail(warning.detail)}`)}\n`);
  }

  summary(results: readonly ProbeResult[]): void {
    this.out.write(`\n${summaryLine(results)}\n`);
  }

  private dim(s: string): string {
    return this.color ? `${DIM}${s}${RESET}` : s;
  }
}

/** "3 passed (1 with warnings), 2 failed" */
export function summaryLine(results: readonly ProbeResult[]): string {
  const failed = results.filter((r) => !r.ok).length;
  const warned = results.filter((r) => r.ok && r.warnings.length > 0).length;
  const passed = results.length - failed;
  return `${passed} passed${warned ? ` (${warned} with warnings)` : ''}, ${failed} failed`;
}

function logfmtValue(v: string): string {
  return /^[^\s"=]+$/.test(v) ? v : JSON.stringify(v);
}

/**
 * One line a processor for logs and pipes (logfmt):
 * `processor=stripe result=FAIL stage=tls class=CERT_EXPIRED total_ms=12 cert_days=-3 detail="..."`.
 */
export function plainLine(r: ProbeResult): string {
  const fields: [string, string][] = [
    ['processor', r.processor],
    ['result', verdict(r)],
  ];
  if (!r.ok) {
    fields.push(['stage', r.stage ?? '?'], ['class', r.class ?? '?']);
  }
  fields.push(['total_ms', ms(r.timings.totalMs)]);
  if ('proxyMs' in r.timings) fields.push(['proxy_ms', ms(r.timings.proxyMs)]);
  fields.push(['cert_days', certDays(r)]);
  if (r.http?.status !== null && r.http?.status !== undefined) fields.push(['status', String(r.http.status)]);
  if (r.warnings.length > 0) fields.push(['warnings', r.warnings.map((w) => w.class).join(',')]);
  if (!r.ok && r.detail) fields.push(['detail', shownDetail(r.detail)]);
  return fields.map(([k, v]) => `${k}=${logfmtValue(v)}`).join(' ');
}

/**
 * The `check --json` document: `{ "results": [ ProbeResult... ] }`, and `"verdict"` when two or more
 * processors fail alike (docs/contracts.md); unsafe characters \u-escaped.
 */
export function jsonDocument(results: readonly ProbeResult[], verdict?: FleetVerdict | null): string {
  return `${safeJson({ results, ...(verdict ? { verdict: verdictJson(verdict) } : {}) }, 2)}\n`;
}

/**
 * The verdict for a person: `verdict: 3 of 3 processors fail alike at stage tls (...): ...`. A server-side
 * change quotes certificate names the server chose: shown escaped and bounded like every server text.
 */
export function verdictText(verdict: FleetVerdict): string {
  return `verdict: ${showUntrusted(verdictLine(verdict), SHOWN_MAX_BYTES.detail)}`;
}

export interface JunitOptions {
  /** @default 'payprobe check' */
  readonly suiteName?: string;
  /** @default now */
  readonly timestamp?: Date;
}

/**
 * JUnit XML: one test case per processor; a failed probe is a <failure> whose message is `CLASS: detail`,
 * warnings go to <system-out>. Times in seconds, as JUnit readers expect.
 */
export function junitXml(results: readonly ProbeResult[], options: JunitOptions = {}): string {
  const suite = options.suiteName ?? 'payprobe check';
  const failures = results.filter((r) => !r.ok).length;
  const seconds = (n: number) => (n / 1000).toFixed(3);
  const total = results.reduce((sum, r) => sum + r.timings.totalMs, 0);
  const timestamp = (options.timestamp ?? new Date()).toISOString().replace(/\.\d{3}Z$/, '');
  const a = xmlEscape;
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="payprobe" tests="${results.length}" failures="${failures}" errors="0" time="${seconds(total)}">`,
    `  <testsuite name="${a(suite)}" tests="${results.length}" failures="${failures}" errors="0" skipped="0" time="${seconds(total)}" timestamp="${timestamp}">`,
  ];
  for (const r of results) {
    lines.push(
      `    <testcase name="${a(r.processor)}" classname="payprobe.${a(r.processor)}" time="${seconds(r.timings.totalMs)}">`,
    );
    if (!r.ok) {
      const detail = r.detail ? shownDetail(r.detail) : '';
      const message = `${r.class ?? 'UNKNOWN'}: ${detail}`.trim();
      const body = [
        `stage: ${r.stage ?? '?'}`,
        `class: ${r.class ?? '?'}`,
        `detail: ${detail}`,
        `timings: ${timingText(r)}`,
        ...(r.http?.status ? [`http status: ${r.http.status}`] : []),
      ].join('\n');
      lines.push(
        `      <failure message="${a(message)}" type="${a(r.class ?? 'UNKNOWN')}">${a(body)}</failure>`,
      );
    }
    const out = [
      `result: ${verdict(r)}`,
      `timings: ${timingText(r)}`,
      ...(r.tls?.serverCert
        ? [
            `server certificate: ${showUntrusted(r.tls.serverCert.subject, SHOWN_MAX_BYTES.name)}, ${r.tls.serverCert.daysToExpiry} days to expiry`,
          ]
        : []),
      ...r.warnings.map((w) => `warning ${w.class}: ${shownDetail(w.detail)}`),
    ].join('\n');
    lines.push(`      <system-out>${a(out)}</system-out>`);
    lines.push('    </testcase>');
  }
  lines.push('  </testsuite>', '</testsuites>', '');
  return lines.join('\n');
}

function timingText(r: ProbeResult): string {
  const t = r.timings;
  const proxy = 'proxyMs' in t ? `, proxy ${ms(t.proxyMs)} ms` : '';
  return `dns ${ms(t.dnsMs)} ms, connect ${ms(t.connectMs)} ms${proxy}, tls ${ms(t.tlsMs)} ms, first byte ${ms(t.firstByteMs)} ms, total ${ms(t.totalMs)} ms`;
}

/** An OutputStream that masks secrets through the current redactor before writing to `out`. */
export function redactingStream(out: OutputStream, redactor: () => Redactor): OutputStream {
  return {
    write: (chunk: string) => out.write(redactor().text(chunk)),
    ...(out.isTTY !== undefined ? { isTTY: out.isTTY } : {}),
    ...(out.columns !== undefined ? { columns: out.columns } : {}),
  };
}
