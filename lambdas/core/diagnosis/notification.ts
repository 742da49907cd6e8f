/**
 * The page: builds the SNS notification (subject, email text, JSON document for webhooks, SMS line and message
 * attributes) from an alarm state change and the diagnose Lambda's re-probe result. Pure: no AWS, no clock
 * unless given, so tests and docs render the exact text a responder receives.
 *
 * Format (see docs/diagnosis.md): one Publish with MessageStructure "json": `default` and `email` carry
 * the plain text below, `sms` a one-line summary, and the machine protocols (https, http, sqs, lambda,
 * firehose, email-json) the JSON document, which embeds the same text for chat forwarding.
 *
 * Text a server chose (the detail, warnings, certificate names) is bounded (page-size.ts boundedResult) and,
 * in the text, escaped (lambdas/core/text/escape.ts): control, bidi and invisible characters show as
 * visible escapes, so a subject cannot move the cursor, reorder a line or forge a section of the page.
 */

import type { ProcessorConfig } from '../config/model';
import { configReferences } from '../config/references';
import { ALARM_KINDS, type AlarmKindName, GATEWAY_ALARM_KIND, type Severity } from '../contract/alarm-names';
import { FAILURE_CLASS_NAMES } from '../contract/classes';
import type { ProbeResult } from '../contract/result';
import { escapeUntrusted } from '../text/escape';
import { boundedResult } from './page-size';
import { chainSection, clientCertSection, refId, timingsSection } from './result-sections';
import { proxyCommandContext, routeLines } from './route';
import {
  ALARM_KIND_GUIDES,
  type CommandContext,
  type RunbookClass,
  renderProse,
  renderRunbookText,
  runbookFor,
  runbookLink,
} from './runbooks';
import { type Verdict, type VerdictJson, verdictJson, verdictLine } from './verdict';
import { type HistoryDoc, type HistoryView, historyDoc, whatChangedSection } from './what-changed';

export { JSON_PROTOCOLS, MESSAGE_MAX_BYTES, structuredMessage } from './page-size';
export { fitSubject, SUBJECT_MAX } from './subject';

import { fitSubject } from './subject';

export type AlarmStateValue = 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';

export interface AlarmState {
  readonly value: AlarmStateValue;
  readonly reason: string;
  /** As CloudWatch sends it, e.g. 2025-03-01T10:00:00.000+0000. */
  readonly timestamp: string;
  /** JSON text with the evaluated datapoints (startDate, recentDatapoints, threshold), when CloudWatch sends it. */
  readonly reasonData?: string;
}

/** The fields of an EventBridge "CloudWatch Alarm State Change" event that a page uses. */
export interface AlarmStateChange {
  readonly alarmName: string;
  readonly alarmArn?: string;
  readonly region?: string;
  readonly account?: string;
  /** Event time (ISO 8601). */
  readonly time: string;
  readonly state: AlarmState;
  readonly previousState: AlarmState;
}

/**
 * The event kinds a page can be: also the `event` message attribute. `incident`, `incident-update` and
 * `incident-resolved` are the cross-processor incident's pages (./incident-page.ts); `gateway` is the gateway
 * alarm's page when no verdict could be reached.
 */
export type NotificationEvent =
  | 'diagnosis'
  | 'reprobe-passed'
  | 'resolved'
  | 'incident'
  | 'incident-update'
  | 'incident-resolved'
  | 'gateway';

/** Message attributes for SNS filter policies: all String, never empty, never a secret. */
export interface NotificationAttributes {
  readonly processor: string;
  readonly severity: Severity;
  /** The failing stage, or the alarm's stage when nothing failed, or `none`. */
  readonly stage: string;
  /** The diagnosed failure or warning class, or `OK` when the re-probe found nothing / the alarm resolved. */
  readonly class: string;
  readonly event: NotificationEvent;
}

