/**
 * The page's size, whatever a server sends: SNS refuses a Publish over 256 KB (message, subject and message
 * attributes together), and a refused page is a lost diagnosis. Two layers (docs/diagnosis.md "Size"):
 * 1. every server-supplied field is bounded before it goes into the page (boundedResult): a detail or a
 *    warning at SHOWN_MAX_BYTES.detail, a certificate's subject and issuer at SHOWN_MAX_BYTES.name, the
 *    chain at CHAIN_SHOWN certificates, each cut marked `…[truncated N bytes]`;
 * 2. the final message is measured (publishBytes) and, while it does not fit MESSAGE_MAX_BYTES, sheds
 *    copies and cuts text in fixed steps (structuredMessage), down to a minimal page that always fits.
 */
import type { CertSummary, ProbeResult } from '../contract/result';
import { capBytes, SHOWN_MAX_BYTES, safeJson } from '../text/escape';
import type { Notification, NotificationDocument } from './notification';

/** SNS's limit for one Publish: message, subject and message attributes together. */
export const SNS_MAX_BYTES = 262_144;

/** What a page may take of SNS_MAX_BYTES: the rest is headroom. */
export const MESSAGE_MAX_BYTES = 240_000;

/** Certificates of a chain a page shows (real chains have 2-4; a hostile server may send dozens). */
export const CHAIN_SHOWN = 10;

/** The SNS protocols that get the JSON document; all others (email, default) get the text. */
export const JSON_PROTOCOLS = ['http', 'https', 'sqs', 'lambda', 'firehose', 'email-json'] as const;

function boundedCert(c: CertSummary): CertSummary {
  return {
    ...c,
    subject: capBytes(c.subject, SHOWN_MAX_BYTES.name),
    issuer: capBytes(c.issuer, SHOWN_MAX_BYTES.name),
  };
}

/**
 * The result as a page carries it: details, warnings, certificate names and the chain bounded (see the
 * module comment), each cut marked. Unchanged values keep their content; nothing here escapes (the text
 * escapes what it shows, JSON escapes what it writes).
 */
export function boundedResult(r: ProbeResult): ProbeResult {
  const tls = r.tls;
  return {
    ...r,
    detail: r.detail === null ? null : capBytes(r.detail, SHOWN_MAX_BYTES.detail),
    warnings: r.warnings.map((w) => ({ ...w, detail: capBytes(w.detail, SHOWN_MAX_BYTES.detail) })),
    tls: tls
      ? {
          ...tls,
          serverCert: tls.serverCert ? boundedCert(tls.serverCert) : null,
          chain: tls.chain.slice(0, CHAIN_SHOWN).map(boundedCert),
        }
      : null,
  };
}

/** Bytes SNS counts for a Publish of `message`: the message, the subject and every attribute. */
export function publishBytes(n: Notification, message: string): number {
  const attributes = Object.entries(n.attributes).reduce(
    (sum, [name, value]) =>
      sum + Buffer.byteLength(name) + Buffer.byteLength('String') + Buffer.byteLength(String(value)),
    0,
  );
  return Buffer.byteLength(message) + Buffer.byteLength(n.subject) + attributes;
}

/** Text budgets (bytes) tried in turn when the whole text does not fit. */
const TEXT_STEPS = [64_000, 32_000, 16_000, 8_000, 4_000, 2_000];

const CUT_NOTE =
  '\n[... cut: the page exceeded the SNS message size; run payprobe check for the full result]';

/**
 * The Publish `Message` for MessageStructure "json": text for people (default, email), one line for SMS, the
 * JSON document for machines; unsafe characters never raw (safeJson). Fits MESSAGE_MAX_BYTES with the
 * subject and attributes, whatever the notification holds: a page that does not fit first drops the copies
 * of the text from the JSON, then the full result, then cuts the text in steps, and at last keeps only the
 * diagnosis.
 */
export function structuredMessage(n: Notification): string {
  const build = (text: string, doc: NotificationDocument) => {
    const json = safeJson(doc);
    const msg: Record<string, string> = { default: text, email: text, sms: n.sms };
    for (const p of JSON_PROTOCOLS) msg[p] = json;
    return safeJson(msg);
  };
  const fits = (m: string) => publishBytes(n, m) <= MESSAGE_MAX_BYTES;
  const lean: NotificationDocument = { ...n.document, text: '', result: null };
  const attempts = [
    () => build(n.text, n.document),
    () => build(n.text, { ...n.document, text: '' }),
    () => build(n.text, lean),
    ...TEXT_STEPS.map((max) => () => build(cutText(n.text, max), lean)),
  ];
  for (const attempt of attempts) {
    const m = attempt();
    if (fits(m)) return m;
  }
  return build(cutText(n.text, 1_000), minimalDocument(n.document));
}

function cutText(text: string, maxBytes: number): string {
  return Buffer.byteLength(text) <= maxBytes ? text : `${capBytes(text, maxBytes)}${CUT_NOTE}`;
}

/** The last resort: what the page is about and where the runbook is, every field bounded. */
function minimalDocument(d: NotificationDocument): NotificationDocument {
  return {
    ...d,
    alarm: { ...d.alarm, reason: capBytes(d.alarm.reason, 1_024) },
    diagnosis: d.diagnosis
      ? { ...d.diagnosis, detail: d.diagnosis.detail === null ? null : capBytes(d.diagnosis.detail, 1_024) }
      : null,
    result: null,
    inputs: null,
    text: '',
  };
}
