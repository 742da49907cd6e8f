/**
 * The cross-processor verdict, one module for the CLI (`payprobe check`) and the diagnose Lambda
 * (docs/diagnosis.md "One incident, one verdict"):
 *
 * - Processors fail alike when they fail with the same class (an expired server certificate and a rejected
 *   client certificate are two causes, not one) and, where onsets are known, their failures started within
 *   `windowMinutes` of each other. A group needs `minProcessors` (config `verdict.minProcessors`) or more.
 * - Its common factors are the settings every member reads (./factors.ts). The scope is `ours` only when one
 *   of them changed near the onset (history shows a new version since the last passing probe, or the
 *   source dates its current version within the window) or no passing processor reads it; `theirs` when
 *   every member shows only server-side changes; otherwise `unknown`. A shared setting that passing
 *   processors read too and that did not change is weak context (`weakFactors`), never the cause.
 * - Several groups may fail alike at once: the verdict is about the subject's group (the diagnosed
 *   processor's) or the largest, and names the others in one clause (`others`): each is its own incident.
 * - When one processor fails alone and its server-side facts changed since its last passing probe (a new leaf
 *   or issuer, new addresses) and nothing of ours did, the verdict is `theirs`, naming those changes.
 * - Otherwise there is no verdict.
 *
 * Pure: observations in, a verdict out. `payprobe check --json` prints verdictJson() (docs/contracts.md).
 */
import type { ProcessorConfig } from '../config/model';
import type { RawConfig } from '../config/schema';
import type { FailureClass, Stage } from '../contract/classes';
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

/**
 * How much a shared setting says about the cause:
 * - `changed`: its version changed near the onset (history shows it changed since the members' last passing
 *   probe, or its source dates its current version within the verdict window of the onset);
 * - `exclusive`: no processor that passes reads it;
 * - `weak`: processors that pass read it too and it did not change: context, never the cause.
 */
export type FactorWeight = 'changed' | 'exclusive' | 'weak';

/** A setting the failing processors share. */
export interface Factor extends SharedSource {
  /** The change of this setting nearest before the onset, seen by `processor`, when history shows one. */
  readonly change: (Change & { readonly processor: string }) | null;
  /** The changed setting nearest before the onset (at most one factor). */
  readonly nearest: boolean;
  /** The members' current version of it and when that version was created, when their inputs say. */
  readonly current: { readonly version: string | null; readonly at: string | null } | null;
  readonly weight: FactorWeight;
}

/**
 * Whose side the verdict points to: `ours` (a shared setting changed near the onset, or no passing processor
 * reads it), `theirs` (only the processors' server-side facts changed), `unknown` (they fail alike, but
 * nothing they share points to a cause).
 */
export type Scope = Side | 'unknown';

/** Another group failing alike (another class) at the same moment: its own incident. */
export interface OtherGroup {
  readonly stage: Stage;
  readonly class: FailureClass;
  /** In config order. */
  readonly processors: readonly string[];
  readonly since: string | null;
}

export interface Verdict {
  readonly scope: Scope;
  /** The processors failing alike (one class), in config order. */
  readonly processors: readonly string[];
  /** How many processors the verdict looked at. */
  readonly total: number;
  readonly stage: Stage;
  /** Their class (one: a group fails alike only with the same class). */
  readonly classes: readonly FailureClass[];
  /** The earliest onset among them, when known. */
  readonly since: string | null;
  /** The shared settings that point to our side (weight `changed` or `exclusive`), the changed one nearest the onset first. */
  readonly factors: readonly Factor[];
  /** Shared settings that passing processors read too and that did not change: context, not the cause. */
  readonly weakFactors: readonly Factor[];
  /** Scope `theirs`: the server-side changes that point there, ranked. */
  readonly theirChanges: readonly Change[];
  /** Other groups failing alike at the same time (another class), largest first. */
  readonly others: readonly OtherGroup[];
}

/** The `verdict` object of `payprobe check --json` (docs/contracts.md). */
export interface VerdictJson {
  readonly scope: Scope;
  readonly processors: readonly string[];
  readonly stage: Stage;
  readonly classes: readonly FailureClass[];
  /** The settings that point to our side (or, scope `theirs` alone, the server-side changes). */
  readonly commonFactors: readonly string[];
  /** Shared settings also read by passing processors and unchanged: weak context. */
  readonly weakFactors: readonly string[];
  /** Other groups failing alike (another class): `{ stage, class, processors }`. */
  readonly otherGroups: readonly {
    readonly stage: Stage;
    readonly class: FailureClass;
    readonly processors: readonly string[];
  }[];
}

const ms = (iso: string | null | undefined): number => (iso ? Date.parse(iso) : Number.NaN);

