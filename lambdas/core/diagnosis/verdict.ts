/**
 * The cross-processor verdict, one module for the CLI (`payprobe check`) and the diagnose Lambda
 * (docs/diagnosis.md "One incident, one verdict"):
 *
 * - When `minProcessors` or more processors fail at the same stage, and (where onsets are known) their
 *   failures started within `windowMinutes` of each other, they fail alike: the cause is most likely
 *   something they share, on our side (scope `ours`), unless every one of them shows only server-side changes
 *   since its last passing probe (scope `theirs`). The common factors are the settings every one of them reads
 *   (./factors.ts), the one whose change is nearest before the onset first and marked.
 * - When one processor fails alone and its server-side facts changed since its last passing probe (a new leaf
 *   or issuer, new addresses) and nothing of ours did, the verdict is `theirs`, naming those changes.
 * - Otherwise there is no verdict.
 *
 * Pure: observations in, a verdict out. `payprobe check --json` prints verdictJson() (docs/contracts.md).
 */
import type { ProcessorConfig } from '../config/model';
import type { RawConfig } from '../config/schema';
import { type FailureClass, STAGES, type Stage } from '../contract/classes';
import { type SharedSource, sharedSources } from './factors';
import { type Change, describeChange, rankChanges, type Side, sideOf, versionOf } from './snapshot';

export interface VerdictSettings {
  /** Processors failing alike that make one incident. */
  readonly minProcessors: number;
  /** How close together their failures must start, when onsets are known. */
  readonly windowMs: number;
}

export const DEFAULT_VERDICT = { minProcessors: 2, windowMinutes: 10 } as const;

/** The settings of a config's `verdict` block, defaults filled in. */
export function verdictSettings(raw?: RawConfig['verdict']): VerdictSettings {
  return {
    minProcessors: raw?.minProcessors ?? DEFAULT_VERDICT.minProcessors,
    windowMs: (raw?.windowMinutes ?? DEFAULT_VERDICT.windowMinutes) * 60_000,
  };
}

/** What is known of one processor at the moment of the verdict. */
export interface Observation {
  readonly processor: string;
  readonly ok: boolean;
  readonly stage: Stage | null;
  readonly class: FailureClass | null;
  /** When its failure started (ISO 8601), when known. */
  readonly since?: string | null;
  /** What changed since its last passing probe; null or absent when unknown (no history). */
  readonly changes?: readonly Change[] | null;
  /** Its current input fingerprints and their dates (ProbeResult.inputs / inputDates). */
  readonly inputs?: Readonly<Record<string, string>>;
  readonly inputDates?: Readonly<Record<string, string>>;
}

/** A setting the failing processors share. */
export interface Factor extends SharedSource {
  /** The change of this setting nearest before the onset, seen by `processor`, when history shows one. */
  readonly change: (Change & { readonly processor: string }) | null;
  /** The changed setting nearest before the onset (at most one factor). */
  readonly nearest: boolean;
  /** The members' current version of it and when that version was created, when their inputs say. */
  readonly current: { readonly version: string | null; readonly at: string | null } | null;
}

export interface Verdict {
  readonly scope: Side;
  /** The processors failing alike, in config order. */
  readonly processors: readonly string[];
  /** How many processors the verdict looked at. */
  readonly total: number;
  readonly stage: Stage;
  /** Their classes, most frequent first. */
  readonly classes: readonly FailureClass[];
  /** The earliest onset among them, when known. */
  readonly since: string | null;
  /** The settings they all read, the changed one nearest the onset first. */
  readonly factors: readonly Factor[];
  /** Scope `theirs`: the server-side changes that point there, ranked. */
  readonly theirChanges: readonly Change[];
}

/** The `verdict` object of `payprobe check --json` (docs/contracts.md). */
export interface VerdictJson {
  readonly scope: Side;
  readonly processors: readonly string[];
  readonly stage: Stage;
  readonly classes: readonly FailureClass[];
  readonly commonFactors: readonly string[];
}

const ms = (iso: string | null | undefined): number => (iso ? Date.parse(iso) : Number.NaN);

