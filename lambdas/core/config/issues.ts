/**
 * Turns zod's validation issues into messages a person can act on: the field path, what was found and what
 * is expected there. Unknown fields get a "did you mean" from the schema's own field names; a value that
 * matches none of a union's shapes (a secret reference, a subscription) lists the accepted shapes.
 */
import { en } from 'zod/locales';
import type { z } from 'zod/mini';

/** zod's own English message for an issue: what the schema did not word itself. */
const zodWording = en().localeError;

/** The schema's own words for an issue (a message given in schema.ts), or undefined for zod's default. */
function ownWords(issue: z.core.$ZodIssue): string | undefined {
  const wording = zodWording(issue as never);
  const zodMessage = typeof wording === 'string' ? wording : wording?.message;
  return issue.message !== zodMessage ? issue.message : undefined;
}

/** One problem, with its path relative to the document root. */
export interface RawIssue {
  readonly path: readonly PropertyKey[];
  readonly message: string;
}

type Def = { type: string } & Record<string, unknown>;

/** A zod/mini schema's definition (its `type` and parts); undefined for anything else. */
export function defOf(schema: unknown): Def | undefined {
  const zod = (schema as { _zod?: { def?: Def } } | undefined)?._zod;
  return zod?.def;
}

/** Strips optional/nullable/default wrappers. */
export function unwrap(schema: unknown): unknown {
  let s = schema;
  for (let i = 0; i < 10; i++) {
    const def = defOf(s);
    if (
      def &&
      (def.type === 'optional' ||
        def.type === 'nullable' ||
        def.type === 'default' ||
        def.type === 'prefault')
    ) {
      s = def.innerType;
    } else {
      return s;
    }
  }
  return s;
}

function shapeOf(schema: unknown): Record<string, unknown> | undefined {
  const def = defOf(unwrap(schema));
  return def?.type === 'object' ? (def.shape as Record<string, unknown>) : undefined;
}

function optionsOf(schema: unknown): unknown[] | undefined {
  const def = defOf(unwrap(schema));
  return def?.type === 'union' ? (def.options as unknown[]) : undefined;
}

/** The sub-schema at `path`, choosing union options by the data (discriminator or field present). */
export function schemaAt(root: unknown, path: readonly PropertyKey[], data: unknown): unknown {
  let schema: unknown = root;
  let value: unknown = data;
  for (const key of path) {
    schema = pickOption(schema, value, key);
    const def = defOf(unwrap(schema));
    if (!def) return undefined;
    if (def.type === 'object') schema = (def.shape as Record<string, unknown>)[String(key)];
    else if (def.type === 'array') schema = def.element;
    else if (def.type === 'record') schema = def.valueType;
    else return undefined;
    value =
      value !== null && typeof value === 'object' ? (value as Record<PropertyKey, unknown>)[key] : undefined;
  }
  return pickOption(schema, value, undefined);
}

function pickOption(schema: unknown, value: unknown, nextKey: PropertyKey | undefined): unknown {
  let s = unwrap(schema);
  for (let i = 0; i < 5; i++) {
    const def = defOf(s);
    if (def?.type !== 'union') return s;
    const options = def.options as unknown[];
    const discriminator = def.discriminator as string | undefined;
    const obj = value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : undefined;
    let chosen: unknown;
    if (discriminator && obj) {
      chosen = options.find((o) => {
        const lit = defOf(unwrap(shapeOf(o)?.[discriminator]));
        return lit?.type === 'literal' && (lit.values as unknown[]).includes(obj[discriminator]);
      });
    }
    if (!chosen && obj) {
      const keys = nextKey !== undefined ? [String(nextKey)] : Object.keys(obj);
      chosen = options.find((o) => {
        const shape = shapeOf(o) ?? shapeOf(optionsOf(o)?.find((x) => shapeOf(x)));
        return shape !== undefined && keys.every((k) => k in shape);
      });
      // value-or-reference: descend into the reference union
      if (!chosen) chosen = options.find((o) => optionsOf(o) !== undefined);
    }
    if (!chosen) return s;
    s = unwrap(chosen);
  }
  return s;
}

