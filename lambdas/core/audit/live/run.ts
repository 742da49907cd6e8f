/**
 * The live audit: the audit rules that judge resolved values, run against one deployed processor's live
 * settings (every referenced value as the probe resolves it), the chain the server presented to the probe and
 * our client certificate. Rules about the config file itself (subscribers, duplicates, timings, inline
 * credentials, secret sources) are `payprobe audit`'s: a deployed config cannot change under the stack.
 *
 * Each finding carries what the page and the state need: the field relative to the processor
 * (`tls.minVersion`), the reference it was read from with its version (Secrets Manager VersionId, SSM
 * Version), never the value, and a stable key (rule, field, reference and version, and the message without its
 * numbers, so a day-count that ticks does not make a finding new).
 */
import { createHash } from 'node:crypto';
import type { LoadedConfig, ProcessorConfig } from '../../config/model';
import { configReferences } from '../../config/references';
import type { RawConfig } from '../../config/schema';
import { describeRef, type SecretResolver } from '../../secrets/resolver';
import type { CaChange } from '../ca-changes';
import { type Finding, type PresentedCert, RULE_IDS, type Severity } from '../catalog';
import { AuditContext } from '../context';
import { caRules, clientCertRules } from '../rules/certificates';
import { caChangeRules } from '../rules/chain';
import { keyModeRules } from '../rules/credentials';
import { endpointRules, environmentRules, tokenUrlRules } from '../rules/endpoint';
import { tlsRules } from '../rules/tls';

/** The severities the live audit counts (AuditFindings) and pages. */
export const LIVE_PAGED_SEVERITIES: ReadonlySet<Severity> = new Set<Severity>(['error', 'warning']);

/** A reference a finding's value was read from: its name and version, never its value. */
export interface FindingReference {
  /** "ssm /gw/tls-min", as describeRef prints it. */
  readonly name: string;
  /** The source's version (SSM Version, Secrets Manager VersionId), or null when it has none. */
  readonly version: string | null;
}

export interface LiveFinding extends Omit<Finding, 'processor'> {
  readonly processor: string;
  /** The field relative to the processor, e.g. `tls.ca`. */
  readonly field: string;
  readonly reference: FindingReference | null;
  /** Stable identity across runs (16 hex digits). */
  readonly key: string;
}

export interface LiveAuditOptions {
  readonly secrets: SecretResolver;
  /** The chain the probe saw, leaf first, with pins. @default none: the chain rules are skipped */
  readonly serverChain?: readonly PresentedCert[];
  /** @default () => new Date() */
  readonly now?: () => Date;
  /** @default CA_CHANGES */
  readonly caChanges?: readonly CaChange[];
  /** @default 5000 */
  readonly secretTimeoutMs?: number;
}

export interface LiveAuditReport {
  readonly processor: string;
  readonly at: string;
  /** Every finding, info included, most severe first. */
  readonly findings: readonly LiveFinding[];
  /** The findings of warning severity or worse: what AuditFindings counts and what pages. */
  readonly paged: readonly LiveFinding[];
}

/** Runs the live rules over one processor. Never throws for what it finds. */
export async function auditLive(p: ProcessorConfig, options: LiveAuditOptions): Promise<LiveAuditReport> {
  const config: LoadedConfig = {
    file: `deployed processor ${p.name}`,
    raw: { processors: [p] } as unknown as RawConfig,
    processors: [p],
  };
  const ctx = new AuditContext(config, {
    secrets: options.secrets,
    deployed: true,
    ...(options.now ? { now: options.now } : {}),
    ...(options.serverChain ? { serverChain: options.serverChain } : {}),
    ...(options.caChanges ? { caChanges: options.caChanges } : {}),
    ...(options.secretTimeoutMs !== undefined ? { secretTimeoutMs: options.secretTimeoutMs } : {}),
  });
  const endpoint = await endpointRules(ctx, p, 0);
  await tokenUrlRules(ctx, p, 0);
  await tlsRules(ctx, p, 0);
  environmentRules(ctx, p, 0, endpoint);
  caChangeRules(ctx, p, 0);
  await Promise.all([clientCertRules(ctx, p, 0), caRules(ctx, p, 0), keyModeRules(ctx, p, 0, endpoint.url)]);

  const refs = configReferences(p);
  const versions = new Map<string, FindingReference>();
  await Promise.all(
    refs.map(async ({ field, ref }) => {
      let version: string | null = null;
      try {
        version = (await options.secrets.resolve(ref, p.baseDir)).version ?? null;
      } catch {
        // Unreadable: the rules already reported it; the finding names the reference without a version.
      }
      versions.set(field, { name: describeRef(ref), version });
    }),
  );
  const order = new Map(RULE_IDS.map((r, i) => [r, i] as const));
  const rank: Record<Severity, number> = { error: 0, warning: 1, info: 2 };
  const findings = ctx.findings
    .map((f): LiveFinding => {
      const field = f.field.replace(/^processors\[0\]\./, '');
      const reference = versions.get(field) ?? null;
      return {
        ...f,
        processor: p.name,
        field,
        reference,
        key: findingKey(f.rule, field, reference, f.message),
      };
    })
    .sort(
      (a, b) =>
        rank[a.severity] - rank[b.severity] ||
        (order.get(a.rule) ?? 0) - (order.get(b.rule) ?? 0) ||
        a.field.localeCompare(b.field),
    );
  const unique = [...new Map(findings.map((f) => [f.key, f])).values()];
  return {
    processor: p.name,
    at: ctx.now.toISOString(),
    findings: unique,
    paged: unique.filter((f) => LIVE_PAGED_SEVERITIES.has(f.severity)),
  };
}

/** A finding's identity: rule, field, reference and version, and the message with its numbers blanked. */
export function findingKey(
  rule: string,
  field: string,
  reference: FindingReference | null,
  message: string,
): string {
  const stable = message.replace(/\d+/g, '#');
  return createHash('sha256')
    .update(JSON.stringify([rule, field, reference?.name ?? null, reference?.version ?? null, stable]))
    .digest('hex')
    .slice(0, 16);
}