/** The JSON document the machine protocols receive. Versioned by `schema`. */
export interface NotificationDocument {
  readonly schema: 'payprobe.notification/v1';
  readonly event: NotificationEvent;
  readonly processor: string;
  readonly severity: Severity;
  readonly subject: string;
  readonly alarm: {
    readonly name: string;
    readonly kind: AlarmKindName | typeof GATEWAY_ALARM_KIND;
    readonly title: string;
    readonly state: AlarmStateValue;
    readonly previousState: AlarmStateValue;
    /** When the alarm entered its current state (ISO 8601). */
    readonly stateChangedAt: string | null;
    /** When the alarm entered its previous state (ISO 8601). */
    readonly previousStateSince: string | null;
    readonly reason: string;
    readonly region: string | null;
    readonly account: string | null;
    readonly consoleUrl: string | null;
  };
  readonly diagnosis: {
    readonly stage: string | null;
    readonly class: RunbookClass;
    readonly detail: string | null;
    readonly summary: string;
    readonly firstCheck: string;
    readonly runbook: string;
  } | null;
  /** The re-probe, in `payprobe check --json` form. Null for RESOLVED. */
  readonly result: ProbeResult | null;
  readonly inputs: InputComparison | null;
  /** What the history store knew, and what changed since the last passing probe (ranked). Null for RESOLVED. */
  readonly history: HistoryDoc | null;
  /** The cross-processor verdict (`check --json`'s shape, with its one-line summary), when there is one. */
  readonly verdict: (VerdictJson & { readonly line: string }) | null;
  /** The cross-processor incident an incident page is about (./incident-page.ts); null on other pages. */
  readonly incident: IncidentDoc | null;
  /** RESOLVED: seconds the alarm spent in ALARM. */
  readonly durationSeconds: number | null;
  /** The same text the email carries, for forwarding to chat. */
  readonly text: string;
}

export interface Notification {
  readonly subject: string;
  readonly text: string;
  readonly sms: string;
  readonly document: NotificationDocument;
  readonly attributes: NotificationAttributes;
}

/** Inputs of an earlier passing probe of the same processor, to say what changed. */
export interface InputsBaseline {
  readonly inputs: Readonly<Record<string, string>>;
  /** When that probe ran (ISO 8601). */
  readonly at: string;
}

export interface InputChange {
  readonly field: string;
  readonly before: string | null;
  readonly after: string | null;
}

export interface InputComparison {
  /** null when there was no baseline: the change is unknown. */
  readonly baselineAt: string | null;
  readonly changes: readonly InputChange[] | null;
  readonly current: Readonly<Record<string, string>>;
}

/** The incident part of an incident page's document. */
export interface IncidentDoc {
  readonly id: string;
  readonly status: 'open' | 'resolved';
  readonly scope: 'ours' | 'theirs' | 'unknown';
  readonly stage: string;
  readonly processors: readonly string[];
  /** Processors that joined with this page (all of them on the opening page). */
  readonly joined: readonly string[];
  readonly recovered: readonly string[];
  readonly total: number;
  readonly since: string | null;
  readonly openedAt: string;
  readonly resolvedAt: string | null;
  readonly commonFactors: readonly string[];
}

/** The gateway alarm's title, as a page names it. */
export const GATEWAY_ALARM_TITLE = 'processors failing at once';

const KIND_WARNING: Partial<Record<AlarmKindName, RunbookClass>> = {
  CertExpiring: 'CERT_EXPIRING_SOON',
  ClientCertExpiring: 'CLIENT_CERT_EXPIRING_SOON',
  LatencyHigh: 'SLOW_RESPONSE',
};

/** The class a page reports for this alarm and re-probe: the failure, or the alarm's warning, or null. */
export function diagnosedClass(kind: AlarmKindName, result: ProbeResult): RunbookClass | null {
  if (!result.ok && result.class) return result.class;
  const warning = KIND_WARNING[kind];
  if (warning && result.warnings.some((w) => w.class === warning)) return warning;
  return null;
}

