/**
 * One incident, one page: the state machine of a cross-processor incident (docs/diagnosis.md "Incident
 * pages"), pure, over the record the history store keeps per failure class (key `~incident#<class>`): processors
 * failing with another class are another cause, so another incident (./verdict.ts).
 *
 * - open: an alarm fires, the verdict says two or more processors fail alike, and no incident of that class
 *   is open: the incident opens with the verdict's processors and this alarm. One page.
 * - update: an alarm fires and the verdict names a processor the open incident does not have (or one that had
 *   recovered): it joins. One page, only because the set of failing processors changed.
 * - fold: an alarm of a member fires (or a verdict adds no one): the alarm joins silently.
 * - an alarm of the incident returns to OK: it leaves silently; when the last one leaves, the incident is
 *   resolved. One RESOLVED page. A processor whose alarms have all left counts as recovered.
 *
 * Several diagnose invocations race on one record: each decision names the version it read, the store writes
 * it only if that version is still current (HistoryStore.writeIncident), and the loser decides again on what
 * the winner wrote. So exactly one invocation opens an incident, one adds a given processor, one resolves it.
 */
import { parseAlarmName } from '../contract/alarm-names';
import type { FailureClass, Stage } from '../contract/classes';
import type { Versioned } from './history';
import { type Verdict, verdictJson } from './verdict';

export interface IncidentRecord {
  /** `<stage>-<onset or open time, compact>`: names the incident in pages and logs. */
  readonly id: string;
  readonly stage: Stage;
  /** The class its processors fail with (the store key's). */
  readonly class: FailureClass;
  readonly status: 'open' | 'resolved';
  readonly scope: Verdict['scope'];
  /** When it was opened (ISO 8601). */
  readonly openedAt: string;
  /** The earliest onset among its processors, when known. */
  readonly since: string | null;
  /** Every processor that joined it, in config order. */
  readonly processors: readonly string[];
  /** Members whose alarms have all returned to OK. */
  readonly recovered: readonly string[];
  /** The alarms in ALARM that belong to it. */
  readonly alarms: readonly string[];
  /** Processors monitored when it was last paged. */
  readonly total: number;
  readonly classes: readonly string[];
  /** The common factors as last paged (verdict.ts factorText). */
  readonly factors: readonly string[];
  /** Pages sent for it so far (the opening one and updates). */
  readonly pages: number;
  readonly resolvedAt: string | null;
}

/** The store key of a failure class's incident. */
export function incidentKey(cls: FailureClass): string {
  return `${INCIDENT_KEY_PREFIX}${cls}`;
}

/** Incident keys start with a character no processor name has, so they never clash with processor items. */
export const INCIDENT_KEY_PREFIX = '~incident#';

/**
 * The store key of a gateway alarm's held ALARM (lambdas/diagnose/gateway.ts): under the incident prefix, so the
 * diagnose function's grant to write incident items covers it; no failure class is named `held#...`.
 */
export function heldKey(alarm: string): string {
  return `${INCIDENT_KEY_PREFIX}held#${alarm}`;
}

export type IncidentDecision =
  | {
      readonly action: 'open' | 'update' | 'fold' | 'resolve' | 'leave';
      readonly next: IncidentRecord;
      readonly expected: number | null;
      readonly added: readonly string[];
    }
  | { readonly action: 'none' };

function union(a: readonly string[], b: readonly string[]): string[] {
  return [...new Set([...a, ...b])];
}

function compactTime(iso: string): string {
  return iso.replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
}

function open(r: Versioned<IncidentRecord> | null | undefined): Versioned<IncidentRecord> | null {
  return r && r.value.status === 'open' ? r : null;
}

/** The class a verdict is about (one: a group fails alike only with the same class). */
export function verdictClass(verdict: Verdict): FailureClass {
  return verdict.classes[0] as FailureClass;
}

/** The record a verdict opens. */
function opened(verdict: Verdict, alarm: string, now: string): IncidentRecord {
  return {
    id: `${verdict.stage}-${compactTime(verdict.since ?? now)}`,
    stage: verdict.stage,
    class: verdictClass(verdict),
    status: 'open',
    scope: verdict.scope,
    openedAt: now,
    since: verdict.since,
    processors: [...verdict.processors],
    recovered: [],
    alarms: [alarm],
    total: verdict.total,
    classes: [...verdict.classes],
    factors: [...verdictJson(verdict).commonFactors],
    pages: 1,
    resolvedAt: null,
  };
}

