/**
 * Escaping and bounding of text payprobe did not write. Text from a server (certificate subjects and issuers,
 * SANs, redirect targets, error messages quoting an answer) is untrusted: it may carry terminal control
 * sequences (ESC, or C1's CSI U+009B), characters that reorder or hide what a reader sees (bidi overrides,
 * zero-width and other invisible format characters), line separators that forge a new line in a log or a
 * page, and it may be any size. Every place that shows such text to a person (the CLI's table and logfmt
 * lines, JUnit, the page's text) passes it through `escapeUntrusted`, and through `showUntrusted` where its
 * size must be bounded; an excerpt of a response body is quoted by `quoteUntrusted`; JSON output goes
 * through `safeJson`, which keeps values intact but never writes those characters raw. One set of unsafe
 * characters serves them all. XML escaping is here too. The redactor (./redact.ts) searches for secrets in each of these
 * forms, so both use these same functions.
 */

/** Invisible letters and selectors used to hide text: Hangul fillers, variation selectors. */
const INVISIBLE = '\\u115F\\u1160\\u3164\\uFFA0\\uFE00-\\uFE0F\\u180B-\\u180F\\u{E0100}-\\u{E01EF}';

/**
 * Characters never shown raw: C0 controls, DEL and C1 controls (U+0080-U+009F, incl. CSI U+009B and NEL
 * U+0085); format characters (\p{Cf}: bidi embeddings, overrides and isolates U+202A-U+202E,
 * U+2066-U+2069, marks U+200E/U+200F/U+061C, zero-width U+200B-U+200D, U+2060-U+2064, BOM U+FEFF, soft
 * hyphen, invisible tag characters U+E0000-U+E007F); line and paragraph separators U+2028/U+2029; lone
 * surrogates; and invisible letters and selectors used to hide text (Hangul fillers, variation selectors).
 */
const UNSAFE_SET = `\\p{Cc}\\p{Cf}\\p{Zl}\\p{Zp}\\p{Cs}${INVISIBLE}`;
const UNSAFE = new RegExp(`[${UNSAFE_SET}]`, 'gu');

/** The same set and the backtick that delimits a quoted excerpt (quoteUntrusted). */
const UNSAFE_IN_QUOTE = new RegExp(`[${UNSAFE_SET}\`]`, 'gu');

/** The same set, without C0 controls and lone surrogates (JSON.stringify already writes those escaped). */
const UNSAFE_IN_JSON = new RegExp(`[\\x7F-\\x9F\\p{Cf}\\p{Zl}\\p{Zp}${INVISIBLE}]`, 'gu');

const SHORT: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function hex4(code: number): string {
  return code.toString(16).padStart(4, '0');
}

/** `\u202e`, `\u{e0041}`: the \u escape of one character. */
function uEscape(c: string): string {
  const code = c.codePointAt(0) ?? 0;
  return code > 0xffff ? `\\u{${code.toString(16)}}` : `\\u${hex4(code)}`;
}

/** `\n`, `\u202e`, `\u{e0041}`: a visible escape for one unsafe character. */
function visible(c: string): string {
  return SHORT[c] ?? uEscape(c);
}

/**
 * Untrusted text made safe to show on a terminal, in an e-mail or a log line: every unsafe character (see
 * UNSAFE) is replaced by a visible escape (`\u202e`, `\u009b`, `\n`), everything else is kept, so one line
 * stays one line and what a reader sees is what the server sent.
 */
export function escapeUntrusted(s: string): string {
  return s.replace(UNSAFE, visible);
}

/** True when `s` holds a character escapeUntrusted would escape. */
export function hasUnsafeCharacters(s: string): boolean {
  UNSAFE.lastIndex = 0;
  const found = UNSAFE.test(s);
  UNSAFE.lastIndex = 0;
  return found;
}

/**
 * JSON.stringify, with every unsafe character written as a \u escape instead of raw. The parsed value is
 * the same; the bytes on the wire never carry a control, bidi or invisible character (e.g. to a terminal
 * that `cat`s the document, or a chat that renders a webhook's JSON).
 */
