/**
 * The incident replays of `npm run test:e2e` (issue #14), each a scenario (what happens, testbed/aws/replay.ts)
 * with what on-call must receive: every page from the onset, one line each (minutes from the onset, topic,
 * who sent it, subject, and for a diagnosis page its event and class), the minutes to the first page, and
 * checks on the contents. replays.e2e.test.ts runs every entry of REPLAYS; docs/testing.md explains how to add
 * one.
 *
 * Where today's product cannot yet do what the issue asks, the expectation is TODAY's exact behaviour, in a
 * constant named for what changes it, and `baselineUntil` names the issue; the engineer of that issue replaces
 * the constant with the target and the replay then holds the feature to it (the seed's baseline became issue
 * #12's target, EXPECTED_SEED_PAGES).
 */
import { testPageSubject } from '../../lambdas/core/diagnosis/test-page';
import { describePage } from '../../testbed/aws/pages';
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
  /**
   * The function role whose invocations fail on purpose in this replay (every failure must have reached its
   * failure destination). @default none: every function runs without an error
   */
  readonly failingRole?: 'diagnose';
  /** Checks on the contents (classes, attributes, runbooks, text, logs, CLI output). */
  readonly check?: (r: ReplayResult) => void;
}

/** The environment a broken deploy left the diagnose function with: its processors are not JSON. */
export const BROKEN_DIAGNOSE_ENVIRONMENT: Readonly<Record<string, string>> = {
  PAYPROBE_PROCESSORS: '{"bolt-pay": ',
};

/**
 * The first deploy pages nobody (issue #13): ProbeNotRunning (missing data breaching) warms up for 5 minutes
 * before it evaluates, and no alarm has OK actions, so the INSUFFICIENT_DATA -> OK of every alarm notifies
 * nobody. Before #13: 28 notifications, 22 on the critical topic (three false ProbeNotRunning pages with their
 * diagnoses and RESOLVEDs, and an OK notification from every alarm).
 */
export const EXPECTED_FIRST_DEPLOY_PAGES: readonly string[] = [];

/**
 * The seed incident with the cross-processor verdict (issue #12), one pager per incident: the critical topic
 * gets exactly one incident page from the diagnose function, saying all three fail alike, the cause is on our
 * side and the CA bundle parameter changed (version 1 -> 2), and no CloudWatch notification of the three
 * HandshakeFailing alarms or the gateway alarm (the alarms have no SNS actions: the diagnose function is their
 * pager). The alarms recover only after 15 minutes without a failure (issue #13's damping), so the replay runs
 * until then: exactly one RESOLVED, from the diagnose function. Before the single pager the critical topic also
 * got 4 raw ALARM notifications, and the warning topic 3 AuditFindings notifications beside the audit pages.
 */
export const EXPECTED_SEED_PAGES: readonly (string | RegExp)[] = [
  // The live audit (issue #17), run by each probe right after its input changed: the sandbox root in the
  // production bundle, on the warning topic, before any handshake alarm (the order among the three varies).
  ...FLEET.map(() => /^\+0m warning other: \[WARNING\] (acme|bolt|coral)-pay: live audit - 1 new finding$/),
  `+1m critical diagnose: [CRITICAL] 3 of 3 processors failing (tls CERT_UNTRUSTED): ssm ${GATEWAY_CA_PARAMETER} changed [incident CERT_UNTRUSTED]`,
  ...FLEET.map(() => /^\+10m warning other: \[RESOLVED\] (acme|bolt|coral)-pay: live audit - 1 resolved$/),
  /^\+2\dm critical diagnose: \[RESOLVED\] 3 processors OK again after 2\d min \(tls incident tls-\d{8}T\d{6}Z\) \[incident-resolved OK\]$/,
];

/**
 * A bad edge node in front of coral-pay resets the TLS handshake in the minutes marked x. The 60-s probe
 * confirms a failure with a re-probe 3 s later, which lands on the same node, so every bad minute is a
 * failed minute, and HandshakeFailing (1 of 1 minute) flips with it.
 */
export const FLAP_PATTERN = 'x..x.xx..x...x.x..x.';

