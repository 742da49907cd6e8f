/**
 * Maintenance windows (`maintenance:` in the config, docs/deploy.md "Maintenance windows"): when pages for some
 * processors are held back while their probes and metrics go on. One model for everyone who needs it: the
 * config validation (a window in the past, overlapping windows, an unknown processor are errors naming the
 * field), the CDK stack (one CloudWatch alarm mute rule per window), the diagnose Lambda (no page for a
 * processor inside a window) and `payprobe check` (marks processors in a window).
 *
 * A window is one-off (`start` and `end`, ISO 8601 with a zone, to the minute) or recurring (`cron`: minute hour
 * day-of-month month day-of-week, weekdays by name, with a `duration` such as 2h or 90m and an optional IANA
 * `timezone`). Recurring occurrences are computed with croner (a small, dependency-free cron library with time
 * zones) rather than a hand-written cron parser.
 */
import { Cron } from 'croner';
import type { ConfigIssue } from './model';

/** What the schema accepts for one entry (schema.ts MaintenanceSchema). */
export interface RawMaintenance {
  readonly processors: readonly string[];
  readonly reason: string;
  readonly start?: string;
  readonly end?: string;
  readonly cron?: string;
  readonly duration?: string;
  readonly timezone?: string;
}

interface WindowBase {
  /** Its index in the config's `maintenance` list. */
  readonly index: number;
  readonly processors: readonly string[];
  readonly reason: string;
}

/** A validated window, as plain JSON (the diagnose Lambda reads it from its environment). */
export type MaintenanceWindow = WindowBase &
  (
    | { readonly kind: 'once'; readonly start: string; readonly end: string }
    | {
        readonly kind: 'recurring';
        readonly cron: string;
        readonly durationMinutes: number;
        readonly timezone: string;
      }
  );

/** CloudWatch alarm mute rules last 1 minute to 15 days. */
export const MAX_WINDOW_MINUTES = 15 * 24 * 60;

/** How far ahead overlapping windows are looked for. */
const OVERLAP_HORIZON_MS = 366 * 24 * 3600_000;
/** Occurrences of one recurring window checked within the horizon. */
const MAX_OCCURRENCES = 2000;

const ZONED_ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;
const DURATION = /^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?$/;
const WEEKDAYS =
  /^(\*|(MON|TUE|WED|THU|FRI|SAT|SUN)(-(MON|TUE|WED|THU|FRI|SAT|SUN))?(,(MON|TUE|WED|THU|FRI|SAT|SUN)(-(MON|TUE|WED|THU|FRI|SAT|SUN))?)*)$/;
const CRON_FIELD = /^[0-9*,/-]+$/;

/** `2h`, `90m`, `1d12h` in minutes; undefined when not of that form. */
export function parseDuration(text: string): number | undefined {
  const m = DURATION.exec(text.trim());
  if (!m || text.trim() === '') return undefined;
  const [, d, h, min] = m.map((x) => Number(x ?? 0));
  return (d ?? 0) * 1440 + (h ?? 0) * 60 + (min ?? 0);
}

function validTimezone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** The recurring window's start times in [from, to), at most `max`. */
function occurrences(
  w: Extract<MaintenanceWindow, { kind: 'recurring' }>,
  from: number,
  to: number,
  max: number,
) {
  const job = new Cron(w.cron, { timezone: w.timezone, paused: true });
  const out: number[] = [];
  let at = new Date(from - 1000);
  while (out.length < max) {
    const next = job.nextRun(at);
    if (!next || next.getTime() >= to) break;
    out.push(next.getTime());
    at = next;
  }
  return out;
}

/** The intervals [start, end) of a window within [from, to). */
function intervals(w: MaintenanceWindow, from: number, to: number): [number, number][] {
  if (w.kind === 'once') {
    const s = Date.parse(w.start);
    const e = Date.parse(w.end);
    return e > from && s < to ? [[s, e]] : [];
  }
  const ms = w.durationMinutes * 60_000;
  return occurrences(w, from - ms, to, MAX_OCCURRENCES).map((s) => [s, s + ms]);
}

/**
 * Validates the `maintenance` entries against the processor names and the clock; returns the windows and every
 * problem, each naming its field (`maintenance[1].end`, `maintenance[0].processors[2]`).
 */
