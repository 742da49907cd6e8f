/**
 * Every runbook by class: the one source of truth for what each failure and warning class means, why it
 * usually happens in a payment-gateway integration, how to confirm and fix it. The page (diagnose Lambda),
 * `payprobe explain CLASS` and docs/runbooks/<CLASS>.md (scripts/gen-runbooks.ts) all render from here, so
 * the three can never disagree.
 */
import { FAILURE_CLASS_NAMES, WARNING_CLASSES } from '../../contract/classes';
import { CERTIFICATE_RUNBOOKS } from './data/certificates';
import { HANDSHAKE_RUNBOOKS } from './data/handshake';
import { NETWORK_RUNBOOKS } from './data/network';
import { PROXY_RUNBOOKS } from './data/proxy';
import { REQUEST_RUNBOOKS } from './data/request';
import { WARNING_RUNBOOKS } from './data/warnings';
import type { Runbook, RunbookClass } from './model';

const RUNBOOK_LIST: readonly Runbook[] = [
  ...PROXY_RUNBOOKS,
  ...NETWORK_RUNBOOKS,
  ...HANDSHAKE_RUNBOOKS,
  ...CERTIFICATE_RUNBOOKS,
  ...REQUEST_RUNBOOKS,
  ...WARNING_RUNBOOKS,
];

export const RUNBOOKS: Readonly<Record<RunbookClass, Runbook>> = Object.fromEntries(
  RUNBOOK_LIST.map((r) => [r.class, r]),
) as Record<RunbookClass, Runbook>;

/** Every class with a runbook: the failure classes then the warnings, in DESIGN order. */
export const RUNBOOK_CLASSES: readonly RunbookClass[] = [...FAILURE_CLASS_NAMES, ...WARNING_CLASSES];

export function isRunbookClass(value: string): value is RunbookClass {
  return Object.hasOwn(RUNBOOKS, value);
}

export function runbookFor(cls: RunbookClass): Runbook {
  return RUNBOOKS[cls];
}

/** Directory of the generated runbook pages, relative to the repository root. */
export const RUNBOOK_DOCS_DIR = 'docs/runbooks';

/** `docs/runbooks/CERT_UNTRUSTED.md`, or under `baseUrl` when given (a repository URL, a wiki). */
export function runbookLink(cls: RunbookClass, baseUrl?: string): string {
  const base = (baseUrl ?? RUNBOOK_DOCS_DIR).replace(/\/+$/, '');
  return `${base}/${cls}.md`;
}
