/**
 * Rendering of probe results: a table on a terminal (rows appear as results finish), one logfmt line per
 * processor otherwise, the `--json` document (docs/cli.md "payprobe check"; the envelope from ./voice.ts)
 * and JUnit XML for CI systems.
 * Pure functions of ProbeResult values: nothing here reads secrets, and the one redactor
 * (lambdas/core/text/redact.ts, through redactingStream) is a last line of defence applied to everything
 * the CLI prints. Text a server chose (details, certificate names) is shown through
 * lambdas/core/text/escape.ts: control, bidi and invisible characters as visible escapes, and bounded in
 * the table, logfmt lines and JUnit (SHOWN_MAX_BYTES); the JSON document keeps every value whole and never
 * writes those characters raw.
 */
import type { ProbeResult } from '../lambdas/core/contract/result';
import { type Verdict as FleetVerdict, verdictJson, verdictLine } from '../lambdas/core/diagnosis/verdict';
import { SHOWN_MAX_BYTES, showUntrusted, xmlEscape } from '../lambdas/core/text/escape';
import type { Redactor } from '../lambdas/core/text/redact';
import type { OutputStream } from './io';
import { type ErrorIssue, jsonDocument, type Palette, palette } from './voice';

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

const VERDICT_STYLE = { PASS: 'green', WARN: 'yellow', FAIL: 'red' } as const;

export interface TableOptions {
  /** The colours (voice.ts paletteFor). @default no colours */
  readonly palette?: Palette;
}

/**
 * A table written row by row as results arrive: widths come from the processor names known up front and the
 * longest class name, so the header can print before the first result.
 */
export class TableWriter {
  private readonly widths: { name: number; result: number; cls: number; total: number; days: number };
  private readonly paint: Palette;

  constructor(
    private readonly out: OutputStream,
    processorNames: readonly string[],
    options: TableOptions = {},
  ) {
    this.paint = options.palette ?? palette(false);
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
    const result = this.paint[VERDICT_STYLE[v]](v.padEnd(w.result));
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
    return this.paint.dim(s);
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
 * The verdict for a person: `verdict: 3 of 3 processors fail alike at stage tls (...): ...`. A server-side
 * change quotes certificate names the server chose: shown escaped and bounded like every server text.
 */
export function verdictText(verdict: FleetVerdict): string {
  return `verdict: ${showUntrusted(verdictLine(verdict), SHOWN_MAX_BYTES.detail)}`;
}

/** The summary of a check: what a CI step decides on. */
export interface CheckSummary {
  /** Every probe passed (warnings allowed): exit status 0. */
  readonly ok: boolean;
  readonly total: number;
  /** Passed, with or without warnings. */
  readonly passed: number;
  /** Passed with warnings. */
  readonly warned: number;
  readonly failed: number;
}

export function checkSummary(results: readonly ProbeResult[]): CheckSummary {
  const failed = results.filter((r) => !r.ok).length;
  return {
    ok: failed === 0,
    total: results.length,
    passed: results.length - failed,
    warned: results.filter((r) => r.ok && r.warnings.length > 0).length,
    failed,
  };
}

/**
 * The `check --json` document (docs/contracts.md "payprobe check --json"): the envelope every `--json`
 * document has (schemaVersion, tool, command, summary), then `results`, one ProbeResult per processor, and
 * `verdict` when two or more processors fail alike.
 */
export function checkJsonDocument(results: readonly ProbeResult[], verdict?: FleetVerdict | null): string {
  return jsonDocument('check', checkSummary(results), {
    results,
    ...(verdict ? { verdict: verdictJson(verdict) } : {}),
  });
}

export interface JunitOptions {
  /** @default 'payprobe check' */
  readonly suiteName?: string;
  /** @default now */
  readonly timestamp?: Date;
}

/**
 * The failure class that is an <error> in JUnit, not a <failure>: the probe could not run as configured (a
 * secret could not be read, a PEM is invalid), so nothing was learnt about the processor.
 */
const JUNIT_ERROR_CLASSES: readonly string[] = ['CONFIG_ERROR'];

/**
 * JUnit XML: one test case per processor; a failed probe is a <failure> whose message is `CLASS: detail`, a
 * probe that could not run as configured (CONFIG_ERROR) an <error>; warnings go to <system-out>. Times in
 * seconds, as JUnit readers expect.
 */
export function junitXml(results: readonly ProbeResult[], options: JunitOptions = {}): string {
  const suite = options.suiteName ?? 'payprobe check';
  const isError = (r: ProbeResult) => !r.ok && JUNIT_ERROR_CLASSES.includes(r.class ?? '');
  const errors = results.filter(isError).length;
  const failures = results.filter((r) => !r.ok).length - errors;
  const seconds = (n: number) => (n / 1000).toFixed(3);
  const total = results.reduce((sum, r) => sum + r.timings.totalMs, 0);
  const timestamp = (options.timestamp ?? new Date()).toISOString().replace(/\.\d{3}Z$/, '');
  const a = xmlEscape;
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="payprobe" tests="${results.length}" failures="${failures}" errors="${errors}" time="${seconds(total)}">`,
    `  <testsuite name="${a(suite)}" tests="${results.length}" failures="${failures}" errors="${errors}" skipped="0" time="${seconds(total)}" timestamp="${timestamp}">`,
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
      const element = isError(r) ? 'error' : 'failure';
      lines.push(
        `      <${element} message="${a(message)}" type="${a(r.class ?? 'UNKNOWN')}">${a(body)}</${element}>`,
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

/**
 * JUnit XML for a run that stopped before probing (exit status 2: an invalid config, a config that cannot
 * be read, bad usage): one test case `config` with an <error> listing every problem, so a CI report shows
 * why nothing was probed.
 */
export function junitErrorXml(
  message: string,
  issues: readonly ErrorIssue[],
  options: JunitOptions = {},
): string {
  const suite = options.suiteName ?? 'payprobe check';
  const timestamp = (options.timestamp ?? new Date()).toISOString().replace(/\.\d{3}Z$/, '');
  const a = xmlEscape;
  const body = issues.map((i) => [i.file, i.path, i.message].filter((x) => x).join(': ')).join('\n');
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<testsuites name="payprobe" tests="1" failures="0" errors="1" time="0.000">',
    `  <testsuite name="${a(suite)}" tests="1" failures="0" errors="1" skipped="0" time="0.000" timestamp="${timestamp}">`,
    '    <testcase name="config" classname="payprobe.config" time="0.000">',
    `      <error message="${a(message)}" type="CONFIG">${a(body)}</error>`,
    '    </testcase>',
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
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
