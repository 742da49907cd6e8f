/**
 * What the live audit remembers between runs, so a finding pages once: the findings it has paged (key, rule,
 * field, reference and version, since when), kept by the probe function in one SSM String parameter of its
 * own (lambdas/probe/audit.ts). compare() splits a run's findings into new (page), still open (no page) and
 * resolved (page "resolved"); encodeState() keeps the state within a standard parameter's 4 KB.
 */
import type { RuleId } from '../catalog';
import type { FindingReference, LiveFinding } from './run';

/** A finding the audit has paged and that has not been resolved yet. */
export interface OpenFinding {
  readonly key: string;
  readonly rule: RuleId;
  readonly field: string;
  readonly severity: LiveFinding['severity'];
  readonly reference: FindingReference | null;
  /** When it was first paged (ISO 8601). */
  readonly since: string;
}

export interface AuditState {
  readonly v: 1;
  /** When the state was written (ISO 8601). */
  readonly at: string;
  readonly open: readonly OpenFinding[];
}

export interface Comparison {
  /** In this run and not open before: page. */
  readonly opened: readonly LiveFinding[];
  /** In this run and open before: no page. */
  readonly still: readonly LiveFinding[];
  /** Open before and not in this run: page "resolved". */
  readonly resolved: readonly OpenFinding[];
  /** The state to keep. */
  readonly next: AuditState;
  /** Whether `next` differs from the state read (a write is needed). */
  readonly changed: boolean;
}

/** A standard SSM parameter holds 4 KB. */
export const STATE_MAX_CHARS = 4096;

/** Compares this run's paged findings with the state of the previous run (null: nothing paged yet). */
export function compare(previous: AuditState | null, paged: readonly LiveFinding[], now: Date): Comparison {
  const before = new Map((previous?.open ?? []).map((o) => [o.key, o] as const));
  const opened = paged.filter((f) => !before.has(f.key));
  const still = paged.filter((f) => before.has(f.key));
  const current = new Set(paged.map((f) => f.key));
  const resolved = (previous?.open ?? []).filter((o) => !current.has(o.key));
  const open: OpenFinding[] = paged.map(
    (f): OpenFinding => ({
      key: f.key,
      rule: f.rule,
      field: f.field,
      severity: f.severity,
      reference: f.reference,
      since: before.get(f.key)?.since ?? now.toISOString(),
    }),
  );
  const changed = previous === null || opened.length > 0 || resolved.length > 0;
  return { opened, still, resolved, next: { v: 1, at: now.toISOString(), open }, changed };
}

/**
 * The state as parameter text, within STATE_MAX_CHARS: when too many findings are open, the newest are dropped
 * (they page again on the next run, and say so: see docs/audit.md "Live audit").
 */
export function encodeState(state: AuditState): string {
  let open = [...state.open].sort((a, b) => a.since.localeCompare(b.since));
  let text = JSON.stringify({ ...state, open });
  while (text.length > STATE_MAX_CHARS && open.length > 0) {
    open = open.slice(0, -1);
    text = JSON.stringify({ ...state, open });
  }
  return text;
}

/** The state from parameter text; null for the initial value or anything unreadable (nothing was paged). */
export function decodeState(text: string | undefined): AuditState | null {
  if (!text) return null;
  try {
    const s = JSON.parse(text) as Partial<AuditState>;
    if (s.v !== 1 || !Array.isArray(s.open) || typeof s.at !== 'string') return null;
    const open = s.open.filter(
      (o): o is OpenFinding =>
        typeof o === 'object' &&
        o !== null &&
        typeof o.key === 'string' &&
        typeof o.rule === 'string' &&
        typeof o.field === 'string' &&
        typeof o.since === 'string',
    );
    return { v: 1, at: s.at, open };
  } catch {
    return null;
  }
}

/** The parameter's value before the first audit wrote it (CloudFormation needs a non-empty value). */
export const INITIAL_STATE = 'none';