/** CloudWatch writes `+0000`; Date wants `+00:00`. Returns null for a missing or unparsable time. */
export function parseAlarmTime(ts: string | undefined): Date | null {
  if (!ts) return null;
  const d = new Date(ts.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
  return Number.isNaN(d.getTime()) ? null : d;
}

export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.round(s / 60);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  const rest = m % 60;
  if (h < 48) return rest ? `${h} h ${rest} min` : `${h} h`;
  return `${Math.floor(h / 24)} d ${h % 24} h`;
}

export function compareInputs(
  current: Readonly<Record<string, string>>,
  baseline: InputsBaseline | null,
): InputComparison {
  if (!baseline) return { baselineAt: null, changes: null, current };
  const fields = [...new Set([...Object.keys(baseline.inputs), ...Object.keys(current)])].sort();
  const changes: InputChange[] = [];
  for (const field of fields) {
    const before = baseline.inputs[field] ?? null;
    const after = current[field] ?? null;
    if (before !== after) changes.push({ field, before, after });
  }
  return { baselineAt: baseline.at, changes, current };
}

/** Values for the runbook commands from the processor's config (plain values only, never a secret). */
export function commandContext(
  cfg: ProcessorConfig | undefined,
  cls: RunbookClass | null,
  configFile?: string,
): CommandContext {
  if (!cfg) return {};
  const ctx: { -readonly [K in keyof CommandContext]: CommandContext[K] } = { processor: cfg.name };
  if (configFile) ctx.config = configFile;
  if (typeof cfg.endpoint === 'string') {
    try {
      const url = new URL(cfg.endpoint);
      ctx.host = url.hostname;
      ctx.port = url.port ? Number(url.port) : url.protocol === 'http:' ? 80 : 443;
      const base = url.pathname.replace(/\/+$/, '');
      // A referenced path is not read here (never a network call from a notification): keep the placeholder.
      if (typeof cfg.auth?.request?.path === 'string') ctx.path = `${base}${cfg.auth.request.path}`;
    } catch {
      // An endpoint that is not a URL was rejected by the schema; keep placeholders.
    }
  }
  ctx.servername = typeof cfg.tls.servername === 'string' ? cfg.tls.servername : ctx.host;
  const credRef = configReferences(cfg).find(
    (r) => r.credential && r.field.startsWith('auth.credentials.'),
  )?.ref;
  const certRef = cfg.tls.clientCert;
  if (
    cls === 'CLIENT_CERT_REJECTED' ||
    cls === 'CLIENT_CERT_EXPIRED' ||
    cls === 'CLIENT_CERT_EXPIRING_SOON'
  ) {
    if (certRef) ctx.secretId = refId(certRef);
  } else if (cls === 'AUTH_REJECTED' && credRef) {
    ctx.secretId = refId(credRef);
  } else if (cls === 'CERT_UNTRUSTED' && cfg.tls.ca) {
    ctx.secretId = refId(cfg.tls.ca);
  }
  return ctx;
}

/** A URL without credentials in it, for printing. */
function safeEndpoint(cfg: ProcessorConfig | undefined): string | null {
  if (!cfg || typeof cfg.endpoint !== 'string') return null;
  try {
    const url = new URL(cfg.endpoint);
    url.username = '';
    url.password = '';
    url.search = '';
    return url.toString().replace(/\/$/, '');
  } catch {
    return null;
  }
}

export function consoleUrl(alarm: AlarmStateChange): string | null {
  if (!alarm.region) return null;
  return `https://${alarm.region}.console.aws.amazon.com/cloudwatch/home?region=${alarm.region}#alarmsV2:alarm/${encodeURIComponent(alarm.alarmName)}`;
}

function iso(ts: string | undefined): string | null {
  return parseAlarmTime(ts)?.toISOString() ?? null;
}

