/**
 * The probe Lambda's environment contract. The CDK stack sets, per function:
 * - PAYPROBE_PROCESSOR (required): JSON of one ProcessorConfig (lambdas/core/config.ts), defaults and
 *   preset already merged. `baseDir` should be the function's code directory (/var/task), where `{ file }`
 *   references (non-secret CA bundles) are bundled; when absent, LAMBDA_TASK_ROOT is used.
 * - PAYPROBE_SECRET_TTL_SECONDS (optional, default 60): how long Secrets Manager and SSM values are cached
 *   across warm invocations; a rotated credential is picked up after at most this long.
 *
 * The JSON is validated again with the config file's own schema, so a stack built from a broken or
 * mis-serialised config fails loudly (ConfigError) instead of probing something else.
 */
import * as path from 'node:path';
import type { ProcessorConfig } from '../core/config/model';
import { ConfigError, type ConfigIssue, validateConfig } from '../core/config/model';
import { PROCESSOR_NAME } from '../core/config/schema';

export const ENV_PROCESSOR = 'PAYPROBE_PROCESSOR';
export const ENV_SECRET_TTL_SECONDS = 'PAYPROBE_SECRET_TTL_SECONDS';

export const DEFAULT_SECRET_TTL_SECONDS = 60;
export const MAX_SECRET_TTL_SECONDS = 3600;

export interface ProbeEnv {
  readonly processor: ProcessorConfig;
  /** Cache lifetime of Secrets Manager / SSM values, in seconds (0 disables the cache). */
  readonly secretTtlSeconds: number;
}

/** Reads and validates the whole environment contract. Throws ConfigError naming the variable and field. */
export function readProbeEnv(env: NodeJS.ProcessEnv = process.env): ProbeEnv {
  const issues: ConfigIssue[] = [];
  let processor: ProcessorConfig | undefined;
  try {
    processor = parseProcessorEnv(env[ENV_PROCESSOR], env.LAMBDA_TASK_ROOT ?? process.cwd());
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    issues.push(...err.issues);
  }
  let secretTtlSeconds = DEFAULT_SECRET_TTL_SECONDS;
  const ttl = env[ENV_SECRET_TTL_SECONDS];
  if (ttl !== undefined && ttl !== '') {
    const n = Number(ttl);
    if (!Number.isInteger(n) || n < 0 || n > MAX_SECRET_TTL_SECONDS) {
      issues.push({
        file: `environment variable ${ENV_SECRET_TTL_SECONDS}`,
        path: '',
        message: `"${ttl}" is not a whole number of seconds from 0 to ${MAX_SECRET_TTL_SECONDS}`,
      });
    } else {
      secretTtlSeconds = n;
    }
  }
  if (issues.length > 0 || !processor) throw new ConfigError(issues);
  return { processor, secretTtlSeconds };
}

/**
 * Parses PAYPROBE_PROCESSOR: JSON of a ProcessorConfig, validated with the config schema (unknown fields
 * are errors), defaults re-applied. Deployed-config rules on top: no `{ env }` references (the function's
 * environment holds no secrets) and `{ file }` references only inside the bundle (relative, no "..").
 */
export function parseProcessorEnv(value: string | undefined, defaultBaseDir: string): ProcessorConfig {
  const file = `environment variable ${ENV_PROCESSOR}`;
  const fail = (message: string, at = ''): never => {
    throw new ConfigError([{ file, path: at, message }]);
  };
  if (value === undefined || value.trim() === '') {
    return fail('not set: the CDK stack sets it to the JSON of one processor config');
  }
  let data: unknown;
  try {
    data = JSON.parse(value);
  } catch (err) {
    return fail(`not valid JSON (${(err as Error).message.split('\n')[0]})`);
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    return fail('expected a JSON object (one processor config)');
  }
  const { baseDir, ...raw } = data as Record<string, unknown>;
  if (baseDir !== undefined && (typeof baseDir !== 'string' || !path.isAbsolute(baseDir))) {
    fail('expected an absolute directory (the function code directory, /var/task)', 'baseDir');
  }
  let processor: ProcessorConfig | undefined;
  try {
    // The same schema and merge as a config file: one processor, no defaults (they are already merged).
    processor = validateConfig({ processors: [raw] }, file).processors[0];
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    throw new ConfigError(err.issues.map((i) => ({ ...i, path: i.path.replace(/^processors\[0\]\.?/, '') })));
  }
  if (!processor) return fail('no processor');
  const issues = deployedRefIssues(raw).map((i) => ({ file, ...i }));
  if (issues.length > 0) throw new ConfigError(issues);
  return { ...processor, baseDir: typeof baseDir === 'string' ? baseDir : defaultBaseDir };
}

/** `{ env }` and out-of-bundle `{ file }` references, with their field paths. */
function deployedRefIssues(raw: unknown): { path: string; message: string }[] {
  const out: { path: string; message: string }[] = [];
  const visit = (v: unknown, at: string): void => {
    // Plain text by schema (a header named `env` is not a reference), as in lib/deployed-processor.ts.
    if (at === 'auth.request.headers' || at === 'auth.request.body') return;
    if (Array.isArray(v)) {
      v.forEach((x, i) => {
        visit(x, `${at}[${i}]`);
      });
      return;
    }
    if (typeof v !== 'object' || v === null) return;
    const obj = v as Record<string, unknown>;
    const keys = Object.keys(obj);
    if (keys.length === 1 && typeof obj.env === 'string') {
      out.push({
        path: at,
        message: `{ env: ${obj.env} } is not available to the deployed probe: store the value in Secrets Manager or SSM and use { secretsManager } or { ssm }`,
      });
      return;
    }
    if (keys.length === 1 && typeof obj.file === 'string') {
      const f = obj.file;
      if (path.isAbsolute(f) || path.normalize(f).split(/[\\/]/)[0] === '..') {
        out.push({
          path: at,
          message: `{ file: ${f} } is outside the function bundle: use a path relative to the config file's directory, inside it`,
        });
      }
      return;
    }
    for (const [k, x] of Object.entries(obj)) visit(x, at ? `${at}.${k}` : k);
  };
  visit(raw, '');
  return out;
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
