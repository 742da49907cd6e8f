/**
 * Config-shape rules: an unverified preset, timeouts and budget against the probe interval, and processors
 * that duplicate each other's name (mixing metrics) or target (paging twice for one outage).
 */
import type { ProcessorConfig } from '../../config/load';
import { presetNamed } from '../../config/presets';
import { type AuditContext, parseUrl } from '../context';

/** What a probe needs after its budget to publish metrics before the next run. */
const BUDGET_HEADROOM_MS = 1000;

/** preset-unverified. */
export function presetRules(ctx: AuditContext, p: ProcessorConfig, i: number): void {
  const preset = p.preset !== undefined ? presetNamed(p.preset) : undefined;
  if (preset?.unverified) {
    ctx.add(
      'preset-unverified',
      p.name,
      `processors[${i}].preset`,
      `preset "${p.preset}": ${preset.unverified}`,
    );
  }
}

/** timeout-not-below-interval and budget-near-interval. */
export function timingRules(ctx: AuditContext, p: ProcessorConfig, i: number): void {
  const intervalMs = p.intervalSeconds * 1000;
  if (p.timeoutMs >= intervalMs) {
    ctx.add(
      'timeout-not-below-interval',
      p.name,
      ctx.origin(i, 'timeoutMs'),
      `timeoutMs ${p.timeoutMs} is not below the ${p.intervalSeconds}-s interval`,
    );
  }
  if (p.budgetMs >= intervalMs) {
    ctx.add(
      'timeout-not-below-interval',
      p.name,
      ctx.origin(i, 'budgetMs'),
      `budgetMs ${p.budgetMs} is not below the ${p.intervalSeconds}-s interval`,
    );
  } else if (intervalMs - p.budgetMs < BUDGET_HEADROOM_MS) {
    ctx.add(
      'budget-near-interval',
      p.name,
      ctx.origin(i, 'budgetMs'),
      `budgetMs ${p.budgetMs} leaves ${intervalMs - p.budgetMs} ms of the ${p.intervalSeconds}-s interval`,
    );
  }
}

/** duplicate-name and duplicate-endpoint, across processors (after every endpoint was read). */
export function duplicateRules(ctx: AuditContext): void {
  const byName = new Map<string, number>();
  const byTarget = new Map<string, number>();
  ctx.config.processors.forEach((p, i) => {
    const prev = byName.get(p.name);
    if (prev !== undefined) {
      ctx.add(
        'duplicate-name',
        p.name,
        `processors[${i}].name`,
        `"${p.name}" is also the name of processors[${prev}]`,
      );
    } else {
      byName.set(p.name, i);
    }
    const endpoint = ctx.endpoints.get(i);
    if (endpoint === undefined) return;
    const target = JSON.stringify([
      normalizeUrl(endpoint),
      p.environment,
      p.tls.servername ?? null,
      p.auth?.credentials ?? null,
      p.tls.clientCert ?? null,
    ]);
    const other = byTarget.get(target);
    if (other !== undefined) {
      const otherName = ctx.config.processors[other]?.name ?? `processors[${other}]`;
      ctx.add(
        'duplicate-endpoint',
        p.name,
        ctx.origin(i, 'endpoint', true),
        `probes ${normalizeUrl(endpoint)} ${p.auth?.credentials ? 'with the same credentials as' : 'without credentials, like'} "${otherName}" (processors[${other}])`,
      );
    } else {
      byTarget.set(target, i);
    }
  });
}

function normalizeUrl(s: string): string {
  const u = parseUrl(s);
  if (!u) return s;
  return `${u.protocol}//${u.host.toLowerCase()}${u.pathname.replace(/\/+$/, '')}`;
}
