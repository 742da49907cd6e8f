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
