/**
 * The diagnose Lambda's environment contract (set by lib/constructs/diagnosis.ts; names in
 * lambdas/core/contract/env-names.ts):
 * - PAYPROBE_PROCESSORS: JSON object, processor name -> deployed ProcessorConfig (as the probe Lambda's
 *   PAYPROBE_PROCESSOR; baseDir inside /var/task). Or, when that would not fit Lambda's 4 KB environment,
 * - PAYPROBE_PROCESSORS_FILE: path (relative to the code directory) of a bundled JSON file of the same shape.
 * - PAYPROBE_TOPIC_CRITICAL_ARN, PAYPROBE_TOPIC_WARNING_ARN: the topics the alarms notify.
 * - PAYPROBE_RUNBOOK_BASE_URL (optional): where docs/runbooks lives for the reader (a repository URL).
 * - PAYPROBE_SECRET_TTL_SECONDS (optional): as for the probe Lambda.
 * - PAYPROBE_MAINTENANCE (optional): JSON list of the maintenance windows of these processors, or
 *   PAYPROBE_MAINTENANCE_FILE, a bundled file of the same (lambdas/core/config/maintenance.ts).
 * - PAYPROBE_HISTORY_TABLE (optional): the history table (last passing probes, failures, incidents).
 * - PAYPROBE_GATEWAY (optional): the gateway whose gateway alarm this function diagnoses.
 * - PAYPROBE_VERDICT (optional): JSON `{ "minProcessors": 2, "windowMinutes": 10 }`, the config's `verdict`.
 * Every processor is validated by the one deployed-config parser (schema + deployed-reference rules).
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { MaintenanceWindow } from '../core/config/maintenance';
import { ConfigError, type ConfigIssue, type ProcessorConfig } from '../core/config/model';
import type { Severity } from '../core/contract/alarm-names';
import {
  ENV_MAINTENANCE,
  ENV_MAINTENANCE_FILE,
  ENV_PROCESSORS,
  ENV_PROCESSORS_FILE,
  ENV_RUNBOOK_BASE_URL,
  ENV_TOPIC_CRITICAL_ARN,
  ENV_TOPIC_WARNING_ARN,
  ENV_VERDICT,
} from '../core/contract/env-names';
import { DEFAULT_VERDICT, type VerdictSettings, verdictSettings } from '../core/diagnosis/verdict';
import {
  codeDirectory,
  type HistoryEnv,
  parseProcessorMap,
  readHistoryEnv,
  readSecretTtlSeconds,
} from '../glue/deployed-config';

export interface DiagnoseEnv extends HistoryEnv {
  readonly verdict: VerdictSettings;
  readonly processors: ReadonlyMap<string, ProcessorConfig>;
  readonly topics: Readonly<Record<Severity, string>>;
  readonly runbookBaseUrl?: string;
  readonly secretTtlSeconds: number;
  /** Maintenance windows: no page for a processor inside one. */
  readonly maintenance: readonly MaintenanceWindow[];
}