export function safeJson(value: unknown, space?: number): string {
  const json = JSON.stringify(value, null, space);
  return json === undefined ? json : safeJsonText(json);
}

/** JSON text (or the inside of a JSON string) with the unsafe characters \u-escaped. */
export function safeJsonText(json: string): string {
  return json.replace(UNSAFE_IN_JSON, (c) => {
    const code = c.codePointAt(0) ?? 0;
    if (code <= 0xffff) return `\\u${hex4(code)}`;
    // JSON has no \u{...}: a surrogate pair.
    return c
      .split('')
      .map((u) => `\\u${hex4(u.charCodeAt(0))}`)
      .join('');
  });
}

/**
 * How much of one untrusted field a person is shown (CLI table, logfmt and JUnit; the page): a failure's
 * detail or a warning's (it may quote a server's SANs or redirect target), and a name a server chose (a
 * certificate's subject or issuer). The full values stay in `check --json`.
 */
export const SHOWN_MAX_BYTES = { detail: 4096, name: 1024 } as const;

/** The marker put where untrusted text was cut: `…[truncated 63,488 bytes]`. */
export function truncationMarker(droppedBytes: number): string {
  return `…[truncated ${droppedBytes.toLocaleString('en-US')} bytes]`;
}

/**
 * `s` cut to at most `maxBytes` UTF-8 bytes (marker included) with the truncation marker at the end, at a
 * character boundary and never inside a visible escape. Unchanged when it fits.
 */
export function capBytes(s: string, maxBytes: number): string {
  const total = Buffer.byteLength(s, 'utf8');
  if (total <= maxBytes) return s;
  // The marker's length depends on the number it shows: reserve the longest it can be for this text.
  const room = Math.max(0, maxBytes - Buffer.byteLength(truncationMarker(total), 'utf8'));
  const buf = Buffer.from(s, 'utf8');
  let end = room;
  // Back to a character boundary (a UTF-8 continuation byte is 10xxxxxx).
  while (end > 0 && ((buf[end] ?? 0) & 0xc0) === 0x80) end--;
  let kept = buf.subarray(0, end).toString('utf8');
  // Never leave half a visible escape (`\u20`, `\u{e00`) at the cut.
  kept = kept.replace(/\\u(?:\{[0-9a-f]*|[0-9a-f]{0,3})$|\\$/, '');
  return `${kept}${truncationMarker(total - Buffer.byteLength(kept, 'utf8'))}`;
}

/** Untrusted text to show: escaped (escapeUntrusted), then capped at `maxBytes` with a visible marker. */
export function showUntrusted(s: string, maxBytes: number): string {
  return capBytes(escapeUntrusted(s), maxBytes);
}

// XML 1.0 allows only these characters; anything else (e.g. a NUL in an OpenSSL message) is dropped.
// biome-ignore lint/suspicious/noControlCharactersInRegex: the point is to match control characters
const XML_INVALID = /[^\x09\x0A\x0D\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

/** Escapes text for XML content and attribute values. */
export function xmlEscape(s: string): string {
  return s
    .replace(XML_INVALID, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

/**
 * Untrusted text (a server's response body) as one bounded line safe for terminals, e-mail, SMS, logs and
 * JSON: at most `maxChars` characters of it between backticks, every unsafe character (the set
 * escapeUntrusted escapes, and the backtick) as a `\uXXXX` escape (a backslash doubled, so the quote reads
 * back exactly), and `…` after the closing backtick when it was cut. Redact before quoting.
 */
export function quoteUntrusted(text: string, maxChars: number): string {
  const chars = Array.from(text);
  const cut = chars.length > maxChars;
  const shown = chars.slice(0, maxChars).join('').replace(/\\/g, '\\\\').replace(UNSAFE_IN_QUOTE, uEscape);
  return `\`${shown}\`${cut ? '…' : ''}`;
}
