/**
 * The one redactor: the last line of defence against secrets in any output. The engine never puts a secret
 * in a result, but results, error messages it did not write (V8's JSON errors quote the text they failed to
 * parse), server answers that echo a request and pages built from all of these leave payprobe through many
 * paths: the CLI's table, logfmt lines, JSON and JUnit XML, the probe, diagnose and preflight logs, the
 * preflight's failure reason and the page. Every one of them masks through this module, so a leak closed
 * here is closed everywhere.
 *
 * Rule: every value read from a secret source, in every encoding it can take on the way out, is replaced by
 * REDACTED:
 * - as it is, and without surrounding white space;
 * - escaped for JSON (also JSON inside a JSON string, `\/`, and `\uXXXX` in either case) and for XML/HTML;
 * - URL-encoded (encodeURIComponent, RFC 3986, `+` or `%20` for spaces as forms and query strings write
 *   them; upper- and lower-case hex);
 * - base64 and base64url at any alignment, so also inside a longer token such as `Basic base64(user:pass)`:
 *   the whole base64 run that holds it is masked.
 * Values shorter than MIN_SECRET_LENGTH are left alone: they would match everywhere, and are not credentials
 * worth the name.
 */
import { xmlEscape } from './escape';

export const REDACTED = '[REDACTED]';

/** Values shorter than this are not masked (masking them would shred ordinary words). */
export const MIN_SECRET_LENGTH = 4;

/** For untrusted text (error messages): any run of this many characters found inside a secret is masked. */
export const FRAGMENT_LENGTH = 8;

export interface Redactor {
  /** Masks every secret value, in every encoding, in the text. */
  text(text: string): string;
  /** `text`, and any fragment of FRAGMENT_LENGTH+ characters of a secret: for text we did not write. */
  untrusted(text: string): string;
  /** A deep copy of a JSON-able value with `text` applied to every string. */
  value<T>(value: T): T;
}

/** Characters of a base64 or base64url run (with padding): a masked base64 form extends over them. */
const BASE64_CHAR = /[A-Za-z0-9+/\-_=]/;

/** Creates a redactor for the given secret values (duplicates and short values are ignored). */
export function makeRedactor(secrets: Iterable<string>): Redactor {
  const values = unique([...secrets].flatMap((s) => [s, s.trim()])).filter(
    (s) => s.length >= MIN_SECRET_LENGTH,
  );
  const literal = unique(values.flatMap(literalForms))
    .filter((f) => f.length >= MIN_SECRET_LENGTH)
    .sort((a, b) => b.length - a.length);
  const cores = unique(values.flatMap(base64Cores));

  /** Marks every encoded secret in `t`; null when there is none (the common case: no copy is made). */
  const marks = (t: string): Uint8Array | null => {
    let mask: Uint8Array | null = null;
    const mark = (from: number, to: number) => {
      mask ??= new Uint8Array(t.length);
      mask.fill(1, from, to);
    };
    for (const form of literal) {
      for (let i = t.indexOf(form); i >= 0; i = t.indexOf(form, i + 1)) mark(i, i + form.length);
    }
    for (const core of cores) {
      for (let i = t.indexOf(core); i >= 0; i = t.indexOf(core, i + 1)) {
        let from = i;
        let to = i + core.length;
        while (from > 0 && BASE64_CHAR.test(t.charAt(from - 1))) from--;
        while (to < t.length && BASE64_CHAR.test(t.charAt(to))) to++;
        mark(from, to);
      }
    }
    return mask;
  };

  const text = (t: string): string => {
    if (values.length === 0) return t;
    const mask = marks(t);
    return mask ? applyMask(t, mask) : t;
  };

  const untrusted = (t: string): string => {
    if (values.length === 0) return t;
    let mask = marks(t);
    for (let i = 0; i + FRAGMENT_LENGTH <= t.length; i++) {
      const piece = t.slice(i, i + FRAGMENT_LENGTH);
      if (values.some((v) => v.includes(piece))) {
        mask ??= new Uint8Array(t.length);
        mask.fill(1, i, i + FRAGMENT_LENGTH);
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

/** The forms of a value searched for as they are: the value, escaped for JSON and XML, URL-encoded. */
function literalForms(v: string): string[] {
  const json = JSON.stringify(v).slice(1, -1);
  const jsonForms = [
    json,
    JSON.stringify(json).slice(1, -1),
    json.replace(/\//g, '\\/'),
    ...bothCases(json.replace(/[^\x20-\x7e]|[<>&']/g, (c) => `\\u${hex4(c)}`)),
  ];
  const markup = [xmlEscape(v), v.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)];
  const component = encodeURIComponent(v);
  const strict = component.replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  const url = [component, strict, encodeURI(v), new URLSearchParams({ v }).toString().slice(2)].flatMap(
    (u) => [u, u.replace(/%20/g, '+')],
  );
  return [v, ...jsonForms, ...markup, ...url.flatMap(bothCases)];
}

/** A percent- or \u-encoded form with its hex digits in upper and in lower case. */
function bothCases(encoded: string): string[] {
  const escapes = /%[0-9a-fA-F]{2}|\\u[0-9a-fA-F]{4}/g;
  const upper = encoded.replace(escapes, (e) => e.charAt(0) + e.slice(1).toUpperCase().replace('U', 'u'));
  const lower = encoded.replace(escapes, (e) => e.toLowerCase());
  return [upper, lower];
}

function hex4(c: string): string {
  return c.charCodeAt(0).toString(16).padStart(4, '0');
}

/**
 * The parts of the value's base64 and base64url encodings that do not depend on the bytes around it, at
 * each of the three alignments a value can have inside a longer encoded text (`user:password`).
 */
function base64Cores(v: string): string[] {
  const bytes = Buffer.from(v, 'utf8');
  const out: string[] = [];
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
  return out;
}
