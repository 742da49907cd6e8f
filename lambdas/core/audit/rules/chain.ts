/**
 * Rules over the chain the server presented to the probe (live audit only: `AuditOptions.serverChain`): pins
 * that match no presented certificate any more, and a processor's announced change of certificate authority
 * that falls inside the warning window (the facts: ../ca-changes.ts).
 */
import { DAY_MS } from '../../checks/expiry';
import type { ProcessorConfig } from '../../config/load';
import { CA_CHANGE_MIN_WINDOW_DAYS } from '../ca-changes';
import { type AuditContext, hostIn } from '../context';

/** pin-not-presented: each configured pin that matches no certificate of the presented chain. */
export function presentedPinRules(
  ctx: AuditContext,
  p: ProcessorConfig,
  i: number,
  pins: readonly string[],
): void {
  const chain = ctx.serverChain;
  if (!chain || chain.length === 0 || pins.length === 0) return;
  const presented = new Set(chain.map((c) => c.pin));
  // When no pin matches at all the probe fails with CERT_PIN_MISMATCH and pages: only the stale ones are news.
  if (!pins.some((pin) => presented.has(pin))) return;
  for (const pin of new Set(pins)) {
    if (presented.has(pin)) continue;
    ctx.add(
      'pin-not-presented',
      p.name,
      ctx.origin(i, 'tls.pins'),
      `pin ${pin} matches no certificate the server presents now (${chain.length} in the chain)`,
    );
  }
}

/** ca-change-announced: a change of this processor's CA whose period overlaps [now, now + window]. */
export function caChangeRules(ctx: AuditContext, p: ProcessorConfig, i: number): void {
  const host = ctx.hostOf(i);
  const windowDays = Math.max(p.tls.certExpiryWarningDays, CA_CHANGE_MIN_WINDOW_DAYS);
  const from = ctx.now.getTime();
  const to = from + windowDays * DAY_MS;
  for (const change of ctx.caChanges) {
    const mine =
      (p.preset !== undefined && change.presets.includes(p.preset)) ||
      (host !== undefined && change.domains.some((d) => hostIn(host, d)));
    if (!mine) continue;
    const start = Date.parse(`${change.start}T00:00:00Z`);
    const end = Date.parse(`${change.end}T23:59:59Z`);
    if (end < from || start > to) continue;
    const chain = ctx.serverChain ?? [];
    const stillOld = chain.some((c) => c.issuer.toLowerCase().includes(change.from.toLowerCase()));
    const seen =
      chain.length === 0 ? '' : stillOld ? `; the server still presents a ${change.from} chain` : '';
    ctx.add(
      'ca-change-announced',
      p.name,
      p.tls.ca !== undefined ? ctx.origin(i, 'tls.ca') : ctx.origin(i, 'endpoint', true),
      `${change.processor} moves from ${change.from} to ${change.to} between ${change.start} and ${change.end} (${change.source})${seen}`,
    );
  }
}
