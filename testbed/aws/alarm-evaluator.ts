/**
 * A CloudWatch alarm evaluator for the end-to-end harness (issue #14): metric and composite alarms as a
 * synthesized template defines them, evaluated on a simulated clock against a metric source, with the
 * state transitions, EventBridge "CloudWatch Alarm State Change" events and alarm actions CloudWatch would
 * produce. Pure: no I/O, no wall clock; ./sim.ts feeds it moto's metrics and publishes its actions.
 *
 * Semantics (CloudWatch user guide, "Using Amazon CloudWatch alarms", AlarmThatSendsEmail.html):
 * - Schedule ("Evaluating an alarm"): an alarm whose period is a minute or longer is evaluated every minute
 *   on a sliding window ("at the end of minute 6, the alarm is evaluated based on the data from minutes 2
 *   to 6"); a 10- or 30-second alarm every 10 seconds. Evaluation at `at` reads the periods that end at
 *   `at` minus the optional evaluation lag (rounded down to the schedule step), back over the evaluation
 *   range.
 * - Missing data and M out of N: ./m-of-n.ts (section "Configuring how CloudWatch alarms treat missing
 *   data").
 * - A new alarm is INSUFFICIENT_DATA ("Unchecked: Initial alarm creation"); actions run only on a state
 *   change ("Alarm actions": "the actions happen only on state transitions"): AlarmActions on → ALARM,
 *   OKActions on → OK, InsufficientDataActions on → INSUFFICIENT_DATA, none when ActionsEnabled is false.
 *   Every transition emits an event, actions or not.
 * - Percentiles with EvaluateLowSampleCountPercentile `ignore` ("Percentile-based alarms and low data
 *   samples"): while a period has fewer than 10/(1-p) samples (10/p below p50) the alarm is not evaluated.
 * - Composite alarms ("Create a composite alarm"): ALARM when the rule is TRUE, else OK, re-evaluated when
 *   a child changes. Action suppression ("Composite alarm action suppression", WaitPeriod and
 *   ExtensionPeriod examples 1-6): a transition while the suppressor is in ALARM is suppressed; otherwise a
 *   WaitPeriod starts, discarded when the suppressor goes to ALARM (suppressed) or the composite changes
 *   again (a new WaitPeriod); when the suppressor leaves ALARM an ExtensionPeriod starts, discarded by a
 *   composite transition (a new WaitPeriod). When a WaitPeriod or ExtensionPeriod expires with a
 *   transition still held back, the composite takes the actions of its current state.
 *
 * - Alarm warm-up (`WarmUpConfiguration`): for its minutes after the alarm's creation the alarm is not
 *   evaluated (INSUFFICIENT_DATA, no actions); without OnlyStartEvaluatingAfterWarmUpPeriodEnds it starts
 *   earlier, at the first evaluation whose window has a datapoint in every one of its last N periods.
 * - Alarm mute rules (./mute-rules.ts, option `muteRules`): while a rule targeting an alarm is active, its
 *   actions are held (recorded in `suppressed`); when the window ends with the alarm still in the state whose
 *   actions were held, they run then ("How alarm mute rules work").
 *
 * Extension point: `actionGates` see every transition that would run actions and may hold them back with a
 * reason (recorded in `suppressed`), without touching the state machine.
 */
import {
  type ActionsSuppressedBy,
  type AlarmLocation,
  type AlarmNotification,
  type AlarmStateChangeEvent,
  type AlarmStatus,
  alarmNotification,
  cloudWatchTimestamp,
  longDate,
  stateChangeEvent,
} from './alarm-events';
import {
  type AlarmDefinition,
  type AlarmStateValue,
  alarmArn,
  type CompositeAlarmDefinition,
  type MetricAlarmDefinition,
} from './alarm-model';
import { type AlarmRule, evaluateAlarmRule, parseAlarmRule, ruleAlarms } from './composite-rule';
import {
  EVALUATION_STEP_MS,
  type EvaluationWindow,
  evaluateMetricAlarm,
  evaluationWindow,
  statQueries,
  stepOf,
} from './metric-alarm';
import { activeWindow, type MuteRuleDefinition } from './mute-rules';
import {
  isStatisticSource,
  type MetricStoreLike,
  type StatisticQuery,
  type StatisticSource,
  statisticSource,
} from './statistics';

export { EVALUATION_STEP_MS };

