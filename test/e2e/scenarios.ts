/**
 * The incident replays of `npm run test:e2e` (issue #14), each a scenario (what happens, testbed/aws/replay.ts)
 * with what on-call must receive: every page from the onset, one line each (minutes from the onset, topic,
 * who sent it, subject, and for a diagnosis page its event and class), the minutes to the first page, and
 * checks on the contents. replays.e2e.test.ts runs every entry of REPLAYS; docs/testing.md explains how to add
 * one.
 *
 * Where today's product cannot yet do what the issue asks, the expectation is TODAY's exact behaviour, in a
 * constant named for what changes it (EXPECTED_SEED_PAGES_BEFORE_VERDICT: the cross-processor verdict of issue
 * #12; EXPECTED_FLAP_PAGES_BEFORE_DAMPING and EXPECTED_FIRST_DEPLOY_PAGES: the paging hygiene of issue #13), and
 * `baselineUntil` names the issue. The engineer of that issue replaces the constant with the target and the
 * replay then holds the feature to it. PENDING_REPLAYS need features that do not exist yet: they are not run.
 */
import type { ReplayResult, Scenario } from '../../testbed/aws/replay';
import { at, intermittent, rotateCredential, runCli, serve, setParameter } from '../../testbed/aws/replay';
import { GATEWAY_CA_PARAMETER } from '../../testbed/aws/replay-world';

/** The fleet every replay runs on: three processors that all trust the gateway CA bundle in SSM. */
export const FLEET = ['acme-pay', 'bolt-pay', 'coral-pay'] as const;

export interface ReplayCase {
  readonly scenario: Scenario;
  /** Every page from the onset on, in order, as describePage (testbed/aws/pages.ts) prints it. */
  readonly pages: readonly (string | RegExp)[];
  /** Simulated minutes from the onset to the first page; null: no page at all. */
  readonly firstPageAfterMinutes: number | null;
  /** The issue whose feature changes this expectation: the pages above are today's baseline, not the target. */
  readonly baselineUntil?: string;
  /** Checks on the contents (classes, attributes, runbooks, text, logs, CLI output). */
  readonly check?: (r: ReplayResult) => void;
}

/** A replay that needs a feature first: defined here, listed in docs/testing.md, not run. */
export interface PendingReplay extends ReplayCase {
  /** The issue and feature it waits for, and what the harness needs then. */
  readonly needs: string;
}

const critical = (minute: number, state: 'ALARM' | 'OK', processor: string, kind: string) =>
  `+${minute}m critical alarm: ${state}: "PayProbe-${processor}-${kind}" in EU (Ireland)`;
const warning = (minute: number, state: 'ALARM' | 'OK', processor: string, kind: string) =>
  `+${minute}m warning alarm: ${state}: "PayProbe-${processor}-${kind}" in EU (Ireland)`;

/**
 * The first deploy, as it pages today (issue #13, "OK noise on deploy" and "False first page"): at the first
 * evaluation ProbeNotRunning has three missing datapoints treated as breaching, so each processor's alarm
 * fires and the diagnose function sends "re-probe passed"; a minute later every alarm with data goes
 * INSUFFICIENT_DATA -> OK and each OK action notifies (DiagnoseErrors already at once: FILL of no data is
 * 0), and the three ProbeNotRunning alarms resolve. 28 notifications, 22 of them on the critical topic,
 * before anything went wrong.
 */