/**
 * The largest group of failures of one class whose onsets fit in the window (unknown onsets fit anywhere),
 * per class; groups of every class, largest first (ties: earliest onset, then class name).
 */
function clusters(failing: readonly Observation[], windowMs: number): Observation[][] {
  const out: Observation[][] = [];
  const classes = [...new Set(failing.map((o) => o.class).filter((c): c is FailureClass => c !== null))];
  for (const cls of classes) {
    const ofClass = failing.filter((o) => o.class === cls);
    const unknown = ofClass.filter((o) => Number.isNaN(ms(o.since)));
    const known = ofClass.filter((o) => !Number.isNaN(ms(o.since))).sort((a, b) => ms(a.since) - ms(b.since));
    let group = unknown;
    for (let i = 0, j = 0; i < known.length; i++) {
      while (
        j < known.length &&
        ms((known[j] as Observation).since) - ms((known[i] as Observation).since) <= windowMs
      )
        j++;
      if (j - i + unknown.length > group.length) group = [...known.slice(i, j), ...unknown];
    }
    out.push(group);
  }
  const onset = (g: Observation[]) => {
    const t = ms(earliest(g));
    return Number.isNaN(t) ? Number.POSITIVE_INFINITY : t;
  };
  return out.sort(
    (a, b) =>
      b.length - a.length || onset(a) - onset(b) || String(a[0]?.class).localeCompare(String(b[0]?.class)),
  );
}

/** The members of `subject`'s group: its class, onsets within the window of its own. */
function groupOf(subject: Observation, failing: readonly Observation[], windowMs: number): Observation[] {
  const t = ms(subject.since);
  return failing.filter(
    (o) =>
      o.class === subject.class &&
      (Number.isNaN(t) || Number.isNaN(ms(o.since)) || Math.abs(ms(o.since) - t) <= windowMs),
  );
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
  settings: VerdictSettings,
  nowMs: number,
  passing: ReadonlySet<string>,
): Factor[] {
  const names = new Set(members.map((m) => m.processor));
  const memberConfigs = configs.filter((c) => names.has(c.name));
  // Only processors that pass weaken a factor: one failing with another class says nothing about it.
  const others = configs.filter((c) => passing.has(c.name));
  const onset = ms(since);
  // Without a known onset (the CLI: no history), "near the onset" means near this run.
  const near = Number.isNaN(onset) ? nowMs : onset;
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
    const dated = ms(at);
    const recent = !Number.isNaN(dated) && Math.abs(near - dated) <= settings.windowMs;
    return {
      ...s,
      change,
      nearest: false,
      current: version !== null || at !== null ? { version, at } : null,
      weight: change !== null || recent ? 'changed' : s.alsoUsedBy === 0 ? 'exclusive' : 'weak',
    };
  });
  // The nearest: a dated change at or before the onset, closest to it; else the first undated change; else
  // the change dated closest after the onset. A shared setting whose version differs from the last passing
  // probe changed in the failure's interval whatever its source's clock says (a skewed clock, or a later
  // version written during the incident), so it stays the prime suspect; the page shows its date. Without
  // history, a setting whose current version was created within the window of the onset is the suspect.
  const before = (f: Factor) => Number.isNaN(onset) || ms(f.change?.at) <= onset;
  const dated = factors.filter((f) => f.change?.at);
  const nearest =
    dated.filter(before).sort((a, b) => ms(b.change?.at) - ms(a.change?.at))[0] ??
    factors.find((f) => f.change !== null && !f.change.at) ??
    dated.sort((a, b) => ms(a.change?.at) - ms(b.change?.at))[0] ??
    factors
      .filter((f) => f.weight === 'changed')
      .sort((a, b) => Math.abs(near - ms(a.current?.at)) - Math.abs(near - ms(b.current?.at)))[0];
  const rank = (f: Factor) => (f.nearest ? 0 : f.weight === 'changed' ? 1 : f.weight === 'exclusive' ? 2 : 3);
  return factors.map((f) => (f === nearest ? { ...f, nearest: true } : f)).sort((a, b) => rank(a) - rank(b));
}

export interface CorrelateOptions {
  readonly settings: VerdictSettings;
  /**
   * The processor being diagnosed: the verdict is about its failure (the group of its class around its onset).
   * @default the largest group of failures of one class (the CLI, the gateway alarm)
   */
  readonly subject?: string;
  /** Now (epoch ms): "near the onset" when no onset is known. @default Date.now() */
  readonly now?: number;
}

