/**
 * The one parser for the config the CDK stack deploys into a function: one processor in the probe function's
 * PAYPROBE_PROCESSOR, a map of processors (name -> config) in the diagnose function's PAYPROBE_PROCESSORS or
 * its bundled file, and in the preflight resource's ProcessorsJson property. The stack writes each processor
 * with defaults and preset already merged and `baseDir` inside the bundle (docs/lambda.md "Environment
 * contract").
 *
 * Each processor is validated again with the config file's own schema, so a stack built from a broken or
 * mis-serialised config fails loudly (ConfigError naming the variable or property, the processor and the
 * field) instead of probing something else. Deployed-config rules on top: no `{ env }` references (a
 * function's environment holds no secrets) and `{ file }` references only inside the bundle (relative, no
 * "..").
 */
import * as path from 'node:path';
import { ConfigError, type ConfigIssue, type ProcessorConfig, validateConfig } from '../core/config/model';
import { configReferences } from '../core/config/references';
import { PROCESSOR_NAME } from '../core/config/schema';
import {
  ENV_GATEWAY,
  ENV_HISTORY_TABLE,
  ENV_PROCESSOR,
  ENV_SECRET_TTL_SECONDS,
} from '../core/contract/env-names';
import {
  DEFAULT_SECRET_TTL_SECONDS,
  LAMBDA_TASK_ROOT,
  MAX_SECRET_TTL_SECONDS,
} from '../core/policy/deployment';

/** Where PAYPROBE_PROCESSOR's problems are reported. */
const PROCESSOR_SOURCE = `environment variable ${ENV_PROCESSOR}`;

/**
 * Parses PAYPROBE_PROCESSOR: JSON of one ProcessorConfig. `defaultBaseDir` (LAMBDA_TASK_ROOT) applies when
 * the JSON names no baseDir. Throws ConfigError naming the variable and the field.
 */
export function parseProcessorEnv(value: string | undefined, defaultBaseDir: string): ProcessorConfig {
  const data = parseJson(
    value,
    PROCESSOR_SOURCE,
    'the CDK stack sets it to the JSON of one processor config',
  );
  return parseProcessor(data, PROCESSOR_SOURCE, defaultBaseDir);
}

export interface ProcessorMapOptions {
  /** Names the text in messages: a variable, a file or a resource property. */
  readonly source: string;
  /** Code directory for processors whose JSON names no baseDir. */
  readonly baseDir: string;
  /** What sets the text, for the message when it is missing. */
  readonly setBy: string;
}

/**
 * Parses a JSON object of processor name -> deployed processor config, every processor validated as
 * parseProcessorEnv validates one. Throws one ConfigError with every problem (paths `<name>.<field>`).
 */
export function parseProcessorMap(text: string | undefined, options: ProcessorMapOptions): ProcessorConfig[] {
  const { source } = options;
  const data = parseJson(text, source, options.setBy);
  if (!isObject(data)) return fail(source, 'expected a JSON object: processor name -> processor config');
  const entries = Object.entries(data);
  if (entries.length === 0) return fail(source, 'no processors');
  const issues: ConfigIssue[] = [];
  const out: ProcessorConfig[] = [];
  for (const [name, value] of entries) {
    try {
      const p = parseProcessor(value, source, options.baseDir);
      if (p.name === name) out.push(p);
      else
        issues.push({
          file: source,
          path: name,
          message: `the key "${name}" names a processor called "${p.name}"`,
        });
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      for (const i of err.issues) issues.push({ ...i, path: i.path ? `${name}.${i.path}` : name });
    }
  }
  if (issues.length > 0) throw new ConfigError(issues);
  return out;
}

/**
 * PAYPROBE_SECRET_TTL_SECONDS: DEFAULT_SECRET_TTL_SECONDS when unset; a problem is added to `issues` (so it
 * is reported together with the others) and the default returned.
 */
export function readSecretTtlSeconds(env: NodeJS.ProcessEnv, issues: ConfigIssue[]): number {
  const ttl = env[ENV_SECRET_TTL_SECONDS];
  if (ttl === undefined || ttl === '') return DEFAULT_SECRET_TTL_SECONDS;
  const n = Number(ttl);
  if (Number.isInteger(n) && n >= 0 && n <= MAX_SECRET_TTL_SECONDS) return n;
  issues.push({
    file: `environment variable ${ENV_SECRET_TTL_SECONDS}`,
    path: '',
    message: `"${ttl}" is not a whole number of seconds from 0 to ${MAX_SECRET_TTL_SECONDS}`,
  });
  return DEFAULT_SECRET_TTL_SECONDS;
}