export const EXPECTED_FIRST_DEPLOY_PAGES: readonly string[] = [
  critical(0, 'ALARM', 'acme-pay', 'ProbeNotRunning'),
  critical(0, 'ALARM', 'bolt-pay', 'ProbeNotRunning'),
  critical(0, 'ALARM', 'coral-pay', 'ProbeNotRunning'),
  '+0m critical alarm: OK: "PayProbe-DiagnoseErrors-PayProbe" in EU (Ireland)',
  '+0m critical diagnose: [CRITICAL] acme-pay: probe not running - re-probe passed [reprobe-passed OK]',
  '+0m critical diagnose: [CRITICAL] bolt-pay: probe not running - re-probe passed [reprobe-passed OK]',
  '+0m critical diagnose: [CRITICAL] coral-pay: probe not running - re-probe passed [reprobe-passed OK]',
  ...FLEET.flatMap((p) => [
    critical(1, 'OK', p, 'HandshakeFailing'),
    critical(1, 'OK', p, 'AuthRejected'),
    critical(1, 'OK', p, 'AvailabilityLow'),
    critical(1, 'OK', p, 'ProbeNotRunning'),
    warning(1, 'OK', p, 'LatencyHigh'),
    warning(1, 'OK', p, 'CertExpiring'),
  ]),
  '+1m critical diagnose: [RESOLVED] acme-pay: probe not running - OK after 1 min [resolved OK]',
  '+1m critical diagnose: [RESOLVED] bolt-pay: probe not running - OK after 1 min [resolved OK]',
  '+1m critical diagnose: [RESOLVED] coral-pay: probe not running - OK after 1 min [resolved OK]',
];

/**
 * The seed incident as it pages today: each processor pages alone, twice (CloudWatch's alarm notification
 * and the diagnosis), and resolves alone, twice: 12 notifications on the critical topic for one change.
 * Issue #12's target: exactly one critical incident page naming /payprobe/gateway/ca-bundle and its
 * versions, then one RESOLVED.
 */
export const EXPECTED_SEED_PAGES_BEFORE_VERDICT: readonly string[] = [
  ...FLEET.map((p) => critical(1, 'ALARM', p, 'HandshakeFailing')),
  ...FLEET.map(
    (p) =>
      `+1m critical diagnose: [CRITICAL] ${p}: TLS handshake failing - CERT_UNTRUSTED [diagnosis CERT_UNTRUSTED]`,
  ),
  ...FLEET.map((p) => critical(11, 'OK', p, 'HandshakeFailing')),
  ...FLEET.map(
    (p) => `+11m critical diagnose: [RESOLVED] ${p}: TLS handshake failing - OK after 10 min [resolved OK]`,
  ),
];

/**
 * A bad edge node in front of coral-pay resets the TLS handshake in the minutes marked x. The 60-s probe
 * confirms a failure with a re-probe 3 s later, which lands on the same node, so every bad minute is a
 * failed minute, and HandshakeFailing (1 of 1 minute) flips with it.
 */
export const FLAP_PATTERN = 'x..x.xx..x...x.x..x.';

/**
 * The flapping endpoint as it pages today: every episode is an alarm notification, a diagnosis page (the
 * re-probe a minute later usually passes: "re-probe passed"), an OK notification and a RESOLVED: 28 pages in
 * 20 minutes, up to 20 in 15 minutes. Issue #13's target: at most one page per processor per 15 minutes
 * while it flaps, saying it is intermittent, and still a page within the detection target when it starts.
 */
export const EXPECTED_FLAP_PAGES_BEFORE_DAMPING: readonly string[] = [
  [1, 2, 'reprobe-passed'],
  [4, 5, 'reprobe-passed'],
  [6, 8, 'TLS_CONNECTION_RESET'],
  [10, 11, 'reprobe-passed'],
  [14, 15, 'reprobe-passed'],
  [16, 17, 'reprobe-passed'],
  [19, 20, 'reprobe-passed'],
].flatMap(([fired, resolved, diagnosis]) => [
  critical(Number(fired), 'ALARM', 'coral-pay', 'HandshakeFailing'),
  diagnosis === 'reprobe-passed'
    ? `+${fired}m critical diagnose: [CRITICAL] coral-pay: TLS handshake failing - re-probe passed [reprobe-passed OK]`
    : `+${fired}m critical diagnose: [CRITICAL] coral-pay: TLS handshake failing - ${diagnosis} [diagnosis ${diagnosis}]`,
  critical(Number(resolved), 'OK', 'coral-pay', 'HandshakeFailing'),
  `+${resolved}m critical diagnose: [RESOLVED] coral-pay: TLS handshake failing - OK after ${Number(resolved) - Number(fired)} min [resolved OK]`,
]);

