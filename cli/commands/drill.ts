/**
 * `payprobe drill [SCENARIO]`: on-call practice with the real thing (docs/training.md). A scenario starts
 * processors on 127.0.0.1 with a throwaway PKI and an in-memory secret store, probes them healthy with the real
 * engine, breaks one thing as it broke in real life, probes again and shows the pages exactly as on-call would
 * receive them (the real page renderer, with what changed since the healthy run), plus the live audit's page
 * when the change is one it flags. Then it asks whose cause it is, ours or theirs (`--answer` for scripts),
 * tells what happened, shows the runbook and the fix, applies the fix and probes once more. Every listener is
 * stopped and nothing is written to disk, also on Ctrl-C. Exit 0 for the right answer, 1 for a wrong one.
 */
import { createInterface } from 'node:readline';
import { presentedChain } from '../../lambdas/core/audit/live/chain';
import { buildAuditPage } from '../../lambdas/core/audit/live/page';
import { auditLive } from '../../lambdas/core/audit/live/run';
import type { ProcessorConfig } from '../../lambdas/core/config/model';
import { type AlarmKindName, alarmName } from '../../lambdas/core/contract/alarm-names';
import { isHandshakeStage } from '../../lambdas/core/contract/classes';
import type { ProbeResult } from '../../lambdas/core/contract/result';
import { onAlarm } from '../../lambdas/core/diagnosis/incident';
import { buildIncidentNotification } from '../../lambdas/core/diagnosis/incident-page';
import {
  type AlarmStateChange,
  buildDiagnosisNotification,
  commandContext,
} from '../../lambdas/core/diagnosis/notification';
import { renderRunbookText, runbookFor, runbookLink } from '../../lambdas/core/diagnosis/runbooks';
import { rankChanges, snapshotChanges, snapshotOf } from '../../lambdas/core/diagnosis/snapshot';
import { correlate, verdictLine, verdictSettings } from '../../lambdas/core/diagnosis/verdict';
import type { HistoryView } from '../../lambdas/core/diagnosis/what-changed';
import { probe } from '../../lambdas/core/engine/probe';
import { SHOWN_MAX_BYTES, showUntrusted } from '../../lambdas/core/text/escape';
import { makeRedactor } from '../../lambdas/core/text/redact';
import {
  type DrillScenario,
  type DrillStage,
  drillCredentials,
  SCENARIOS,
  type Side,
  scenarioNamed,
} from '../../testbed/drill/scenarios';
import { type CliIo, EXIT, type OutputStream, UsageError } from '../io';
import { redactingStream } from '../output';

export interface DrillOptions {
  readonly list?: boolean;
  /** `ours` or `theirs`: answer without asking. */
  readonly answer?: string;
}

/** `payprobe drill [SCENARIO]`: --list, or one scenario played (exit 0 right answer, 1 wrong, 2 bad usage). */
export async function runDrill(id: string | undefined, opts: DrillOptions, io: CliIo): Promise<number> {
  if (opts.list || id === undefined) {
    io.stdout.write(listScenarios());
    return EXIT.ok;
  }
  const scenario = scenarioNamed(id);
  if (!scenario) {
    throw new UsageError(
      `unknown drill scenario "${id}"; scenarios: ${SCENARIOS.map((s) => s.id).join(', ')}`,
    );
  }
  const answer = opts.answer === undefined ? undefined : parseSide(opts.answer);
  return drill(io, scenario, answer);
}

function parseSide(s: string): Side {
  const v = s.trim().toLowerCase();
  if (v === 'ours' || v === 'theirs') return v;
  throw new UsageError(`--answer must be ours or theirs (got "${s}")`);
}

export function listScenarios(): string {
  const width = Math.max(...SCENARIOS.map((s) => s.id.length));
  return [
    'payprobe drill scenarios (npx payprobe drill SCENARIO [--answer ours|theirs]):',
    ...SCENARIOS.map(
      (s) => `  ${s.id.padEnd(width)}  ${s.title}${s.pending ? ` (not yet: ${s.pending})` : ''}`,
    ),
    '',
  ].join('\n');
}

/** The alarm that pages a failure of this stage (lambdas/core/contract/alarm-names.ts). */
function alarmKindFor(result: ProbeResult): AlarmKindName {
  // Proxy failures count as handshake failures (HANDSHAKE_STAGES) and page through HandshakeFailing.
  if (isHandshakeStage(result.stage)) return 'HandshakeFailing';
  if (result.stage === 'auth') return 'AuthRejected';
  return 'AvailabilityLow';
}