/**
 * The flapping endpoint pages once (issue #13): HandshakeFailing fires on the first failed minute, as before,
 * and stays in ALARM while failures keep coming (1 of the last 15 probes): one incident, one diagnosis page
 * that says it is intermittent (and, with the single pager, no CloudWatch notification beside it). Before #13
 * every flip was an alarm notification, a diagnosis page, an OK notification and a RESOLVED: 28 pages in 20
 * minutes, 7 incidents.
 */
export const EXPECTED_FLAP_PAGES: readonly (string | RegExp)[] = [
  /^\+1m critical diagnose: \[CRITICAL\] coral-pay: TLS handshake failing - intermittent: 1 of \d+ probes failing \[reprobe-passed OK\]$/,
];

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
    firstPageAfterMinutes: null,
  },
  {
    scenario: {
      name: 'seed: the gateway CA bundle every processor trusts is replaced, then restored',
      minutes: 28,
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
    pages: EXPECTED_SEED_PAGES,
    // The live audit's warning page comes first (+0m); the first critical page at +1m.
    firstPageAfterMinutes: 0,
    check: (r) => {
      // One live audit page per processor, each naming the sandbox root finding's processor once.
      const audited = r.pages
        .map((p) => /\] (\S+): live audit - 1 new finding/.exec(describePage(p, r.onset))?.[1])
        .filter((n): n is string => n !== undefined)
        .sort();
      expect(audited).toEqual([...FLEET]);
      // One pager: the alarms went to ALARM (every HandshakeFailing, the gateway alarm, every AuditFindings)
      // and none of them notified a topic itself.
      expect(r.pages.filter((p) => p.source === 'alarm')).toEqual([]);
      const alarmed = r.transitions
        .filter((t) => t.current.value === 'ALARM' && t.at >= r.onset)
        .map((t) => t.alarm.name)
        .sort();
      expect(alarmed).toEqual(
        [
          ...FLEET.map((p) => `PayProbe-${p}-HandshakeFailing`),
          'PayProbe-ProcessorsFailing-PayProbe',
          ...FLEET.map((p) => `PayProbe-AuditFindings-${p}`),
        ].sort(),
      );
      expect(r.pages.filter((p) => p.topic === 'critical')).toHaveLength(2);
      const incident = diagnosisPages(r).filter((p) => p.event === 'incident');
      expect(incident).toHaveLength(1);
      const [page] = incident;
      expect(page?.topic).toBe('critical');
      expect(page?.attributes).toEqual({
        processor: FLEET.join(','),
        severity: 'critical',
        stage: 'tls',
        class: 'CERT_UNTRUSTED',
        event: 'incident',
      });
      // All processors fail alike, the cause is on our side, and what changed: the parameter's versions.
      const factor = new RegExp(
        `^tls\\.ca: ssm ${GATEWAY_CA_PARAMETER} \\(version 1 -> 2, changed \\S+; changed nearest the onset\\)$`,
      );
      expect(page?.document?.verdict).toMatchObject({
        scope: 'ours',
        processors: [...FLEET],
        stage: 'tls',
        classes: ['CERT_UNTRUSTED'],
      });
      expect(page?.document?.verdict?.commonFactors[0]).toMatch(factor);
      expect(page?.text).toContain(
        '3 of 3 processors fail alike at stage tls (CERT_UNTRUSTED): the cause is most likely on our side',
      );
      expect(page?.text).toMatch(
        new RegExp(
          `First check: look at what changed in tls\\.ca: ssm ${GATEWAY_CA_PARAMETER}: version 1 -> 2`,
        ),
      );
      // What changed comes from the history table in moto: the diagnose function never saw a passing probe.
      // The alarms of one minute reach the diagnose function in any order; whichever opens the incident, the
      // page carries the what-changed section of the first processor to fail.
      expect(page?.text).toMatch(
        new RegExp(`WHAT CHANGED SINCE THE LAST GOOD PROBE \\((${FLEET.join('|')}), the first to fail\\)`),
      );
      expect(page?.document?.history).toMatchObject({ status: 'known' });
      expect(page?.document?.history?.changes?.[0]).toMatchObject({
        field: 'tls.ca',
        source: `ssm ${GATEWAY_CA_PARAMETER}`,
        side: 'ours',
      });
      expect(page?.text).toContain(`1. tls.ca (ssm ${GATEWAY_CA_PARAMETER}): version 1 -> 2, changed `);
      const resolved = diagnosisPages(r).filter((p) => p.event === 'incident-resolved');
      expect(resolved).toHaveLength(1);
      expect(resolved[0]?.topic).toBe('critical');
      // The operator's `payprobe check --json` against the same AWS sees what the probes see, and the verdict.
      const [check] = r.cliRuns;
      expect(check?.exitCode).toBe(1);
      const doc = JSON.parse(check?.stdout ?? '{}') as {
        results: { processor: string; class: string }[];
        verdict?: { scope: string; processors: string[]; stage: string; commonFactors: string[] };
      };
      expect(doc.results.map((x) => [x.processor, x.class])).toEqual(FLEET.map((p) => [p, 'CERT_UNTRUSTED']));
      expect(doc.verdict).toMatchObject({ scope: 'ours', processors: [...FLEET], stage: 'tls' });
      expect(doc.verdict?.commonFactors[0]).toMatch(
        new RegExp(`^tls\\.ca: ssm ${GATEWAY_CA_PARAMETER} \\(version 2`),
      );
    },
  },
  {
    scenario: {
      name: "one processor's server certificate expires",
      minutes: 5,
      timeline: [at(0, serve('bolt-pay', 'expired'))],
    },
    // One page with CERT_EXPIRED on the critical topic; the warning topic gets the CertExpiring diagnosis.
    pages: [
      // The replay swaps bolt-pay's backend, so the leaf is new since the last good probe: their side.
      "+1m critical diagnose: [CRITICAL] bolt-pay: TLS handshake failing - CERT_EXPIRED (processor's side) [diagnosis CERT_EXPIRED]",
      "+1m warning diagnose: [WARNING] bolt-pay: server certificate expiring - CERT_EXPIRED (processor's side) [diagnosis CERT_EXPIRED]",
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
      name: "one processor's server certificate is re-issued by another CA",
      minutes: 4,
      timeline: [at(0, serve('bolt-pay', 'untrusted-root'))],
    },
    // One processor fails alone and only its server's chain changed: the page says the processor's side.
    pages: [
      "+1m critical diagnose: [CRITICAL] bolt-pay: TLS handshake failing - CERT_UNTRUSTED (processor's side) [diagnosis CERT_UNTRUSTED]",
    ],
    firstPageAfterMinutes: 1,
    check: (r) => {
      const [page] = diagnosisPages(r);
      const issuer = page?.document?.result?.tls?.serverCert?.issuer ?? '';
      expect(issuer).not.toBe('');
      expect(page?.document?.verdict).toMatchObject({
        scope: 'theirs',
        processors: ['bolt-pay'],
        stage: 'tls',
      });
      expect(page?.document?.verdict?.commonFactors).toContainEqual(
        expect.stringMatching(
          new RegExp(`^server\\.issuer: .* -> ${issuer.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`),
        ),
      );
      expect(page?.text).toContain("the change is on the processor's side");
      expect(page?.text).not.toContain('the cause is most likely on our side');
    },
  },
  {
    scenario: {
      name: 'an intermittent endpoint: a bad edge node in some minutes',
      minutes: FLAP_PATTERN.length,
      timeline: intermittent('coral-pay', 'reset', FLAP_PATTERN),
    },
    pages: EXPECTED_FLAP_PAGES,
    firstPageAfterMinutes: 1,
    check: (r) => {
      // One incident per processor in any 15 minutes: exactly one page, the diagnosis.
      const fifteen = 15 * 60_000;
      const times = r.pages.map((p) => p.at);
      for (const t of times) expect(times.filter((u) => u >= t && u < t + fifteen)).toHaveLength(1);
      expect(r.pages.every((p) => p.source === 'diagnose')).toBe(true);
      // Damped, not blind: the endpoint kept failing in later minutes and the alarm held ALARM throughout.
      const handshake = r.transitions.filter(
        (t) => t.alarm.name === 'PayProbe-coral-pay-HandshakeFailing' && t.at >= r.onset,
      );
      expect(handshake.map((t) => t.current.value)).toEqual(['ALARM']);
    },
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
  {
    scenario: {
      name: 'a risky live setting: a sandbox root added to the production CA bundle',
      minutes: 3,
      // Every handshake still passes (the gateway root is still there); only the live audit notices.
      timeline: [
        at(
          0,
          setParameter(
            GATEWAY_CA_PARAMETER,
            (f) => `${f.gatewayCa.trim()}\n${f.sandboxCa.trim()}\n`,
            'a sandbox root is appended to the gateway CA bundle',
          ),
        ),
      ],
    },
    // One warning page per processor, from its live audit, and no CloudWatch notification of AuditFindings.
    pages: FLEET.map(
      () => /^\+0m warning other: \[WARNING\] (acme|bolt|coral)-pay: live audit - 1 new finding$/,
    ),
    firstPageAfterMinutes: 0,
    check: (r) => {
      const alarmed = r.transitions.filter((t) => t.current.value === 'ALARM' && t.at >= r.onset);
      expect(alarmed.map((t) => t.alarm.name).sort()).toEqual(
        FLEET.map((p) => `PayProbe-AuditFindings-${p}`).sort(),
      );
      expect(r.pages.map((p) => p.processor ?? /\] (\S+): live/.exec(p.subject)?.[1]).sort()).toEqual([
        ...FLEET,
      ]);
    },
  },
  {
    scenario: {
      name: 'the diagnose function is broken when a certificate expires: the page still arrives',
      minutes: 8,
      diagnoseEnvironment: {
        at: 0,
        what: "a deploy breaks the diagnose function's environment",
        environment: BROKEN_DIAGNOSE_ENVIRONMENT,
      },
      timeline: [at(0, serve('bolt-pay', 'expired'))],
    },
    // Each alarm event the function could not handle reaches the critical topic raw, through its failure
    // destination (Lambda's invocation record, in the order the alarms changed), and the function's own alarm
    // pages once its 5-minute period is evaluated.
    pages: [
      /^\+1m critical diagnose-failed: \(no subject\) \[PayProbe-bolt-pay-(HandshakeFailing|CertExpiring) ALARM\]$/,
      /^\+1m critical diagnose-failed: \(no subject\) \[PayProbe-bolt-pay-(HandshakeFailing|CertExpiring) ALARM\]$/,
      /^\+\dm critical alarm: ALARM: "PayProbe-DiagnoseErrors-PayProbe" in EU \(Ireland\)$/,
    ],
    firstPageAfterMinutes: 1,
    failingRole: 'diagnose',
    check: (r) => {
      const raw = r.pages.filter((p) => p.source === 'diagnose-failed');
      expect(raw.map((p) => p.alarmName).sort()).toEqual([
        'PayProbe-bolt-pay-CertExpiring',
        'PayProbe-bolt-pay-HandshakeFailing',
      ]);
      for (const p of raw) {
        const record = JSON.parse(p.message) as {
          requestContext: { condition: string; approximateInvokeCount: number };
          requestPayload: { detail: { alarmName: string; state: { value: string; reason: string } } };
          responsePayload: { errorType: string; errorMessage: string };
        };
        // What on-call reads: which alarm, its state and CloudWatch's reason, and why diagnose failed.
        expect(record.requestContext).toMatchObject({
          condition: 'RetriesExhausted',
          approximateInvokeCount: 1,
        });
        expect(record.requestPayload.detail.state.value).toBe('ALARM');
        expect(record.requestPayload.detail.state.reason).toMatch(/^Threshold Crossed/);
        expect(record.responsePayload.errorType).toBe('ConfigError');
        expect(record.responsePayload.errorMessage).toContain('PAYPROBE_PROCESSORS');
      }
    },
  },
  {
    scenario: {
      name: 'a maintenance window over an expiring certificate',
      minutes: 10,
      // The window opens a minute before the onset and outlasts the replay: CloudWatch's mute rule holds back
      // every action while it is open (an alarm still in ALARM when it closes notifies then).
      maintenance: [{ processors: ['bolt-pay'], from: -1, to: 30, reason: 'bolt-pay certificate swap' }],
      timeline: [at(0, serve('bolt-pay', 'expired')), at(8, serve('bolt-pay', 'healthy'))],
    },
    pages: [],
    firstPageAfterMinutes: null,
    check: (r) => {
      // Held back, not missed: bolt-pay's alarms went to ALARM while its probes kept publishing...
      const alarmed = r.transitions.filter((t) => t.current.value === 'ALARM' && t.at >= r.onset);
      expect(alarmed.map((t) => t.alarm.name).sort()).toEqual([
        'PayProbe-bolt-pay-CertExpiring',
        'PayProbe-bolt-pay-HandshakeFailing',
      ]);
      const probes = r.invocations.filter((i) => i.role === 'probe' && i.at >= r.onset);
      expect(probes.length).toBe(FLEET.length * 10);
      // ...and the diagnose function, which the mute does not stop, held its pages for the window.
      const diagnoses = r.invocations.filter((i) => i.role === 'diagnose' && i.at >= r.onset);
      expect(diagnoses.map((i) => i.response)).toEqual(
        alarmed.map((t) => ({
          action: 'ignored',
          reason: expect.stringMatching(
            new RegExp(
              `^alarm ${t.alarm.name}: bolt-pay is in maintenance\\[0\\] \\(bolt-pay certificate swap\\)`,
            ),
          ),
        })),
      );
    },
  },
  {
    scenario: {
      name: 'a failure that outlasts its maintenance window pages when the window ends',
      minutes: 6,
      maintenance: [{ processors: ['bolt-pay'], from: -1, to: 3, reason: 'bolt-pay certificate swap' }],
      timeline: [at(0, serve('bolt-pay', 'expired'))],
    },
    // The diagnose function held its pages inside the window; when it ends, CloudWatch runs the actions the mute
    // rule held back, onto the internal held-alarms topic the function subscribes to: the usual diagnosed pages
    // (one critical, plus the CertExpiring warning as outside a window), no raw notification (docs/deploy.md).
    pages: [
      /^\+3m critical diagnose: \[CRITICAL\] bolt-pay: TLS handshake failing - CERT_EXPIRED.* \[diagnosis CERT_EXPIRED\]$|^\+3m warning diagnose: \[WARNING\] bolt-pay: server certificate expiring - CERT_EXPIRED.* \[diagnosis CERT_EXPIRED\]$/,
      /^\+3m critical diagnose: \[CRITICAL\] bolt-pay: TLS handshake failing - CERT_EXPIRED.* \[diagnosis CERT_EXPIRED\]$|^\+3m warning diagnose: \[WARNING\] bolt-pay: server certificate expiring - CERT_EXPIRED.* \[diagnosis CERT_EXPIRED\]$/,
    ],
    firstPageAfterMinutes: 3,
    check: (r) => {
      expect(r.pages.filter((p) => p.source === 'alarm')).toEqual([]);
      const critical = r.pages.filter((p) => p.topic === 'critical');
      expect(critical.map((p) => [p.source, p.alarmName])).toEqual([
        ['diagnose', 'PayProbe-bolt-pay-HandshakeFailing'],
      ]);
      for (const page of r.pages) {
        expect(page.text).toContain(
          'The failure outlasted maintenance[0] (bolt-pay certificate swap), which ended at',
        );
      }
      // The pages came from the held notifications SNS delivered at the window's end (the EventBridge events
      // at the onset were held back inside the window).
      const delivered = r.invocations.filter(
        (i) =>
          i.role === 'diagnose' &&
          i.at >= r.onset &&
          (i.response as { action?: string } | undefined)?.action === 'published',
      );
      expect(delivered.map((i) => i.at - r.onset)).toEqual([3 * 60_000, 3 * 60_000]);
    },
  },
  {
    scenario: {
      name: 'payprobe page-test reaches the subscribers',
      minutes: 1,
      timeline: [at(0, runCli(['page-test', '--config', '{config}', '--severity', 'critical']))],
    },
    // Found from the deployed stack's outputs (the harness records the stack in moto's CloudFormation).
    pages: [`+0m critical page-test: ${testPageSubject('critical')}`],
    firstPageAfterMinutes: 0,
    check: (r) => {
      const [run] = r.cliRuns;
      expect(run?.exitCode).toBe(0);
      const [page] = r.pages;
      expect(run?.stdout).toContain(`sent a test page to ${page?.topicArn} (critical, stack PayProbe)`);
      expect(page?.text).toMatch(/^THIS IS A TEST PAGE\./);
      expect(page?.attributes).toMatchObject({ event: 'test', class: 'TEST', severity: 'critical' });
    },
  },
];
