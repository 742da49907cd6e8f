/**
 * Validates and resolves payprobe configuration data: schema check (every problem at once, with file and
 * field path), then defaults and presets merged into one fully-specified ProcessorConfig per processor.
 * Secret references stay references here; they are read at probe time (lambdas/core/secrets/).
 * No file or YAML handling here (that is load.ts), so the Lambda bundles stay free of the YAML parser.
 */
import * as path from 'node:path';
import { explainIssues, suggest } from './issues';
import type { MaintenanceWindow } from './maintenance';
import { type Environment, PRESET_NAMES, type Preset, presetNamed } from './presets';
import {
  type AlarmSettings,
  type AuthSettings,
  ConfigSchema,
  type Credentials,
  type ExpectBody,
  type NetworkSettings,
  ProcessorSchema,
  type ProxySettings,
  type RawConfig,
  type RawProcessor,
  type RevocationMode,
  TLS_VERSIONS,
  type TlsSettings,
  type ValueOrRef,
} from './schema';

export interface ConfigIssue {
  readonly file: string;
  /** Dotted field path, e.g. processors[1].tls.minVersion; empty for the whole file. */
  readonly path: string;
  /** Where in the file (1-based), when the problem was found while reading it rather than in a field. */
  readonly line?: number;
  readonly col?: number;
  readonly message: string;
}

/** One issue as every message shows it: `file: field.path: message`, or `file:line:col: message`. */
export function formatIssue(issue: ConfigIssue): string {
  const pos = issue.line !== undefined ? `:${issue.line}:${issue.col ?? 1}` : '';
  return `${issue.file}${pos}${issue.path ? `: ${issue.path}` : ''}: ${issue.message}`;
}

/** "invalid config (2 problems):" and one indented line per issue: ConfigError's message. */
export function invalidConfigText(issues: readonly ConfigIssue[]): string {
  const n = issues.length;
  const lines = issues.map((i) => `  ${formatIssue(i)}`);
  return `invalid config (${n} problem${n === 1 ? '' : 's'}):\n${lines.join('\n')}`;
}

/** Broken configuration: the one kind of error payprobe throws. Lists every problem at once. */
export class ConfigError extends Error {
  constructor(readonly issues: readonly ConfigIssue[]) {
    super(invalidConfigText(issues));
    this.name = 'ConfigError';
  }
}

/** Why a file could not be read, in words: `no such file (ENOENT)`. */
export function readFailureText(code: string | undefined): string {
  const words: Record<string, string> = {
    ENOENT: 'no such file',
    EACCES: 'permission denied',
    EPERM: 'permission denied',
    EISDIR: 'it is a directory',
    ENOTDIR: 'a parent is not a directory',
  };
  const word = code === undefined ? undefined : words[code];
  return word ? `${word} (${code})` : (code ?? 'unknown error');
}

/**
 * A config file that could not be read at all (missing, unreadable, a directory): not an invalid config,
 * so it says "cannot read". Still a ConfigError: nothing is probed or deployed.
 */
export class ConfigReadError extends ConfigError {
  constructor(
    readonly file: string,
    /** The error code of the read (ENOENT, EACCES, ...). */
    readonly code: string | undefined,
  ) {
    super([{ file, path: '', message: `cannot read the file: ${readFailureText(code)}` }]);
    this.name = 'ConfigReadError';
    this.message = `cannot read ${file}: ${readFailureText(code)}`;
  }
}

/**
 * The message the CLI and the CDK app print for a config they cannot use (to stderr, before exiting 2):
 * `payprobe: cannot read FILE: no such file (ENOENT)` for a file that cannot be read, otherwise
 * `payprobe: invalid config (N problems):` and one line per issue with file, field path and message.
 */
export function formatConfigError(err: ConfigError): string {
  if (err instanceof ConfigReadError) return `payprobe: ${err.message}\n`;
  return `payprobe: ${invalidConfigText(err.issues)}\n`;
}

export type IntervalSeconds = 10 | 20 | 30 | 60;