export interface AlarmContext {
  /** The alarm that went to ALARM. */
  readonly alarm: string;
  /** Its processor; null for the gateway alarm. */
  readonly processor: string | null;
  /** The verdict at this moment (verdict.ts correlate), null when there is none or no history. */
  readonly verdict: Verdict | null;
  /** ISO 8601. */
  readonly now: string;
}

/**
 * What an alarm going to ALARM does to the incidents (by class key, as read with their versions). `none`: it
 * is no incident's business: the per-processor page goes out.
 */
export function onAlarm(
  incidents: ReadonlyMap<string, Versioned<IncidentRecord>>,
  ctx: AlarmContext,
): IncidentDecision {
  const { verdict, processor, alarm } = ctx;
  const cls = verdict ? verdictClass(verdict) : null;
  const current = cls ? open(incidents.get(incidentKey(cls))) : null;
  // A member's alarm, in whichever incident holds it.
  const holding =
    processor === null
      ? null
      : [...incidents.values()].find(
          (r) => open(r) && r.value.processors.includes(processor) && !r.value.recovered.includes(processor),
        );
  if (holding && (!verdict || cls === holding.value.class || !current)) {
    return fold(holding, alarm, cls === holding.value.class ? verdict : null);
  }
  if (!verdict || verdict.processors.length < 2) {
    // The gateway alarm with no verdict of its own joins any open incident.
    const any = processor === null ? [...incidents.values()].find((r) => open(r)) : undefined;
    return any ? fold(any, alarm, null) : { action: 'none' };
  }
  if (current) return fold(current, alarm, verdict);
  const stored = incidents.get(incidentKey(verdictClass(verdict)));
  return {
    action: 'open',
    next: opened(verdict, alarm, ctx.now),
    expected: stored ? stored.version : null,
    added: [...verdict.processors],
  };
}

/** The alarm joins; processors of the verdict the incident lacks (or that had recovered) join too: an update. */
function fold(r: Versioned<IncidentRecord>, alarm: string, verdict: Verdict | null): IncidentDecision {
  const inc = r.value;
  const joining = (verdict?.processors ?? []).filter(
    (p) => !inc.processors.includes(p) || inc.recovered.includes(p),
  );
  const alarmProcessor = parseAlarmName(alarm)?.processor;
  const rejoining = alarmProcessor && inc.recovered.includes(alarmProcessor) ? [alarmProcessor] : [];
  const added = union(joining, rejoining);
  const next: IncidentRecord = {
    ...inc,
    processors: union(inc.processors, added),
    recovered: inc.recovered.filter((p) => !added.includes(p)),
    alarms: union(inc.alarms, [alarm]),
    ...(verdict && added.length > 0
      ? {
          classes: union(inc.classes, verdict.classes),
          factors: [...verdictJson(verdict).commonFactors],
          total: verdict.total,
        }
      : {}),
    pages: inc.pages + (added.length > 0 ? 1 : 0),
  };
  return { action: added.length > 0 ? 'update' : 'fold', next, expected: r.version, added };
}

/**
 * What an alarm returning to OK does: nothing when no open incident holds it; otherwise it leaves, and the
 * incident is resolved when it was the last.
 */
export function onOk(
  incidents: ReadonlyMap<string, Versioned<IncidentRecord>>,
  alarm: string,
  now: string,
): IncidentDecision {
  const r = [...incidents.values()].find((x) => open(x) && x.value.alarms.includes(alarm));
  if (!r) return { action: 'none' };
  const inc = r.value;
  const alarms = inc.alarms.filter((a) => a !== alarm);
  const stillAlarming = new Set(alarms.map((a) => parseAlarmName(a)?.processor).filter(Boolean));
  const processor = parseAlarmName(alarm)?.processor;
  const recovered =
    processor && !stillAlarming.has(processor) ? union(inc.recovered, [processor]) : [...inc.recovered];
  if (alarms.length === 0) {
    return {
      action: 'resolve',
      next: { ...inc, alarms, recovered, status: 'resolved', resolvedAt: now },
      expected: r.version,
      added: [],
    };
  }
  return { action: 'leave', next: { ...inc, alarms, recovered }, expected: r.version, added: [] };
}