/** The history and gateway settings of a probe or diagnose function (both optional). */
export interface HistoryEnv {
  /** PAYPROBE_HISTORY_TABLE: the table name, when the stack has a history table. */
  readonly historyTable?: string;
  /** PAYPROBE_GATEWAY: the gateway's name. */
  readonly gateway?: string;
}

/** Reads PAYPROBE_HISTORY_TABLE and PAYPROBE_GATEWAY; a malformed value is added to `issues`. */
export function readHistoryEnv(env: NodeJS.ProcessEnv, issues: ConfigIssue[]): HistoryEnv {
  const out: { historyTable?: string; gateway?: string } = {};
  const table = env[ENV_HISTORY_TABLE];
  if (table) {
    if (/^[A-Za-z0-9_.-]{3,255}$/.test(table)) out.historyTable = table;
    else
      issues.push({
        file: `environment variable ${ENV_HISTORY_TABLE}`,
        path: '',
        message: `"${table}" is not a DynamoDB table name (3 to 255 of A-Z a-z 0-9 _ . -)`,
      });
  }
  const gateway = env[ENV_GATEWAY];
  if (gateway) {
    if (/^[A-Za-z0-9_.-]{1,128}$/.test(gateway)) out.gateway = gateway;
    else
      issues.push({
        file: `environment variable ${ENV_GATEWAY}`,
        path: '',
        message: `"${gateway}" is not a gateway name (1 to 128 of A-Z a-z 0-9 _ . -; the CDK stack sets its stack name)`,
      });
  }
  return out;
}

/** The function's code directory: LAMBDA_TASK_ROOT as Lambda sets it, /var/task when unset (tests). */
export function codeDirectory(env: NodeJS.ProcessEnv): string {
  return env.LAMBDA_TASK_ROOT ?? LAMBDA_TASK_ROOT;
}

/** The processor name from PAYPROBE_PROCESSOR when it is at least that readable (for publishing a broken config). */
export function processorNameFromEnv(env: NodeJS.ProcessEnv = process.env): string | undefined {
  try {
    const name = (JSON.parse(env[ENV_PROCESSOR] ?? '') as { name?: unknown }).name;
    return typeof name === 'string' && PROCESSOR_NAME.test(name) ? name : undefined;
  } catch {
    return undefined;
  }
}

function fail(file: string, message: string, at = ''): never {
  throw new ConfigError([{ file, path: at, message }]);
}

function isObject(data: unknown): data is Record<string, unknown> {
  return typeof data === 'object' && data !== null && !Array.isArray(data);
}

function parseJson(text: string | undefined, source: string, setBy: string): unknown {
  if (text === undefined || text.trim() === '') return fail(source, `not set: ${setBy}`);
  try {
    return JSON.parse(text);
  } catch (err) {
    return fail(source, `not valid JSON (${(err as Error).message.split('\n')[0]})`);
  }
}

/** One deployed processor: the config schema, defaults re-applied, then the deployed-config rules. */
function parseProcessor(data: unknown, source: string, defaultBaseDir: string): ProcessorConfig {
  if (!isObject(data)) return fail(source, 'expected a JSON object (one processor config)');
  const { baseDir, ...raw } = data;
  if (baseDir !== undefined && (typeof baseDir !== 'string' || !path.isAbsolute(baseDir))) {
    fail(
      source,
      `expected an absolute directory (the function code directory, ${LAMBDA_TASK_ROOT})`,
      'baseDir',
    );
  }
  let processor: ProcessorConfig | undefined;
  try {
    // The same schema and merge as a config file: one processor, no defaults (they are already merged).
    processor = validateConfig({ processors: [raw] }, source).processors[0];
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    throw new ConfigError(err.issues.map((i) => ({ ...i, path: i.path.replace(/^processors\[0\]\.?/, '') })));
  }
  if (!processor) return fail(source, 'no processor');
  const issues = deployedRefIssues(processor).map((i) => ({ file: source, ...i }));
  if (issues.length > 0) throw new ConfigError(issues);
  return { ...processor, baseDir: typeof baseDir === 'string' ? baseDir : defaultBaseDir };
}

/** `{ env }` and out-of-bundle `{ file }` references, with their field paths. */
function deployedRefIssues(processor: ProcessorConfig): { path: string; message: string }[] {
  return configReferences(processor).flatMap(({ field, ref }) => {
    if ('env' in ref) {
      return [
        {
          path: field,
          message: `{ env: ${ref.env} } is not available to the deployed probe: store the value in Secrets Manager or SSM and use { secretsManager } or { ssm }`,
        },
      ];
    }
    if ('file' in ref && (path.isAbsolute(ref.file) || path.normalize(ref.file).split(/[\\/]/)[0] === '..')) {
      return [
        {
          path: field,
          message: `{ file: ${ref.file} } is outside the function bundle: use a path relative to the config file's directory, inside it`,
        },
      ];
    }
    return [];
  });
}