export interface ResolvedAuth {
  readonly request?: {
    readonly method: string;
    /** A path starting with /, or a reference to one (checked when read, at probe time). */
    readonly path: ValueOrRef<string>;
    readonly headers: Readonly<Record<string, string>>;
    readonly body?: string;
  };
  readonly credentials?: Credentials;
  readonly expectStatus: readonly number[];
  /** What the response body must hold: auth.expectBody, else the preset's when its request is used. */
  readonly expectBody?: ExpectBody;
}

/** One processor with defaults and preset applied: everything the probe engine and the CDK app need. */
export interface ProcessorConfig {
  readonly name: string;
  readonly preset?: string;
  readonly environment: Environment;
  readonly endpoint: ValueOrRef<string>;
  readonly intervalSeconds: IntervalSeconds;
  readonly timeoutMs: number;
  readonly budgetMs: number;
  readonly slowResponseMs: number;
  readonly maxBodyBytes: number;
  readonly tls: TlsSettings & {
    readonly minVersion: NonNullable<TlsSettings['minVersion']>;
    readonly verify: boolean;
    readonly revocation: RevocationMode;
    readonly certExpiryWarningDays: number;
    readonly clientCertExpiryWarningDays: number;
  };
  readonly auth?: ResolvedAuth;
  /**
   * The gateway's forward proxy: settings, or `env` (HTTPS_PROXY/NO_PROXY at probe time); absent when the
   * processor is probed directly (`none`, or nothing set).
   */
  readonly proxy?: ProxySettings | 'env';
  /** Where the deployed probe runs (CDK only): the integration's VPC, subnets and security groups. */
  readonly network?: ResolvedNetwork;
  readonly alarms: AlarmSettings;
  /** Directory of the config file: `{ file }` references are relative to it. */
  readonly baseDir: string;
}

/** A complete VPC placement (model.ts refuses a half-specified one). */
export interface ResolvedNetwork {
  readonly vpc: {
    readonly vpcId: string;
    readonly subnetIds: readonly string[];
    readonly securityGroupIds: readonly string[];
  };
}

export interface LoadedConfig {
  readonly file: string;
  readonly raw: RawConfig;
  readonly processors: readonly ProcessorConfig[];
  /**
   * The validated maintenance windows (load.ts resolves them against the clock; the Lambdas, which validate a
   * processor at a time, do not). Absent means none.
   */
  readonly maintenance?: readonly MaintenanceWindow[];
}

export const DEFAULTS = {
  intervalSeconds: 60 as IntervalSeconds,
  timeoutMs: 5000,
  minVersion: 'TLSv1.2' as const,
  revocation: 'stapled' as RevocationMode,
  certExpiryWarningDays: 21,
  maxBodyBytes: 65536,
};

/**
 * Validates parsed configuration data (a config document as a plain object). `file` names the source in
 * messages; `{ file }` references are relative to `baseDir` (by default the directory of `file`). Schema
 * problems and problems of meaning (unknown preset, a timeout above the interval, duplicate names) come in
 * one ConfigError: the meaning of every processor the schema accepted is checked even when others failed.
 */
export function validateConfig(
  data: unknown,
  file: string,
  baseDir: string = path.dirname(path.resolve(file)),
): LoadedConfig {
  const parsed = ConfigSchema.safeParse(data);
  if (!parsed.success) {
    const schemaIssues = explainIssues(parsed.error, ConfigSchema, data).map((i) => ({
      file,
      path: formatPath(i.path),
      message: i.message,
    }));
    throw new ConfigError(byProcessor([...schemaIssues, ...meaningDespiteSchema(data, file, baseDir)]));
  }
  const { issues, processors } = resolveProcessors(
    parsed.data.defaults ?? {},
    parsed.data.processors.map((p, index) => ({ p, index })),
    file,
    baseDir,
  );
  if (issues.length > 0) throw new ConfigError(issues);
  return { file, raw: parsed.data, processors };
}

function formatPath(p: readonly PropertyKey[]): string {
  return p.map((k, i) => (typeof k === 'number' ? `[${k}]` : `${i === 0 ? '' : '.'}${String(k)}`)).join('');
}

