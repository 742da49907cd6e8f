/**
 * The diagnose Lambda's core: an alarm state change in, at most one SNS Publish out.
 *
 * - ALARM: re-probe the alarm's processor at once with the real engine while reading the history table
 *   (./incidents.ts), then say what changed since the last passing probe and reach the verdict across
 *   processors (lambdas/core/diagnosis/verdict.ts). When two or more processors fail alike, the alarm joins the
 *   cross-processor incident (lambdas/core/diagnosis/incident.ts): one page when it opens, one when a processor
 *   joins, nothing for an alarm of a processor already in it. Otherwise the processor's own page goes to the
 *   alarm's severity topic (with "the processor's side" when only its server facts changed). A re-probe that
 *   passes is paged too ("re-probe passed": flapping or just recovered).
 * - OK after ALARM: an alarm of an incident leaves it silently, the last one sends the incident's RESOLVED;
 *   any other alarm gets its own short RESOLVED page.
 * - The gateway alarm (how many processors fail at once): ./gateway.ts.
 * - Anything else (OK after INSUFFICIENT_DATA, an alarm that is not payprobe's or names a processor this
 *   function does not know): nothing is published.
 * - Maintenance: no page for an ALARM of a processor inside one of its maintenance windows (the alarm's own
 *   notification is held by the window's mute rule), and no RESOLVED for an ALARM that began and ended inside
 *   one. An ALARM that outlasts its window pages when the window closes: the mute rule runs the alarm's held
 *   action then, a notification on the held-alarms topic this function subscribes to (./held.ts decides), so
 *   its recovery gets a RESOLVED.
 *
 * With the history table slow or down, every page still goes out, on time, alone, saying history is
 * unavailable.
 */
import type { SNSClient } from '@aws-sdk/client-sns';
import { activeMaintenance, type MaintenanceWindow } from '../core/config/maintenance';
import type { ProcessorConfig } from '../core/config/model';
import {
  ALARM_KINDS,
  type AlarmKindName,
  INCIDENT_KINDS,
  parseAlarmName,
  parseGatewayAlarmName,
  type Severity,
} from '../core/contract/alarm-names';
import type { Engine } from '../core/contract/engine';
import { crashResult, type ProbeResult } from '../core/contract/result';
import type { HistoryStore } from '../core/diagnosis/history';
import { onAlarm, onOk } from '../core/diagnosis/incident';
import { buildIncidentResolvedNotification } from '../core/diagnosis/incident-page';
import {
  type AlarmStateChange,
  buildDiagnosisNotification,
  buildResolvedNotification,
  evaluatedWindowStart,
  type Notification,
  parseAlarmTime,
} from '../core/diagnosis/notification';
import { recentProbes } from '../core/diagnosis/recent-probes';
import { correlate, type VerdictSettings, verdictSettings } from '../core/diagnosis/verdict';
import type { SecretResolver } from '../core/secrets/resolver';
import { makeRedactor } from '../core/text/redact';
import { parseAlarmInput } from './alarm-event';
import { handleGatewayAlarm } from './gateway';
import { heldNotification, type OutlastedWindow } from './held';
import { observations, readHistory, type Subject, settle, subjectOf } from './incidents';
import { folded, ignored, publish, publishIncident } from './publish';

/** A resolver that can list the secret values it read, for the last-line redaction of the page. */
export type DiagnoseSecrets = SecretResolver & { sensitiveValues?(): readonly string[] };

/** The Powertools Logger's shape, narrowed to what diagnose uses. */
export interface DiagnoseLogger {
  info(message: string, extra: { [key: string]: unknown }): void;
  warn?(message: string, extra: { [key: string]: unknown }): void;
  error(message: string, extra: { [key: string]: unknown }): void;
}

export interface DiagnoseDeps {
  readonly processors: ReadonlyMap<string, ProcessorConfig>;
  readonly topics: Readonly<Record<Severity, string>>;
  readonly sns: SNSClient;
  readonly secrets: DiagnoseSecrets;
  /** The probe engine (lambdas/core/engine/probe.ts) or a test's stand-in. */
  readonly engine: Engine;
  /** The history table (last passing probes, failures, incidents). @default none: pages say history is off */
  readonly history?: HistoryStore;
  /** The verdict's settings (config `verdict`). @default verdictSettings() */
  readonly verdict?: VerdictSettings;
  /** The gateway this function diagnoses (its gateway alarm's name). @default any gateway alarm */
  readonly gateway?: string;
  readonly runbookBaseUrl?: string;
  /** Maintenance windows of the processors: no page inside one. @default none */
  readonly maintenance?: readonly MaintenanceWindow[];
  readonly logger?: DiagnoseLogger;
  /** @default Date.now */
  readonly now?: () => number;
}

