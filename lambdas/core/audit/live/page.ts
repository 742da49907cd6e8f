/**
 * The live audit's page on the warning topic: for each new finding the rule, the field, the reference it was
 * read from (name and version, never the value), what was found, why it matters (PCI DSS 4.0 Req 4.2.1 where
 * it applies, from the rule catalogue) and the fix; for each resolved finding a short line. Pure, like the
 * diagnosis page (lambdas/core/diagnosis/notification.ts), and published the same way: one SNS Publish with
 * MessageStructure "json" (text for people, one line for SMS, a JSON document for machines).
 *
 * Finding messages can quote a certificate name a server chose (the chain's issuer) or one read from a CA
 * bundle: every line is escaped and bounded, so text cannot forge a section of the page.
 */

import { JSON_PROTOCOLS } from '../../diagnosis/page-size';
import { fitSubject } from '../../diagnosis/subject';
import { capBytes, escapeUntrusted, safeJson } from '../../text/escape';
import type { FindingReference, LiveFinding } from './run';
import type { OpenFinding } from './state';

/** Where docs/audit.md explains the live audit, relative to a runbook base URL's docs folder. */
export const LIVE_AUDIT_DOC = 'docs/audit.md#live-audit';

/** At most this many bytes of one finding's message on the page. */
const MESSAGE_MAX_BYTES = 1024;
/** At most this many findings are written out on one page; the rest are counted. */
const FINDINGS_SHOWN = 20;

export interface AuditPageParams {
  readonly processor: string;
  /** When the audit ran (ISO 8601). */
  readonly at: string;
  /** What started the run: the daily schedule, or an input change seen by a probe run. */
  readonly trigger: AuditTrigger;
  readonly opened: readonly LiveFinding[];
  readonly still: readonly LiveFinding[];
  readonly resolved: readonly OpenFinding[];
}

export type AuditTrigger = 'schedule' | 'input-changed' | 'drill';

export interface AuditPage {
  readonly subject: string;
  readonly text: string;
  readonly sms: string;
  readonly document: AuditPageDocument;
  readonly attributes: {
    readonly processor: string;
    readonly severity: 'warning';
    readonly stage: 'audit';
    readonly class: string;
    readonly event: 'audit';
  };
}

export interface AuditPageDocument {
  readonly schema: 'payprobe.audit/v1';
  readonly event: 'audit';
  readonly processor: string;
  readonly severity: 'warning';
  readonly subject: string;
  readonly at: string;
  readonly trigger: AuditTrigger;
  readonly opened: readonly PageFinding[];
  readonly resolved: readonly PageFinding[];
  /** Findings of warning severity or worse open after this run (the AuditFindings value). */
  readonly open: number;
  readonly text: string;
}

interface PageFinding {
  readonly rule: string;
  readonly severity: string;
  readonly field: string;
  readonly reference: FindingReference | null;
  readonly message: string | null;
  readonly why: string | null;
  readonly fix: string | null;
  readonly since: string | null;
}

const TRIGGERS: Record<AuditTrigger, string> = {
  schedule: 'the scheduled live audit',
  'input-changed': 'the live audit run after a probe saw an input change',
  drill: 'the live audit (in a payprobe drill: nothing is deployed)',
};

function ref(r: FindingReference | null): string {
  if (!r) return 'none (the value is written in the deployed config)';
  return r.version === null ? `${r.name} (no version)` : `${r.name} (version ${r.version})`;
}

function shown(s: string): string {
  return escapeUntrusted(capBytes(s, MESSAGE_MAX_BYTES));
}

