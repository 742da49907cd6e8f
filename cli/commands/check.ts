/**
 * `payprobe check --config FILE [--processor NAME]... [--json] [--junit FILE]`: probe now and report
 * (docs/cli.md "payprobe check"). Exit 0 when every probe passed, 1 when any failed, 2 on bad usage or an
 * invalid config.
 */
import { existsSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { Command } from 'commander';
import { type LoadedConfig, loadConfigFile, type ProcessorConfig } from '../../lambdas/core/config/load';
import { activeMaintenance } from '../../lambdas/core/config/maintenance';
import type { EngineDeps, ManyEngine } from '../../lambdas/core/contract/engine';
import type { ProbeResult } from '../../lambdas/core/contract/result';
import { correlate, type VerdictSettings, verdictSettings } from '../../lambdas/core/diagnosis/verdict';
import { probeMany } from '../../lambdas/core/engine/probe';
import { envProxySecrets } from '../../lambdas/core/engine/proxy-env';
import { TokenCache } from '../../lambdas/core/engine/token-cache';
import { awsSourcesUsed, credentialRefs, SecretSources } from '../../lambdas/core/secrets/sources';
import { makeRedactor, type Redactor } from '../../lambdas/core/text/redact';
import { type CliIo, EXIT, type OutputStream, UsageError } from '../io';
import {
  jsonDocument,
  junitXml,
  plainLine,
  redactingStream,
  summaryLine,
  TableWriter,
  verdictText,
} from '../output';

export const DEFAULT_CONFIG_FILE = 'payprobe.yaml';

/**
 * OAuth tokens for this process: `payprobe check` requests each token once per process (the engine reuses it
 * by its rule, lambdas/core/engine/token-cache.ts), never kept on disk.
 */
const processTokens = new TokenCache();

export interface CheckOptions {
  readonly config?: string;
  readonly processor: string[];
  readonly json?: boolean;
  readonly junit?: string;
}

export function register(program: Command, io: CliIo): void {
  program
    .command('check')
    .description('probe the configured processors now and report each result')
    .option(
      '-c, --config <file>',
      `config file (YAML or JSON); default: ${DEFAULT_CONFIG_FILE} in the current directory`,
    )
    .option('-p, --processor <name>', 'probe only this processor (repeatable)', collect, [] as string[])
    .option('--json', 'print one JSON document { "results": [...] } instead of the table')
    .option('--junit <file>', 'also write JUnit XML (one test case per processor) to this file')
    .addHelpText(
      'after',
      '\nExit status: 0 every probe passed, 1 some probe failed, 2 bad usage or invalid config.\nWarnings (e.g. CERT_EXPIRING_SOON) do not fail a probe.',
    )
    .action(async (opts: CheckOptions) => {
      io.exitCode = await check(opts, io);
    });
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** Finds the config file: --config (relative to the working directory), else payprobe.yaml there. */
export function configPath(option: string | undefined, cwd: string): string {
  if (option !== undefined) return path.resolve(cwd, option);
  const fallback = path.resolve(cwd, DEFAULT_CONFIG_FILE);
  if (existsSync(fallback)) return fallback;
  throw new UsageError(`no config file: pass --config FILE, or create ${DEFAULT_CONFIG_FILE} in ${cwd}`);
}

/** The processors named by --processor (all when none), in config order. Unknown names are a UsageError. */
export function selectProcessors(config: LoadedConfig, names: readonly string[]): ProcessorConfig[] {
  if (names.length === 0) return [...config.processors];
  const known = config.processors.map((p) => p.name);
  const unknown = names.filter((n) => !known.includes(n));
  if (unknown.length > 0) {
    throw new UsageError(
      `unknown processor${unknown.length > 1 ? 's' : ''} ${unknown.map((n) => `"${n}"`).join(', ')} in ${config.file}; known: ${known.join(', ')}`,
    );
  }
  return config.processors.filter((p) => names.includes(p.name));
}

/**
 * Timeouts for the CLI's Secrets Manager and SSM clients: a stalled call gives up within the longest probe
 * budget (the probe already reports CONFIG_ERROR by then), like the Lambdas' AWS_CLIENT_CONFIG in
 * lambdas/shared/aws-clients.ts. Callers still destroy the clients after the run (SecretSources.destroy).
 */
export function cliClientConfig(processors: readonly ProcessorConfig[]): {
  maxAttempts: number;
  requestHandler: { connectionTimeout: number; requestTimeout: number; throwOnRequestTimeout: boolean };
} {
  const budgetMs = Math.max(1000, ...processors.map((p) => p.budgetMs));
  return {
    maxAttempts: 2,
    requestHandler: {
      connectionTimeout: Math.min(2000, budgetMs),
      requestTimeout: Math.min(5000, budgetMs),
      // Without it the SDK only logs a warning when requestTimeout passes and keeps waiting.
      throwOnRequestTimeout: true,
    },
  };
}

/** Creates AWS clients only for the sources the config uses, on first use. Destroy it after the run. */
export function cliSecretSources(
  processors: readonly ProcessorConfig[],
  env: NodeJS.ProcessEnv,
): SecretSources {
  const used = awsSourcesUsed(processors);
  const config = cliClientConfig(processors);
  return new SecretSources({
    env,
    ...(used.secretsManager
      ? {
          secretsManager: async () => {
            const { SecretsManagerClient } = await import('@aws-sdk/client-secrets-manager');
            return new SecretsManagerClient(config);
          },
        }
      : {}),
    ...(used.ssm
      ? {
          ssm: async () => {
            const { SSMClient } = await import('@aws-sdk/client-ssm');
            return new SSMClient(config);
          },
        }
      : {}),
  });
}

/**
 * A redactor over the credential values read so far (tokens, passwords, client secrets, client key material;
 * the redactor also finds them inside the Basic header they make). Recomputed when a value was read since:
 * a result line is only printed after its secrets were read.
 */
export function credentialRedactor(
  processors: readonly ProcessorConfig[],
  secrets: SecretSources,
  env: NodeJS.ProcessEnv = {},
): () => Redactor {
  let cachedKey: string | undefined;
  let cached = makeRedactor([]);
  // Walked once: the redactor is asked for on every write, and a fleet has hundreds of references.
  const refs = processors.flatMap((p) => credentialRefs(p).map((ref) => ({ ref, baseDir: p.baseDir })));
  // `proxy: env`: the proxy account in HTTPS_PROXY's user info is a credential too.
  const proxyValues = processors.some((p) => p.proxy === 'env') ? envProxySecrets(env) : [];
  return () => {
    const values: string[] = [...proxyValues];
    for (const { ref, baseDir } of refs) {
      const v = secrets.peek(ref, baseDir);
      if (v !== undefined) values.push(v);
    }
    const key = values.join('\0');
    if (key !== cachedKey) {
      cachedKey = key;
      cached = makeRedactor(values);
    }
    return cached;
  };
}

export interface CheckRun {
  readonly processors: readonly ProcessorConfig[];
  readonly deps: EngineDeps;
  readonly onResult?: (r: ProbeResult) => void;
  /** @default probeMany, the probe engine */
  readonly engine?: ManyEngine;
  /**
   * Masks each result before anyone sees it: output cuts long server text, and a secret must be masked
   * whole before a cut could leave a piece of it. @default no masking here (the streams still redact)
   */
  readonly redactor?: () => Redactor;
}

/** Runs the probes (concurrently, through the engine's probeMany) and returns results in config order. */
export async function runProbes(run: CheckRun): Promise<ProbeResult[]> {
  const engine = run.engine ?? probeMany;
  const masked = (r: ProbeResult) => (run.redactor ? run.redactor().value(r) : r);
  const onResult = run.onResult;
  const results = await engine(
    run.processors,
    run.deps,
    onResult ? { onResult: (r) => onResult(masked(r)) } : {},
  );
  const order = new Map(run.processors.map((p, i) => [p.name, i]));
  return results.map(masked).sort((x, y) => (order.get(x.processor) ?? 0) - (order.get(y.processor) ?? 0));
}

/** `payprobe check`: returns the exit status. `engine` stands in for the probe engine in tests. */
export async function check(opts: CheckOptions, io: CliIo, engine: ManyEngine = probeMany): Promise<number> {
  const file = configPath(opts.config, io.cwd);
  const config = loadConfigFile(file);
  const processors = selectProcessors(config, opts.processor);
  const secrets = cliSecretSources(processors, io.env);
  const redactor = credentialRedactor(processors, secrets, io.env);
  const stdout = redactingStream(io.stdout, redactor);
  const stderr = redactingStream(io.stderr, redactor);
  const maintenance = maintenanceMarks(config, processors, Date.now());
  let results: ProbeResult[];
  try {
    results = await report({
      processors,
      // The environment `proxy: env` reads (HTTPS_PROXY, NO_PROXY): the CLI's own.
      deps: { secrets, tokens: processTokens, env: io.env },
      engine,
      redactor,
      stdout,
      stderr,
      json: opts.json === true,
      color: useColor(io),
      maintenance,
      verdict: verdictSettings(config.raw.verdict),
    });
  } finally {
    await secrets.destroy();
  }
  if (opts.junit !== undefined) {
    const junitFile = path.resolve(io.cwd, opts.junit);
    try {
      writeFileSync(junitFile, redactor().text(junitXml(results)));
    } catch (err) {
      throw new UsageError(
        `cannot write --junit ${junitFile}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
      );
    }
  }
  return results.every((r) => r.ok) ? EXIT.ok : EXIT.failed;
}

export interface ReportOptions extends Omit<CheckRun, 'onResult'> {
  readonly stdout: OutputStream;
  readonly stderr: OutputStream;
  readonly json: boolean;
  readonly color: boolean;
  /** Processors inside a maintenance window now: marked in the output. @default none */
  readonly maintenance?: ReadonlyMap<string, MaintenanceMark>;
  /** The cross-processor verdict's settings (config `verdict`). @default verdictSettings() */
  readonly verdict?: VerdictSettings;
}

/** What `check` says about a processor inside a maintenance window (JSON: `maintenance` on its result). */
export interface MaintenanceMark {
  readonly window: string;
  readonly reason: string;
  /** When the window ends (ISO 8601). */
  readonly until: string;
}

/** The processors inside a maintenance window at `now`: their pages are held back, the probe runs as usual. */
export function maintenanceMarks(
  config: LoadedConfig,
  processors: readonly ProcessorConfig[],
  now: number,
): Map<string, MaintenanceMark> {
  const marks = new Map<string, MaintenanceMark>();
  for (const p of processors) {
    const hit = activeMaintenance(config.maintenance ?? [], p.name, now);
    if (hit) {
      marks.set(p.name, {
        window: `maintenance[${hit.window.index}]`,
        reason: hit.window.reason,
        until: new Date(hit.end).toISOString(),
      });
    }
  }
  return marks;
}

function noteMaintenance(o: ReportOptions): void {
  for (const [name, m] of o.maintenance ?? []) {
    o.stderr.write(
      `note: ${name} is in a maintenance window (${m.window}: ${m.reason}) until ${m.until}: its pages are held back\n`,
    );
  }
}

/**
 * The verdict over one run (lambdas/core/diagnosis/verdict.ts): the CLI has no history, so it says which
 * processors fail alike at one stage and the settings they share, never "their side".
 */
export function runVerdict(
  results: readonly ProbeResult[],
  processors: readonly ProcessorConfig[],
  settings: VerdictSettings = verdictSettings(),
) {
  const observations = results.map((r) => ({
    processor: r.processor,
    ok: r.ok,
    stage: r.stage,
    class: r.class,
    inputs: r.inputs,
    inputDates: r.inputDates ?? {},
  }));
  return correlate(observations, processors, { settings });
}

/** Probes and prints: JSON document at the end, or a table / plain lines as results arrive. */
export async function report(o: ReportOptions): Promise<ProbeResult[]> {
  if (o.json) {
    const results = await runProbes(o);
    const marked = results.map((r) => {
      const m = o.maintenance?.get(r.processor);
      return m ? { ...r, maintenance: m } : r;
    });
    o.stdout.write(jsonDocument(marked, runVerdict(results, o.processors, o.verdict)));
    return results;
  }
  noteMaintenance(o);
  if (o.stdout.isTTY) {
    const table = new TableWriter(
      o.stdout,
      o.processors.map((p) => p.name),
      { color: o.color },
    );
    table.header();
    const results = await runProbes({ ...o, onResult: (r) => table.row(r) });
    table.summary(results);
    const verdict = runVerdict(results, o.processors, o.verdict);
    if (verdict) o.stdout.write(`${verdictText(verdict)}\n`);
    return results;
  }
  const results = await runProbes({ ...o, onResult: (r) => o.stdout.write(`${plainLine(r)}\n`) });
  // stdout stays strictly one line a processor; the summary and the verdict are for the human watching.
  o.stderr.write(`${summaryLine(results)}\n`);
  const verdict = runVerdict(results, o.processors, o.verdict);
  if (verdict) o.stderr.write(`${verdictText(verdict)}\n`);
  return results;
}

function useColor(io: CliIo): boolean {
  return io.stdout.isTTY === true && io.env.NO_COLOR === undefined && io.env.TERM !== 'dumb';
}
