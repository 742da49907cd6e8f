/**
 * The diagnose Lambda's environment contract (set by lib/diagnosis.ts):
 * - PAYPROBE_PROCESSORS: JSON object, processor name -> deployed ProcessorConfig (as the probe Lambda's
 *   PAYPROBE_PROCESSOR; baseDir inside /var/task). Or, when that would not fit Lambda's 4 KB environment,
 * - PAYPROBE_PROCESSORS_FILE: path (relative to the code directory) of a bundled JSON file of the same shape.
 * - PAYPROBE_TOPIC_CRITICAL_ARN, PAYPROBE_TOPIC_WARNING_ARN: the topics the alarms notify.
 * - PAYPROBE_RUNBOOK_BASE_URL (optional): where docs/runbooks lives for the reader (a repository URL).
 * - PAYPROBE_SECRET_TTL_SECONDS (optional): as for the probe Lambda.
 * Every processor is validated with the probe Lambda's own parser (schema + deployed-reference rules).
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { ConfigError, type ConfigIssue, type ProcessorConfig } from '../core/config/model';
import type { Severity } from '../core/contract/alarm-names';
import {
  DEFAULT_SECRET_TTL_SECONDS,
  ENV_SECRET_TTL_SECONDS,
  MAX_SECRET_TTL_SECONDS,
  parseProcessorEnv,
} from '../shared/processor-env';

export const ENV_PROCESSORS = 'PAYPROBE_PROCESSORS';
export const ENV_PROCESSORS_FILE = 'PAYPROBE_PROCESSORS_FILE';
export const ENV_TOPIC_CRITICAL = 'PAYPROBE_TOPIC_CRITICAL_ARN';
export const ENV_TOPIC_WARNING = 'PAYPROBE_TOPIC_WARNING_ARN';
export const ENV_RUNBOOK_BASE_URL = 'PAYPROBE_RUNBOOK_BASE_URL';

export interface DiagnoseEnv {
  readonly processors: ReadonlyMap<string, ProcessorConfig>;
  readonly topics: Readonly<Record<Severity, string>>;
  readonly runbookBaseUrl?: string;
  readonly secretTtlSeconds: number;
}

/** Reads and validates the whole environment. Throws ConfigError naming the variable and field. */
export function readDiagnoseEnv(env: NodeJS.ProcessEnv = process.env): DiagnoseEnv {
  const taskRoot = env.LAMBDA_TASK_ROOT ?? process.cwd();
  const issues: ConfigIssue[] = [];
  const issue = (file: string, message: string, at = '') => issues.push({ file, path: at, message });

  let source = `environment variable ${ENV_PROCESSORS}`;
  let text = env[ENV_PROCESSORS];
  const file = env[ENV_PROCESSORS_FILE];
  if ((text === undefined || text === '') && file) {
    const abs = path.resolve(taskRoot, file);
    source = `${abs} (${ENV_PROCESSORS_FILE})`;
    try {
      text = readFileSync(abs, 'utf8');
    } catch (err) {
      issue(source, `cannot read the file (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
    }
  }
  const processors = new Map<string, ProcessorConfig>();
  if (text === undefined || text === '') {
    if (issues.length === 0)
      issue(source, `not set: the CDK stack sets ${ENV_PROCESSORS} or ${ENV_PROCESSORS_FILE}`);
  } else {
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch (err) {
      issue(source, `not valid JSON (${(err as Error).message.split('\n')[0]})`);
    }
    if (data !== undefined && (typeof data !== 'object' || data === null || Array.isArray(data))) {
      issue(source, 'expected a JSON object: processor name -> processor config');
    } else if (data !== undefined) {
      for (const [name, cfg] of Object.entries(data as Record<string, unknown>)) {
        try {
          const p = parseProcessorEnv(JSON.stringify(cfg), taskRoot);
          if (p.name !== name) issue(source, `the key "${name}" names a processor called "${p.name}"`, name);
          else processors.set(name, p);
        } catch (err) {
          if (!(err instanceof ConfigError)) throw err;
          for (const i of err.issues) issue(source, i.message, `${name}${i.path ? `.${i.path}` : ''}`);
        }
      }
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
  const topics = { critical: topic(ENV_TOPIC_CRITICAL), warning: topic(ENV_TOPIC_WARNING) };

  let secretTtlSeconds = DEFAULT_SECRET_TTL_SECONDS;
  const ttl = env[ENV_SECRET_TTL_SECONDS];
  if (ttl !== undefined && ttl !== '') {
    const n = Number(ttl);
    if (!Number.isInteger(n) || n < 0 || n > MAX_SECRET_TTL_SECONDS) {
      issue(
        `environment variable ${ENV_SECRET_TTL_SECONDS}`,
        `"${ttl}" is not a whole number of seconds from 0 to ${MAX_SECRET_TTL_SECONDS}`,
      );
    } else {
      secretTtlSeconds = n;
    }
  }
  if (issues.length > 0) throw new ConfigError(issues);
  const base = env[ENV_RUNBOOK_BASE_URL];
  return { processors, topics, secretTtlSeconds, ...(base ? { runbookBaseUrl: base } : {}) };
}
