/**
 * The one redactor: the last line of defence against secrets in any output. The engine never puts a secret
 * in a result, but results, error messages it did not write (V8's JSON errors quote the text they failed to
 * parse), server answers that echo a request (a redirect whose Location carries the credentials) and pages
 * built from all of these leave payprobe through many paths: the CLI's table, logfmt lines, JSON and JUnit
 * XML, the probe, diagnose and preflight logs, the preflight's failure reason and the page. Every one of them
 * masks through this module, so a leak closed here is closed everywhere.
 *
 * Rule: every value read from a secret source, in every encoding it can take on the way out, is replaced by
 * REDACTED:
 * - as it is, and without surrounding white space;
 * - escaped for JSON (also JSON inside a JSON string, `\/`, and `\uXXXX`), for XML/HTML, and as
 *   ./escape.ts shows untrusted text (`\u202e`) or writes it into JSON;
 * - URL-encoded in any mix: each character as it is or percent-encoded, `+` or `%20` for a space, hex in
 *   any case (the text is also searched with its percent-escapes decoded);
 * - base64 and base64url at any alignment, so also inside a longer token such as `Basic base64(user:pass)`
 *   (the whole base64 run that holds it is masked), also of the value form-encoded first (OAuth
 *   client_secret_basic) or JSON-escaped; and hex;
 * - in any letter case, and with `\` and `/` taken as one: a host name carrying a value
 *   (`https://<value>.evil.example/`) comes back lower-cased from the URL parser, which also turns `\` into
 *   `/` in a path (a JSON-escaped value in a redirect) and ends the path at `?` or `#` (so the part of a
 *   form before either, when FRAGMENT_LENGTH characters or more, is masked too);
 * - in text we did not write (`untrusted`: error messages quoting what they failed to parse), also every
 *   run of FRAGMENT_LENGTH characters of any of these forms.
 * Values shorter than MIN_SECRET_LENGTH are left alone: they would match everywhere, and are not credentials
 * worth the name.
 */
import { escapeUntrusted, safeJsonText, xmlEscape } from './escape';

export const REDACTED = '[REDACTED]';

/** Values shorter than this are not masked (masking them would shred ordinary words). */
export const MIN_SECRET_LENGTH = 4;

/** For untrusted text (error messages): any run of this many characters found inside a secret is masked. */
export const FRAGMENT_LENGTH = 8;

export interface Redactor {
  /** Masks every secret value, in every encoding, in the text. */
  text(text: string): string;
  /**
   * `text`, and any run of FRAGMENT_LENGTH characters of any form of a secret: for text we did not write
   * (error messages quoting what they failed to parse). Not for details built by payprobe: a PEM key's
   * `-----BEGIN` would mask the same words in a message.
   */
  untrusted(text: string): string;
  /** A deep copy of a JSON-able value with `text` applied to every string. */
  value<T>(value: T): T;
}

/** Characters of a base64 or base64url run (with padding): a masked base64 form extends over them. */
const BASE64_CHAR = /[A-Za-z0-9+/\-_=]/;

/** Redactors by their secret values: a probe, a page or a log line asks for the same set again and again. */
const cache = new Map<string, Redactor>();
const CACHED = 16;

/** Creates a redactor for the given secret values (duplicates and short values are ignored). */
export function makeRedactor(secrets: Iterable<string>): Redactor {
  const values = unique([...secrets].flatMap((s) => [s, s.trim()])).filter(
    (s) => s.length >= MIN_SECRET_LENGTH,
  );
  const key = JSON.stringify(values);
  const hit = cache.get(key);
  if (hit) return hit;
  const made = buildRedactor(values);
  cache.set(key, made);
  if (cache.size > CACHED) cache.delete(cache.keys().next().value as string);
  return made;
}

