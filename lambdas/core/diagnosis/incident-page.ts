/**
 * The pages of a cross-processor incident (./incident.ts): the one page when it opens, an update only when the
 * set of failing processors changes, one RESOLVED; and the gateway alarm's own page when no verdict could be
 * reached (the history table down, or no two processors failing alike in it). Same format as the
 * per-processor page (./notification.ts): plain text for people, the JSON document for machines, SMS = the
 * subject, message attributes for filter policies (`processor` lists the incident's processors).
 */
import type { ProcessorConfig } from '../config/model';
import { type AlarmKindName, GATEWAY_ALARM_KIND, parseAlarmName } from '../contract/alarm-names';
import type { IncidentRecord } from './incident';
import {
  type AlarmStateChange,
  alarmDoc,
  consoleUrl,
  fitSubject,
  formatDuration,
  type IncidentDoc,
  type Notification,
  type NotificationDocument,
  type NotificationEvent,
  parseAlarmTime,
} from './notification';
import { renderProse, runbookFor, runbookLink, VERDICT_GUIDE } from './runbooks';
import { describeChange } from './snapshot';
import { factorText, type Verdict, verdictJson, verdictLine } from './verdict';
import { type HistoryView, historyDoc, whatChangedSection } from './what-changed';

/** The member whose "what changed" an incident page shows, as its history record has it. */
export interface IncidentSubject {
  readonly processor: string;
  readonly config?: ProcessorConfig;
  readonly history: HistoryView;
  /** Its input fingerprints on the failing run (never values). */
  readonly inputs: Readonly<Record<string, string>>;
}

/** One failing processor as the incident page lists it. */
export interface MemberLine {
  readonly processor: string;
  readonly class: string | null;
  readonly since: string | null;
}

export interface IncidentPageParams {
  readonly event: 'incident' | 'incident-update';
  /** The incident as written by this invocation. */
  readonly incident: IncidentRecord;
  readonly verdict: Verdict;
  /** Processors that joined with this page. */
  readonly joined: readonly string[];
  /** The failing processors, with class and onset. */
  readonly members: readonly MemberLine[];
  /** Processors not failing alike. */
  readonly others: readonly string[];
  /** The alarm whose state change produced this page. */
  readonly alarm: AlarmStateChange;
  /**
   * The first failing member (verdict.ts firstFailing: earliest onset, then name) and what changed for it, from
   * the history table: the same whichever alarm opened the incident.
   */
  readonly subject?: IncidentSubject;
  readonly runbookBaseUrl?: string;
}

/** `tls.ca ssm /gw/ca` from `tls.ca: ssm /gw/ca`: short enough for a subject. */
/**
 * A factor for a subject, which SNS caps at 100 characters: the source alone (`ssm /gw/ca`), since that is
 * what someone changed; the body names the field.
 */
function shortLabel(label: string): string {
  const at = label.indexOf(': ');
  return at >= 0 ? label.slice(at + 2) : label;
}

function kindOf(alarm: AlarmStateChange): AlarmKindName | typeof GATEWAY_ALARM_KIND {
  return parseAlarmName(alarm.alarmName)?.kind ?? GATEWAY_ALARM_KIND;
}

function attributesOf(
  processors: readonly string[],
  stage: string,
  cls: string,
  event: NotificationEvent,
): Notification['attributes'] {
  const list = processors.join(',');
  return {
    processor: list.length > 256 ? `${list.slice(0, 250)},...` : list || 'none',
    severity: 'critical',
    stage,
    class: cls,
    event,
  };
}

function incidentDoc(inc: IncidentRecord, joined: readonly string[]): IncidentDoc {
  return {
    id: inc.id,
    status: inc.status,
    scope: inc.scope,
    stage: inc.stage,
    processors: [...inc.processors],
    joined: [...joined],
    recovered: [...inc.recovered],
    total: inc.total,
    since: inc.since,
    openedAt: inc.openedAt,
    resolvedAt: inc.resolvedAt,
    commonFactors: [...inc.factors],
  };
}

function firstCheck(v: Verdict): string {
  if (v.scope === 'theirs') {
    return `${VERDICT_GUIDE.theirs[0]}`;
  }
  if (v.scope === 'unknown') return VERDICT_GUIDE.unknown[0] as string;
  const nearest = v.factors.find((f) => f.nearest);
  if (nearest?.change) {
    return `look at what changed in ${nearest.label}: ${describeChange(nearest.change)}. Every processor failing here reads it: roll the change back or fix it.`;
  }
  const [first] = v.factors;
  if (first)
    return `compare the settings they share, below, with what was deployed around the onset, starting with ${first.label}.`;
  return VERDICT_GUIDE.ours[2] as string;
}