/** Reads and validates the whole environment. Throws ConfigError naming the variable and field. */
export function readDiagnoseEnv(env: NodeJS.ProcessEnv = process.env): DiagnoseEnv {
  const taskRoot = codeDirectory(env);
  const issues: ConfigIssue[] = [];
  const issue = (file: string, message: string) => issues.push({ file, path: '', message });

  let source = `environment variable ${ENV_PROCESSORS}`;
  let text = env[ENV_PROCESSORS];
  const file = env[ENV_PROCESSORS_FILE];
  let readable = true;
  if ((text === undefined || text === '') && file) {
    const abs = path.resolve(taskRoot, file);
    source = `${abs} (${ENV_PROCESSORS_FILE})`;
    try {
      text = readFileSync(abs, 'utf8');
    } catch (err) {
      readable = false;
      issue(source, `cannot read the file (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
    }
  }
  const processors = new Map<string, ProcessorConfig>();
  if (readable) {
    try {
      const setBy = `the CDK stack sets ${ENV_PROCESSORS} or ${ENV_PROCESSORS_FILE}`;
      for (const p of parseProcessorMap(text, { source, baseDir: taskRoot, setBy }))
        processors.set(p.name, p);
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      issues.push(...err.issues);
    }
  }

  const topic = (name: string): string => {
    const v = env[name];
    if (!v || !/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]+$/.test(v)) {
      issue(
        `environment variable ${name}`,
        v ? `"${v}" is not an SNS topic ARN` : 'not set: the CDK stack sets it to the topic ARN',
      );
      return '';
    }
    return v;
  };
  const topics = { critical: topic(ENV_TOPIC_CRITICAL_ARN), warning: topic(ENV_TOPIC_WARNING_ARN) };
  const secretTtlSeconds = readSecretTtlSeconds(env, issues);
  const maintenance = readMaintenance(env, taskRoot, issues);
  const history = readHistoryEnv(env, issues);
  const verdict = readVerdict(env[ENV_VERDICT], (m) => issue(`environment variable ${ENV_VERDICT}`, m));
  if (issues.length > 0) throw new ConfigError(issues);
  const base = env[ENV_RUNBOOK_BASE_URL];
  return {
    processors,
    topics,
    secretTtlSeconds,
    maintenance,
    verdict,
    ...history,
    ...(base ? { runbookBaseUrl: base } : {}),
  };
}

/** PAYPROBE_VERDICT: the defaults when unset; a problem is reported and the defaults returned. */
function readVerdict(text: string | undefined, problem: (message: string) => void): VerdictSettings {
  if (text === undefined || text === '') return verdictSettings();
  const expected = `expected JSON { "minProcessors": 2..1000, "windowMinutes": 1..120 } (defaults ${DEFAULT_VERDICT.minProcessors} and ${DEFAULT_VERDICT.windowMinutes})`;
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    problem(`not JSON: ${expected}`);
    return verdictSettings();
  }
  const o = (typeof data === 'object' && data !== null ? data : {}) as Record<string, unknown>;
  const whole = (v: unknown, lo: number, hi: number) =>
    v === undefined || (Number.isInteger(v) && (v as number) >= lo && (v as number) <= hi);
  const unknown = Object.keys(o).filter((k) => k !== 'minProcessors' && k !== 'windowMinutes');
  if (typeof data !== 'object' || data === null || Array.isArray(data) || unknown.length > 0) {
    problem(expected);
    return verdictSettings();
  }
  if (!whole(o.minProcessors, 2, 1000) || !whole(o.windowMinutes, 1, 120)) {
    problem(expected);
    return verdictSettings();
  }
  return verdictSettings({
    ...(o.minProcessors !== undefined ? { minProcessors: o.minProcessors as number } : {}),
    ...(o.windowMinutes !== undefined ? { windowMinutes: o.windowMinutes as number } : {}),
  });
}

/** The windows the stack set (already validated at synth): a list of { processors, reason, kind, ... }. */
function readMaintenance(
  env: NodeJS.ProcessEnv,
  taskRoot: string,
  issues: ConfigIssue[],
): MaintenanceWindow[] {
  let source = `environment variable ${ENV_MAINTENANCE}`;
  let text = env[ENV_MAINTENANCE];
  const file = env[ENV_MAINTENANCE_FILE];
  if (!text && file) {
    source = `${path.resolve(taskRoot, file)} (${ENV_MAINTENANCE_FILE})`;
    try {
      text = readFileSync(path.resolve(taskRoot, file), 'utf8');
    } catch (err) {
      issues.push({
        file: source,
        path: '',
        message: `cannot read the file (${(err as NodeJS.ErrnoException).code})`,
      });
      return [];
    }
  }
  if (!text) return [];
  try {
    const list = JSON.parse(text) as unknown;
    const valid =
      Array.isArray(list) &&
      list.every(
        (w) =>
          typeof w === 'object' &&
          w !== null &&
          Array.isArray((w as MaintenanceWindow).processors) &&
          ((w as MaintenanceWindow).kind === 'once' || (w as MaintenanceWindow).kind === 'recurring'),
      );
    if (valid) return list as MaintenanceWindow[];
  } catch {
    // reported below
  }
  issues.push({
    file: source,
    path: '',
    message:
      "not a JSON list of maintenance windows: the CDK stack sets it from the config's maintenance section",
  });
  return [];
}