function buildRedactor(values: readonly string[]): Redactor {
  const literal = unique(values.flatMap(literalForms).flatMap(withUrlCuts).map(normalize))
    .filter((f) => f.length >= MIN_SECRET_LENGTH)
    .sort((a, b) => b.length - a.length);
  const cores = unique(values.flatMap(base64Cores).map(normalize));
  let fragments: Set<string> | undefined;

  /** Marks every encoded secret in `t` into `mask` (created on the first match; null when none). */
  const marks = (t: string, views: readonly View[]): Uint8Array | null => {
    let mask: Uint8Array | null = null;
    const mark = (from: number, to: number) => {
      mask ??= new Uint8Array(t.length);
      mask.fill(1, from, to);
    };
    for (const { text: v, from, to } of views) {
      for (const form of literal) {
        for (let i = v.indexOf(form); i >= 0; i = v.indexOf(form, i + 1)) mark(from(i), to(i + form.length));
      }
      for (const core of cores) {
        for (let i = v.indexOf(core); i >= 0; i = v.indexOf(core, i + 1)) {
          let start = from(i);
          let end = to(i + core.length);
          while (start > 0 && BASE64_CHAR.test(t.charAt(start - 1))) start--;
          while (end < t.length && BASE64_CHAR.test(t.charAt(end))) end++;
          mark(start, end);
        }
      }
    }
    return mask;
  };

  const text = (t: string): string => {
    if (values.length === 0) return t;
    const mask = marks(t, viewsOf(t));
    return mask ? applyMask(t, mask) : t;
  };

  const untrusted = (t: string): string => {
    if (values.length === 0) return t;
    const views = viewsOf(t);
    let mask = marks(t, views);
    // Every run of FRAGMENT_LENGTH characters of any form: what is left of a value cut short.
    fragments ??= new Set([...literal, ...cores].flatMap(piecesOf));
    for (const { text: v, from, to } of views) {
      for (let i = 0; i + FRAGMENT_LENGTH <= v.length; i++) {
        if (fragments.has(v.slice(i, i + FRAGMENT_LENGTH))) {
          mask ??= new Uint8Array(t.length);
          mask.fill(1, from(i), to(i + FRAGMENT_LENGTH));
        }
      }
    }
    return mask ? applyMask(t, mask) : t;
  };

  const value = <T>(v: T): T => {
    if (values.length === 0) return v;
    return JSON.parse(JSON.stringify(v, (_k, x: unknown) => (typeof x === 'string' ? text(x) : x))) as T;
  };

  return { text, untrusted, value };
}

/**
 * A form and, when it holds a `?` or `#`, what a URL's path keeps of it (the parser ends the path there):
 * the part before, when it is FRAGMENT_LENGTH characters or more.
 */
