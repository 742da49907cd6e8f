/**
 * The flapping proof: the synthesized stack's alarms, evaluated by the CloudWatch alarm evaluator over simulated
 * flapping series (one bad edge node behind round-robin DNS, a node that fails every other probe, random
 * failure rates), page at most once per processor per 15 minutes while the endpoint flaps, page no later than
 * the former windows (1 of 1 at 60 s, 3 of 5 at 10 s) would have, and recover only after 15 minutes without a
 * failure. The same series against the former windows show the storm the damping removes.
 */
import { Template } from 'aws-cdk-lib/assertions';
import { ALARM_KINDS, parseAlarmName } from '../../../lambdas/core/contract/alarm-names';
import type { ProbeResult } from '../../../lambdas/core/contract/result';
import { buildMetricData } from '../../../lambdas/probe/metrics';
import { DAMPING_WINDOW_SECONDS } from '../../../lib/alarms/alarm-policy';
import { AlarmEvaluator } from '../../../testbed/aws/alarm-evaluator';
import {
  type AlarmDefinition,
  alarmsFromTemplate,
  type CfnTemplate,
  templateContext,
} from '../../../testbed/aws/alarm-model';
import { InMemoryMetricStore } from '../../../testbed/aws/statistics';
import { fixture, synthConfig } from '../../support/cdk';
import { failed, passed } from '../../support/results';

const REGION = 'eu-west-1';
const ACCOUNT = '111122223333';
const T0 = Date.UTC(2026, 2, 2, 10, 0, 0);
const MIN = 60_000;
const FLAP_FROM = T0 + 20 * MIN;
const FLAP_UNTIL = T0 + 140 * MIN;
const END = T0 + 180 * MIN;

const template = Template.fromStack(
  synthConfig(fixture('two-processors.yaml')).stacks[0] as never,
).toJSON() as CfnTemplate;
const alarms = alarmsFromTemplate(template, templateContext(template, { region: REGION, account: ACCOUNT }));

/** A deterministic PRNG (mulberry32), so every run simulates the same series. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Failing = (slot: number, t: number) => boolean;

interface Outcome {
  /**
   * Critical pages for the processor, epoch ms: each transition of one of its critical alarms to ALARM (the
   * diagnose function pages once per such state change; the alarms have no actions of their own).
   */
  readonly pages: number[];
  /** When the processor's HandshakeFailing returned to OK after the flapping stopped, if it did. */
  readonly recoveredAt?: number;
}

/**
 * Feeds one processor's runs (a TLS failure where `failing` says so, a pass otherwise) through its alarms and
 * returns its pages. `window` replaces the probe-failure alarms' M-of-N (the former defaults, for comparison).
 */
function simulate(
  processor: 'acme-pay' | 'fastpay',
  interval: 10 | 60,
  failing: Failing,
  window?: { m: number; n: number },
): Outcome {
  const mine = alarms
    .filter((a) => a.name.startsWith(`PayProbe-${processor}-`))
    .map((a): AlarmDefinition => {
      if (!window || a.kind !== 'metric') return a;
      return /HandshakeFailing|AuthRejected|AvailabilityLow$/.test(a.name)
        ? { ...a, datapointsToAlarm: window.m, evaluationPeriods: window.n }
        : a;
    });
  const store = new InMemoryMetricStore();
  let slot = 0;
  for (let t = T0 - 60 * MIN; t < END; t += interval * 1000, slot++) {
    const flapping = t >= FLAP_FROM && t < FLAP_UNTIL;
    const result: ProbeResult = flapping && failing(slot, t) ? failed(processor) : passed(processor);
    store.putMetricData(
      buildMetricData(result, { highResolution: interval < 60, inputChanged: false, timestamp: new Date(t) }),
    );
  }
  const ev = new AlarmEvaluator(mine, { region: REGION, account: ACCOUNT, createdAt: T0 - 30 * MIN });
  const r = ev.run(T0, END, store);
  const pages = r.transitions
    .filter((t) => {
      const parsed = parseAlarmName(t.alarm.name);
      return t.current.value === 'ALARM' && parsed && ALARM_KINDS[parsed.kind].severity === 'critical';
    })
    .map((t) => t.at);
  const handshake = `PayProbe-${processor}-HandshakeFailing`;
  const recovered = r.transitions.find(
    (t) => t.alarm.name === handshake && t.current.value === 'OK' && t.previous.value === 'ALARM',
  );
  return { pages, ...(recovered ? { recoveredAt: recovered.at } : {}) };
}