export type DiagnoseOutcome =
  | {
      readonly action: 'published';
      readonly subject: string;
      readonly topicArn: string;
      readonly event: Notification['attributes']['event'];
      readonly messageId?: string;
    }
  /** The alarm joined (or left) a cross-processor incident whose page says it all: nothing published. */
  | { readonly action: 'folded'; readonly incident: string; readonly reason: string }
  | { readonly action: 'ignored'; readonly reason: string };

/**
 * Handles one EventBridge event or SNS-delivered alarm notification. Throws only when publishing fails (so the
 * function's Errors alarm fires).
 */
export async function handleAlarmEvent(event: unknown, deps: DiagnoseDeps): Promise<DiagnoseOutcome> {
  const input = parseAlarmInput(event);
  if (!input) return ignored(deps, 'not a CloudWatch alarm state change event or alarm notification');
  const { alarm } = input;
  const gateway = parseGatewayAlarmName(alarm.alarmName);
  if (gateway !== undefined) {
    if (input.via === 'notification')
      return ignored(deps, `notification of ${alarm.alarmName}: the gateway alarm pages through its event`);
    if (deps.gateway !== undefined && gateway !== deps.gateway)
      return ignored(
        deps,
        `alarm ${alarm.alarmName} is another gateway's (this function's: ${deps.gateway})`,
      );
    return handleGatewayAlarm(alarm, gateway, deps);
  }
  const parsed = parseAlarmName(alarm.alarmName);
  if (!parsed) return ignored(deps, `alarm ${alarm.alarmName} is not a payprobe alarm`);
  const config = deps.processors.get(parsed.processor);
  if (!config)
    return ignored(
      deps,
      `alarm ${alarm.alarmName}: processor "${parsed.processor}" is not diagnosed by this function`,
    );

  if (input.via === 'notification') {
    const now = (deps.now ?? Date.now)();
    const decision = heldNotification(alarm, config.name, deps.maintenance ?? [], now);
    if (!decision.page) return ignored(deps, decision.reason);
    return diagnose(alarm, parsed.kind, config, deps, decision.window);
  }
  const held = (ts: string) => {
    const at = parseAlarmTime(ts)?.getTime() ?? Date.parse(alarm.time);
    return activeMaintenance(deps.maintenance ?? [], config.name, at);
  };
  if (alarm.state.value === 'ALARM') {
    const hold = held(alarm.state.timestamp);
    if (hold) {
      return ignored(
        deps,
        `alarm ${alarm.alarmName}: ${config.name} is in maintenance[${hold.window.index}] (${hold.window.reason}) until ${new Date(hold.end).toISOString()}: no page`,
      );
    }
    return diagnose(alarm, parsed.kind, config, deps);
  }
  if (alarm.state.value === 'OK' && alarm.previousState.value === 'ALARM') {
    const hold = held(alarm.previousState.timestamp);
    const okAt = parseAlarmTime(alarm.state.timestamp)?.getTime() ?? Date.parse(alarm.time);
    if (hold && okAt < hold.end) {
      return ignored(
        deps,
        `alarm ${alarm.alarmName}: its ALARM began in maintenance[${hold.window.index}] (${hold.window.reason}) and was never paged: no RESOLVED`,
      );
    }
    return resolve(alarm, parsed.kind, config, deps);
  }
  return ignored(
    deps,
    `alarm ${alarm.alarmName}: ${alarm.previousState.value} -> ${alarm.state.value} needs no page`,
  );
}

/** The re-probe; an engine that throws becomes a failure result (and the error, to re-throw after paging). */
async function reprobe(
  config: ProcessorConfig,
  deps: DiagnoseDeps,
): Promise<{ result: ProbeResult; crashed?: unknown }> {
  const now = deps.now ?? Date.now;
  const started = now();
  try {
    return { result: await deps.engine(config, { secrets: deps.secrets }) };
  } catch (err) {
    // Only broken configuration throws; anything else is a bug, reported as a failure and re-thrown below.
    const redact = makeRedactor(deps.secrets.sensitiveValues?.() ?? []);
    return { result: crashResult(config.name, err, started, now(), redact), crashed: err };
  }
}

/** The alarm's own idea of the onset: the start of the datapoints it evaluated, else its state change. */
export function alarmOnset(alarm: AlarmStateChange): string | null {
  return evaluatedWindowStart(alarm.state) ?? parseAlarmTime(alarm.state.timestamp)?.toISOString() ?? null;
}

