/**
/**
 * Loads a payprobe config file (YAML, or JSON, which is YAML too) and validates it with model.ts, then its
 * maintenance windows against the processors and the clock (maintenance.ts). Re-exports the model, so CLI and
 * CDK code import everything config from here; Lambda code imports model.ts directly to keep the YAML parser
 * (and the window checks) out of its bundle.
 *
 * Whatever the file holds, loading ends in a valid config or a ConfigError naming the file (and, for what
 * the parser or the decoder found, the line and column): bytes that are not UTF-8, YAML syntax errors,
 * an alias that names no anchor, aliases that expand without bound (an "alias bomb"), nesting too deep to
 * walk. Never an internal error with a stack trace.
 */
import { readFileSync } from 'node:fs';
import YAML, { LineCounter } from 'yaml';
import { resolveMaintenance } from './maintenance';
import { ConfigError, type ConfigIssue, ConfigReadError, type LoadedConfig, validateConfig } from './model';

export * from './model';

/**
 * How many alias nodes the document may resolve in all: anchors and aliases are fine for sharing a few
 * settings, but aliases of aliases multiply (nine levels of nine make 387 million nodes).
 */
export const MAX_ALIAS_COUNT = 100;

export interface LoadOptions {
  /**
   * The time maintenance windows are judged at (a window that ended before it is an error), epoch ms: a replay on
   * a simulated clock passes its own. @default Date.now()
   */
  readonly now?: number;

  /**
   * The directory `{ file }` references are relative to: the working directory for a config read from stdin.
   * @default - the directory of the config file
   */
  readonly baseDir?: string;
}

/** Reads and validates a YAML or JSON config file. Throws ConfigError listing every problem. */
export function loadConfigFile(file: string, options: LoadOptions = {}): LoadedConfig {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (err) {
    throw new ConfigReadError(file, (err as NodeJS.ErrnoException).code);
  }
  return parseConfig(decodeUtf8(bytes, file), file, options);
}

/** The file's text; ConfigError with the line and column of the first byte that is not UTF-8. */
export function decodeUtf8(bytes: Uint8Array, file: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    const at = firstInvalidUtf8(bytes);
    const before = Buffer.from(bytes.subarray(0, at));
    const lineStart = before.lastIndexOf(0x0a) + 1;
    const line = before.subarray(0, lineStart).filter((b) => b === 0x0a).length + 1;
    // Columns count characters, as editors do: decode the line so far leniently.
    const col = before.subarray(lineStart).toString('utf8').length + 1;
    const byte = (bytes[at] ?? 0).toString(16).toUpperCase().padStart(2, '0');
    throw new ConfigError([
      {
        file,
        path: '',
        line,
        col,
        message: `not UTF-8: byte 0x${byte} (offset ${at}) is not valid UTF-8; save the file as UTF-8`,
      },
    ]);
  }
}

/** The offset of the first byte that does not belong to a valid UTF-8 sequence (bytes.length if none). */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i] as number;
    const n =
      b < 0x80 ? 1 : b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0;
    if (n === 0) return i;
    if (i + n > bytes.length) return i;
    for (let k = 1; k < n; k++) if (((bytes[i + k] as number) & 0xc0) !== 0x80) return i;
    const b1 = bytes[i + 1] as number;
    // Overlong forms, UTF-16 surrogates and code points above U+10FFFF.
    if ((b === 0xe0 && b1 < 0xa0) || (b === 0xed && b1 > 0x9f)) return i;
    if ((b === 0xf0 && b1 < 0x90) || (b === 0xf4 && b1 > 0x8f)) return i;
    i += n;
  }
  return i;
}

/**
 * Validates config text (YAML; JSON is YAML too). `file` names the source in messages; `{ file }`
 * references are relative to `options.baseDir` (by default the directory of `file`).
 */
export function parseConfig(text: string, file: string, options: LoadOptions = {}): LoadedConfig {
  const lineCounter = new LineCounter();
  const at = (offset: number | undefined): Pick<ConfigIssue, 'line' | 'col'> => {
    if (offset === undefined) return {};
    const pos = lineCounter.linePos(offset);
    return { line: pos.line, col: pos.col };
  };
  let data: unknown;
  try {
    const doc = YAML.parseDocument(text, { prettyErrors: true, uniqueKeys: true, lineCounter });
    if (doc.errors.length > 0) {
      throw new ConfigError(
        doc.errors.map((e) => {
          const pos = e.linePos?.[0];
          const first = (e.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '');
          return {
            file,
            path: '',
            ...(pos ? { line: pos.line, col: pos.col } : {}),
            message: /call stack/i.test(first) ? TOO_DEEP : `not valid YAML/JSON: ${first.replace(/:$/, '')}`,
          };
        }),
      );
    }
    const aliases = aliasesOf(doc);
    if (aliases.unresolved.length > 0) {
      throw new ConfigError(
        aliases.unresolved.map(({ offset, name }) => ({
          file,
          path: '',
          ...at(offset),
          message: `alias *${name} names no anchor &${name} before it`,
        })),
      );
    }
    try {
      data = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
    } catch (err) {
      if (!(err instanceof ReferenceError)) throw err;
      throw new ConfigError([
        {
          file,
          path: '',
          ...at(aliases.first),
          message: `its ${aliases.count} aliases expand to more than ${MAX_ALIAS_COUNT} nodes (aliases of aliases, an "alias bomb"): write the settings out, or share them through defaults:`,
        },
      ]);
    }
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    throw new ConfigError([{ file, path: '', message: unreadable(err) }]);
  }
  try {
    return validateConfigData(data, file, options);
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    throw new ConfigError([{ file, path: '', message: unreadable(err) }]);
  }
}

/**
 * Validates a parsed config (from a file, or written in code: defineConfig): the model's checks (model.ts),
 * then the maintenance windows against the processors and the clock (maintenance.ts). Throws ConfigError.
 */
export function validateConfigData(data: unknown, file: string, options: LoadOptions = {}): LoadedConfig {
  const config = validateConfig(data, file, options.baseDir);
  const { windows, issues } = resolveMaintenance(
    config.raw.maintenance,
    config.processors.map((p) => p.name),
    file,
    options.now,
  );
  if (issues.length > 0) throw new ConfigError(issues);
  return { ...config, maintenance: windows };
}

const TOO_DEEP = 'the document is nested too deeply to read (a config file needs a few levels at most)';

/** Words for what made the parser or the validator give up on a file, without a stack. */
function unreadable(err: unknown): string {
  if (err instanceof RangeError) return TOO_DEEP;
  const message = err instanceof Error ? err.message : String(err);
  return `the file cannot be read as a config: ${message.split('\n')[0]?.slice(0, 200)}`;
}

/** The document's aliases: how many, where the first is, and those that name no anchor before them. */
function aliasesOf(doc: YAML.Document): {
  count: number;
  first: number | undefined;
  unresolved: { offset: number | undefined; name: string }[];
} {
  const anchors = new Set<string>();
  const unresolved: { offset: number | undefined; name: string }[] = [];
  let count = 0;
  let first: number | undefined;
  YAML.visit(doc, {
    Node(_key, node) {
      if (YAML.isAlias(node)) {
        count++;
        first ??= node.range?.[0];
        if (!anchors.has(node.source)) unresolved.push({ offset: node.range?.[0], name: node.source });
      } else if (node.anchor) {
        anchors.add(node.anchor);
      }
    },
  });
  return { count, first, unresolved };
}
