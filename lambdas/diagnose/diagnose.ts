/**
 * The diagnose Lambda's core: an alarm state change in, at most one SNS Publish out.
 *
 * - ALARM: re-probe the alarm's processor at once with the real engine and publish the diagnosis (class,
 *   detail, chain, timings, input changes, runbook) to the alarm's severity topic. A re-probe that passes is
 *   published too ("re-probe passed": flapping or just recovered), with the alarm's reason.
 * - OK after ALARM: a short RESOLVED page with the time spent in ALARM.
 * - Anything else (OK after INSUFFICIENT_DATA, an alarm that is not payprobe's or names a processor this
 *   function does not know): nothing is published.
 * - Maintenance: no page for an ALARM of a processor inside one of its maintenance windows (the alarm's own
 *   notification is held by the window's mute rule), and no RESOLVED for an ALARM that began and ended inside
 *   one. An ALARM that outlasts its window was paged when the window closed (the mute rule runs the held
 *   action then), so its recovery gets a RESOLVED.
 *
 * The alarm's own SNS action pages regardless: this adds the diagnosis, it is never the only page.
 */
import { PublishCommand, type PublishCommandInput, type SNSClient } from '@aws-sdk/client-sns';
import { activeMaintenance, type MaintenanceWindow } from '../core/config/maintenance';
import type { ProcessorConfig } from '../core/config/model';
import { ALARM_KINDS, type AlarmKindName, parseAlarmName, type Severity } from '../core/contract/alarm-names';
import type { Engine } from '../core/contract/engine';
import { crashResult, type ProbeResult } from '../core/contract/result';
import {
  type AlarmStateChange,
  buildDiagnosisNotification,
  buildResolvedNotification,
  type InputsBaseline,
  type Notification,
  parseAlarmTime,
  structuredMessage,
} from '../core/diagnosis/notification';
import { recentProbes } from '../core/diagnosis/recent-probes';
import type { SecretResolver } from '../core/secrets/resolver';
import { makeRedactor } from '../core/text/redact';
import { parseAlarmEvent } from './alarm-event';

/** A resolver that can list the secret values it read, for the last-line redaction of the page. */
export type DiagnoseSecrets = SecretResolver & { sensitiveValues?(): readonly string[] };

/** The last passing probe's inputs per processor: module scope in the Lambda (lost on a cold start). */
export interface InputsMemory {
  get(processor: string): InputsBaseline | null;
  remember(processor: string, result: ProbeResult): void;
}

export function inMemoryInputs(): InputsMemory {
  const last = new Map<string, InputsBaseline>();
  return {
    get: (processor) => last.get(processor) ?? null,
    remember: (processor, result) => {
      if (result.ok) last.set(processor, { inputs: result.inputs, at: result.startedAt });
    },
  };
}

/** The Powertools Logger's shape, narrowed to what diagnose uses. */
export interface DiagnoseLogger {
  info(message: string, extra: { [key: string]: unknown }): void;
  error(message: string, extra: { [key: string]: unknown }): void;
}

export interface DiagnoseDeps {
  readonly processors: ReadonlyMap<string, ProcessorConfig>;
  readonly topics: Readonly<Record<Severity, string>>;
  readonly sns: SNSClient;
  readonly secrets: DiagnoseSecrets;
  /** The probe engine (lambdas/core/engine/probe.ts) or a test's stand-in. */
  readonly engine: Engine;
  readonly memory: InputsMemory;
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
      readonly messageId?: string;
    }
  | { readonly action: 'ignored'; readonly reason: string };

/** Handles one EventBridge event. Throws only when publishing fails (so the function's Errors alarm fires). */
export async function handleAlarmEvent(event: unknown, deps: DiagnoseDeps): Promise<DiagnoseOutcome> {
  const alarm = parseAlarmEvent(event);
  if (!alarm) return ignored(deps, 'not a CloudWatch alarm state change event');
  const parsed = parseAlarmName(alarm.alarmName);
  if (!parsed) return ignored(deps, `alarm ${alarm.alarmName} is not a payprobe alarm`);
  const config = deps.processors.get(parsed.processor);
  if (!config)
    return ignored(
      deps,
      `alarm ${alarm.alarmName}: processor "${parsed.processor}" is not diagnosed by this function`,
    );

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
    return publish(
      deps,
      parsed.kind,
      buildResolvedNotification({ alarm, kind: parsed.kind, processor: config.name }),
    );
  }
  return ignored(
    deps,
    `alarm ${alarm.alarmName}: ${alarm.previousState.value} -> ${alarm.state.value} needs no page`,
  );
}