/**
 * The problems of meaning of the processors the schema accepted, in a document it rejected: checked when
 * `defaults` (which every processor inherits) is valid, and only between processors that are.
 */
function meaningDespiteSchema(data: unknown, file: string, baseDir: string): ConfigIssue[] {
  if (data === null || typeof data !== 'object') return [];
  const doc = data as { defaults?: unknown; processors?: unknown };
  const defaults = ConfigSchema.def.shape.defaults.safeParse(doc.defaults);
  if (!defaults.success || !Array.isArray(doc.processors)) return [];
  const valid = doc.processors.flatMap((raw: unknown, index) => {
    const parsed = ProcessorSchema.safeParse(raw);
    return parsed.success ? [{ p: parsed.data, index }] : [];
  });
  return resolveProcessors(defaults.data ?? {}, valid, file, baseDir).issues;
}

/** Issues in document order: the document's own fields first, then processor by processor. */
function byProcessor(issues: readonly ConfigIssue[]): ConfigIssue[] {
  const rank = (i: ConfigIssue) => Number(/^processors\[(\d+)\]/.exec(i.path)?.[1] ?? -1);
  return issues
    .map((issue, order) => ({ issue, order }))
    .sort((a, b) => rank(a.issue) - rank(b.issue) || a.order - b.order)
    .map((x) => x.issue);
}

type Defaults = NonNullable<RawConfig['defaults']>;

function resolveProcessors(
  defaults: Defaults,
  entries: readonly { readonly p: RawProcessor; readonly index: number }[],
  file: string,
  baseDir: string,
): { issues: ConfigIssue[]; processors: ProcessorConfig[] } {
  const issues: ConfigIssue[] = [];
  const seen = new Map<string, number>();
  const out: ProcessorConfig[] = [];
  const defaultNetwork = defaults.network;
  const defaultProblem = defaultNetwork ? networkProblem(defaultNetwork) : undefined;
  if (defaultProblem) issues.push({ file, path: 'defaults.network.vpc', message: defaultProblem });
  for (const { p, index: i } of entries) {
    const at = (field: string) => `processors[${i}]${field ? `.${field}` : ''}`;
    const prev = seen.get(p.name);
    if (prev !== undefined)
      issues.push({
        file,
        path: at('name'),
        message: `duplicate processor name "${p.name}" (also processors[${prev}])`,
      });
    seen.set(p.name, i);
    const resolved = resolveProcessor(defaults, p, baseDir, (field, message) =>
      issues.push({ file, path: at(field), message }),
    );
    if (resolved) out.push(resolved);
  }
  return { issues, processors: out };
}