function withUrlCuts(form: string): string[] {
  const cut = form.search(/[?#]/);
  return cut >= FRAGMENT_LENGTH ? [form, form.slice(0, cut)] : [form];
}

/** The FRAGMENT_LENGTH-character runs of a form. */
function piecesOf(form: string): string[] {
  const out: string[] = [];
  for (let i = 0; i + FRAGMENT_LENGTH <= form.length; i++) out.push(form.slice(i, i + FRAGMENT_LENGTH));
  return out;
}

/**
 * A text to search, normalized, with the map back to the original: view index i starts at from(i) in the
 * original, and a match ending before view index j ends at to(j).
 */
interface View {
  readonly text: string;
  from(i: number): number;
  to(j: number): number;
}

/**
 * The views of `t` searched: the text itself, and, when it holds percent-escapes (or `+`), the text with
 * them decoded (with `+` kept, and with `+` read as a space), so a value URL-encoded in any mix of forms and
 * cases is found as itself.
 */
function viewsOf(t: string): View[] {
  const views: View[] = [{ text: normalize(t), from: (i) => i, to: (j) => j }];
  if (/%[0-9a-fA-F]{2}/.test(t)) views.push(decodedView(t, false));
  if (t.includes('+')) views.push(decodedView(t, true));
  return views;
}

/** `t` with percent-escapes (UTF-8) decoded and, with `plus`, `+` read as a space; normalized. */
function decodedView(t: string, plus: boolean): View {
  const parts: string[] = [];
  // The decoded text is never longer than the original: index k of it starts at starts[k], ends at ends[k].
  const starts = new Int32Array(t.length);
  const ends = new Int32Array(t.length);
  let n = 0;
  const emit = (s: string, from: number, to: number) => {
    parts.push(s);
    for (let k = 0; k < s.length; k++, n++) {
      starts[n] = from;
      ends[n] = to;
    }
  };
  const special = plus ? /%[0-9a-fA-F]{2}|\+/g : /%[0-9a-fA-F]{2}/g;
  let i = 0;
  for (let m = special.exec(t); m; m = special.exec(t)) {
    const at = m.index;
    if (at < i) continue;
    for (let k = i; k < at; k++, n++) {
      starts[n] = k;
      ends[n] = k + 1;
    }
    parts.push(t.slice(i, at));
    const decoded = m[0] === '+' ? { text: ' ', length: 1 } : percentSequence(t, at);
    if (decoded) emit(decoded.text, at, at + decoded.length);
    else emit(t.charAt(at), at, at + 1);
    i = at + (decoded?.length ?? 1);
    special.lastIndex = i;
  }
  for (let k = i; k < t.length; k++, n++) {
    starts[n] = k;
    ends[n] = k + 1;
  }
  parts.push(t.slice(i));
  return {
    text: normalize(parts.join('')),
    from: (k) => (k < n ? (starts[k] ?? t.length) : t.length),
    to: (k) => (k > 0 ? (ends[k - 1] ?? t.length) : 0),
  };
}

/** The byte a percent-escape at `k` encodes, or -1. */
function escapedByte(t: string, k: number): number {
  if (t.charCodeAt(k) !== 0x25) return -1;
  const hi = Number.parseInt(t.charAt(k + 1), 16);
  const lo = Number.parseInt(t.charAt(k + 2), 16);
  return Number.isNaN(hi) || Number.isNaN(lo) ? -1 : hi * 16 + lo;
}

/** The character a run of percent-escapes at `i` encodes in UTF-8 (one character), or null. */
function percentSequence(t: string, i: number): { text: string; length: number } | null {
  const lead = escapedByte(t, i);
  const n =
    lead < 0
      ? 0
      : lead < 0x80
        ? 1
        : lead >= 0xf0 && lead < 0xf8
          ? 4
          : lead >= 0xe0
            ? 3
            : lead >= 0xc0
              ? 2
              : 0;
  if (n === 0) return null;
  const bytes = [lead];
  for (let k = 1; k < n; k++) {
    const b = escapedByte(t, i + 3 * k);
    if (b < 0 || (b & 0xc0) !== 0x80) return null;
    bytes.push(b);
  }
  const text = Buffer.from(bytes).toString('utf8');
  return text.includes('\uFFFD') ? null : { text, length: 3 * n };
}

/**
 * The form text is compared in: letters lower-cased where that keeps the length (all but a few, such as
 * U+0130), and `\\` read as `/` (the URL parser turns one into the other in a path), so positions in the
 * normalized text map 1:1 to the original.
 */
function normalize(s: string): string {
  // ASCII (the common case): lower-casing never changes the length.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: any ASCII character
  const lower = /^[\x00-\x7f]*$/.test(s)
    ? s.toLowerCase()
    : s.replace(/[\p{Lu}\p{Lt}]+/gu, (m) => {
        const l = m.toLowerCase();
        if (l.length === m.length) return l;
        return [...m].map((c) => (c.toLowerCase().length === c.length ? c.toLowerCase() : c)).join('');
      });
  return lower.includes('\\') ? lower.replace(/\\/g, '/') : lower;
}

/** The text with each run of masked characters replaced by one REDACTED. */
function applyMask(t: string, mask: Uint8Array): string {
  let out = '';
  for (let i = 0; i < t.length; i++) {
    if (!mask[i]) out += t[i];
    else if (i === 0 || !mask[i - 1]) out += REDACTED;
  }
  return out;
}

function unique(list: readonly string[]): string[] {
  return [...new Set(list)];
}

/** `v` form-encoded as URLSearchParams writes it (`+` for a space), as OAuth client_secret_basic does first. */
function formEncoded(v: string): string {
  return new URLSearchParams({ v }).toString().slice(2);
}

/**
 * The forms of a value searched for as they are: the value, its visible escape (escapeUntrusted) and its
 * UTF-8 read as Latin-1, each escaped for JSON and XML and URL-encoded; its hex.
 */
function literalForms(v: string): string[] {
  const bytes = Buffer.from(v, 'utf8');
  // The value's UTF-8 read as Latin-1, as a server that writes UTF-8 into a header shows it to Node's client
  // (case is folded before comparing, but not across this: also of the value in either case).
  const latin1 = [v, v.toUpperCase(), v.toLowerCase()].map((c) => Buffer.from(c, 'utf8').toString('latin1'));
  const bases = unique([v, escapeUntrusted(v), ...latin1]);
  return [...bases.flatMap(formsOf), bytes.toString('hex')];
}

function formsOf(v: string): string[] {
  const json = JSON.stringify(v).slice(1, -1);
  const jsonForms = [
    json,
    safeJsonText(json),
    JSON.stringify(json).slice(1, -1),
    json.replace(/\//g, '\\/'),
    json.replace(/[^\x20-\x7e]|[<>&']/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`),
  ];
  const markup = [xmlEscape(v), v.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)];
  const component = encodeURIComponent(v);
  const strict = component.replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  const url = [component, strict, encodeURI(v), formEncoded(v)].flatMap((u) => [u, u.replace(/%20/g, '+')]);
  return [v, ...jsonForms, ...markup, ...url];
}

/**
 * The parts of the value's base64 and base64url encodings that do not depend on the bytes around it, at
 * each of the three alignments a value can have inside a longer encoded text (`user:password`); of the value
 * itself and of the forms it takes inside what gets base64-encoded (form-encoded, JSON-escaped).
 */
function base64Cores(value: string): string[] {
  const out: string[] = [];
  const sources = unique([
    value,
    formEncoded(value),
    encodeURIComponent(value),
    JSON.stringify(value).slice(1, -1),
  ]);
  for (const v of sources) {
    const bytes = Buffer.from(v, 'utf8');
    for (let offset = 0; offset < 3; offset++) {
      const padded = Buffer.concat([Buffer.alloc(offset), bytes]);
      // Character i holds bits 6i..6i+5: keep the characters made of the value's bits only.
      const from = Math.ceil((offset * 8) / 6);
      const to = Math.floor(((offset + bytes.length) * 8) / 6);
      for (const encoding of ['base64', 'base64url'] as const) {
        const core = padded.toString(encoding).slice(from, to);
        if (core.length >= MIN_SECRET_LENGTH) out.push(core);
      }
    }
  }
  return out;
}