/** Builds the page of one audit run with something new or resolved; null when there is nothing to page. */
export function buildAuditPage(p: AuditPageParams, docsBaseUrl?: string): AuditPage | null {
  if (p.opened.length === 0 && p.resolved.length === 0) return null;
  const open = p.opened.length + p.still.length;
  const what = [
    ...(p.opened.length > 0 ? [`${p.opened.length} new finding${p.opened.length === 1 ? '' : 's'}`] : []),
    ...(p.resolved.length > 0 ? [`${p.resolved.length} resolved`] : []),
  ].join(', ');
  const prefix = p.opened.length > 0 ? `[WARNING] ${p.processor}: ` : `[RESOLVED] ${p.processor}: `;
  const subject = fitSubject(prefix, `live audit - ${what}`);
  const lines: string[] = [subject, ''];
  lines.push(
    `${TRIGGERS[p.trigger]} of ${p.processor} read its live settings (as the probe resolves them) at ${p.at}:`,
    `${what}; ${open} finding${open === 1 ? '' : 's'} of warning severity or worse open now (AuditFindings = ${open}).`,
    'A finding pages once: while it stays, later audits do not page it again.',
  );
  for (const f of p.opened.slice(0, FINDINGS_SHOWN)) {
    lines.push(
      '',
      `NEW ${f.severity.toUpperCase()}  ${f.rule}`,
      `  field:      ${f.field}`,
      `  reference:  ${ref(f.reference)}`,
      `  found:      ${shown(f.message)}`,
      `  why:        ${f.why}`,
      `  fix:        ${f.fix}`,
    );
  }
  if (p.opened.length > FINDINGS_SHOWN)
    lines.push('', `... and ${p.opened.length - FINDINGS_SHOWN} more new findings`);
  for (const r of p.resolved.slice(0, FINDINGS_SHOWN)) {
    lines.push(
      '',
      `RESOLVED  ${r.rule}`,
      `  field:      ${r.field}`,
      `  reference:  ${ref(r.reference)}`,
      `  open since: ${r.since}`,
    );
  }
  if (p.still.length > 0) {
    lines.push('', 'Still open (paged before):');
    for (const f of p.still.slice(0, FINDINGS_SHOWN)) lines.push(`  ${f.rule}  ${f.field}`);
  }
  const base = docsBaseUrl?.replace(/\/docs\/runbooks\/?$/, '').replace(/\/+$/, '');
  lines.push(
    '',
    `What the rules check and how to silence one you accept: ${base ? `${base}/${LIVE_AUDIT_DOC}` : LIVE_AUDIT_DOC}`,
    `Run locally: npx payprobe audit --config <file> (the same rules over the config file).`,
  );
  const text = lines.join('\n');
  const pageFinding = (f: LiveFinding): PageFinding => ({
    rule: f.rule,
    severity: f.severity,
    field: f.field,
    reference: f.reference,
    message: shown(f.message),
    why: f.why,
    fix: f.fix,
    since: null,
  });
  const document: AuditPageDocument = {
    schema: 'payprobe.audit/v1',
    event: 'audit',
    processor: p.processor,
    severity: 'warning',
    subject,
    at: p.at,
    trigger: p.trigger,
    opened: p.opened.slice(0, FINDINGS_SHOWN).map(pageFinding),
    resolved: p.resolved.slice(0, FINDINGS_SHOWN).map((r) => ({
      rule: r.rule,
      severity: r.severity,
      field: r.field,
      reference: r.reference,
      message: null,
      why: null,
      fix: null,
      since: r.since,
    })),
    open,
    text,
  };
  return {
    subject,
    text,
    sms: subject,
    document,
    attributes: {
      processor: p.processor,
      severity: 'warning',
      stage: 'audit',
      class: p.opened[0]?.rule ?? 'OK',
      event: 'audit',
    },
  };
}

/** The Publish `Message` (MessageStructure "json"): text for people, the subject for SMS, JSON for machines. */
export function auditPageMessage(page: AuditPage): string {
  const json = safeJson(page.document);
  const msg: Record<string, string> = { default: page.text, email: page.text, sms: page.sms };
  for (const p of JSON_PROTOCOLS) msg[p] = json;
  return safeJson(msg);
}