/** The largest group of failures at one stage whose onsets fit in the window (unknown onsets fit anywhere). */
function largestCluster(failing: readonly Observation[], windowMs: number): Observation[] {
  let best: Observation[] = [];
  for (const stage of STAGES) {
    const atStage = failing.filter((o) => o.stage === stage);
    const unknown = atStage.filter((o) => Number.isNaN(ms(o.since)));
    const known = atStage.filter((o) => !Number.isNaN(ms(o.since))).sort((a, b) => ms(a.since) - ms(b.since));
    let group = unknown;
    for (let i = 0, j = 0; i < known.length; i++) {
      while (
        j < known.length &&
        ms((known[j] as Observation).since) - ms((known[i] as Observation).since) <= windowMs
      )
        j++;
      if (j - i + unknown.length > group.length) group = [...known.slice(i, j), ...unknown];
    }
    if (group.length > best.length) best = group;
  }
  return best;
}

function classesOf(members: readonly Observation[]): FailureClass[] {
  const counts = new Map<FailureClass, number>();
  for (const m of members) if (m.class) counts.set(m.class, (counts.get(m.class) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([c]) => c);
}

function earliest(members: readonly Observation[]): string | null {
  const times = members.map((m) => ms(m.since)).filter((t) => !Number.isNaN(t));
  return times.length > 0 ? new Date(Math.min(...times)).toISOString() : null;
}

function factorsOf(
  members: readonly Observation[],
  configs: readonly ProcessorConfig[],
  since: string | null,
): Factor[] {
  const names = new Set(members.map((m) => m.processor));
  const memberConfigs = configs.filter((c) => names.has(c.name));
  const others = configs.filter((c) => !names.has(c.name));
  const onset = ms(since);
  const factors = sharedSources(memberConfigs, others).map((s): Factor => {
    const changes = members.flatMap((m) =>
      (m.changes ?? [])
        .filter((c) => c.side === 'ours' && s.fields.includes(c.field))
        .map((c) => ({ ...c, processor: m.processor })),
    );
    const [change = null] = rankChanges(changes, since) as (Change & { processor: string })[];
    const field = s.fields.find((f) => members[0]?.inputs?.[f] !== undefined);
    const fp = field ? (members[0]?.inputs?.[field] ?? null) : null;
    const at = field ? (members[0]?.inputDates?.[field] ?? null) : null;
    const version = versionOf(fp);
    return {
      ...s,
      change,
      nearest: false,
      current: version !== null || at !== null ? { version, at } : null,
    };
  });
  // The nearest: a dated change at or before the onset, closest to it; else the first undated change; else
  // the change dated closest after the onset. A shared setting whose version differs from the last passing
  // probe changed in the failure's interval whatever its source's clock says (a skewed clock, or a later
  // version written during the incident), so it stays the prime suspect; the page shows its date.
  const before = (f: Factor) => Number.isNaN(onset) || ms(f.change?.at) <= onset;
  const dated = factors.filter((f) => f.change?.at);
  const nearest =
    dated.filter(before).sort((a, b) => ms(b.change?.at) - ms(a.change?.at))[0] ??
    factors.find((f) => f.change !== null && !f.change.at) ??
    dated.sort((a, b) => ms(a.change?.at) - ms(b.change?.at))[0];
  const rank = (f: Factor) => (f.nearest ? 0 : f.change ? 1 : f.alsoUsedBy === 0 ? 2 : 3);
  return factors.map((f) => (f === nearest ? { ...f, nearest: true } : f)).sort((a, b) => rank(a) - rank(b));
}

export interface CorrelateOptions {
  readonly settings: VerdictSettings;
  /**
   * The processor being diagnosed: the verdict is about its failure (the group at its stage around its onset).
   * @default the largest group of failures at one stage (the CLI, the gateway alarm)
   */
  readonly subject?: string;
}

/** The verdict over these observations, or null when there is none. */
export function correlate(
  observations: readonly Observation[],
  configs: readonly ProcessorConfig[],
  options: CorrelateOptions,
): Verdict | null {
  const { settings } = options;
  const failing = observations.filter((o) => !o.ok && o.stage !== null);
  let members: Observation[];
  if (options.subject !== undefined) {
    const subject = failing.find((o) => o.processor === options.subject);
    if (!subject) return null;
    const t = ms(subject.since);
    members = failing.filter(
      (o) =>
        o.stage === subject.stage &&
        (Number.isNaN(t) || Number.isNaN(ms(o.since)) || Math.abs(ms(o.since) - t) <= settings.windowMs),
    );
  } else {
    members = largestCluster(failing, settings.windowMs);
  }
  const order = new Map(configs.map((c, i) => [c.name, i]));
  members.sort((a, b) => (order.get(a.processor) ?? 0) - (order.get(b.processor) ?? 0));
  const [first] = members;
  if (!first?.stage) return null;
  const since = earliest(members);
  const base = {
    processors: members.map((m) => m.processor),
    total: observations.length,
    stage: first.stage,
    classes: classesOf(members),
    since,
  };
  if (members.length >= settings.minProcessors) {
    const allTheirs = members.every((m) => m.changes && sideOf(m.changes) === 'theirs');
    return {
      ...base,
      scope: allTheirs ? 'theirs' : 'ours',
      factors: factorsOf(members, configs, since),
      theirChanges: allTheirs
        ? rankChanges(
            members.flatMap((m) => (m.changes ?? []).filter((c) => c.side === 'theirs')),
            since,
          )
        : [],
    };
  }
  if (members.length === 1 && first.changes && sideOf(first.changes) === 'theirs') {
    return {
      ...base,
      scope: 'theirs',
      factors: [],
      theirChanges: rankChanges(
        first.changes.filter((c) => c.side === 'theirs'),
        since,
      ),
    };
  }
  return null;
}

/** One common factor as the contract prints it: `tls.ca: ssm /gw/ca (version 1 -> 2, changed …; nearest the onset)`. */
export function factorText(f: Factor): string {
  const notes: string[] = [];
  if (f.change) notes.push(describeChange(f.change));
  else if (f.current) {
    const v = f.current.version !== null ? `version ${f.current.version}` : 'current version';
    notes.push(f.current.at ? `${v} since ${f.current.at}` : v);
  }
  if (f.nearest) notes.push('changed nearest the onset');
  if (f.alsoUsedBy > 0)
    notes.push(`also read by ${f.alsoUsedBy} processor${f.alsoUsedBy === 1 ? '' : 's'} not failing alike`);
  return notes.length > 0 ? `${f.label} (${notes.join('; ')})` : f.label;
}

/** A server-side change as a factor line: `server.issuer: CN=A -> CN=B`. */
export function changeText(c: Change): string {
  return `${c.field}: ${describeChange(c)}`;
}

/** The `verdict` object of `check --json`. */
export function verdictJson(v: Verdict): VerdictJson {
  return {
    scope: v.scope,
    processors: [...v.processors],
    stage: v.stage,
    classes: [...v.classes],
    commonFactors:
      v.scope === 'theirs' && v.factors.length === 0
        ? v.theirChanges.map(changeText)
        : v.factors.map(factorText),
  };
}

/**
 * The verdict in one line, for a terminal and the top of a page:
 * `3 of 3 processors fail alike at stage tls (CERT_UNTRUSTED): the cause is most likely on our side; common
 * factor: tls.ca: file certs/ca.pem`.
 */
export function verdictLine(v: Verdict): string {
  const n = v.processors.length;
  const head =
    n === 1
      ? `${v.processors[0]} fails at stage ${v.stage} (${v.classes.join(', ')})`
      : `${n} of ${v.total} processors fail alike at stage ${v.stage} (${v.classes.join(', ')})`;
  if (v.scope === 'theirs') {
    const [c] = v.theirChanges;
    return `${head}: the change is on the processor's side${c ? `: ${changeText(c)}` : ''}`;
  }
  const [f] = v.factors;
  return `${head}: the cause is most likely on our side; ${f ? `common factor: ${factorText(f)}` : 'they share no setting payprobe knows of (look at the network path they share)'}`;
}