/** The page of an incident that opened, or that a processor joined. */
export function buildIncidentNotification(p: IncidentPageParams): Notification {
  const v = p.verdict;
  const inc = p.incident;
  const n = inc.processors.length - inc.recovered.length;
  const classes = v.classes.join(', ');
  const nearest = v.factors.find((f) => f.nearest);
  const cause =
    v.scope === 'theirs'
      ? "processor's side"
      : v.scope === 'unknown'
        ? 'cause unclear'
        : nearest
          ? `${shortLabel(nearest.label)} changed`
          : v.factors[0]
            ? `shared ${shortLabel(v.factors[0].label)}`
            : 'no shared setting';
  const head = p.event === 'incident-update' ? '[CRITICAL] UPDATE ' : '[CRITICAL] ';
  const subject = fitSubject(
    head,
    `${n} of ${inc.total} processors failing (${v.stage} ${classes}): ${cause}`,
  );
  const [cls] = v.classes;
  const rb = cls ? runbookFor(cls) : null;

  const lines: string[] = [subject, ''];
  lines.push(`${verdictLine(v)}.`);
  lines.push(`First check: ${firstCheck(v)}`);
  lines.push('');
  lines.push('INCIDENT');
  lines.push(`  id:       ${inc.id}`);
  lines.push(
    `  failing:  ${n} of ${inc.total} processors at stage ${inc.stage}${inc.since ? `, since ${inc.since}` : ''}`,
  );
  lines.push(`  opened:   ${inc.openedAt}`);
  if (p.event === 'incident-update')
    lines.push(`  update:   ${p.joined.join(', ')} joined (page ${inc.pages})`);
  lines.push('');
  lines.push('FAILING PROCESSORS');
  // One column per field: names padded to the longest (processor names are the config's, short and trusted).
  const nameWidth = Math.max(0, ...p.members.map((m) => m.processor.length));
  for (const m of p.members) {
    lines.push(`  ${m.processor.padEnd(nameWidth)}  ${m.class ?? '-'}${m.since ? `  since ${m.since}` : ''}`);
  }
  lines.push('');
  lines.push('NOT FAILING ALIKE');
  lines.push(`  ${p.others.length > 0 ? p.others.join(', ') : 'none'}`);
  lines.push('');
  lines.push('SETTINGS THEY SHARE (the common factor first)');
  if (v.factors.length === 0 && v.weakFactors.length === 0) {
    lines.push(
      v.scope === 'theirs'
        ? `  none needed: ${v.theirChanges.length} server-side change(s) explain it`
        : '  none payprobe knows of: look at the network path they share (egress, NAT, firewall, proxy, DNS resolver).',
    );
  }
  for (const f of v.factors) lines.push(`  ${f.nearest ? '*' : '-'} ${factorText(f)}`);
  for (const f of v.weakFactors) lines.push(`  ~ weak context, not the cause: ${factorText(f)}`);
  if (v.others.length > 0) {
    lines.push('');
    lines.push('ALSO FAILING ALIKE (another class: its own incident)');
    for (const g of v.others) lines.push(`  ${g.stage} ${g.class}: ${g.processors.join(', ')}`);
  }
  if (p.subject) {
    lines.push('');
    const heading = whatChangedSection(p.subject.history, p.subject.config, p.subject.inputs, false);
    lines.push(`${heading[0]} (${p.subject.processor}, the first to fail)`, ...heading.slice(1));
  }
  if (rb && cls) {
    lines.push('');
    lines.push(`RUNBOOK: ${cls}`);
    lines.push(`  ${rb.summary}.`);
    lines.push(`  First check for one processor: ${renderProse(rb.firstCheck)}`);
    lines.push(`  Full runbook: ${runbookLink(cls, p.runbookBaseUrl)}`);
  }
  lines.push('');
  lines.push('HOW THIS VERDICT IS REACHED');
  for (const r of VERDICT_GUIDE.reached.slice(1, 3)) lines.push(`  ${r}`);
  lines.push(
    '  The alarms of these processors fold into this incident: the next page comes only if another processor joins, then one RESOLVED when all are OK (docs/diagnosis.md).',
  );
  lines.push('');
  lines.push('ALARM');
  lines.push(`  ${p.alarm.alarmName}: ${p.alarm.previousState.value} -> ${p.alarm.state.value}`);
  const url = consoleUrl(p.alarm);
  if (url) lines.push(`  ${url}`);
  lines.push('');
  lines.push('-- payprobe diagnose: one page for the whole incident.');
  const text = lines.join('\n');
  const attributes = attributesOf(inc.processors, inc.stage, cls ?? 'OK', p.event);
  const document: NotificationDocument = {
    schema: 'payprobe.notification/v1',
    event: p.event,
    processor: attributes.processor,
    severity: 'critical',
    subject,
    alarm: alarmDoc(p.alarm, kindOf(p.alarm)),
    diagnosis:
      rb && cls
        ? {
            stage: inc.stage,
            class: cls,
            detail: null,
            summary: rb.summary,
            firstCheck: firstCheck(v),
            runbook: runbookLink(cls, p.runbookBaseUrl),
          }
        : null,
    result: null,
    inputs: null,
    history: p.subject ? historyDoc(p.subject.history, p.subject.config) : null,
    verdict: { ...verdictJson(v), line: verdictLine(v) },
    incident: incidentDoc(inc, p.joined),
    durationSeconds: null,
    text,
  };
  return { subject, text, sms: subject, document, attributes };
}

