/**
 * `payprobe check [--config FILE|-] [--processor NAME[,NAME]]... [--json [FILE|-]] [--junit FILE|-]`: probe now
 * and report (docs/cli.md "payprobe check"). Exit 0 when every probe passed, 1 when any failed, 2 on bad
 * usage or an invalid config. The command's options are defined in ./index.ts; this module is its
 * implementation, loaded only when it runs.
 */

import { suggest } from '../../lambdas/core/config/issues';
import type { LoadedConfig, ProcessorConfig } from '../../lambdas/core/config/load';
import { activeMaintenance } from '../../lambdas/core/config/maintenance';
import type { EngineDeps, ManyEngine } from '../../lambdas/core/contract/engine';
import type { ProbeResult } from '../../lambdas/core/contract/result';
import { correlate, type VerdictSettings, verdictSettings } from '../../lambdas/core/diagnosis/verdict';
import { probeMany } from '../../lambdas/core/engine/probe';
import { envProxySecrets } from '../../lambdas/core/engine/proxy-env';
import { TokenCache } from '../../lambdas/core/engine/token-cache';
import { awsSourcesUsed, credentialRefs, SecretSources } from '../../lambdas/core/secrets/sources';
import { makeRedactor, type Redactor } from '../../lambdas/core/text/redact';
import { readConfig } from '../config-input';
import { type CliIo, EXIT, type OutputStream, UsageError } from '../io';
import {
  checkJsonDocument,
  junitXml,
  plainLine,
  redactingStream,
  summaryLine,
  TableWriter,
  verdictText,
} from '../output';
import { oneOnStdout, type Palette, paletteFor, targetOf, writeDocument } from '../voice';

/**
 * OAuth tokens for this process: `payprobe check` requests each token once per process (the engine reuses it
 * by its rule, lambdas/core/engine/token-cache.ts), never kept on disk.
 */
const processTokens = new TokenCache();

export interface CheckOptions {
  readonly config?: string;
  readonly processor: string[];
  /** `true` (the flag alone) or `-`: the document on stdout instead of the table; a path: also to that file. */
  readonly json?: string | boolean;
  /** A file for JUnit XML, or `-` for stdout. */
  readonly junit?: string;
}

/** The processors named by --processor (all when none), in config order. Unknown names are a UsageError. */
export function selectProcessors(config: LoadedConfig, names: readonly string[]): ProcessorConfig[] {
  if (names.length === 0) return [...config.processors];
  const known = config.processors.map((p) => p.name);
  const unknown = names.filter((n) => !known.includes(n));
  if (unknown.length > 0) {
    const hints = unknown.flatMap((n) => {
      const hint = suggest(n, known);
      return hint ? [`"${hint}"`] : [];
    });
    throw new UsageError(
      `unknown processor${unknown.length > 1 ? 's' : ''} ${unknown.map((n) => `"${n}"`).join(', ')} in ${config.file}${hints.length > 0 ? `: did you mean ${hints.join(', ')}?` : ''}; known: ${known.join(', ')}`,
    );
  }
  return config.processors.filter((p) => names.includes(p.name));
}

/**
 * Timeouts for the CLI's Secrets Manager and SSM clients: a stalled call gives up within the longest probe
 * budget (the probe already reports CONFIG_ERROR by then), like the Lambda handlers' AWS_CLIENT_CONFIG
 * (aws-clients.ts of their glue). Callers still destroy the clients after the run (SecretSources.destroy).
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
  const json = targetOf(opts.json, io.cwd);
  const junit = targetOf(opts.junit, io.cwd);
  oneOnStdout({ '--json': json, '--junit': junit });
  const config = await readConfig(opts.config, io);
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
      // A document on stdout replaces the table; the summary line still goes to stderr.
      quiet: json?.kind === 'stdout' || junit?.kind === 'stdout',
      palette: paletteFor(io.stdout, io.env),
      maintenance,
      verdict: verdictSettings(config.raw.verdict),
    });
  } finally {
    await secrets.destroy();
  }
  if (json) {
    const verdict = runVerdict(results, processors, verdictSettings(config.raw.verdict));
    const document = checkJsonDocument(markMaintenance(results, maintenance), verdict);
    writeDocument(json, redactor().text(document), io.stdout, '--json');
  }
  if (junit) writeDocument(junit, redactor().text(junitXml(results)), io.stdout, '--junit');
  return results.every((r) => r.ok) ? EXIT.ok : EXIT.failed;
}

export interface ReportOptions extends Omit<CheckRun, 'onResult'> {
  readonly stdout: OutputStream;
  readonly stderr: OutputStream;
  /** Nothing on stdout (a document goes there instead): only the summary line, on stderr. */
  readonly quiet: boolean;
  /** Colours of the table (voice.ts paletteFor). */
  readonly palette: Palette;
  /** Processors inside a maintenance window now: noted on stderr (the JSON document marks them). @default none */
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

/** The results with each processor's maintenance mark, for the JSON document. */
function markMaintenance(
  results: readonly ProbeResult[],
  marks: ReadonlyMap<string, MaintenanceMark>,
): ProbeResult[] {
  return results.map((r) => {
    const m = marks.get(r.processor);
    return m ? { ...r, maintenance: m } : r;
  });
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

/** Probes and prints: a table or plain lines as results arrive, or (quiet) only the summary on stderr. */
export async function report(o: ReportOptions): Promise<ProbeResult[]> {
  if (o.quiet) {
    const results = await runProbes(o);
    o.stderr.write(`${summaryLine(results)}\n`);
    const verdict = runVerdict(results, o.processors, o.verdict);
    if (verdict) o.stderr.write(`${verdictText(verdict)}\n`);
    return results;
  }
  noteMaintenance(o);
  if (o.stdout.isTTY) {
    const table = new TableWriter(
      o.stdout,
      o.processors.map((p) => p.name),
      { palette: o.palette },
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