export interface EvaluatorOptions {
  /** @default 'us-east-1' */
  readonly region?: string;
  /** @default '123456789012' */
  readonly account?: string;
  /** When the alarms were created (initial INSUFFICIENT_DATA timestamp). @default the first tick */
  readonly createdAt?: number;
  /** Seconds of ingestion delay: evaluation at t reads periods ending by t − lag. @default 0 */
  readonly evaluationLagSeconds?: number;
  /** Periods retrieved per evaluation (the docs' "evaluation range"). @default EvaluationPeriods + 2 */
  readonly evaluationRange?: (alarm: MetricAlarmDefinition) => number;
  /** Whether FILL gives values for a series with no datapoint in the range (./metric-math.ts). @default false */
  readonly fillEmptySeries?: boolean;
  /** Hooks that may hold a transition's actions back. */
  readonly actionGates?: readonly ActionGate[];
  /** The account's alarm mute rules (muteRulesFromTemplate in ./mute-rules.ts). */
  readonly muteRules?: readonly MuteRuleDefinition[];
}

export interface ActionGateContext {
  readonly alarm: AlarmDefinition;
  readonly previous: AlarmStatus;
  readonly current: AlarmStatus;
  readonly at: number;
}

/** Returns why the actions must not run, or undefined to let them run. */
export type ActionGate = (ctx: ActionGateContext) => string | undefined;

export interface AlarmTransition {
  readonly alarm: AlarmDefinition;
  readonly arn: string;
  readonly at: number;
  readonly previous: AlarmStatus;
  readonly current: AlarmStatus;
  readonly event: AlarmStateChangeEvent;
}

/** Actions CloudWatch runs: the ARNs of the new state's action list and the SNS message for them. */
export interface ActionInvocation {
  readonly alarmName: string;
  readonly arn: string;
  readonly at: number;
  readonly state: AlarmStateValue;
  readonly actions: readonly string[];
  readonly notification: AlarmNotification;
  readonly transition: AlarmTransition;
}

export interface SuppressedActions {
  readonly alarmName: string;
  readonly at: number;
  readonly state: AlarmStateValue;
  readonly actions: readonly string[];
  readonly reason: string;
}

export interface TickResult {
  readonly transitions: readonly AlarmTransition[];
  readonly actions: readonly ActionInvocation[];
  readonly suppressed: readonly SuppressedActions[];
}

interface Collector {
  readonly transitions: AlarmTransition[];
  readonly actions: ActionInvocation[];
  readonly suppressed: SuppressedActions[];
}

interface CompositeRuntime {
  readonly rule: AlarmRule;
  mode: 'none' | ActionsSuppressedBy;
  until?: number;
  /** The latest transition whose actions are held back. */
  pending?: AlarmTransition;
}

export class AlarmEvaluator {
  private readonly log: AlarmTransition[] = [];
  private readonly byName = new Map<string, AlarmDefinition>();
  private readonly status = new Map<string, AlarmStatus>();
  private readonly composites = new Map<string, CompositeRuntime>();
  /** Actions a mute rule held back, by alarm: run at the window's end if the alarm is still in that state. */
  private readonly muted = new Map<string, { transition: AlarmTransition; until: number }>();
  private readonly region: string;
  private readonly account: string;
  private createdAt: number | undefined;

  constructor(
    alarms: readonly AlarmDefinition[],
    private readonly options: EvaluatorOptions = {},
  ) {
    this.region = options.region ?? 'us-east-1';
    this.account = options.account ?? '123456789012';
    this.createdAt = options.createdAt;
    for (const a of alarms) {
      if (this.byName.has(a.name)) throw new Error(`duplicate alarm name ${a.name}`);
      this.byName.set(a.name, a);
    }
    for (const a of alarms) {
      if (a.kind !== 'composite') continue;
      const rule = parseAlarmRule(a.alarmRule);
      for (const ref of [...ruleAlarms(rule), ...(a.actionsSuppressor ? [a.actionsSuppressor] : [])]) {
        if (!this.lookup(ref)) throw new Error(`composite alarm ${a.name}: no alarm ${ref} to evaluate`);
      }
      this.composites.set(a.name, { rule, mode: 'none' });
    }
    this.compositeOrder(); // throws on a cycle
  }

  /** Every transition so far, in order. */
  get history(): readonly AlarmTransition[] {
    return this.log;
  }

  get definitions(): readonly AlarmDefinition[] {
    return [...this.byName.values()];
  }

  arnOf(name: string): string {
    return alarmArn(name, this.region, this.account);
  }

  /** An alarm's current state (by name or ARN). */
  state(nameOrArn: string): AlarmStatus {
    const a = this.lookup(nameOrArn);
    if (!a) throw new Error(`no alarm ${nameOrArn}`);
    return this.status.get(a.name) ?? this.initial();
  }