export function evaluatedWindowStart(state: AlarmState): string | null {
  if (!state.reasonData) return null;
  try {
    const data = JSON.parse(state.reasonData) as { startDate?: unknown };
    return typeof data.startDate === 'string' ? iso(data.startDate) : null;
  } catch {
    return null;
  }
}

const ms = (v: number | null) => (v === null ? '-' : `${Math.round(v)} ms`);

export interface DiagnosisParams {
  readonly alarm: AlarmStateChange;
  readonly kind: AlarmKindName;
  readonly processor: string;
  /** The diagnose Lambda's re-probe. */
  readonly result: ProbeResult;
  /** The processor's config, for the endpoint and the runbook commands. */
  readonly config?: ProcessorConfig;
  /** The last passing probe's inputs, or null when unknown. */
  readonly baseline?: InputsBaseline | null;
  /** What the history store knew (what changed since the last good probe). @default { status: 'off' } */
  readonly history?: HistoryView;
  /** The verdict about this processor (scope `theirs` for a single processor), when there is one. */
  readonly verdict?: Verdict | null;
  /** Where docs/runbooks lives for readers of the page (a repository URL). @default docs/runbooks */
  readonly runbookBaseUrl?: string;
  /** The failure comes and goes: x of the alarm's last y probes failed (./recent-probes.ts). @default not said */
  readonly intermittent?: { readonly failing: number; readonly total: number };
  /**
   * The ALARM began inside this maintenance window and outlasted it: its page was held until the window ended
   * (lambdas/diagnose/held.ts). @default not said
   */
  readonly outlastedMaintenance?: { readonly index: number; readonly reason: string; readonly end: string };
}

