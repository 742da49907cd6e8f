/**
 * What a replay of the end-to-end harness is made of (./replay.ts runs it): a scenario's timeline of steps at
 * whole minutes from the onset, the step builders (a parameter changes, an endpoint serves a testbed kind, a
 * credential rotates, the CLI runs, an intermittent pattern) and the scenario's maintenance windows as the
 * config's `maintenance:` section.
 */
import type { ReplayFleet, ReplayWorld } from './replay-world';

const MIN = 60_000;

/**
 * The default warm-up. Two minutes after the deploy every alarm is OK; the rest lets the deploy's own pages
 * pass. Even on purpose: the functions cache secrets and parameters for 60 s and the schedule fires exactly
 * every 60 s, so a cached value is read again at even minutes from the deploy (at 60 s it is not yet
 * expired) and, with an even warm-up, a change at the onset is seen by the onset's probe; a change one
 * minute later is first met by a stale cached value. Real schedules jitter: both happen in AWS.
 */
export const DEFAULT_WARMUP_MINUTES = 6;

/** What a scenario does at one minute from the onset. */
export interface ReplayStep {
  /** Whole minutes from the onset (0 = the onset itself). */
  readonly at: number;
  /** What happens, for the report. */
  readonly what: string;
  readonly apply: (world: ReplayWorld) => Promise<void>;
}

export interface Scenario {
  readonly name: string;
  /**
   * Minutes the fleet probes healthy after the deploy, before the onset: long enough for every alarm to
   * leave INSUFFICIENT_DATA and for the deploy's own pages (see the first-deploy replay) to be over.
   * @default DEFAULT_WARMUP_MINUTES
   */
  readonly warmupMinutes?: number;
  /** Minutes watched from the onset (the last evaluation is at onset + minutes). */
  readonly minutes: number;
  readonly timeline: readonly ReplayStep[];
  /**
   * Maintenance windows in the fleet's config (`maintenance:`), in minutes from the onset: the replay deploys a
   * stack synthesized with them (its alarm mute rules, the diagnose function's windows). @default none
   */
  readonly maintenance?: readonly ReplayMaintenance[];
  /**
   * From minute `at` of the onset on, the diagnose functions run with these environment variables changed (a
   * deploy that broke them): their containers restart cold with it. @default never
   */
  readonly diagnoseEnvironment?: {
    readonly at: number;
    readonly what: string;
    readonly environment: Readonly<Record<string, string>>;
  };
}

/** A one-off maintenance window of a scenario, in whole minutes from the onset (`from` may be negative). */
export interface ReplayMaintenance {
  readonly processors: readonly string[];
  readonly from: number;
  readonly to: number;
  readonly reason: string;
}

/** A step at `minute` from the onset. */
export function at(minute: number, step: Omit<ReplayStep, 'at'>): ReplayStep {
  return { at: minute, ...step };
}

/** Step: PutParameter with Overwrite, the value chosen from the fleet (e.g. its sandbox CA bundle). */
export function setParameter(
  name: string,
  value: (fleet: ReplayFleet) => string,
  what = `SSM parameter ${name} changes`,
): Omit<ReplayStep, 'at'> {
  return { what, apply: (w) => w.setParameter(name, value(w.fleet)) };
}

/** Step: from now on the processor's endpoint behaves as testbed kind `kind` ('expired', 'reset', ...). */
export function serve(processor: string, kind: Parameters<ReplayFleet['serve']>[1]): Omit<ReplayStep, 'at'> {
  return { what: `${processor} serves ${kind}`, apply: (w) => w.fleet.serve(processor, kind) };
}

/** Step: the processor accepts only a new API key, and its secret holds it (PutSecretValue). */
export function rotateCredential(processor: string): Omit<ReplayStep, 'at'> {
  return {
    what: `${processor}'s API key rotated in Secrets Manager`,
    apply: (w) => w.rotateCredential(processor),
  };
}

/** Step: runs `payprobe ARGS` against the emulator (`{config}` is the fleet's config file); see ReplayWorld.cli. */
export function runCli(args: readonly string[]): Omit<ReplayStep, 'at'> {
  return {
    what: `payprobe ${args.join(' ')}`,
    apply: async (w) => {
      await w.cli(args);
    },
  };
}

/**
 * Steps for an intermittent endpoint: `pattern` has one character per minute from `from`: `x` the
 * processor serves `bad`, `.` it is healthy (a bad edge node the probe lands on in some minutes).
 */
export function intermittent(
  processor: string,
  bad: Parameters<ReplayFleet['serve']>[1],
  pattern: string,
  from = 0,
): ReplayStep[] {
  const steps: ReplayStep[] = [];
  let previous = '.';
  [...pattern].forEach((c, i) => {
    if (c !== 'x' && c !== '.') throw new Error(`intermittent pattern "${pattern}": only x and . allowed`);
    if (c !== previous)
      steps.push(at(from + i, c === 'x' ? serve(processor, bad) : serve(processor, 'healthy')));
    previous = c;
  });
  return steps;
}

/** The fleet's config with a scenario's maintenance windows, as epoch ms for `onset`. */
export function maintenanceYaml(windows: readonly ReplayMaintenance[], onset: number): string {
  if (windows.length === 0) return '';
  const iso = (minute: number) => new Date(onset + minute * MIN).toISOString();
  return [
    'maintenance:',
    ...windows.flatMap((w) => [
      `  - processors: [${w.processors.join(', ')}]`,
      `    start: ${iso(w.from)}`,
      `    end: ${iso(w.to)}`,
      `    reason: ${JSON.stringify(w.reason)}`,
    ]),
    '',
  ].join('\n');
}
