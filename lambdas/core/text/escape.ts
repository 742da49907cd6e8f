/**
 * Escaping of text for the formats payprobe writes that give characters a meaning: XML (the CLI's JUnit
 * report). Text from a server is untrusted and may hold anything, so escaping is total: characters XML 1.0
 * cannot carry at all are dropped. The redactor (./redact.ts) also searches for secrets in their escaped
 * forms, so both use this one function.
 */

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
 * Characters a terminal or mail client would act on or hide (C0 and C1 controls, DEL, zero-width and
 * bidirectional formatting marks, line and paragraph separators, the BOM, lone surrogates), and the backtick
 * that delimits a quoted excerpt.
 */
const UNSAFE =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the point is to match control characters
  /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028\u2029\u202a-\u202e\u2060-\u2069\ufeff\u{d800}-\u{dfff}`]/gu;

/**
 * Untrusted text (a server's response body) as one bounded line safe for terminals, e-mail, SMS, logs and
 * JSON: at most `maxChars` characters of it between backticks, every unsafe character as a `\uXXXX` escape
 * (a backslash doubled), and `…` after the closing backtick when it was cut. Redact before quoting.
 */
export function quoteUntrusted(text: string, maxChars: number): string {
  const chars = Array.from(text);
  const cut = chars.length > maxChars;
  const shown = chars
    .slice(0, maxChars)
    .join('')
    .replace(/\\/g, '\\\\')
    .replace(UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return `\`${shown}\`${cut ? '…' : ''}`;
}