const diagnosisPages = (r: ReplayResult) => r.pages.filter((p) => p.source === 'diagnose');
/** The functions' structured log entries (lines that are not JSON, such as Node's warnings, left out). */
const logLines = (r: ReplayResult) =>
  Object.values(r.logs)
    .flat()
    .flatMap((l) => {
      try {
        return [JSON.parse(l) as { level?: string; message?: string; processor?: string }];
      } catch {
        return [];
      }
    });

export const REPLAYS: readonly ReplayCase[] = [
  {
    scenario: {
      name: 'first deploy: the fleet is deployed and probes from then on',
      warmupMinutes: 0,
      minutes: 4,
      timeline: [],
    },
    pages: EXPECTED_FIRST_DEPLOY_PAGES,
    firstPageAfterMinutes: 0,
    baselineUntil: '#13 (alarm warm-up; no OK notification on INSUFFICIENT_DATA -> OK)',
  },
  {
    scenario: {
      name: 'seed: the gateway CA bundle every processor trusts is replaced, then restored',
      minutes: 14,
      timeline: [
        at(
          0,
          setParameter(
            GATEWAY_CA_PARAMETER,
            (f) => f.sandboxCa,
            'the gateway CA bundle is replaced by a sandbox root',
          ),
        ),
        at(2, runCli(['check', '--config', '{config}', '--json'])),
        at(
          10,
          setParameter(GATEWAY_CA_PARAMETER, (f) => f.gatewayCa, 'the gateway CA bundle is restored'),
        ),
      ],
    },
    pages: EXPECTED_SEED_PAGES_BEFORE_VERDICT,
    firstPageAfterMinutes: 1,
    baselineUntil: '#12 (one incident page across processors, naming the changed parameter)',
    check: (r) => {
      const diagnoses = diagnosisPages(r).filter((p) => p.event === 'diagnosis');
      expect(diagnoses.map((p) => p.attributes)).toEqual(
        FLEET.map((processor) => ({
          processor,
          severity: 'critical',
          stage: 'tls',
          class: 'CERT_UNTRUSTED',
          event: 'diagnosis',
        })),
      );
      for (const p of diagnoses) {
        expect(p.runbook).toBe('docs/runbooks/CERT_UNTRUSTED.md');
        // Today the page names the config field and the parameter's versions, not the parameter (#12 will).
        // It knows them only because diagnose re-probed during the first deploy's false ProbeNotRunning page
        // and kept the passing inputs in its warm container: once #13 removes that page, this says unknown
        // until #12's durable last-good snapshot.
        expect(p.document?.inputs?.changes).toEqual([
          { field: 'tls.ca', before: expect.stringMatching(/@1$/), after: expect.stringMatching(/@2$/) },
        ]);
        expect(p.text).toContain('* tls.ca: sha256:');
      }
      // The operator's `payprobe check` against the same AWS sees what the probes see.
      const [check] = r.cliRuns;
      expect(check?.exitCode).toBe(1);
      const results = (
        JSON.parse(check?.stdout ?? '{}') as { results: { processor: string; class: string }[] }
      ).results;
      expect(results.map((x) => [x.processor, x.class])).toEqual(FLEET.map((p) => [p, 'CERT_UNTRUSTED']));
    },
  },
  {
    scenario: {
      name: "one processor's server certificate expires",
      minutes: 5,
      timeline: [at(0, serve('bolt-pay', 'expired'))],
    },
    // One page with CERT_EXPIRED on the critical topic (with CloudWatch's own notification beside it); the
    // warning topic gets the CertExpiring alarm and its diagnosis.
    pages: [
      critical(1, 'ALARM', 'bolt-pay', 'HandshakeFailing'),
      warning(1, 'ALARM', 'bolt-pay', 'CertExpiring'),
      '+1m critical diagnose: [CRITICAL] bolt-pay: TLS handshake failing - CERT_EXPIRED [diagnosis CERT_EXPIRED]',
      '+1m warning diagnose: [WARNING] bolt-pay: server certificate expiring - CERT_EXPIRED [diagnosis CERT_EXPIRED]',
    ],
    firstPageAfterMinutes: 1,
    check: (r) => {
      const pages = diagnosisPages(r).filter((p) => p.topic === 'critical');
      expect(pages).toHaveLength(1);
      const [page] = pages;
      expect(page?.attributes).toEqual({
        processor: 'bolt-pay',
        severity: 'critical',
        stage: 'tls',
        class: 'CERT_EXPIRED',
        event: 'diagnosis',
      });
      expect(page?.runbook).toBe('docs/runbooks/CERT_EXPIRED.md');
      expect(page?.document?.result?.class).toBe('CERT_EXPIRED');
      expect(page?.text).toMatch(/RUNBOOK: CERT_EXPIRED/);
      expect(page?.text).toMatch(/Processor: bolt-pay \(https:\/\/127\.0\.0\.1:\d+\)/);
    },
  },
  {
    scenario: {
      name: 'an intermittent endpoint: a bad edge node in some minutes',
      minutes: FLAP_PATTERN.length,
      timeline: intermittent('coral-pay', 'reset', FLAP_PATTERN),
    },
    pages: EXPECTED_FLAP_PAGES_BEFORE_DAMPING,
    firstPageAfterMinutes: 1,
    baselineUntil: '#13 (flap damping: at most one page per processor per 15 minutes)',
  },
  {
    scenario: {
      name: 'credentials rotated in Secrets Manager',
      minutes: 4,
      // At the onset the functions read their secrets afresh (DEFAULT_WARMUP_MINUTES explains the cadence):
      // acme-pay's probe gets the new key at once; a minute later bolt-pay's still holds the old one cached.
      timeline: [at(0, rotateCredential('acme-pay')), at(1, rotateCredential('bolt-pay'))],
    },
    pages: [],
    firstPageAfterMinutes: null,
    check: (r) => {
      // The stale cached key was rejected once, and the confirmation re-probe with the secret read afresh passed.
      const transient = logLines(r).filter((l) => l.message?.startsWith('transient failure: AUTH_REJECTED'));
      expect(transient.map((l) => l.processor)).toEqual(['bolt-pay']);
      const changed = logLines(r).filter((l) => l.message === 'probe inputs changed since the last run');
      expect(changed.map((l) => l.processor).sort()).toEqual(['acme-pay', 'bolt-pay']);
    },
  },
];

export const PENDING_REPLAYS: readonly PendingReplay[] = [
  {
    needs:
      '#13 maintenance windows: the fleet config gains `maintenance: [{ processors: [bolt-pay], start, end, reason }]` around the onset (ReplayFleet.configYaml), and the stack suppresses the pages',
    scenario: {
      name: 'a maintenance window over an expiring certificate',
      minutes: 10,
      timeline: [at(0, serve('bolt-pay', 'expired')), at(8, serve('bolt-pay', 'healthy'))],
    },
    pages: [],
    firstPageAfterMinutes: null,
  },
  {
    needs:
      '#13 `payprobe page-test`: it finds the topics from the deployed stack, so the harness must make them discoverable the way the command looks them up (for example a CloudFormation stack in moto with the topics as outputs)',
    scenario: {
      name: 'payprobe page-test reaches the subscribers',
      minutes: 1,
      timeline: [at(0, runCli(['page-test', '--config', '{config}', '--severity', 'critical']))],
    },
    pages: [/^\+0m critical other: .*test/i],
    firstPageAfterMinutes: 0,
  },
];