/** Levenshtein distance, for "did you mean". */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0] ?? 0;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j] ?? 0;
      row[j] = Math.min((row[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length] ?? 0;
}

/** The known name `key` was probably meant to be (same letters in another case, or a close spelling). */
export function suggest(key: string, known: readonly string[]): string | undefined {
  const lower = key.toLowerCase();
  const exact = known.find((k) => k.toLowerCase() === lower);
  if (exact) return exact;
  let best: { k: string; d: number } | undefined;
  for (const k of known) {
    const d = distance(lower, k.toLowerCase());
    if (d <= Math.max(2, Math.floor(k.length / 4)) && (!best || d < best.d)) best = { k, d };
  }
  return best?.k;
}

/** Plain words for the shapes a union accepts: `{ secretsManager: ... }, { ssm: ... }, ...`. */
function describeOptions(schema: unknown): string | undefined {
  const options = optionsOf(schema);
  if (!options) return undefined;
  const parts = options.flatMap((o): string[] => {
    const nested = optionsOf(o);
    if (nested) return [describeOptions(o) ?? ''];
    const shape = shapeOf(o);
    if (shape) return [`{ ${Object.keys(shape).join(', ')}: ... }`.replace(/, /g, ': ..., ')];
    const def = defOf(unwrap(o));
    if (def?.type === 'enum') return [`one of ${Object.values(def.entries as object).join(', ')}`];
    if (def?.type === 'array') return ['a list'];
    return def ? [`a ${def.type}`] : [];
  });
  return parts.filter((p) => p !== '').join(' | ');
}

function valueAt(data: unknown, path: readonly PropertyKey[]): unknown {
  let v = data;
  for (const k of path)
    v = v !== null && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[k] : undefined;
  return v;
}

function kindOf(v: unknown): string {
  if (v === null) return 'an empty value';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'an object';
  return `a ${typeof v} (${JSON.stringify(v)?.slice(0, 40)})`;
}

const REF_KEYS = ['secretsManager', 'ssm', 'env', 'file'];

/**
 * Reference-only fields that hold public material, not secrets: what a value written inline there is
 * called. Every other reference-only field holds a credential or a key.
 */
const PUBLIC_MATERIAL: Readonly<Record<string, string>> = {
  ca: 'a CA bundle is public, but it is read from a file or a store (e.g. { file: certs/ca.pem }), not written inline',
  clientCert:
    'a client certificate is public, but it is read from a file or a store (e.g. { file: certs/client.pem }), not written inline',
};

/** The types the schema expects, in the words the messages use for what they found (kindOf). */
const TYPE_WORDS: Readonly<Record<string, string>> = {
  int: 'a whole number',
  number: 'a number',
  string: 'a string',
  boolean: 'a boolean (true or false)',
  object: 'an object',
  array: 'a list',
};

/** `a number of at least 100`, `at least 1 item`, `a text of at most 8 characters`: a size bound in words. */
function bound(
  issue: { origin?: string; inclusive?: boolean },
  word: 'least' | 'most',
  limit: unknown,
): string {
  const n = Number(limit);
  const edge = issue.inclusive === false ? (word === 'least' ? 'above' : 'below') : `at ${word}`;
  switch (issue.origin) {
    case 'array':
    case 'set':
      return `${edge} ${n} item${n === 1 ? '' : 's'}`;
    case 'string':
      return n === 1 && word === 'least' ? 'a text that is not empty' : `a text of ${edge} ${n} characters`;
    default:
      return `a number ${issue.inclusive === false ? '' : 'of '}${edge} ${n}`;
  }
}

/** What was found, for a size problem: the count of a list or text, the value of a number. */
function foundSize(value: unknown): string {
  if (Array.isArray(value)) return value.length === 0 ? 'none' : `${value.length}`;
  if (typeof value === 'string') return `${value.length} characters`;
  return kindOf(value);
}

/**
 * The issues of the plain option of a value-or-reference union (`valueOrRef` in schema.ts), when the
 * value has that option's type and failed only its checks; undefined otherwise (another type: the message
 * lists every accepted shape).
 */
function plainOptionIssues(issue: z.core.$ZodIssue, union: unknown): z.core.$ZodIssue[] | undefined {
  const options = optionsOf(union);
  const errors = (issue as { errors?: z.core.$ZodIssue[][] }).errors;
  if (!options || !errors || !options.some((o) => optionsOf(o) !== undefined)) return undefined;
  const plain = options.findIndex((o) => optionsOf(o) === undefined && shapeOf(o) === undefined);
  const nested = plain >= 0 ? errors[plain] : undefined;
  if (!nested || nested.length === 0) return undefined;
  if (nested.some((n) => n.path.length === 0 && n.code === 'invalid_type')) return undefined;
  return nested;
}

/**
 * For an object that is not a reference, in a union with an object shape (proxy: env | none | { url, ... }):
 * the issues of the one option the object matched at its top level (its errors are all about nested
 * fields), so a missing or bad nested field is named; undefined when no single option fits.
 */
function objectOptionIssues(
  issue: z.core.$ZodIssue,
  obj: Record<string, unknown>,
): z.core.$ZodIssue[] | undefined {
  const errors = (issue as { errors?: z.core.$ZodIssue[][] }).errors;
  if (!errors || Object.keys(obj).some((k) => REF_KEYS.includes(k))) return undefined;
  const fitting = errors.filter((list) => list.length > 0 && list.every((n) => n.path.length > 0));
  return fitting.length === 1 ? fitting[0] : undefined;
}

/** Explains every zod issue against the schema and the data that failed it. */
export function explainIssues(error: z.core.$ZodError, schema: unknown, data: unknown): RawIssue[] {
  return error.issues.flatMap((issue) => explain(issue, schema, data));
}

function explain(issue: z.core.$ZodIssue, schema: unknown, data: unknown): RawIssue[] {
  const path = issue.path;
  const value = valueAt(data, path);
  switch (issue.code) {
    case 'unrecognized_keys': {
      const known = Object.keys(shapeOf(schemaAt(schema, path, data)) ?? {});
      return issue.keys.map((key) => {
        const hint = suggest(key, known);
        const fix = hint
          ? `did you mean "${hint}"?`
          : known.length > 0
            ? `allowed here: ${known.join(', ')}`
            : 'remove it';
        return {
          path: [...path, key],
          message: `unknown field "${key}": ${fix} (unknown fields are errors, so a typo never silently disables a check)`,
        };
      });
    }
    case 'invalid_union': {
      const discriminated = issue as { options?: unknown[]; discriminator?: string };
      if (discriminated.discriminator !== undefined && Array.isArray(discriminated.options)) {
        const allowed = discriminated.options.map(String).join(', ');
        if (value === undefined) return [{ path, message: `required: one of ${allowed}` }];
        return [{ path, message: `expected one of ${allowed}; found ${kindOf(value)}` }];
      }
      const sub = schemaAt(schema, path, data);
      const shapes = describeOptions(sub);
      const obj =
        value !== null && typeof value === 'object' && !Array.isArray(value)
          ? (value as Record<string, unknown>)
          : undefined;
      const refKeys = obj ? Object.keys(obj).filter((k) => REF_KEYS.includes(k)) : [];
      if (refKeys.length > 1) {
        return [
          {
            path,
            message: `a reference names exactly one source, found ${refKeys.join(' and ')}: expected ${shapes ?? 'one source'}`,
          },
        ];
      }
      // An object in a union with one object shape that has all its fields (proxy: env | none | { url, ... }):
      // explain it against that shape, so a missing or bad nested field is named.
      const objectIssues = obj ? objectOptionIssues(issue, obj) : undefined;
      if (objectIssues)
        return objectIssues.flatMap((n) => explain({ ...n, path: [...path, ...n.path] }, schema, data));
      // A plain value (not a reference object) in a value-or-reference field: explain it against the plain
      // shape, e.g. minVersion "TLSv9" gets the allowed versions, a bad pin its expected form.
      const plainIssues = obj || value === undefined ? undefined : plainOptionIssues(issue, sub);
      if (plainIssues)
        return plainIssues.flatMap((n) => explain({ ...n, path: [...path, ...n.path] }, schema, data));
      const isRef = shapes !== undefined && REF_KEYS.every((k) => shapes.includes(`{ ${k}:`));
      // Only a reference (a secret): every option is a reference shape; value-or-reference has a plain one too.
      const onlyRef = isRef && (optionsOf(sub) ?? []).every((o) => shapeOf(o) !== undefined);
      const expected = onlyRef ? `a reference: ${shapes}` : (shapes ?? 'another shape');
      if (value === undefined) return [{ path, message: `required: expected ${expected}` }];
      if (onlyRef && !obj) {
        // The value is probably the secret itself: say what it is, never echo it.
        const kind = Array.isArray(value)
          ? 'a list'
          : value === null
            ? 'an empty value'
            : `a ${typeof value}`;
        const why = PUBLIC_MATERIAL[String(path.at(-1))] ?? 'secrets are never written into the config';
        return [{ path, message: `expected ${expected}; found ${kind} (${why})` }];
      }
      if (obj) {
        const keys = Object.keys(obj);
        const hints = keys.flatMap((k) => {
          const known = (shapes?.match(/\{ (\w+):/g) ?? []).map((m) => m.slice(2, -1));
          const hint = suggest(k, known);
          return hint ? [`"${k}" -> "${hint}"?`] : [];
        });
        const found =
          keys.length > 0
            ? `field${keys.length > 1 ? 's' : ''} ${keys.map((k) => `"${k}"`).join(', ')}`
            : 'an empty object';
        return [
          {
            path,
            message: `expected ${expected}; found ${found}${hints.length > 0 ? ` (did you mean ${hints.join(', ')})` : ''}`,
          },
        ];
      }
      return [{ path, message: `expected ${expected}; found ${kindOf(value)}` }];
    }
    case 'invalid_type': {
      const expected = TYPE_WORDS[issue.expected] ?? issue.expected;
      if (value === undefined) return [{ path, message: `required: expected ${expected}` }];
      if (path.length === 0 && value === null)
        return [{ path, message: 'the file is empty: expected a mapping with at least "processors"' }];
      return [{ path, message: `expected ${expected}, found ${kindOf(value)}` }];
    }
    case 'invalid_format': {
      if (issue.format === 'url')
        return [{ path, message: `expected a URL (https://host[:port]), found ${kindOf(value)}` }];
      if (issue.format === 'email')
        return [{ path, message: `expected an email address, found ${kindOf(value)}` }];
      // Our own words (schema.ts gives every pattern one). Inside a reference the value may be a secret
      // written in the wrong place: it is not echoed there.
      const inReference = REF_KEYS.includes(String(path.at(-1)));
      const found = typeof value === 'string' && !inReference ? `; found ${kindOf(value)}` : '';
      return [{ path, message: `expected ${issue.message}${found}` }];
    }
    case 'invalid_key': {
      // A record's key (a header name): the key's own check says what is wrong with it.
      const inner = (issue as { issues?: { message: string }[] }).issues?.[0]?.message ?? issue.message;
      return [
        { path, message: `invalid name "${String(path[path.length - 1]).slice(0, 40)}": expected ${inner}` },
      ];
    }
    case 'too_small': {
      const expected = ownWords(issue) ?? bound(issue, 'least', issue.minimum);
      return [{ path, message: `expected ${expected}; found ${foundSize(value)}` }];
    }
    case 'too_big': {
      const expected = ownWords(issue) ?? bound(issue, 'most', issue.maximum);
      return [{ path, message: `expected ${expected}; found ${foundSize(value)}` }];
    }
    case 'invalid_value': {
      const expected = ownWords(issue) ?? `one of ${issue.values.map((v) => String(v)).join(', ')}`;
      return [{ path, message: `expected ${expected}; found ${kindOf(value)}` }];
    }
    case 'not_multiple_of':
      return [{ path, message: `expected a multiple of ${issue.divisor}; found ${kindOf(value)}` }];
    default:
      // `custom` (refinements) and the rest carry the schema's own words.
      return [{ path, message: issue.message }];
  }
}
