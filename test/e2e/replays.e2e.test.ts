/**
 * `npm run test:e2e`: the incident replays of test/e2e/scenarios.ts, end to end on moto (issue #14). One
 * environment for the file: moto, the loopback fleet, the stack synthesized for it, and the probe and
 * diagnose bundles built as the stack builds them. Each replay starts from a reset emulator and cold
 * function containers, prints its report (time from onset to first page, pages) and asserts every page.
 *
 * Invariants of every replay, besides its own expectations: the functions never threw (a failed probe is
 * data; a replay that breaks a function on purpose: each failure reached its failure destination), no alarm
 * but the diagnose function's own notified a topic (one pager), no secret appears in any page or log line in
 * any encoding, and after the warm-up every alarm is OK.
 */
import { Template } from 'aws-cdk-lib/assertions';
import type { CfnTemplate } from '../../testbed/aws/alarm-model';
import { describePage } from '../../testbed/aws/pages';
import {
  alarmStatesAt,
  DEFAULT_WARMUP_MINUTES,
  formatReport,
  ReplayEnvironment,
  type ReplayResult,
  runReplay,
} from '../../testbed/aws/replay';
import { buildBundle } from '../support/bundle';
import { synthConfig } from '../support/cdk';
import { secretEncodings } from '../support/encodings';
import { FLEET, REPLAYS } from './scenarios';

let env: ReplayEnvironment;

beforeAll(async () => {
  env = await ReplayEnvironment.start({
    processors: FLEET,
    synthesize: (file, options) =>
      Template.fromStack(synthConfig(file, options).stacks[0] as never).toJSON() as CfnTemplate,
    buildBundle: (handler, outDir) => buildBundle(handler, outDir),
  });
}, 180_000);

afterAll(async () => {
  await env?.close();
});

/** Every secret the world held, searched in every page and every log line, in each encoding. */
function leakedSecrets(r: ReplayResult): string[] {
  const outputs = [
    ...r.pages.map((p) => `${p.subject}\n${p.message}\n${JSON.stringify(p.attributes)}`),
    ...r.deployPages.map((p) => `${p.subject}\n${p.message}`),
    ...Object.values(r.logs).flat(),
    ...r.cliRuns.map((c) => `${c.stdout}\n${c.stderr}`),
  ];
  return r.secrets.flatMap((secret) =>
    secretEncodings(secret).flatMap(([form, encoded]) =>
      outputs.some((o) => o.includes(encoded)) ? [`${form} of ${secret.slice(0, 12)}...`] : [],
    ),
  );
}

describe.each(REPLAYS.map((c) => [c.scenario.name, c] as const))('replay: %s', (_name, c) => {
  let r: ReplayResult;
  beforeAll(async () => {
    r = await runReplay(env, c.scenario);
    process.stdout.write(
      `${formatReport(r)}${c.baselineUntil ? `\n  (today's baseline, to be tightened by ${c.baselineUntil})` : ''}\n`,
    );
  }, 180_000);

  it(
    c.baselineUntil ? `pages as today's baseline says (until ${c.baselineUntil})` : 'pages as expected',
    () => {
      expect(r.pages.map((p) => describePage(p, r.onset))).toEqual(
        c.pages.map((p) => (typeof p === 'string' ? p : expect.stringMatching(p))),
      );
      expect(r.firstPageAfterMinutes).toBe(c.firstPageAfterMinutes);
      c.check?.(r);
    },
  );

  it('runs every function without an error: a failed probe is data', () => {
    const failed = r.invocations.filter((i) => !i.ok);
    // A function broken on purpose: each failure went to its failure destination (the pager, raw).
    expect(failed.filter((i) => i.role !== c.failingRole || !i.destinationMessageId)).toEqual([]);
    if (c.failingRole) expect(failed.length).toBeGreaterThan(0);
    expect(r.invocations.some((i) => i.role === 'probe')).toBe(true);
  });

  it('pages through one pager: no CloudWatch notification of an alarm the diagnose function pages for', () => {
    // Only the diagnose function's own alarm notifies a topic directly (the fallback when it fails). The alarms
    // of a processor with a maintenance window act on the internal held-alarms topic, which only the diagnose
    // function hears.
    const raw = r.pages.filter((p) => p.source === 'alarm');
    expect(
      raw.filter((p) => !p.alarmName?.startsWith('PayProbe-DiagnoseErrors-')).map((p) => p.alarmName),
    ).toEqual([]);
  });

  it('puts no secret in any page, log line or CLI output', () => {
    expect(leakedSecrets(r)).toEqual([]);
    expect(r.secrets.length).toBeGreaterThanOrEqual(FLEET.length);
  });

  if ((c.scenario.warmupMinutes ?? DEFAULT_WARMUP_MINUTES) > 0) {
    it('reaches the onset warmed: every alarm OK', () => {
      const states = alarmStatesAt(r, r.onset - 60_000);
      // The live audit's alarm has no data until the daily audit runs (or an input changes): INSUFFICIENT_DATA.
      const audit = ([name]: [string, string]) => name.startsWith('PayProbe-AuditFindings-');
      expect(Object.entries(states).filter((e) => !audit(e) && e[1] !== 'OK')).toEqual([]);
      expect(Object.entries(states).filter(audit)).toHaveLength(FLEET.length);
      expect(Object.keys(states)).toHaveLength(FLEET.length * 7 + 2);
    });
  }
});