/** The page for an alarm that went to ALARM: re-probe diagnosis, or "re-probe passed". */
export function buildDiagnosisNotification(params: DiagnosisParams): Notification {
  // The whole chain is counted before it is bounded, so the page can say how many were left out.
  const p = { ...params, result: boundedResult(params.result) };
  const kind = ALARM_KINDS[p.kind];
  const severity = kind.severity;
  const cls = diagnosedClass(p.kind, p.result);
  const guide = ALARM_KIND_GUIDES[p.kind];
  const event: NotificationEvent = cls ? 'diagnosis' : 'reprobe-passed';
  const prefix = `[${severity.toUpperCase()}] ${p.processor}: `;
  const theirs = cls && p.verdict?.scope === 'theirs' ? " (processor's side)" : '';
  const flaky = p.intermittent
    ? `intermittent: ${p.intermittent.failing} of ${p.intermittent.total} probes failing`
    : '';
  const subject = fitSubject(
    prefix,
    `${kind.title} - ${[flaky, cls ?? (flaky ? '' : 're-probe passed')].filter(Boolean).join(', ')}${theirs}`,
  );
  const history = p.history ?? { status: 'off' };
  const since = iso(p.alarm.state.timestamp);
  const prevSince = iso(p.alarm.previousState.timestamp);
  const windowStart = evaluatedWindowStart(p.alarm.state);
  const rb = cls ? runbookFor(cls) : null;
  const link = cls ? runbookLink(cls, p.runbookBaseUrl) : null;
  const stage = cls ? (p.result.stage ?? rb?.stage ?? null) : null;
  const detail = !p.result.ok
    ? p.result.detail
    : (p.result.warnings.find((w) => w.class === cls)?.detail ?? null);
  const cmp = compareInputs(p.result.inputs, p.baseline ?? null);
  const endpoint = safeEndpoint(p.config);
  const ctx = { ...commandContext(p.config, cls), ...proxyCommandContext(p.result, p.config, cls) };

  const lines: string[] = [subject, ''];
  const m = p.outlastedMaintenance;
  if (m) {
    lines.push(
      `The failure outlasted maintenance[${m.index}] (${escapeUntrusted(m.reason)}), which ended at ${m.end}: its page was held until then.`,
      '',
    );
  }
  if (flaky) {
    lines.push(`${flaky} (the alarm's last ${p.intermittent?.total} probes): the failure comes and goes.`);
    lines.push(
      'The alarm stays in ALARM until its window has no failures: no further page while it flaps.',
      '',
    );
  }
  if (rb) {
    lines.push(`${rb.summary}.`);
    if (p.verdict) lines.push(`Verdict: ${verdictLine(p.verdict)}.`);
    lines.push(`First check: ${renderProse(rb.firstCheck, ctx)}`);
  } else {
    lines.push(`The diagnose Lambda re-probed ${p.processor} at once and the probe PASSED.`);
    lines.push(`The alarm fired on earlier runs: ${p.alarm.state.reason}`);
    lines.push(guide.whenReprobePasses);
  }
  lines.push('');
  lines.push('SUMMARY');
  lines.push(
    `  Processor: ${p.processor}${endpoint ? ` (${endpoint}${ctx.servername && ctx.servername !== ctx.host ? `, SNI ${ctx.servername}` : ''})` : ''}`,
  );
  lines.push(...routeLines(p.result, p.config));
  lines.push(`  Stage:     ${stage ?? (p.result.ok ? 'none (re-probe passed)' : '-')}`);
  lines.push(`  Class:     ${cls ?? 'none (re-probe passed)'}`);
  lines.push(
    `  Detail:    ${detail !== null ? escapeUntrusted(detail) : p.result.ok ? 'the re-probe completed every stage' : '-'}`,
  );
  lines.push(
    `  Re-probe:  ${p.result.startedAt}, ${p.result.ok ? 'passed' : 'failed'} in ${ms(p.result.timings.totalMs)}`,
  );
  lines.push('');
  lines.push('SINCE');
  lines.push(
    `  ${p.alarm.alarmName}: ${p.alarm.previousState.value} -> ${p.alarm.state.value} at ${since ?? p.alarm.time}`,
  );
  if (windowStart) lines.push(`  the failing datapoints it evaluated start at ${windowStart}`);
  if (prevSince) lines.push(`  it had been ${p.alarm.previousState.value} since ${prevSince}`);
  lines.push(`  alarm reason: ${p.alarm.state.reason}`);
  lines.push('');
  lines.push(...chainSection(p.result, params.result.tls?.chain.length ?? 0));
  lines.push('');
  lines.push(...clientCertSection(p.result, p.config));
  lines.push('');
  lines.push(...timingsSection(p.result));
  lines.push('');
  lines.push(...whatChangedSection(history, p.config, p.result.inputs, p.result.ok));
  const otherWarnings = p.result.warnings.filter((w) => w.class !== cls);
  if (otherWarnings.length > 0) {
    lines.push('');
    lines.push('OTHER WARNINGS');
    for (const w of otherWarnings)
      lines.push(`  - ${w.class}: ${escapeUntrusted(w.detail)} (npx payprobe explain ${w.class})`);
  }
  lines.push('');
  if (rb && cls && link) {
    lines.push(`RUNBOOK: ${cls}`);
    lines.push(
      // The first check is already at the top of the page.
      renderRunbookText(rb, { ctx, legend: false, firstCheck: false, link }).split('\n').slice(2).join('\n'),
    );
  } else {
    lines.push('RUNBOOK');
    lines.push(
      `  The alarm watches ${guide.watches}. Usual classes: ${guide.classes.length === FAILURE_CLASS_NAMES.length ? 'any failure class' : guide.classes.join(', ')}.`,
    );
    lines.push(`  Re-run the probe: npx payprobe check --config payprobe.yaml --processor ${p.processor}`);
    lines.push(`  Runbooks: ${(p.runbookBaseUrl ?? 'docs/runbooks').replace(/\/+$/, '')}/README.md`);
  }
  lines.push('');
  lines.push('ALARM');
  lines.push(`  ${p.alarm.alarmName} (${severity}): watches ${guide.watches}`);
  const url = consoleUrl(p.alarm);
  if (url) lines.push(`  ${url}`);
  lines.push('');
  lines.push(
    '-- payprobe diagnose: the processor was re-probed when its alarm changed state (docs/diagnosis.md).',
  );
  const text = lines.join('\n');

  const attributes: NotificationAttributes = {
    processor: p.processor,
    severity,
    stage: stage ?? kind.stage ?? 'none',
    class: cls ?? 'OK',
    event,
  };
  const document: NotificationDocument = {
    schema: 'payprobe.notification/v1',
    event,
    processor: p.processor,
    severity,
    subject,
    alarm: alarmDoc(p.alarm, p.kind),
    diagnosis:
      rb && cls && link
        ? {
            stage,
            class: cls,
            detail,
            summary: rb.summary,
            firstCheck: renderProse(rb.firstCheck, ctx),
            runbook: link,
          }
        : null,
    result: p.result,
    inputs: cmp,
    history: historyDoc(history, p.config),
    verdict: p.verdict ? { ...verdictJson(p.verdict), line: verdictLine(p.verdict) } : null,
    incident: null,
    durationSeconds: null,
    text,
  };
  const sms = subject;
  return { subject, text, sms, document, attributes };
}