  /** Whether a metric alarm is evaluated at `at` (every minute, or every 10 s for 10/30-s periods). */
  isDue(alarm: MetricAlarmDefinition, at: number): boolean {
    return at % stepOf(alarm) === 0;
  }

  /** The period starts an evaluation at `at` reads, oldest first, and the window's end. */
  window(alarm: MetricAlarmDefinition, at: number): EvaluationWindow {
    return evaluationWindow(alarm, at, this.options);
  }

  /** The statistic queries evaluations at `at` read (to prefetch them from an asynchronous service). */
  queriesAt(at: number): StatisticQuery[] {
    const out: StatisticQuery[] = [];
    for (const a of this.byName.values()) {
      if (a.kind !== 'metric' || !this.isDue(a, at)) continue;
      out.push(...statQueries(a, this.window(a, at)));
    }
    return out;
  }

  /** The next WaitPeriod/ExtensionPeriod expiry or end of a mute window holding actions, after `after`. */
  nextTimerAfter(after: number): number | undefined {
    const times = [
      ...[...this.composites.values()].flatMap((c) =>
        c.until !== undefined && c.until > after ? [c.until] : [],
      ),
      ...[...this.muted.values()].flatMap((m) => (m.until > after ? [m.until] : [])),
    ];
    return times.length > 0 ? Math.min(...times) : undefined;
  }

  /** The mute rule (and its window) muting an alarm's actions at `at`, if any. */
  mutedBy(alarmName: string, at: number): { rule: MuteRuleDefinition; end: number } | undefined {
    for (const rule of this.options.muteRules ?? []) {
      if (!rule.alarmNames.includes(alarmName)) continue;
      const w = activeWindow(rule, at);
      if (w) return { rule, end: w.end };
    }
    return undefined;
  }

  /** Evaluates every alarm due at `at`, then the composites, then expired suppression periods. */
  tick(at: number, metrics: StatisticSource | MetricStoreLike): TickResult {
    this.createdAt ??= at;
    const source = isStatisticSource(metrics) ? metrics : statisticSource(metrics);
    const out: Collector = { transitions: [], actions: [], suppressed: [] };
    for (const a of this.byName.values()) {
      if (a.kind !== 'metric' || !this.isDue(a, at)) continue;
      if (this.warmingUp(a, at, source)) continue;
      const next = evaluateMetricAlarm(a, at, {
        window: this.window(a, at),
        source,
        current: this.state(a.name).value,
        fillEmptySeries: this.options.fillEmptySeries ?? false,
      });
      if (next) this.transition(a, next, at, out);
    }
    this.evaluateComposites(at, out);
    this.expireTimers(at, out);
    this.endMutes(at, out);
    return out;
  }

  /** True while a warm-up keeps the alarm from being evaluated. */
  private warmingUp(a: MetricAlarmDefinition, at: number, source: StatisticSource): boolean {
    if (!a.warmUp) return false;
    if (at >= (this.createdAt ?? at) + a.warmUp.minutes * 60_000) return false;
    if (a.warmUp.onlyAfterPeriodEnds) return true;
    // "As soon as the alarm has enough metric data to fill its evaluation window": a datapoint of some
    // metric in every one of the last N periods.
    const { grid, end } = this.window(a, at);
    const recent = grid.slice(-a.evaluationPeriods);
    const seen = new Set<number>();
    for (const q of a.queries) {
      if (q.kind !== 'metric') continue;
      const rows = source.statistics({
        metric: q.metric,
        stat: 'SampleCount',
        period: q.period,
        start: grid[0] ?? end,
        end,
      });
      for (const r of rows) if (r.value > 0) seen.add(r.timestamp);
    }
    return !recent.every((t) => seen.has(t));
  }

  /** Runs the actions a mute rule held back when its window has ended and the alarm is still in that state. */
  private endMutes(at: number, out: Collector): void {
    for (const [name, held] of [...this.muted]) {
      if (at < held.until) continue;
      const again = this.mutedBy(name, at);
      if (again) {
        held.until = again.end;
        continue;
      }
      this.muted.delete(name);
      if (this.state(name).value === held.transition.current.value) this.act(held.transition, out, at, true);
    }
  }

