/**
 * `payprobe audit`: static rules over a validated config and what its secrets contain. Each finding names the
 * rule, its severity, the config field to change, what is wrong, why it matters and how to fix it
 * (docs/audit.md; the catalogue is catalog.ts, the rules rules/*.ts by concern).
 *
 * - error: the config would probe the wrong thing, probe insecurely, or never page anyone (exit status 1).
 * - warning: a weakness worth fixing; the monitor still works.
 * - info: something the audit could not check, or a fact worth knowing (an unverified preset detail).
 *
 * Secret contents (our client certificate and key, the CA bundle, API keys whose prefix tells test from live)
 * are read through a SecretResolver. A reference that cannot be read here (an AWS reference without
 * credentials) is reported as "not checked", never as a failure of the audit. No finding ever contains a
 * secret value: messages name references (`secretsManager payprobe/x`), never what they hold.
 */
import type { LoadedConfig, ProcessorConfig } from '../config/load';
import { type AuditOptions, type AuditReport, type Finding, RULE_IDS, type Severity } from './catalog';
import { AuditContext } from './context';
import { alertingRules } from './rules/alerting';
import { authRules } from './rules/auth';
import { caRules, clientCertRules } from './rules/certificates';
import { caChangeRules } from './rules/chain';
import { duplicateRules, presetRules, timingRules } from './rules/config';
import { inlineRequestRules, keyModeRules, sourceRules } from './rules/credentials';
import { endpointRules, environmentRules, tokenUrlRules } from './rules/endpoint';
import { proxyRules } from './rules/proxy';
import { tlsRules } from './rules/tls';

export * from './ca-changes';
export * from './catalog';
export { refsOf } from './rules/credentials';
export { weakCiphers } from './rules/tls';

/** Runs every rule over a loaded config. Never throws for what it finds; only a bug throws. */
export async function audit(config: LoadedConfig, options: AuditOptions = {}): Promise<AuditReport> {
  const ctx = new AuditContext(config, options);
  alertingRules(ctx);
  await Promise.all(config.processors.map((p, i) => auditProcessor(ctx, p, i)));
  duplicateRules(ctx);
  const findings = sortFindings(ctx.findings, config.processors);
  const count = (s: Severity) => findings.filter((f) => f.severity === s).length;
  const errors = count('error');
  return {
    file: config.file,
    findings,
    summary: {
      processors: config.processors.length,
      errors,
      warnings: count('warning'),
      infos: count('info'),
      ok: errors === 0,
    },
  };
}

/** Every per-processor rule, in the order their findings are reported within a tie. */
async function auditProcessor(ctx: AuditContext, p: ProcessorConfig, i: number): Promise<void> {
  presetRules(ctx, p, i);
  const endpoint = await endpointRules(ctx, p, i);
  await tokenUrlRules(ctx, p, i);
  await proxyRules(ctx, p, i);
  await tlsRules(ctx, p, i);
  environmentRules(ctx, p, i, endpoint);
  caChangeRules(ctx, p, i);
  authRules(ctx, p, i);
  inlineRequestRules(ctx, p, i);
  timingRules(ctx, p, i);
  sourceRules(ctx, p, i);
  await Promise.all([clientCertRules(ctx, p, i), caRules(ctx, p, i), keyModeRules(ctx, p, i, endpoint.url)]);
}

function sortFindings(findings: readonly Finding[], processors: readonly ProcessorConfig[]): Finding[] {
  const order = new Map(processors.map((p, i) => [p.name, i] as const));
  const sev: Record<Severity, number> = { error: 0, warning: 1, info: 2 };
  const rule = new Map(RULE_IDS.map((r, i) => [r, i] as const));
  const key = (f: Finding) => (f.processor === null ? -1 : (order.get(f.processor) ?? processors.length));
  return [...findings].sort(
    (a, b) =>
      key(a) - key(b) ||
      sev[a.severity] - sev[b.severity] ||
      (rule.get(a.rule) ?? 0) - (rule.get(b.rule) ?? 0) ||
      a.field.localeCompare(b.field),
  );
}