/** The alarm part of a page's document; the gateway alarm has kind ProcessorsFailing. */
export function alarmDoc(
  alarm: AlarmStateChange,
  kind: AlarmKindName | typeof GATEWAY_ALARM_KIND,
): NotificationDocument['alarm'] {
  return {
    name: alarm.alarmName,
    kind,
    title: kind === GATEWAY_ALARM_KIND ? GATEWAY_ALARM_TITLE : ALARM_KINDS[kind].title,
    state: alarm.state.value,
    previousState: alarm.previousState.value,
    stateChangedAt: iso(alarm.state.timestamp),
    previousStateSince: iso(alarm.previousState.timestamp),
    reason: alarm.state.reason,
    region: alarm.region ?? null,
    account: alarm.account ?? null,
    consoleUrl: consoleUrl(alarm),
  };
}

export interface ResolvedParams {
  readonly alarm: AlarmStateChange;
  readonly kind: AlarmKindName;
  readonly processor: string;
}

/** The short page for an alarm that returned from ALARM to OK. */
export function buildResolvedNotification(p: ResolvedParams): Notification {
  const kind = ALARM_KINDS[p.kind];
  const start = parseAlarmTime(p.alarm.previousState.timestamp);
  const end = parseAlarmTime(p.alarm.state.timestamp) ?? parseAlarmTime(p.alarm.time);
  const durationMs = start && end ? end.getTime() - start.getTime() : null;
  const duration = durationMs === null ? 'an unknown time' : formatDuration(durationMs);
  const subject = fitSubject(`[RESOLVED] ${p.processor}: `, `${kind.title} - OK after ${duration}`);
  const lines = [
    subject,
    '',
    `${p.alarm.alarmName} is OK again after ${duration} in ALARM.`,
    `  ALARM since: ${start?.toISOString() ?? 'unknown'}`,
    `  OK since:    ${end?.toISOString() ?? 'unknown'}`,
    `  reason:      ${p.alarm.state.reason}`,
  ];
  const url = consoleUrl(p.alarm);
  if (url) lines.push(`  ${url}`);
  const text = lines.join('\n');
  const attributes: NotificationAttributes = {
    processor: p.processor,
    severity: kind.severity,
    stage: kind.stage ?? 'none',
    class: 'OK',
    event: 'resolved',
  };
  const document: NotificationDocument = {
    schema: 'payprobe.notification/v1',
    event: 'resolved',
    processor: p.processor,
    severity: kind.severity,
    subject,
    alarm: alarmDoc(p.alarm, p.kind),
    diagnosis: null,
    result: null,
    inputs: null,
    history: null,
    verdict: null,
    incident: null,
    durationSeconds: durationMs === null ? null : Math.round(durationMs / 1000),
    text,
  };
  return { subject, text, sms: subject, document, attributes };
}