export function resolveMaintenance(
  raw: readonly RawMaintenance[] | undefined,
  processorNames: readonly string[],
  file: string,
  now = Date.now(),
): { windows: MaintenanceWindow[]; issues: ConfigIssue[] } {
  const issues: ConfigIssue[] = [];
  const windows: MaintenanceWindow[] = [];
  const known = new Set(processorNames);
  const resolveOne = (m: RawMaintenance, index: number): void => {
    const at = (field: string) => `maintenance[${index}]${field ? `.${field}` : ''}`;
    const report = (field: string, message: string) => issues.push({ file, path: at(field), message });
    let ok = true;
    m.processors.forEach((name, j) => {
      if (!known.has(name)) {
        ok = false;
        report(
          `processors[${j}]`,
          `unknown processor "${name}": expected one of ${processorNames.join(', ')}`,
        );
      }
    });
    const once = m.start !== undefined || m.end !== undefined;
    const recurring = m.cron !== undefined || m.duration !== undefined || m.timezone !== undefined;
    if (once === recurring) {
      report(
        '',
        once
          ? 'give either start and end (one window) or cron and duration (a recurring window), not both'
          : 'give start and end (one window, e.g. start: 2026-12-01T02:00Z, end: 2026-12-01T04:00Z) or cron and duration (e.g. cron: "0 3 * * SUN", duration: 2h)',
      );
      return;
    }
    if (once) {
      for (const f of ['start', 'end'] as const) {
        const v = m[f];
        if (v === undefined) {
          ok = false;
          report(
            f,
            `required with ${f === 'start' ? 'end' : 'start'}: an ISO 8601 time with a zone, e.g. 2026-12-01T02:00Z`,
          );
        } else if (!ZONED_ISO.test(v) || Number.isNaN(Date.parse(v))) {
          ok = false;
          report(f, `"${v}" is not an ISO 8601 time with a zone (Z or +hh:mm), e.g. 2026-12-01T02:00Z`);
        } else if (Date.parse(v) % 60_000 !== 0) {
          ok = false;
          report(f, `"${v}": windows start and end on a whole minute (CloudWatch mute rules)`);
        }
      }
      if (!ok || m.start === undefined || m.end === undefined) return;
      const s = Date.parse(m.start);
      const e = Date.parse(m.end);
      if (e <= s) return void report('end', `${m.end} is not after start ${m.start}`);
      if (e <= now) {
        return void report('end', `${m.end} is in the past: the window is over, remove the entry`);
      }
      if ((e - s) / 60_000 > MAX_WINDOW_MINUTES) {
        return void report('end', 'a window lasts at most 15 days (CloudWatch alarm mute rules): split it');
      }
      windows.push({
        index,
        processors: [...m.processors],
        reason: m.reason,
        kind: 'once',
        start: new Date(s).toISOString(),
        end: new Date(e).toISOString(),
      });
      return;
    }
    const timezone = m.timezone ?? 'UTC';
    if (!validTimezone(timezone)) {
      ok = false;
      report('timezone', `unknown time zone "${timezone}": an IANA name such as Europe/Berlin or UTC`);
    }
    const minutes = m.duration === undefined ? undefined : parseDuration(m.duration);
    if (m.duration === undefined) {
      ok = false;
      report('duration', 'required with cron: how long each window lasts, e.g. 2h or 90m');
    } else if (minutes === undefined || minutes < 1 || minutes > MAX_WINDOW_MINUTES) {
      ok = false;
      report('duration', `"${m.duration}" is not a duration of 1m to 15d, e.g. 2h, 90m or 1h30m`);
    }
    const cronIssue =
      m.cron === undefined
        ? 'required with duration: when the window starts, e.g. "0 3 * * SUN"'
        : checkCron(m.cron, timezone);
    if (cronIssue) {
      ok = false;
      report('cron', cronIssue);
    }
    if (!ok || m.cron === undefined || minutes === undefined) return;
    const w: MaintenanceWindow = {
      index,
      processors: [...m.processors],
      reason: m.reason,
      kind: 'recurring',
      cron: m.cron.trim().split(/\s+/).join(' '),
      durationMinutes: minutes,
      timezone,
    };
    const starts = occurrences(w, now, now + OVERLAP_HORIZON_MS, 3);
    if (starts.length === 0) return void report('cron', `"${m.cron}" never occurs in the next year`);
    if (starts.length > 1 && (starts[1] as number) - (starts[0] as number) < minutes * 60_000) {
      return void report(
        'duration',
        `${m.duration} is longer than the time between two windows of "${m.cron}": they would overlap`,
      );
    }
    windows.push(w);
  };
  for (const [index, m] of (raw ?? []).entries()) resolveOne(m, index);
  issues.push(...overlaps(windows, file, now));
  return { windows, issues };
}

