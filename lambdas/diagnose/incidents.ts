/**
 * The diagnose function's side of the history table (lambdas/core/diagnosis/history.ts) and of the
 * cross-processor incident (lambdas/core/diagnosis/incident.ts): read every processor's record, bounded, beside
 * the re-probe; turn records and the re-probe into the verdict's observations; and settle an alarm's effect
 * on the incident record with conditional writes, deciding again on what another invocation wrote when it got
 * there first (docs/diagnosis.md "Incident pages").
 *
 * Nothing here may delay a page much or stop it: every store call is bounded (HISTORY_TIMEOUT_MS), the whole
 * settling too (INCIDENT_DEADLINE_MS), and any failure comes back as `unavailable`: the caller then pages the
 * processor alone, saying the history is unavailable.
 */
import type { ProcessorConfig } from '../core/config/model';
import { FAILURE_CLASS_NAMES } from '../core/contract/classes';
import type { ProbeResult } from '../core/contract/result';
import {
  failingNow,
  type HistoryStore,
  type ProcessorRecord,
  type Versioned,
  within,
} from '../core/diagnosis/history';
import { heldKey, type IncidentDecision, type IncidentRecord, incidentKey } from '../core/diagnosis/incident';
import type { IncidentSubject } from '../core/diagnosis/incident-page';
import { rankChanges, type Snapshot, snapshotChanges, snapshotOf } from '../core/diagnosis/snapshot';
import type { Observation } from '../core/diagnosis/verdict';
import type { HistoryView } from '../core/diagnosis/what-changed';

/** Each history store call waits at most this long. */
export const HISTORY_TIMEOUT_MS = 1500;
/** Settling one alarm's effect on the incident record (reads, writes, retries) takes at most this long. */
export const INCIDENT_DEADLINE_MS = 5000;
/** Rounds of read-decide-write before giving up on a contended record. */
const ROUNDS = 4;

/** Every incident key (one per failure class). */
export const INCIDENT_KEYS: readonly string[] = FAILURE_CLASS_NAMES.map(incidentKey);

export type HistoryRead =
  | { readonly status: 'off' }
  | { readonly status: 'unavailable'; readonly reason: string }
  | { readonly status: 'ok'; readonly records: ReadonlyMap<string, ProcessorRecord> };

function reasonOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Every processor's record, or why not. Never rejects. */
export async function readHistory(
  store: HistoryStore | undefined,
  processors: readonly string[],
  timeoutMs = HISTORY_TIMEOUT_MS,
): Promise<HistoryRead> {
  if (!store) return { status: 'off' };
  try {
    const records = await within(store.readProcessors(processors), timeoutMs, 'the read of the processors');
    return { status: 'ok', records };
  } catch (err) {
    return { status: 'unavailable', reason: reasonOf(err) };
  }
}

/** The diagnosed processor: its re-probe, onset, and what changed since its last passing probe. */
export interface Subject {
  readonly processor: string;
  readonly result: ProbeResult;
  readonly onset: string | null;
  readonly view: HistoryView;
  /** The last passing snapshot, when the store holds one. */
  readonly good: Snapshot | null;
}

/**
 * What the page knows of the diagnosed processor. `fallbackOnset`: the alarm's own idea of the onset (the
 * start of the datapoints it evaluated), used when no failing run was recorded.
 */
export function subjectOf(
  read: HistoryRead,
  result: ProbeResult,
  fallbackOnset: string | null,
  nowMs: number,
): Subject {
  const processor = result.processor;
  if (read.status !== 'ok') {
    const view: HistoryView =
      read.status === 'off' ? { status: 'off' } : { status: 'unavailable', reason: read.reason };
    return { processor, result, onset: fallbackOnset, view, good: null };
  }
  const record = read.records.get(processor);
  const onset = failingNow(record, nowMs) ? (record?.failing?.since ?? fallbackOnset) : fallbackOnset;
  if (!record?.good) return { processor, result, onset, view: { status: 'none' }, good: null };
  const changes = result.ok ? [] : rankChanges(snapshotChanges(record.good, snapshotOf(result)), onset);
  return {
    processor,
    result,
    onset,
    good: record.good,
    view: {
      status: 'known',
      lastGoodAt: record.good.at,
      lastPassAt: record.failing?.lastPassAt ?? null,
      onset,
      changes,
    },
  };
}

/** One observation per processor: the subject from its re-probe, the others from their records. */
export function observations(
  processors: readonly ProcessorConfig[],
  records: ReadonlyMap<string, ProcessorRecord>,
  nowMs: number,
  subject?: Subject,
): Observation[] {
  return processors.map((p): Observation => {
    if (subject && p.name === subject.processor) {
      const r = subject.result;
      return {
        processor: p.name,
        ok: r.ok,
        stage: r.stage,
        class: r.class,
        since: subject.onset,
        changes: subject.view.status === 'known' ? subject.view.changes : null,
        inputs: r.inputs,
        inputDates: r.inputDates ?? {},
      };
    }
    const record = records.get(p.name);
    if (!record?.failing || !failingNow(record, nowMs)) {
      return { processor: p.name, ok: true, stage: null, class: null };
    }
    const f = record.failing;
    return {
      processor: p.name,
      ok: false,
      stage: f.stage,
      class: f.class,
      since: f.since,
      changes: record.good ? rankChanges(snapshotChanges(record.good, f.snapshot), f.since) : null,
      inputs: f.snapshot.inputs,
      inputDates: f.snapshot.inputDates,
    };
  });
}