function resolveProcessor(
  d: Defaults,
  p: RawProcessor,
  baseDir: string,
  report: (field: string, message: string) => void,
): ProcessorConfig | undefined {
  const environment: Environment = p.environment ?? 'production';
  let preset: Preset | undefined;
  if (p.preset !== undefined) {
    preset = presetNamed(p.preset);
    if (!preset) {
      report('preset', unknownPresetText(p.preset));
      return undefined;
    }
  }
  const endpoint = p.endpoint ?? preset?.endpoint[environment];
  if (endpoint === undefined) {
    report(
      'endpoint',
      preset
        ? `preset "${p.preset}" has no ${environment} host (it is per account): set endpoint to your ${environment} URL`
        : 'required: the processor base URL, e.g. https://api.example.com',
    );
    return undefined;
  }
  const intervalSeconds = (p.intervalSeconds ??
    d.intervalSeconds ??
    DEFAULTS.intervalSeconds) as IntervalSeconds;
  const timeoutMs = p.timeoutMs ?? d.timeoutMs ?? DEFAULTS.timeoutMs;
  const intervalMs = intervalSeconds * 1000;
  const budgetMs = p.budgetMs ?? d.budgetMs ?? Math.min(timeoutMs * 3, intervalMs - 1000);
  if (timeoutMs >= intervalMs)
    report('timeoutMs', `${timeoutMs} ms must be below the interval (${intervalSeconds} s)`);
  if (budgetMs >= intervalMs)
    report(
      'budgetMs',
      `${budgetMs} ms must be below the interval (${intervalSeconds} s) so runs never overlap`,
    );
  const tls = { ...d.tls, ...p.tls };
  const warnDays = tls.certExpiryWarningDays ?? DEFAULTS.certExpiryWarningDays;
  if ((tls.clientCert === undefined) !== (tls.clientKey === undefined)) {
    report(
      tls.clientCert ? 'tls.clientKey' : 'tls.clientCert',
      'mTLS needs both tls.clientCert and tls.clientKey',
    );
  }
  const minVersion = tls.minVersion ?? DEFAULTS.minVersion;
  // Only when both are plain: a referenced version is read (and the range checked) at probe time.
  if (
    typeof tls.maxVersion === 'string' &&
    typeof minVersion === 'string' &&
    TLS_VERSIONS.indexOf(tls.maxVersion) < TLS_VERSIONS.indexOf(minVersion)
  ) {
    report(
      'tls.maxVersion',
      `${tls.maxVersion} is below tls.minVersion ${minVersion}${tls.minVersion === undefined ? ' (the default)' : ''}: no TLS version is left, so every probe would fail; raise tls.maxVersion to at least ${minVersion} or lower tls.minVersion`,
    );
  }
  const proxy = p.proxy ?? d.proxy;
  if (p.network) {
    const problem = networkProblem(p.network);
    if (problem) report('network.vpc', problem);
  }
  const network = resolveNetwork(p.network ?? d.network);
  return {
    name: p.name,
    ...(p.preset !== undefined ? { preset: p.preset } : {}),
    environment,
    endpoint,
    intervalSeconds,
    timeoutMs,
    budgetMs,
    slowResponseMs: p.slowResponseMs ?? d.slowResponseMs ?? Math.min(2000, timeoutMs),
    maxBodyBytes: p.maxBodyBytes ?? d.maxBodyBytes ?? DEFAULTS.maxBodyBytes,
    tls: {
      ...tls,
      minVersion,
      verify: tls.verify ?? true,
      revocation: tls.revocation ?? DEFAULTS.revocation,
      certExpiryWarningDays: warnDays,
      clientCertExpiryWarningDays: tls.clientCertExpiryWarningDays ?? warnDays,
    },
    ...resolveAuth(p.auth, preset, report),
    ...(proxy !== undefined && proxy !== 'none' ? { proxy } : {}),
    ...(network ? { network } : {}),
    alarms: { ...d.alarms, ...p.alarms },
    baseDir,
  };
}

/** The config's and `payprobe init`'s words: `unknown preset "strpe": expected one of stripe, ... (did you mean "stripe"?)`; a long name shortened. */
export function unknownPresetText(name: string): string {
  const shown = name.length > 40 ? `${name.slice(0, 40)}…` : name;
  const lower = name.toLowerCase();
  // A close spelling, or the start of a longer name ("checkout" for checkout-com, "mpesa" for mpesa-daraja).
  const hint =
    suggest(name, PRESET_NAMES) ??
    (lower.length >= 4 ? PRESET_NAMES.find((n) => n.startsWith(lower)) : undefined);
  return `unknown preset ${JSON.stringify(shown)}: expected one of ${PRESET_NAMES.join(', ')}${hint ? ` (did you mean "${hint}"?)` : ''}`;
}

const VPC_FIELDS = ['vpcId', 'subnetIds', 'securityGroupIds'] as const;

/**
 * A VPC placement is all or nothing: the functions need the VPC, at least one subnet and one security group.
 * What is wrong with a half-specified one (naming what is missing), so synthesis stops before anything is
 * deployed in the wrong place; undefined when it is complete.
 */
export function networkProblem(n: NetworkSettings): string | undefined {
  const missing = VPC_FIELDS.filter((f) => {
    const value = n.vpc[f];
    return value === undefined || (Array.isArray(value) && value.length === 0);
  });
  if (missing.length === 0) return undefined;
  return `half-specified VPC placement: ${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} missing; a probe in a VPC needs vpcId, subnetIds (private subnets with a route to the processor: NAT or the gateway's egress) and securityGroupIds (allowing outbound HTTPS), or remove network to run outside a VPC`;
}

