/**
 * `payprobe init [--preset NAME[,NAME]]... [--output FILE|-] [--force]`: writes a commented starter config.
 * It names the JSON Schema on its first line (`# yaml-language-server: $schema=...`, so editors complete and
 * check every field), has one processor per preset (or one generic processor), credentials as Secrets
 * Manager references, and validates as written: it is parsed by the one loader before it is written. An
 * existing file is never overwritten without --force. The options are defined in ./index.ts.
 */
import { existsSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseConfig } from '../../lambdas/core/config/load';
import { unknownPresetText } from '../../lambdas/core/config/model';
import { PRESET_NAMES, PRESETS, type Preset } from '../../lambdas/core/config/presets';
import type { Credentials } from '../../lambdas/core/config/schema';
import { type CliIo, EXIT, UsageError } from '../io';
import { SCHEMA_PATH, schemaFile } from '../package';
import { DEFAULT_CONFIG_FILE, STDOUT } from '../voice';

export interface InitOptions {
  /** Preset names, one processor each (repeatable, comma-separated). */
  readonly preset: string[];
  /** Where to write: a file, or `-` for stdout. @default payprobe.yaml */
  readonly output?: string;
  /** Overwrite an existing file. */
  readonly force?: boolean;
}

/** `payprobe init`: returns the exit status; throws UsageError for an unknown preset or an existing file. */
export async function init(opts: InitOptions, io: CliIo): Promise<number> {
  const unknown = opts.preset.filter((p) => !PRESET_NAMES.includes(p));
  if (unknown.length > 0) throw new UsageError(unknown.map((p) => unknownPresetText(p)).join('; '));
  const toStdout = opts.output === STDOUT;
  const file = path.resolve(io.cwd, toStdout ? DEFAULT_CONFIG_FILE : (opts.output ?? DEFAULT_CONFIG_FILE));
  if (!toStdout && existsSync(file) && opts.force !== true) {
    throw new UsageError(`${file} exists: pass --force to overwrite it, or --output another file`);
  }
  const text = starterConfig(opts.preset, schemaReference(path.dirname(file)));
  // As written: the loader must accept it (a ConfigError here is a bug of this template, exit 2).
  parseConfig(text, file);
  if (toStdout) {
    io.stdout.write(text);
    return EXIT.ok;
  }
  try {
    writeFileSync(file, text);
  } catch (err) {
    throw new UsageError(`cannot write ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  const shown = path.relative(io.cwd, file) || file;
  const flag = shown === DEFAULT_CONFIG_FILE ? '' : ` --config ${shown}`;
  io.stderr.write(
    [
      `payprobe: wrote ${shown}. Next:`,
      '  1. create the secrets it names (or point the references at yours), and add a pager under alerting.critical;',
      `  2. npx payprobe check${flag}     # probe now`,
      `  3. npx payprobe audit${flag}     # risky settings`,
      `  4. npx cdk synth${shown === DEFAULT_CONFIG_FILE ? '' : ` -c config=${shown}`}        # what a deploy would create`,
      '',
    ].join('\n'),
  );
  return EXIT.ok;
}

/**
 * The `$schema` reference for a config in `dir`: the schema of the payprobe installed in that project
 * (node_modules/payprobe, found upwards from `dir`), else the schema of this payprobe; relative when it can
 * be, so the file works on any machine with the project checked out.
 */
export function schemaReference(dir: string): string {
  let installed: string | undefined;
  for (let d = dir; ; d = path.dirname(d)) {
    const candidate = path.join(d, 'node_modules', 'payprobe', ...SCHEMA_PATH.split('/'));
    if (existsSync(candidate)) {
      installed = candidate;
      break;
    }
    if (path.dirname(d) === d) break;
  }
  const target = installed ?? schemaFile();
  const relative = path.relative(dir, target).split(path.sep).join('/');
  return relative.startsWith('.') ? relative : `./${relative}`;
}