  /** Ticks every 10 s from `from` to `to` (inclusive), and at each suppression expiry in between. */
  run(from: number, to: number, metrics: StatisticSource | MetricStoreLike): TickResult {
    const all: Collector = { transitions: [], actions: [], suppressed: [] };
    const add = (r: TickResult) => {
      all.transitions.push(...r.transitions);
      all.actions.push(...r.actions);
      all.suppressed.push(...r.suppressed);
    };
    let t = Math.ceil(from / EVALUATION_STEP_MS) * EVALUATION_STEP_MS;
    let last = from - 1;
    while (t <= to) {
      for (
        let timer = this.nextTimerAfter(last);
        timer !== undefined && timer < t;
        timer = this.nextTimerAfter(last)
      ) {
        add(this.tick(timer, metrics));
        last = timer;
      }
      add(this.tick(t, metrics));
      last = t;
      t += EVALUATION_STEP_MS;
    }
    return all;
  }

  /** SetAlarmState: a temporary state until the next evaluation; actions run as for any transition. */
  setAlarmState(name: string, value: AlarmStateValue, reason: string, at: number): TickResult {
    this.createdAt ??= at;
    const a = this.lookup(name);
    if (!a) throw new Error(`no alarm ${name}`);
    const out: Collector = { transitions: [], actions: [], suppressed: [] };
    if (this.state(a.name).value !== value) this.transition(a, { value, reason, timestamp: at }, at, out);
    this.evaluateComposites(at, out);
    return out;
  }

  private lookup(nameOrArn: string): AlarmDefinition | undefined {
    return (
      this.byName.get(nameOrArn) ??
      this.byName.get(nameOrArn.replace(/^arn:[^:]+:cloudwatch:[^:]*:[^:]*:alarm:/, ''))
    );
  }

  private initial(): AlarmStatus {
    return {
      value: 'INSUFFICIENT_DATA',
      reason: 'Unchecked: Initial alarm creation',
      timestamp: this.createdAt ?? 0,
    };
  }

  private where(a: AlarmDefinition): AlarmLocation {
    return {
      arn: this.arnOf(a.name),
      region: this.region,
      account: this.account,
      configuredAt: this.createdAt ?? 0,
    };
  }

  private transition(a: AlarmDefinition, next: AlarmStatus, at: number, out: Collector): AlarmTransition {
    const previous = this.state(a.name);
    const rt = a.kind === 'composite' && a.actionsSuppressor ? this.composites.get(a.name) : undefined;
    let current = next;
    if (rt && a.kind === 'composite' && a.actionsSuppressor) {
      // Suppressor already in ALARM: suppressed (example 4); else a WaitPeriod starts (examples 1-3, 6).
      const suppressorInAlarm = this.state(a.actionsSuppressor).value === 'ALARM';
      rt.mode = suppressorInAlarm ? 'Alarm' : 'WaitPeriod';
      rt.until = suppressorInAlarm ? undefined : at + a.actionsSuppressorWaitPeriod * 1000;
      current = withSuppression(next, rt.mode);
    }
    this.status.set(a.name, current);
    const t: AlarmTransition = {
      alarm: a,
      arn: this.arnOf(a.name),
      at,
      previous,
      current,
      event: stateChangeEvent(a, this.where(a), previous, current),
    };
    this.log.push(t);
    out.transitions.push(t);
    if (rt) rt.pending = t;
    else this.act(t, out);
    this.suppressorChanged(a.name, previous.value, current.value, at);
    return t;
  }

  private act(t: AlarmTransition, out: Collector, at = t.at, afterMute = false): void {
    const a = t.alarm;
    const state = t.current.value;
    const actions =
      state === 'ALARM' ? a.alarmActions : state === 'OK' ? a.okActions : a.insufficientDataActions;
    if (!afterMute) this.muted.delete(a.name);
    if (actions.length === 0) return;
    const held = (reason: string) => out.suppressed.push({ alarmName: a.name, at, state, actions, reason });
    if (!a.actionsEnabled) return void held('ActionsEnabled is false');
    const mute = afterMute ? undefined : this.mutedBy(a.name, at);
    if (mute) {
      this.muted.set(a.name, { transition: t, until: mute.end });
      return void held(`muted by alarm mute rule ${mute.rule.name}`);
    }
    for (const gate of this.options.actionGates ?? []) {
      const reason = gate({ alarm: a, previous: t.previous, current: t.current, at });
      if (reason !== undefined) return void held(reason);
    }
    const children = a.kind === 'composite' ? this.triggeringChildren(a) : [];
    out.actions.push({
      alarmName: a.name,
      arn: t.arn,
      at,
      state,
      actions,
      notification: alarmNotification(a, this.where(a), t.previous, t.current, children),
      transition: t,
    });
  }