/** The smallest gap between two pages, in minutes (Infinity with fewer than two). */
function minGapMinutes(pages: readonly number[]): number {
  let gap = Number.POSITIVE_INFINITY;
  for (let i = 1; i < pages.length; i++)
    gap = Math.min(gap, ((pages[i] as number) - (pages[i - 1] as number)) / MIN);
  return gap;
}

const oneBadNodeOfFour = (seed: number): Failing => {
  const rnd = random(seed);
  return () => rnd() < 0.25;
};

describe('60-s probing (each published failure confirmed by a re-probe; 1 of the last 15 probes)', () => {
  const series: [string, Failing][] = [
    ['one bad edge node of four (25% of runs fail)', oneBadNodeOfFour(1)],
    ['every other run fails', (slot) => slot % 2 === 0],
    [
      'one run in ten fails',
      (() => {
        const rnd = random(7);
        return () => rnd() < 0.1;
      })(),
    ],
    ['a failure every 16 minutes', (slot) => slot % 16 === 0],
  ];

  it.each(series)(
    '%s: at most one page per 15 minutes, and no later than the former 1 of 1',
    (_name, failing) => {
      const damped = simulate('acme-pay', 60, failing);
      const former = simulate('acme-pay', 60, failing, { m: 1, n: 1 });
      expect(damped.pages.length).toBeGreaterThanOrEqual(1);
      expect(minGapMinutes(damped.pages)).toBeGreaterThanOrEqual(DAMPING_WINDOW_SECONDS / 60);
      expect(damped.pages[0]).toBeLessThanOrEqual(former.pages[0] as number);
      expect(former.pages.length).toBeGreaterThanOrEqual(damped.pages.length);
    },
  );

  it('a flapping endpoint pages once while it flaps (the former 1 of 1 paged on every flip)', () => {
    const failing = oneBadNodeOfFour(1);
    const damped = simulate('acme-pay', 60, failing);
    const former = simulate('acme-pay', 60, failing, { m: 1, n: 1 });
    expect(damped.pages).toHaveLength(1);
    expect(former.pages.length).toBeGreaterThan(10);
  });

  it('recovers only after 15 minutes without a failed probe', () => {
    const last = FLAP_UNTIL - MIN; // every other run fails: the run in the last minute of the flapping did
    const damped = simulate('acme-pay', 60, (slot) => slot % 2 === 0);
    expect(damped.recoveredAt).toBeDefined();
    expect((damped.recoveredAt as number) - last).toBeGreaterThanOrEqual(15 * MIN);
    expect((damped.recoveredAt as number) - last).toBeLessThanOrEqual(17 * MIN);
  });

  it('property: over 20 random series of 1–60% failing runs, two pages are always 15 minutes apart or more', () => {
    const rates = random(99);
    for (let i = 0; i < 20; i++) {
      const rate = 0.01 + rates() * 0.59;
      const rnd = random(1000 + i);
      const { pages } = simulate('acme-pay', 60, () => rnd() < rate);
      expect({ rate, gap: minGapMinutes(pages) >= 15 }).toEqual({ rate, gap: true });
    }
  });
});

describe('10-s probing (3 of the last 90 probes)', () => {
  const series: [string, Failing][] = [
    ['one bad edge node of four (25% of probes fail)', oneBadNodeOfFour(3)],
    ['a round-robin pair with one bad node: every other probe fails', (slot) => slot % 2 === 0],
    [
      'half the probes fail at random',
      (() => {
        const rnd = random(5);
        return () => rnd() < 0.5;
      })(),
    ],
  ];

  it.each(series)('%s: one page while it flaps, no later than the former 3 of 5', (_name, failing) => {
    const damped = simulate('fastpay', 10, failing);
    const former = simulate('fastpay', 10, failing, { m: 3, n: 5 });
    expect(damped.pages).toHaveLength(1);
    expect(damped.pages[0]).toBeLessThanOrEqual(former.pages[0] as number);
    // The former window paged on every flip.
    expect(former.pages.length).toBeGreaterThan(5);
  });

  it('a 20-s blip (two failed probes) still does not page; three in a row do', () => {
    expect(simulate('fastpay', 10, (_s, t) => t < FLAP_FROM + 20_000).pages).toHaveLength(0);
    expect(simulate('fastpay', 10, (_s, t) => t < FLAP_FROM + 30_000).pages).toHaveLength(1);
  });
});