async function diagnose(
  alarm: AlarmStateChange,
  kind: AlarmKindName,
  config: ProcessorConfig,
  deps: DiagnoseDeps,
  outlasted?: OutlastedWindow,
): Promise<DiagnoseOutcome> {
  const now = deps.now ?? Date.now;
  const configs = [...deps.processors.values()];
  // The history read runs beside the re-probe (and is bounded): a slow table never delays the page much.
  const [{ result: raw, crashed }, read] = await Promise.all([
    reprobe(config, deps),
    readHistory(
      deps.history,
      configs.map((c) => c.name),
    ),
  ]);
  // Masked before the page bounds long server text: a cut must never leave a piece of a secret behind.
  const result = makeRedactor(deps.secrets.sensitiveValues?.() ?? []).value(raw);
  // Intermittent: the alarm's own window shows passes after the first failure, or the re-probe passed after
  // a window of mostly passing probes (a window of failures and a passing re-probe may just have recovered).
  const recent = recentProbes(kind, alarm.state);
  const intermittent =
    recent && recent.failing > 0 && (recent.intermittent || (result.ok && recent.failing < recent.total))
      ? { failing: recent.failing, total: recent.total }
      : undefined;
  const nowMs = now();
  const subject = subjectOf(read, result, alarmOnset(alarm), nowMs);
  const verdict =
    read.status === 'ok'
      ? correlate(observations(configs, read.records, nowMs, subject), configs, {
          subject: config.name,
          settings: deps.verdict ?? verdictSettings(),
        })
      : null;

  let outcome: DiagnoseOutcome | undefined;
  if (INCIDENT_KINDS.has(kind) && read.status === 'ok' && deps.history) {
    const settled = await settle(deps.history, (incidents) =>
      onAlarm(incidents, {
        alarm: alarm.alarmName,
        processor: config.name,
        verdict,
        now: new Date(nowMs).toISOString(),
      }),
    );
    if (settled.status === 'unavailable') {
      deps.logger?.warn?.('incident record unavailable; paging the processor alone', {
        reason: settled.reason,
      });
    } else if (settled.status === 'written') {
      outcome = await publishIncident(deps, {
        decision: settled.decision,
        verdict,
        alarm,
        configs,
        records: read.records,
        observations: observations(configs, read.records, nowMs, subject),
        nowMs,
      });
    }
  }
  outcome ??= await publish(
    deps,
    ALARM_KINDS[kind].severity,
    processorPage(alarm, kind, config, subject, verdict, deps, intermittent, outlasted),
  );
  if (crashed !== undefined && !(crashed instanceof Error && /SecretError|ConfigError/.test(crashed.name))) {
    deps.logger?.error('the probe engine threw during the re-probe; the page was published as a failure', {
      processor: config.name,
      class: result.class,
    });
    throw new Error(`diagnose: the probe engine threw for ${config.name} (page published): ${result.detail}`);
  }
  return outcome;
}

/** The processor's own page: re-probe, what changed, and the verdict when it is on the processor's side. */
function processorPage(
  alarm: AlarmStateChange,
  kind: AlarmKindName,
  config: ProcessorConfig,
  subject: Subject,
  verdict: ReturnType<typeof correlate>,
  deps: DiagnoseDeps,
  intermittent?: { readonly failing: number; readonly total: number },
  outlasted?: OutlastedWindow,
): Notification {
  return buildDiagnosisNotification({
    alarm,
    kind,
    processor: config.name,
    result: subject.result,
    config,
    history: subject.view,
    verdict: verdict && verdict.processors.length === 1 && verdict.scope === 'theirs' ? verdict : null,
    baseline: subject.good ? { inputs: subject.good.inputs, at: subject.good.at } : null,
    ...(intermittent ? { intermittent } : {}),
    ...(outlasted ? { outlastedMaintenance: outlasted } : {}),
    ...(deps.runbookBaseUrl ? { runbookBaseUrl: deps.runbookBaseUrl } : {}),
  });
}

async function resolve(
  alarm: AlarmStateChange,
  kind: AlarmKindName,
  config: ProcessorConfig,
  deps: DiagnoseDeps,
): Promise<DiagnoseOutcome> {
  if (INCIDENT_KINDS.has(kind) && deps.history) {
    const now = new Date((deps.now ?? Date.now)()).toISOString();
    const settled = await settle(deps.history, (incidents) => onOk(incidents, alarm.alarmName, now));
    if (settled.status === 'written') {
      const d = settled.decision;
      if (d.action === 'resolve') {
        return publish(deps, 'critical', buildIncidentResolvedNotification({ incident: d.next, alarm }));
      }
      return folded(
        deps,
        d.next.id,
        `${alarm.alarmName} left incident ${d.next.id}; others are still failing`,
      );
    }
    if (settled.status === 'unavailable') {
      deps.logger?.warn?.('incident record unavailable; resolving the processor alone', {
        reason: settled.reason,
      });
    }
  }
  return publish(
    deps,
    ALARM_KINDS[kind].severity,
    buildResolvedNotification({ alarm, kind, processor: config.name }),
  );
}

export { folded, ignored, publish, publishInput } from './publish';