/** The one RESOLVED page of an incident: its last alarm returned to OK. */
export function buildIncidentResolvedNotification(p: {
  readonly incident: IncidentRecord;
  readonly alarm: AlarmStateChange;
}): Notification {
  const inc = p.incident;
  const start = parseAlarmTime(inc.since ?? inc.openedAt);
  const end = parseAlarmTime(inc.resolvedAt ?? undefined) ?? parseAlarmTime(p.alarm.time);
  const durationMs = start && end ? end.getTime() - start.getTime() : null;
  const duration = durationMs === null ? 'an unknown time' : formatDuration(durationMs);
  const subject = fitSubject(
    '[RESOLVED] ',
    `${inc.processors.length} processors OK again after ${duration} (${inc.stage} incident ${inc.id})`,
  );
  const lines = [
    subject,
    '',
    `Every alarm of incident ${inc.id} is OK again after ${duration}.`,
    `  processors:    ${inc.processors.join(', ')}`,
    `  failing since: ${inc.since ?? 'unknown'}`,
    `  opened:        ${inc.openedAt}`,
    `  resolved:      ${inc.resolvedAt ?? p.alarm.time}`,
    `  pages sent:    ${inc.pages} (and this one)`,
    ...(inc.factors.length > 0 ? [`  common factor: ${inc.factors[0]}`] : []),
    `  last alarm:    ${p.alarm.alarmName} (${p.alarm.state.reason})`,
  ];
  const text = lines.join('\n');
  const attributes = attributesOf(inc.processors, inc.stage, 'OK', 'incident-resolved');
  const document: NotificationDocument = {
    schema: 'payprobe.notification/v1',
    event: 'incident-resolved',
    processor: attributes.processor,
    severity: 'critical',
    subject,
    alarm: alarmDoc(p.alarm, kindOf(p.alarm)),
    diagnosis: null,
    result: null,
    inputs: null,
    history: null,
    verdict: null,
    incident: incidentDoc(inc, []),
    durationSeconds: durationMs === null ? null : Math.round(durationMs / 1000),
    text,
  };
  return { subject, text, sms: subject, document, attributes };
}

/**
 * The gateway alarm's page when there is no incident to open: how many processors fail at once (from the
 * alarm), which ones the history table shows failing, and why no verdict (history unavailable, or no two
 * failing alike). On OK (state OK), the RESOLVED of that page.
 */
export function buildGatewayNotification(p: {
  readonly alarm: AlarmStateChange;
  readonly gateway: string;
  /** Why there is no verdict. */
  readonly why: string;
  /** Processors the history table shows failing now. */
  readonly failing: readonly MemberLine[];
}): Notification {
  const resolved = p.alarm.state.value === 'OK';
  const subject = resolved
    ? fitSubject('[RESOLVED] ', `gateway ${p.gateway}: processors failing at once - OK`)
    : fitSubject('[CRITICAL] ', `gateway ${p.gateway}: several processors failing at once`);
  const lines = [subject, ''];
  lines.push(`The gateway alarm ${p.alarm.alarmName} is ${p.alarm.state.value}: ${p.alarm.state.reason}`);
  if (!resolved) {
    lines.push(`No verdict: ${p.why}.`);
    lines.push('Run every probe at once to see which fail and what they share:');
    lines.push('  npx payprobe check --config payprobe.yaml');
    lines.push('');
    lines.push('FAILING (history table)');
    if (p.failing.length === 0) lines.push('  unknown');
    for (const m of p.failing)
      lines.push(`  ${m.processor}  ${m.class ?? '-'}${m.since ? `  since ${m.since}` : ''}`);
  }
  const url = consoleUrl(p.alarm);
  if (url) lines.push('', `  ${url}`);
  const text = lines.join('\n');
  const event: NotificationEvent = resolved ? 'resolved' : 'gateway';
  const attributes = attributesOf(
    p.failing.map((m) => m.processor),
    'none',
    resolved ? 'OK' : (p.failing[0]?.class ?? 'UNKNOWN'),
    event,
  );
  const document: NotificationDocument = {
    schema: 'payprobe.notification/v1',
    event,
    processor: attributes.processor,
    severity: 'critical',
    subject,
    alarm: alarmDoc(p.alarm, GATEWAY_ALARM_KIND),
    diagnosis: null,
    result: null,
    inputs: null,
    history: null,
    verdict: null,
    incident: null,
    durationSeconds: null,
    text,
  };
  return { subject, text, sms: subject, document, attributes };
}