/**
 * A failing member as an incident page shows it (lambdas/core/diagnosis/incident-page.ts IncidentSubject):
 * what changed between its last passing probe and its recorded failing run, from the history table, so the page
 * is the same whichever alarm opened the incident; its observation when no failing run is recorded yet.
 */
export function memberSubject(
  configs: readonly ProcessorConfig[],
  records: ReadonlyMap<string, ProcessorRecord>,
  member: Observation,
  nowMs: number,
): IncidentSubject {
  const record = records.get(member.processor);
  const config = configs.find((c) => c.name === member.processor);
  const f = record && failingNow(record, nowMs) ? record.failing : null;
  const onset = f?.since ?? member.since ?? null;
  const inputs = f?.snapshot.inputs ?? member.inputs ?? {};
  const history: HistoryView = record?.good
    ? {
        status: 'known',
        lastGoodAt: record.good.at,
        lastPassAt: f?.lastPassAt ?? null,
        onset,
        changes: f ? rankChanges(snapshotChanges(record.good, f.snapshot), f.since) : (member.changes ?? []),
      }
    : { status: 'none' };
  return { processor: member.processor, ...(config ? { config } : {}), history, inputs };
}

export type Settled =
  | { readonly status: 'written'; readonly decision: Exclude<IncidentDecision, { action: 'none' }> }
  | { readonly status: 'none' }
  | { readonly status: 'unavailable'; readonly reason: string };

/**
 * Reads the incident records, decides, and writes the decision if nobody wrote since the read; otherwise
 * decides again on the fresh records. Never rejects.
 */
export async function settle(
  store: HistoryStore,
  decide: (incidents: ReadonlyMap<string, Versioned<IncidentRecord>>) => IncidentDecision,
  options: { readonly timeoutMs?: number; readonly deadlineMs?: number; readonly now?: () => number } = {},
): Promise<Settled> {
  const now = options.now ?? Date.now;
  const timeoutMs = options.timeoutMs ?? HISTORY_TIMEOUT_MS;
  const deadline = now() + (options.deadlineMs ?? INCIDENT_DEADLINE_MS);
  try {
    for (let round = 0; round < ROUNDS && now() < deadline; round++) {
      const left = () => Math.max(1, Math.min(timeoutMs, deadline - now()));
      const incidents = await within(
        store.readIncidents<IncidentRecord>(INCIDENT_KEYS),
        left(),
        'the read of the incidents',
      );
      const decision = decide(incidents);
      if (decision.action === 'none') return { status: 'none' };
      const written = await within(
        store.writeIncident(incidentKey(decision.next.class), decision.next, decision.expected),
        left(),
        'the incident write',
      );
      if (written) return { status: 'written', decision };
    }
    return {
      status: 'unavailable',
      reason: `the incident record kept changing under other writers (${ROUNDS} rounds)`,
    };
  } catch (err) {
    return { status: 'unavailable', reason: reasonOf(err) };
  }
}

/**
 * A gateway alarm's ALARM that paged no one (lambdas/diagnose/gateway.ts), kept so its OK sends no RESOLVED.
 * One small item per gateway alarm (heldKey), overwritten by the next hold; `alarmAt` ties it to one ALARM.
 */
export interface HeldAlarm {
  readonly alarm: string;
  /** The ALARM state's timestamp as CloudWatch sent it: the OK's previousState.timestamp must equal it. */
  readonly alarmAt: string;
  /** When it was held (ISO 8601). */
  readonly heldAt: string;
  readonly reason: string;
}

/** Stores the held ALARM (conditional write on the version read, as for incidents). Never rejects. */
export async function recordHeld(
  store: HistoryStore,
  held: HeldAlarm,
  timeoutMs = HISTORY_TIMEOUT_MS,
): Promise<{ readonly status: 'written' } | { readonly status: 'unavailable'; readonly reason: string }> {
  const key = heldKey(held.alarm);
  try {
    // Two rounds: only another delivery of the same event writes this item at the same moment.
    for (let round = 0; round < 2; round++) {
      const current = await within(
        store.readIncidents<HeldAlarm>([key]),
        timeoutMs,
        'the read of the held alarm',
      );
      const version = current.get(key)?.version ?? null;
      if (await within(store.writeIncident(key, held, version), timeoutMs, 'the held alarm write')) {
        return { status: 'written' };
      }
    }
    return { status: 'unavailable', reason: 'the held alarm item kept changing (2 rounds)' };
  } catch (err) {
    return { status: 'unavailable', reason: reasonOf(err) };
  }
}

/**
 * Whether the ALARM an OK ends (its previousState.timestamp) was held. Never rejects: `unavailable` when the
 * store cannot say.
 */
export async function readHeld(
  store: HistoryStore,
  alarm: string,
  alarmAt: string,
  timeoutMs = HISTORY_TIMEOUT_MS,
): Promise<
  | { readonly status: 'held'; readonly held: HeldAlarm }
  | { readonly status: 'not-held' }
  | { readonly status: 'unavailable'; readonly reason: string }
> {
  const key = heldKey(alarm);
  try {
    const items = await within(
      store.readIncidents<HeldAlarm>([key]),
      timeoutMs,
      'the read of the held alarm',
    );
    const held = items.get(key)?.value;
    return held && held.alarmAt === alarmAt ? { status: 'held', held } : { status: 'not-held' };
  } catch (err) {
    return { status: 'unavailable', reason: reasonOf(err) };
  }
}