/** A complete placement, de-duplicated; undefined for none or a half-specified one (reported apart). */
function resolveNetwork(n: NetworkSettings | undefined): ResolvedNetwork | undefined {
  if (!n || networkProblem(n) !== undefined) return undefined;
  const v = n.vpc;
  return {
    vpc: {
      vpcId: v.vpcId as string,
      subnetIds: [...new Set(v.subnetIds)],
      securityGroupIds: [...new Set(v.securityGroupIds)],
    },
  };
}

function resolveAuth(
  auth: AuthSettings | undefined,
  preset: Preset | undefined,
  report: (field: string, message: string) => void,
): { auth?: ResolvedAuth } {
  if (!auth && !preset) return {};
  const credentials = auth?.credentials;
  if (preset && !credentials) {
    report(
      'auth.credentials',
      `preset needs credentials of type "${preset.credentialType}" (the secret references)`,
    );
  }
  let creds = credentials;
  // The preset's token URL comes with its token method: both describe the preset's token endpoint.
  if (creds && preset?.tokenUrl && creds.type === 'oauth2-client-credentials' && !creds.tokenUrl) {
    creds = {
      ...creds,
      tokenUrl: preset.tokenUrl,
      ...(preset.tokenMethod && !creds.tokenMethod ? { tokenMethod: preset.tokenMethod } : {}),
    };
  }
  if (creds?.type === 'oauth2-client-credentials' && !creds.tokenUrl) {
    report(
      'auth.credentials.tokenUrl',
      'required for oauth2-client-credentials: the token URL or path, e.g. /oauth/token',
    );
  }
  if (
    creds?.type === 'oauth2-client-credentials' &&
    creds.tokenMethod === 'GET' &&
    creds.clientAuth === 'post'
  ) {
    report(
      'auth.credentials.clientAuth',
      'a GET token request carries the client in a Basic header: remove clientAuth: post, or use tokenMethod: POST',
    );
  }
  const usesPresetRequest = auth?.request === undefined && preset?.request !== undefined;
  const req = auth?.request ?? preset?.request;
  let presetBody: string | undefined;
  if (usesPresetRequest && preset?.bodyFields) {
    const fields: Record<string, string> = {};
    for (const f of preset.bodyFields) {
      const v = auth?.[f];
      if (v === undefined) {
        report(
          `auth.${f}`,
          `required by this preset: its request (${preset.request?.method ?? 'GET'} ${preset.request?.path}) must name your ${f}, e.g. ${f}: YourCompanyECOM (or set auth.request yourself)`,
        );
      } else fields[f] = v;
    }
    presetBody = JSON.stringify(fields);
  }
  if (
    auth?.merchantAccount !== undefined &&
    !(usesPresetRequest && preset?.bodyFields?.includes('merchantAccount'))
  ) {
    report(
      'auth.merchantAccount',
      preset?.bodyFields?.includes('merchantAccount')
        ? "used only with the preset's own request: with auth.request set, put the merchant account in auth.request.body"
        : 'only the adyen preset uses merchantAccount: remove it, or put it in auth.request.body',
    );
  }
  const body = presetBody ?? req?.body;
  const request = req
    ? {
        method: req.method ?? (body !== undefined ? 'POST' : 'GET'),
        path: req.path,
        headers: { ...preset?.request?.headers, ...req.headers },
        ...(body !== undefined ? { body } : {}),
      }
    : undefined;
  const expectBody = auth?.expectBody ?? (usesPresetRequest ? preset?.expectBody : undefined);
  return {
    auth: {
      ...(request ? { request } : {}),
      ...(creds ? { credentials: creds } : {}),
      expectStatus: auth?.expectStatus ?? preset?.expectStatus ?? [200],
      ...(expectBody ? { expectBody } : {}),
    },
  };
}