  private suppressorChanged(name: string, before: AlarmStateValue, after: AlarmStateValue, at: number): void {
    if ((before === 'ALARM') === (after === 'ALARM')) return;
    for (const [compositeName, rt] of this.composites) {
      const c = this.byName.get(compositeName) as CompositeAlarmDefinition;
      if (!c.actionsSuppressor || this.lookup(c.actionsSuppressor)?.name !== name) continue;
      if (after === 'ALARM') this.setMode(compositeName, 'Alarm');
      else if (rt.mode === 'Alarm')
        this.setMode(compositeName, 'ExtensionPeriod', at + c.actionsSuppressorExtensionPeriod * 1000);
    }
  }

  private setMode(name: string, mode: CompositeRuntime['mode'], until?: number): void {
    const rt = this.composites.get(name) as CompositeRuntime;
    rt.mode = mode;
    rt.until = until;
    this.status.set(name, withSuppression(this.state(name), mode));
  }

  private expireTimers(at: number, out: Collector): void {
    for (const [name, rt] of this.composites) {
      if (rt.until === undefined || rt.until > at) continue;
      const pending = rt.pending;
      rt.pending = undefined;
      this.setMode(name, 'none');
      if (pending) this.act(pending, out, at);
    }
  }

  private evaluateComposites(at: number, out: Collector): void {
    for (const name of this.compositeOrder()) {
      const c = this.byName.get(name) as CompositeAlarmDefinition;
      const rt = this.composites.get(name) as CompositeRuntime;
      const value: AlarmStateValue = evaluateAlarmRule(rt.rule, (ref) => this.state(ref).value)
        ? 'ALARM'
        : 'OK';
      if (value === this.state(name).value) continue;
      const children = this.triggeringChildren(c);
      const newest = [...children].sort((x, y) => y.state.timestamp - x.state.timestamp)[0];
      this.transition(
        c,
        {
          value,
          reason: newest
            ? `${newest.arn} transitioned to ${newest.state.value} at ${longDate(newest.state.timestamp)}`
            : `${this.arnOf(name)} alarm rule evaluates to ${value}`,
          reasonData: JSON.stringify({
            triggeringAlarms: children.map((x) => ({
              arn: x.arn,
              state: { value: x.state.value, timestamp: cloudWatchTimestamp(x.state.timestamp) },
            })),
          }),
          timestamp: at,
        },
        at,
        out,
      );
    }
  }

  /** The rule's alarms that are in the state the rule asks about. */
  private triggeringChildren(c: CompositeAlarmDefinition): { arn: string; state: AlarmStatus }[] {
    const rule = this.composites.get(c.name)?.rule;
    const found: { arn: string; state: AlarmStatus }[] = [];
    const walk = (r: AlarmRule): void => {
      if (r.type === 'state') {
        const s = this.state(r.alarm);
        const arn = this.arnOf((this.lookup(r.alarm) as AlarmDefinition).name);
        if (s.value === r.state && !found.some((f) => f.arn === arn)) found.push({ arn, state: s });
      } else if (r.type === 'not') walk(r.arg);
      else if (r.type === 'and' || r.type === 'or') for (const x of r.args) walk(x);
    };
    if (rule) walk(rule);
    return found;
  }

  /** Composites in dependency order (children first); throws on a cycle, which CloudWatch stops evaluating. */
  private compositeOrder(): string[] {
    const order: string[] = [];
    const state = new Map<string, 'visiting' | 'done'>();
    const visit = (name: string, path: readonly string[]): void => {
      if (state.get(name) === 'done') return;
      if (state.get(name) === 'visiting')
        throw new Error(`composite alarms form a cycle: ${[...path, name].join(' -> ')}`);
      state.set(name, 'visiting');
      for (const ref of ruleAlarms((this.composites.get(name) as CompositeRuntime).rule)) {
        const child = this.lookup(ref);
        if (child?.kind === 'composite') visit(child.name, [...path, name]);
      }
      state.set(name, 'done');
      order.push(name);
    };
    for (const name of this.composites.keys()) visit(name, []);
    return order;
  }
}

function withSuppression(s: AlarmStatus, mode: CompositeRuntime['mode']): AlarmStatus {
  const { actionsSuppressedBy: _by, actionsSuppressedReason: _reason, ...rest } = s;
  return mode === 'none'
    ? rest
    : { ...rest, actionsSuppressedBy: mode, actionsSuppressedReason: `Actions suppressed by ${mode}` };
}