/** The starter config for these presets (none: one generic processor), with its schema line. */
export function starterConfig(presets: readonly string[], schemaRef: string): string {
  const names = new Map<string, number>();
  const processors =
    presets.length === 0
      ? genericProcessor()
      : presets.flatMap((preset) => {
          // The same preset twice (sandbox and production, two accounts): stripe, stripe-2.
          const n = (names.get(preset) ?? 0) + 1;
          names.set(preset, n);
          return presetProcessor(n === 1 ? preset : `${preset}-${n}`, preset, PRESETS[preset] as Preset);
        });
  return [
    `# yaml-language-server: $schema=${schemaRef}`,
    '# payprobe config: every field, its default and meaning are in docs/contracts.md ("Configuration") of the',
    '# payprobe package; `npx payprobe schema` prints the JSON Schema named above. Check it with',
    '# `npx payprobe check` (probe now), `npx payprobe audit` (risky settings) and `npx cdk synth`.',
    '#',
    '# Secrets are references, never values: { secretsManager: NAME }, { ssm: NAME } (deployable), or, for',
    '# `payprobe check` on this machine only, { env: VARIABLE } and { file: PATH }.',
    '',
    'defaults:',
    '  intervalSeconds: 60        # one probe a minute; 10, 20 or 30 for sub-minute probing',
    '  timeoutMs: 5000            # per phase (DNS, connect, TLS, response)',
    '  tls:',
    '    minVersion: TLSv1.2      # as your integration sets it',
    '    certExpiryWarningDays: 21',
    '',
    '# Who is told. Without a critical subscriber alarms fire but nobody is paged (`payprobe audit` says so):',
    '# alerting:',
    '#   critical:',
    '#     - email: oncall@example.com',
    '#     - https: https://events.pagerduty.com/integration/KEY/enqueue',
    '#   warning:',
    '#     - email: payments-team@example.com',
    '',
    '# preflight: true            # probe every processor during `cdk deploy`; a failure rolls it back',
    '',
    'processors:',
    ...processors,
    '',
  ].join('\n');
}

function genericProcessor(): string[] {
  return [
    '  - name: my-processor       # lower-case letters, digits and "-": the name on metrics and alarms',
    '    endpoint: https://api.example.com   # the base URL your integration calls',
    '    # tls:',
    '    #   ca: { file: certs/processor-ca.pem }                  # extra trust, if your integration sets one',
    '    #   clientCert: { secretsManager: payprobe/my-processor/client-cert }   # mTLS',
    '    #   clientKey: { secretsManager: payprobe/my-processor/client-key }',
    '    auth:',
    '      request: { method: GET, path: /v1/ping }   # one cheap request that reads and never writes',
    '      credentials: { type: bearer, token: { secretsManager: payprobe/my-processor/api-key } }',
    '      expectStatus: [200]',
  ];
}

function presetProcessor(name: string, preset: string, p: Preset): string[] {
  const lines = [`  - name: ${name}`, `    preset: ${preset}`];
  if (p.endpoint.production === undefined) {
    if (p.endpoint.sandbox !== undefined) {
      lines.push(
        '    environment: sandbox     # its production host is per account: set `endpoint` for production',
      );
    } else {
      lines.push(
        '    environment: sandbox',
        `    endpoint: https://your-prefix.api.sandbox.${preset === 'checkout-com' ? 'checkout.com' : 'example.com'}   # your account's host`,
      );
    }
  } else {
    lines.push('    # environment: sandbox   # production by default');
  }
  if (p.unverified) lines.push(`    # unverified: ${p.unverified}`);
  lines.push('    auth:');
  lines.push(`      credentials: ${credentials(name, p.credentialType)}`);
  // Fields the preset's request needs from you (Adyen: the merchant account it names).
  for (const field of p.bodyFields ?? []) lines.push(`      ${field}: Your${capitalised(field)}   # yours`);
  return lines;
}

function capitalised(s: string): string {
  return `${s.charAt(0).toUpperCase()}${s.slice(1)}`;
}

function credentials(name: string, type: Credentials['type']): string {
  const ref = (what: string) => `{ secretsManager: payprobe/${name}/${what} }`;
  switch (type) {
    case 'bearer':
      return `{ type: bearer, token: ${ref('api-key')} }`;
    case 'basic':
      return `{ type: basic, username: ${ref('username')}, password: ${ref('password')} }`;
    case 'header':
      return `{ type: header, name: X-API-Key, value: ${ref('api-key')} }`;
    case 'oauth2-client-credentials':
      return `{ type: oauth2-client-credentials, clientId: ${ref('client-id')}, clientSecret: ${ref('client-secret')} }`;
  }
}
