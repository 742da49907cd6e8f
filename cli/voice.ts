/**
 * One CLI voice: what every `payprobe` command shares, so each command looks, reads its input and writes its
 * documents the same way. A new command uses these instead of its own (docs/cli.md "Writing a command"):
 * - colours: `paletteFor(io.stdout, io.env)`: off for NO_COLOR, TERM=dumb and anything but a terminal,
 *   on for FORCE_COLOR (FORCE_COLOR=0 forces them off);
 * - input: `configSource(option, cwd)`: `--config FILE`, `-` for stdin, else ./payprobe.yaml or a message
 *   saying how to create one; ./config-input.ts `readConfig` loads it (a file that cannot be read says
 *   "cannot read", an invalid one lists every problem: ConfigError);
 * - output: `-` means stdout for any document option (`--json -`, `--junit -`), `writeDocument(target, ...)`;
 * - lists: `--processor a,b` and `--processor a --processor b` alike (`listOption`);
 * - `--json` documents: `jsonDocument(command, summary, body)` adds `schemaVersion`, the tool's name and
 *   version and the summary; on exit status 2 the command still prints `jsonErrorDocument(...)`.
 * Nothing here imports the engine, the AWS SDK or zod: `payprobe --version` loads this module.
 */
import { existsSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { safeJson } from '../lambdas/core/text/escape';
import type { OutputStream } from './io';
import { UsageError } from './io';
import { packageVersion } from './package';

// ---------------------------------------------------------------------------------------------- colours

const STYLES = {
  red: '\x1b[31m',
  green: '\x1b[32m',
  yellow: '\x1b[33m',
  cyan: '\x1b[36m',
  dim: '\x1b[2m',
  bold: '\x1b[1m',
} as const;
const RESET = '\x1b[0m';

export type Style = keyof typeof STYLES;

/** Paints text in a style, or leaves it as it is when colours are off. */
export type Palette = { readonly enabled: boolean } & { readonly [S in Style]: (text: string) => string };

/**
 * Whether output to `stream` gets colours, as Node decides it for its own output: FORCE_COLOR wins (any
 * value but 0/false turns them on), then NO_COLOR (any non-empty value) and TERM=dumb turn them off,
 * else only a terminal gets them.
 */
export function colorEnabled(stream: OutputStream, env: NodeJS.ProcessEnv): boolean {
  const force = env.FORCE_COLOR;
  if (force !== undefined) return !['0', 'false'].includes(force.toLowerCase());
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.TERM === 'dumb') return false;
  return stream.isTTY === true;
}

/** The palette for a stream: every colour a command prints comes from here. */
export function paletteFor(stream: OutputStream, env: NodeJS.ProcessEnv): Palette {
  return palette(colorEnabled(stream, env));
}

export function palette(enabled: boolean): Palette {
  const paint = (style: Style) => (text: string) => (enabled ? `${STYLES[style]}${text}${RESET}` : text);
  return {
    enabled,
    red: paint('red'),
    green: paint('green'),
    yellow: paint('yellow'),
    cyan: paint('cyan'),
    dim: paint('dim'),
    bold: paint('bold'),
  };
}

// ------------------------------------------------------------------------------------------------ input

/** The config file a command reads when `--config` is not given. */
export const DEFAULT_CONFIG_FILE = 'payprobe.yaml';

/** `--config -`: the config comes from stdin. */
export const STDIN = '-';

/** What messages call a config read from stdin; its `{ file }` references are relative to the working dir. */
export const STDIN_NAME = '<stdin>';

/** Where the config comes from: a file (absolute) or stdin. */
export type ConfigSource = { readonly kind: 'file'; readonly file: string } | { readonly kind: 'stdin' };

/**
 * The config source of `--config`: `-` is stdin, a path is relative to the working directory, and without
 * the option ./payprobe.yaml, or a UsageError that says how to create one.
 */
export function configSource(option: string | undefined, cwd: string): ConfigSource {
  if (option === STDIN) return { kind: 'stdin' };
  if (option !== undefined) return { kind: 'file', file: path.resolve(cwd, option) };
  const fallback = path.resolve(cwd, DEFAULT_CONFIG_FILE);
  if (!existsSync(fallback)) {
    throw new UsageError(
      `no config file: pass --config FILE (or - for stdin), or create ${DEFAULT_CONFIG_FILE} in ${cwd} with \`npx payprobe init\``,
    );
  }
  return { kind: 'file', file: fallback };
}