/** The verdict over these observations, or null when there is none. */
export function correlate(
  observations: readonly Observation[],
  configs: readonly ProcessorConfig[],
  options: CorrelateOptions,
): Verdict | null {
  const { settings } = options;
  const failing = observations.filter((o) => !o.ok && o.stage !== null && o.class !== null);
  const groups = clusters(failing, settings.windowMs);
  let members: Observation[];
  if (options.subject !== undefined) {
    const subject = failing.find((o) => o.processor === options.subject);
    if (!subject) return null;
    members = groupOf(subject, failing, settings.windowMs);
  } else {
    members = groups[0] ?? [];
  }
  const order = new Map(configs.map((c, i) => [c.name, i]));
  const byConfig = (list: readonly Observation[]) =>
    [...list].sort((a, b) => (order.get(a.processor) ?? 0) - (order.get(b.processor) ?? 0));
  members = byConfig(members);
  const [first] = members;
  if (!first?.stage) return null;
  const since = earliest(members);
  const others: OtherGroup[] = groups
    .filter((g) => g.length >= settings.minProcessors && g[0]?.class !== first.class)
    .map((g) => ({
      stage: (g[0] as Observation).stage as Stage,
      class: (g[0] as Observation).class as FailureClass,
      processors: byConfig(g).map((o) => o.processor),
      since: earliest(g),
    }));
  const base = {
    processors: members.map((m) => m.processor),
    total: observations.length,
    stage: first.stage,
    classes: classesOf(members),
    since,
    others,
  };
  if (members.length >= settings.minProcessors) {
    const allTheirs = members.every((m) => m.changes && sideOf(m.changes) === 'theirs');
    const passing = new Set(observations.filter((o) => o.ok).map((o) => o.processor));
    const factors = factorsOf(members, configs, since, settings, options.now ?? Date.now(), passing);
    const strong = factors.filter((f) => f.weight !== 'weak');
    return {
      ...base,
      scope: allTheirs ? 'theirs' : strong.length > 0 ? 'ours' : 'unknown',
      factors: strong,
      weakFactors: factors.filter((f) => f.weight === 'weak'),
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
      weakFactors: [],
      theirChanges: rankChanges(
        first.changes.filter((c) => c.side === 'theirs'),
        since,
      ),
    };
  }
  return null;
}

/**
 * The first failing member of a verdict, deterministically (earliest onset, unknown onsets last, then name):
 * the processor whose "what changed" an incident page shows, whichever alarm opened it.
 */
export function firstFailing(v: Verdict, observations: readonly Observation[]): string | null {
  const t = (name: string) => {
    const x = ms(observations.find((o) => o.processor === name)?.since);
    return Number.isNaN(x) ? Number.POSITIVE_INFINITY : x;
  };
  const [first = null] = [...v.processors].sort((a, b) => t(a) - t(b) || a.localeCompare(b));
  return first;
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
    notes.push(`also read by ${f.alsoUsedBy} passing processor${f.alsoUsedBy === 1 ? '' : 's'}`);
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
    weakFactors: v.weakFactors.map(factorText),
    otherGroups: v.others.map((g) => ({ stage: g.stage, class: g.class, processors: [...g.processors] })),
  };
}

/** Other groups failing alike, for the end of a line: `; also failing alike: 2 at stage tls (CLIENT_CERT_REJECTED)`. */
function othersText(v: Verdict): string {
  if (v.others.length === 0) return '';
  return `; also failing alike: ${v.others.map((g) => `${g.processors.length} at stage ${g.stage} (${g.class})`).join(', ')}`;
}

/**
 * The verdict in one line, for a terminal and the top of a page:
 * `3 of 3 processors fail alike at stage tls (CERT_UNTRUSTED): the cause is most likely on our side; common
 * factor: tls.ca: file certs/ca.pem`. Scope `unknown` says so and names a shared setting only as weak context.
 */
export function verdictLine(v: Verdict): string {
  const n = v.processors.length;
  const head =
    n === 1
      ? `${v.processors[0]} fails at stage ${v.stage} (${v.classes.join(', ')})`
      : `${n} of ${v.total} processors fail alike at stage ${v.stage} (${v.classes.join(', ')})`;
  if (v.scope === 'theirs') {
    const [c] = v.theirChanges;
    return `${head}: the change is on the processor's side${c ? `: ${changeText(c)}` : ''}${othersText(v)}`;
  }
  if (v.scope === 'unknown') {
    const [w] = v.weakFactors;
    const why = w
      ? `no setting they share changed near the onset, and processors that pass read the same ones (weak context: ${factorText(w)})`
      : "they share no setting payprobe knows of (look at the network path they share, and at the processors' side)";
    return `${head}: nothing points to our side yet; ${why}${othersText(v)}`;
  }
  const [f] = v.factors;
  return `${head}: the cause is most likely on our side; common factor: ${f ? factorText(f) : '-'}${othersText(v)}`;
}