async function probeAll(stage: DrillStage): Promise<ProbeResult[]> {
  return Promise.all(stage.processors.map((p) => probe(p, { secrets: stage.secrets })));
}

function line(r: ProbeResult): string {
  return r.ok
    ? `  ${r.processor}: pass (${r.timings.totalMs} ms)`
    : `  ${r.processor}: ${r.class} at stage ${r.stage}`;
}

export async function drill(
  io: CliIo,
  scenario: DrillScenario,
  answer: Side | undefined,
  input: NodeJS.ReadableStream = process.stdin,
): Promise<number> {
  const started = Date.now();
  let stage: DrillStage | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    io.stderr.write(`\npayprobe drill: ${signal}, cleaning up\n`);
    void (stage?.close() ?? Promise.resolve()).finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    stage = await scenario.setup();
    const s = stage;
    // Every credential the drill made (the rotated one included) is masked, whatever prints it.
    const out = redactingStream(io.stdout, () => makeRedactor(drillCredentials()));
    return await play(out, scenario, s, answer, input, started);
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    await stage?.close();
  }
}

async function play(
  out: OutputStream,
  scenario: DrillScenario,
  stage: DrillStage,
  answer: Side | undefined,
  input: NodeJS.ReadableStream,
  started: number,
): Promise<number> {
  const w = (s = '') => out.write(`${s}\n`);
  w(`payprobe drill ${scenario.id}: ${scenario.title}`);
  w(
    `Training on 127.0.0.1: simulated processors, a throwaway PKI, the real probe engine and the real pages.`,
  );
  w('');
  w(`Setting: ${scenario.setting}`);
  w('');
  const healthy = await probeAll(stage);
  w('1. Before: every processor probed healthy');
  for (const r of healthy) w(line(r));
  await stage.breakIt();
  const broken = await probeAll(stage);
  const failing = broken.filter((r) => !r.ok);
  // The cross-processor verdict, as the diagnose Lambda and `payprobe check` reach it: the failures, and what
  // changed since each processor's healthy run (its last-good snapshot).
  const verdict = correlate(
    broken.map((r) => {
      const before = healthy.find((h) => h.processor === r.processor);
      return {
        processor: r.processor,
        ok: r.ok,
        stage: r.stage,
        class: r.class,
        since: r.ok ? null : r.startedAt,
        changes: before ? snapshotChanges(snapshotOf(before), snapshotOf(r)) : null,
        inputs: r.inputs,
        inputDates: r.inputDates ?? {},
      };
    }),
    stage.processors,
    { settings: verdictSettings() },
  );
  // The page the deployed diagnose function sends for each failing processor's alarm.
  const pageOf = (r: ProbeResult) => {
    const config = stage.processors.find((p) => p.name === r.processor) as ProcessorConfig;
    const kind = alarmKindFor(r);
    const before = healthy.find((h) => h.processor === r.processor);
    const now = new Date().toISOString();
    const alarm: AlarmStateChange = {
      alarmName: alarmName(r.processor, kind),
      time: now,
      state: { value: 'ALARM', reason: 'payprobe drill: the probe failed', timestamp: now },
      previousState: {
        value: 'OK',
        reason: 'payprobe drill: healthy',
        timestamp: before?.startedAt ?? now,
      },
    };
    // What the history store would hold: the healthy run as the last good probe.
    const history: HistoryView = before
      ? {
          status: 'known',
          lastGoodAt: before.startedAt,
          lastPassAt: before.startedAt,
          onset: r.startedAt,
          changes: rankChanges(snapshotChanges(snapshotOf(before), snapshotOf(r)), r.startedAt),
        }
      : { status: 'none' };
    const page = buildDiagnosisNotification({
      alarm,
      kind,
      processor: r.processor,
      result: r,
      config,
      baseline: before ? { inputs: before.inputs, at: before.startedAt } : null,
      history,
      verdict,
    });
    return { page, config, history, alarm };
  };
  // As deployed: processors failing alike open one incident (lambdas/core/diagnosis/incident.ts) and their
  // alarms fold into its one page; otherwise each failing processor pages alone.
  const first = failing[0];
  const opening = first ? pageOf(first) : undefined;
  const decision =
    first && opening
      ? onAlarm(new Map(), {
          alarm: opening.alarm.alarmName,
          processor: first.processor,
          verdict,
          now: new Date().toISOString(),
        })
      : { action: 'none' as const };
  const pages =
    decision.action === 'open' && verdict && first && opening
      ? [
          buildIncidentNotification({
            event: 'incident',
            incident: decision.next,
            verdict,
            joined: decision.added,
            members: failing.map((r) => ({ processor: r.processor, class: r.class, since: r.startedAt })),
            others: stage.processors.map((p) => p.name).filter((n) => !verdict.processors.includes(n)),
            alarm: opening.alarm,
            subject: {
              processor: first.processor,
              config: opening.config,
              history: opening.history,
              inputs: first.inputs,
            },
          }),
        ]
      : failing.map((r) => pageOf(r).page);
  w('');
  w(
    `2. Something changed. ${pages.length} page${pages.length === 1 ? '' : 's'} arrive${pages.length === 1 ? 's' : ''}, as on-call receives them${pages.length < failing.length ? ` (${failing.length} processors failing alike fold into one incident)` : ''}:`,
  );
  for (const [i, page] of pages.entries()) {
    w('');
    w(`----- page ${i + 1} of ${pages.length}: subject "${page.subject}" -----`);
    // Later pages up to their runbook, which is the first page's (and is shown again after your answer).
    const cut = i === 0 ? -1 : page.text.indexOf('\nRUNBOOK: ');
    w(cut < 0 ? page.text : `${page.text.slice(0, cut)}\n(the runbook follows, as on page 1)`);
  }
  if (verdict) {
    w('');
    w('----- the verdict across processors -----');
    w(`verdict: ${showUntrusted(verdictLine(verdict), SHOWN_MAX_BYTES.detail)}`);
  }
  // The live audit over the broken settings: what it would page on the warning topic.
  const auditPages: string[] = [];
  for (const [i, p] of stage.processors.entries()) {
    const report = await auditLive(p, { secrets: stage.secrets, serverChain: presentedChain(broken[i]) });
    const page = buildAuditPage({
      processor: p.name,
      at: report.at,
      trigger: 'drill',
      opened: report.paged,
      still: [],
      resolved: [],
    });
    if (page) auditPages.push(page.text);
  }
  if (auditPages.length > 0) {
    w('');
    w(
      `----- and on the warning topic, from the live audit (${auditPages.length} page${auditPages.length === 1 ? '' : 's'}) -----`,
    );
    w(auditPages[0] ?? '');
    if (auditPages.length > 1) w(`(... ${auditPages.length - 1} more like it, one per processor)`);
  }
  w('');
  w(
    '3. Your call: is the cause ours (our gateway, settings, certificates or credentials) or theirs (the processor)?',
  );
  const given = answer ?? (await ask(out, input));
  const right = given === scenario.answer;
  w(`   Your answer: ${given}. ${right ? 'Right' : `Not this time: it is ${scenario.answer}`}.`);
  w('');
  w(`What happened: ${scenario.story}`);
  const classes = [...new Set(failing.flatMap((r) => (r.class ? [r.class] : [])))];
  for (const cls of classes) {
    const config = stage.processors.find((p) =>
      failing.some((r) => r.processor === p.name && r.class === cls),
    );
    w('');
    w(`----- runbook: ${cls} -----`);
    w(
      renderRunbookText(runbookFor(cls), {
        ctx: commandContext(config, cls),
        link: runbookLink(cls),
        legend: false,
      }),
    );
  }
  w('');
  w(`4. The fix: ${scenario.fix}`);
  await stage.restore();
  const after = await probeAll(stage);
  for (const r of after) w(line(r));
  const restored = after.every((r) => r.ok);
  w('');
  w(
    `Drill ${right ? 'passed' : 'done'} in ${((Date.now() - started) / 1000).toFixed(1)} s; ${restored ? 'every processor healthy again' : 'NOT restored'}; listeners stopped, nothing written to disk.`,
  );
  return right && restored ? EXIT.ok : EXIT.failed;
}

/** Asks on the terminal (or reads lines from a pipe) until the answer is ours or theirs. */
async function ask(out: OutputStream, input: NodeJS.ReadableStream): Promise<Side> {
  const rl = createInterface({ input, terminal: false });
  const lines = rl[Symbol.asyncIterator]();
  try {
    for (;;) {
      out.write('   ours or theirs? ');
      const next = await lines.next();
      if (next.done) throw new UsageError('no answer: run again and answer ours or theirs, or pass --answer');
      const reply = String(next.value).trim().toLowerCase();
      if (reply === 'ours' || reply === 'theirs') return reply;
      out.write('   (type ours or theirs)\n');
    }
  } finally {
    rl.close();
  }
}