/** A cron of five fields as CloudWatch mute rules take it, weekdays by name; the problem, or undefined. */
function checkCron(cron: string, timezone: string): string | undefined {
  const fields = cron.trim().split(/\s+/);
  if (fields.length !== 5) {
    return `"${cron}" has ${fields.length} fields: give five, minute hour day-of-month month day-of-week, e.g. "0 3 * * SUN"`;
  }
  const [minute, hour, dom, month, dow] = fields as [string, string, string, string, string];
  for (const [name, v] of [
    ['minute', minute],
    ['hour', hour],
    ['day-of-month', dom],
    ['month', month],
  ] as const) {
    if (!CRON_FIELD.test(v))
      return `"${cron}": the ${name} field "${v}" takes numbers, *, ranges, lists and steps only`;
  }
  if (!WEEKDAYS.test(dow.toUpperCase())) {
    return `"${cron}": give the day-of-week as * or by name (MON-FRI, SAT,SUN): numbers mean different days in different cron dialects`;
  }
  if (dom !== '*' && dow !== '*')
    return `"${cron}": restrict the day of the month or the day of the week, not both`;
  try {
    new Cron(cron, { timezone, paused: true });
  } catch (err) {
    return `"${cron}": ${(err as Error).message}`;
  }
  return undefined;
}

/** Windows of one processor that overlap in the next year: an error on the later entry. */
function overlaps(windows: readonly MaintenanceWindow[], file: string, now: number): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const to = now + OVERLAP_HORIZON_MS;
  const spans = windows.map((w) => intervals(w, now, to));
  for (let j = 1; j < windows.length; j++) {
    const b = windows[j] as MaintenanceWindow;
    for (let i = 0; i < j; i++) {
      const a = windows[i] as MaintenanceWindow;
      const shared = b.processors.find((p) => a.processors.includes(p));
      if (!shared) continue;
      const hit = firstOverlap(spans[i] ?? [], spans[j] ?? []);
      if (hit === undefined) continue;
      issues.push({
        file,
        path: `maintenance[${b.index}]`,
        message: `overlaps maintenance[${a.index}] for processor ${shared} (both cover ${new Date(hit).toISOString().slice(0, 16)}Z): merge them or move one`,
      });
      break;
    }
  }
  return issues;
}

function firstOverlap(a: readonly [number, number][], b: readonly [number, number][]): number | undefined {
  for (const [s1, e1] of a) for (const [s2, e2] of b) if (s1 < e2 && s2 < e1) return Math.max(s1, s2);
  return undefined;
}

/** The window holding `processor`'s pages at `at` (epoch ms), with when it ends; undefined outside any. */
export function activeMaintenance(
  windows: readonly MaintenanceWindow[],
  processor: string,
  at: number,
): { window: MaintenanceWindow; end: number } | undefined {
  for (const w of windows) {
    if (!w.processors.includes(processor)) continue;
    if (w.kind === 'once') {
      if (Date.parse(w.start) <= at && at < Date.parse(w.end)) return { window: w, end: Date.parse(w.end) };
      continue;
    }
    const job = new Cron(w.cron, { timezone: w.timezone, paused: true });
    // previousRuns is strictly before its reference: a second later includes a start at `at` itself.
    const [prev] = job.previousRuns(1, new Date(at + 1000));
    const end = (prev?.getTime() ?? Number.NEGATIVE_INFINITY) + w.durationMinutes * 60_000;
    if (prev && at < end) return { window: w, end };
  }
  return undefined;
}
