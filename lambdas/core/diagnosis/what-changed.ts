/**
 * "What changed since the last good probe", as a page shows it (docs/diagnosis.md "What changed"): the ranked
 * differences between the last passing probe the history store kept and the failing re-probe, each with the
 * setting's source (`tls.ca (ssm /gw/ca)`), its versions and when it changed; or why that is unknown (no
 * history table, the store did not answer in time, nothing recorded yet). Pure text from data.
 */
import type { ProcessorConfig } from '../config/model';
import { configReferences } from '../config/references';
import { describeRef } from '../secrets/resolver';
import { quoteUntrusted } from '../text/escape';
import { CERT_NAME_MAX, type Change, describeChange } from './snapshot';

/** What the page knows of the processor's history. */
export type HistoryView =
  /** The diagnose function has no history table. */
  | { readonly status: 'off' }
  /** The store was slow or down: the page went out without it. */
  | { readonly status: 'unavailable'; readonly reason: string }
  /** The store answered but holds no passing probe of this processor yet. */
  | { readonly status: 'none' }
  | {
      readonly status: 'known';
      /** The last passing probe recorded (ISO 8601). */
      readonly lastGoodAt: string;
      /** The last passing run before the failure, when its function recorded it. */
      readonly lastPassAt: string | null;
      /** The failure's onset: the first failing run recorded, else the alarm's window start. */
      readonly onset: string | null;
      /** Ranked (snapshot.ts rankChanges); empty when nothing differs. */
      readonly changes: readonly Change[];
    };

/** The JSON form of a change in the page's document. */
export interface ChangeDoc extends Change {
  /** The reference the changed setting is read from (`ssm /gw/ca`), when it is one. */
  readonly source: string | null;
  readonly text: string;
}

/** The reference behind an input field, as a page names it: `ssm /gw/ca`. */
export function sourceOf(cfg: ProcessorConfig | undefined, field: string): string | null {
  const ref = cfg ? configReferences(cfg).find((r) => r.field === field)?.ref : undefined;
  return ref ? describeRef(ref) : null;
}

/** A change as one line of text; server text quoted and escaped. */
export function changeLine(c: Change, cfg: ProcessorConfig | undefined): string {
  const source = c.side === 'ours' ? sourceOf(cfg, c.field) : null;
  const name = `${c.field}${source ? ` (${source})` : ''}`;
  const server = c.side === 'theirs' && (c.kind === 'server-leaf' || c.kind === 'server-issuer');
  const text = server
    ? `${c.before === null ? '-' : quoteUntrusted(c.before, CERT_NAME_MAX)} -> ${c.after === null ? '-' : quoteUntrusted(c.after, CERT_NAME_MAX)}`
    : describeChange({ ...c, at: null });
  return `${name}: ${text}${c.at ? `, changed ${c.at}` : ''} [${c.side === 'ours' ? 'our side' : "processor's side"}]`;
}

export function changeDocs(changes: readonly Change[], cfg: ProcessorConfig | undefined): ChangeDoc[] {
  return changes.map((c) => ({
    ...c,
    source: c.side === 'ours' ? sourceOf(cfg, c.field) : null,
    text: changeLine(c, cfg),
  }));
}

/** The history part of a page's document. */
export interface HistoryDoc {
  readonly status: HistoryView['status'];
  /** Why it is unavailable (status `unavailable`). */
  readonly reason: string | null;
  readonly lastGoodAt: string | null;
  readonly onset: string | null;
  readonly changes: readonly ChangeDoc[] | null;
}

export function historyDoc(view: HistoryView, cfg: ProcessorConfig | undefined): HistoryDoc {
  return {
    status: view.status,
    reason: view.status === 'unavailable' ? view.reason : null,
    lastGoodAt: view.status === 'known' ? (view.lastPassAt ?? view.lastGoodAt) : null,
    onset: view.status === 'known' ? view.onset : null,
    changes: view.status === 'known' ? changeDocs(view.changes, cfg) : null,
  };
}

const SINCE_HINT = "Compare the versions below with the secret's / parameter's history.";

/** The section's lines (heading first). */
export function whatChangedSection(
  view: HistoryView,
  cfg: ProcessorConfig | undefined,
  current: Readonly<Record<string, string>>,
  ok: boolean,
): string[] {
  const out = ['WHAT CHANGED SINCE THE LAST GOOD PROBE'];
  switch (view.status) {
    case 'off':
      out.push(
        '  unknown: this deployment keeps no history of passing probes (no history table).',
        `  ${SINCE_HINT}`,
      );
      break;
    case 'unavailable':
      out.push(`  history unavailable: ${view.reason}. This page went out without it.`, `  ${SINCE_HINT}`);
      break;
    case 'none':
      out.push('  unknown: no passing probe of this processor has been recorded yet.', `  ${SINCE_HINT}`);
      break;
    case 'known': {
      const pass = view.lastPassAt ?? view.lastGoodAt;
      const onset = view.onset ? `; failing since ${view.onset}` : '';
      if (ok) {
        out.push(`  the re-probe passed; last passing probe recorded ${pass}.`);
      } else if (view.changes.length === 0) {
        out.push(`  nothing payprobe sees changed since the last passing probe (${pass}${onset}).`);
        out.push(
          "  The cause is outside the probe's inputs and the server's chain, addresses and protocol: look at the processor's status page and the network path.",
        );
      } else {
        out.push(`  since the last passing probe (${pass}${onset}), nearest the onset first:`);
        view.changes.forEach((c, i) => {
          out.push(`  ${i + 1}. ${changeLine(c, cfg)}`);
        });
      }
    }
  }
  const fields = Object.keys(current).sort();
  if (fields.length > 0) {
    out.push('  current inputs (fingerprints and versions, never values):');
    for (const f of fields) out.push(`    ${f}: ${current[f]}`);
  }
  return out;
}