// ----------------------------------------------------------------------------------------------- output

/** `-` means stdout for every document option (`--json -`, `--junit -`). */
export const STDOUT = '-';

/** Where a document goes: stdout, or a file (absolute). */
export type Target = { readonly kind: 'stdout' } | { readonly kind: 'file'; readonly file: string };

/**
 * The target of a document option: `true` (the flag alone, e.g. `--json`) and `-` are stdout; a path is a
 * file relative to the working directory; undefined is no document.
 */
export function targetOf(option: string | boolean | undefined, cwd: string): Target | undefined {
  if (option === undefined || option === false) return undefined;
  if (option === true || option === STDOUT) return { kind: 'stdout' };
  return { kind: 'file', file: path.resolve(cwd, option) };
}

/** At most one document may go to stdout: a UsageError names the options that collide. */
export function oneOnStdout(targets: Readonly<Record<string, Target | undefined>>): void {
  const onStdout = Object.entries(targets).filter(([, t]) => t?.kind === 'stdout');
  if (onStdout.length > 1) {
    throw new UsageError(
      `${onStdout.map(([name]) => name).join(' and ')} both write to stdout: give all but one a file (e.g. --junit payprobe.xml)`,
    );
  }
}

/** Writes a document to its target; a file that cannot be written is a UsageError naming the option. */
export function writeDocument(target: Target, text: string, stdout: OutputStream, option: string): void {
  if (target.kind === 'stdout') {
    stdout.write(text);
    return;
  }
  try {
    writeFileSync(target.file, text);
  } catch (err) {
    throw new UsageError(
      `cannot write ${option} ${target.file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
    );
  }
}

/** A list option that may be repeated and comma-separated: `-p a,b -p c` is [a, b, c]. */
export function listOption(value: string, previous: readonly string[] = []): string[] {
  return [
    ...previous,
    ...value
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== ''),
  ];
}

// ---------------------------------------------------------------------------------------- JSON documents

/**
 * The version of the `--json` documents' shape: raised when a field is removed or changes meaning (adding
 * fields does not raise it). docs/contracts.md describes version 1.
 */
export const JSON_SCHEMA_VERSION = 1;

/** The fields every `--json` document starts with. */
export interface JsonEnvelope<S> {
  readonly schemaVersion: number;
  readonly tool: { readonly name: 'payprobe'; readonly version: string };
  /** The command that wrote the document: `check`, `audit`, `cost`. */
  readonly command: string;
  /** What a CI step needs to decide: at least `ok`. */
  readonly summary: S;
}

/**
 * A `--json` document: the envelope, then the command's own fields; characters unsafe on a terminal
 * (control, bidi, invisible) \u-escaped, every value whole. Ends with a newline.
 */
export function jsonDocument<S extends { readonly ok: boolean }>(
  command: string,
  summary: S,
  body: Readonly<Record<string, unknown>>,
): string {
  const envelope: JsonEnvelope<S> = {
    schemaVersion: JSON_SCHEMA_VERSION,
    tool: { name: 'payprobe', version: packageVersion() },
    command,
    summary,
  };
  return `${safeJson({ ...envelope, ...body }, 2)}\n`;
}

/** One problem of an error document: the config issue's file, field path and message. */
export interface ErrorIssue {
  readonly file?: string;
  readonly path?: string;
  readonly message: string;
}

/** Why a command stopped with exit status 2. */
export type ErrorKind = 'invalid-config' | 'cannot-read' | 'usage';

/**
 * The document a `--json` command prints when it stops with exit status 2 (bad usage, a config it cannot
 * read or that is invalid): the envelope with `summary.ok: false`, and `error` with every problem.
 */
export function jsonErrorDocument(
  command: string,
  kind: ErrorKind,
  message: string,
  issues: readonly ErrorIssue[],
): string {
  return jsonDocument(
    command,
    { ok: false, error: kind, problems: issues.length },
    { error: { kind, message, issues } },
  );
}