async function diagnose(
  alarm: AlarmStateChange,
  kind: AlarmKindName,
  config: ProcessorConfig,
  deps: DiagnoseDeps,
): Promise<DiagnoseOutcome> {
  const now = deps.now ?? Date.now;
  const started = now();
  let result: ProbeResult;
  let crashed: unknown;
  try {
    result = await deps.engine(config, { secrets: deps.secrets });
  } catch (err) {
    // Only broken configuration throws; anything else is a bug, reported as a failure and re-thrown below.
    crashed = err;
    result = crashResult(
      config.name,
      err,
      started,
      now(),
      makeRedactor(deps.secrets.sensitiveValues?.() ?? []),
    );
  }
  const baseline = deps.memory.get(config.name);
  deps.memory.remember(config.name, result);
  // Masked before the page bounds long server text: a cut must never leave a piece of a secret behind.
  const masked = makeRedactor(deps.secrets.sensitiveValues?.() ?? []).value(result);
  // Intermittent: the alarm's own window shows passes after the first failure, or the re-probe passed after
  // a window of mostly passing probes (a window of failures and a passing re-probe may just have recovered).
  const recent = recentProbes(kind, alarm.state);
  const intermittent =
    recent && recent.failing > 0 && (recent.intermittent || (result.ok && recent.failing < recent.total))
      ? { failing: recent.failing, total: recent.total }
      : undefined;
  const notification = buildDiagnosisNotification({
    alarm,
    kind,
    processor: config.name,
    result: masked,
    config,
    baseline,
    ...(intermittent ? { intermittent } : {}),
    ...(deps.runbookBaseUrl ? { runbookBaseUrl: deps.runbookBaseUrl } : {}),
  });
  const outcome = await publish(deps, kind, notification);
  if (crashed !== undefined && !(crashed instanceof Error && /SecretError|ConfigError/.test(crashed.name))) {
    deps.logger?.error('the probe engine threw during the re-probe; the page was published as a failure', {
      processor: config.name,
      class: result.class,
    });
    throw new Error(`diagnose: the probe engine threw for ${config.name} (page published): ${result.detail}`);
  }
  return outcome;
}

/** The Publish call: the alarm's severity topic, MessageStructure json, attributes for filter policies. */
export function publishInput(topicArn: string, n: Notification): PublishCommandInput {
  return {
    TopicArn: topicArn,
    Subject: n.subject,
    MessageStructure: 'json',
    Message: structuredMessage(n),
    MessageAttributes: Object.fromEntries(
      Object.entries(n.attributes).map(([k, v]) => [k, { DataType: 'String', StringValue: String(v) }]),
    ),
  };
}

async function publish(deps: DiagnoseDeps, kind: AlarmKindName, raw: Notification): Promise<DiagnoseOutcome> {
  const severity = ALARM_KINDS[kind].severity;
  const topicArn = deps.topics[severity];
  // Last line of defence: the engine never puts a secret in a result, but mask every value the resolver read.
  const redact = makeRedactor(deps.secrets.sensitiveValues?.() ?? []);
  const n = redact.value(raw);
  const out = await deps.sns.send(new PublishCommand(publishInput(topicArn, n)));
  deps.logger?.info('page published', {
    subject: n.subject,
    topicArn,
    attributes: n.attributes,
    messageId: out.MessageId,
  });
  return {
    action: 'published',
    subject: n.subject,
    topicArn,
    ...(out.MessageId ? { messageId: out.MessageId } : {}),
  };
}

function ignored(deps: DiagnoseDeps, reason: string): DiagnoseOutcome {
  deps.logger?.info('event ignored', { reason });
  return { action: 'ignored', reason };
}
