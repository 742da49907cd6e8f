/**
 * A client certificate refused at the HTTP layer: servers such as nginx (`ssl_verify_client on`) complete the
 * handshake without a valid client certificate and answer the first request with 400 ("No required SSL
 * certificate was sent", "The SSL certificate error"; internally 496 and 495). Recognised by status and the
 * server's own words, which go into the detail escaped and bounded: they are untrusted text.
 */
import type { ExchangeResponse } from './http-request';

/** nginx's internal codes, in case a server lets them out: 495 certificate error, 496 no certificate. */
const CERT_STATUSES = new Set([495, 496]);
/** Statuses under which a server's words about a client certificate mean a refusal. */
const WORDED_STATUSES = new Set([400, 403]);
const CERT_WORDS = /\b(?:ssl|tls|client)\)?\s+certificate\b/i;
/** How much of the server's answer is read for its words, and how much of them is quoted. */
const SCAN_BYTES = 4096;
const MAX_WORDS = 160;

/**
 * The server's words when the response refuses our client certificate (or its absence), else undefined:
 * `400 "No required SSL certificate was sent"`.
 */
export function clientCertRefusal(res: ExchangeResponse): string | undefined {
  const words = serverWords(res.body.subarray(0, SCAN_BYTES).toString('utf8'));
  if (CERT_STATUSES.has(res.status) || (WORDED_STATUSES.has(res.status) && CERT_WORDS.test(words))) {
    return `${res.status}${words ? ` "${words}"` : ''}`;
  }
  return undefined;
}

/** The text of an HTML or plain answer: the sentence about a certificate when there is one, bounded, escaped. */
function serverWords(body: string): string {
  const title = /<title>([\s\S]*?)<\/title>/i.exec(body)?.[1];
  const text = (title ?? body)
    .replace(/<[^>]*>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/^\d{3}\s+/, '');
  const sentence = text.split(/(?<=[.!?])\s+/).find((s) => CERT_WORDS.test(s)) ?? text;
  const bounded = sentence.length > MAX_WORDS ? `${sentence.slice(0, MAX_WORDS)}…` : sentence;
  return printable(bounded);
}

/** Anything but printable ASCII (controls, C1, bidi overrides, line separators) as a visible \u{...}. */
function printable(s: string): string {
  return s
    .replace(/[^\x20-\x7e…]/gu, (c) => `\\u{${(c.codePointAt(0) ?? 0).toString(16)}}`)
    .replace(/"/g, "'");
}
