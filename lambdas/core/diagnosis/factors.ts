/**
 * The settings processors share, the "common factor" of a cross-processor verdict (./verdict.ts): every
 * reference a processor reads (the same SSM parameter, Secrets Manager secret or file, whichever field reads
 * it), its forward proxy and its VPC placement. Two processors share a factor when they read the same source;
 * the field may differ (one reads the parameter as tls.ca, another as tls.clientCert).
 *
 * Only what the config says: a factor payprobe cannot see (the region's egress, the VPC resolver, a middlebox)
 * is named in the page's text instead (docs/diagnosis.md "Limits").
 */
import * as path from 'node:path';
import type { ProcessorConfig } from '../config/model';
import { configReferences } from '../config/references';
import type { SecretRef } from '../config/schema';
import { publicUrl } from '../engine/fingerprints';
import { describeRef } from '../secrets/resolver';

/** One setting of one processor that another processor may share. */
export interface SettingSource {
  /** Identity across processors: `ssm:/gw/ca`, `file:certs/ca.pem`, `proxy:http://proxy:3128/`, `vpc:vpc-1`. */
  readonly key: string;
  /** The field that reads it, e.g. `tls.ca`. */
  readonly field: string;
  /** How the contract prints it: `tls.ca: ssm /gw/ca`. */
  readonly label: string;
}

function refKey(ref: SecretRef): string {
  const [kind, id] = Object.entries(ref)[0] ?? ['?', '?'];
  return `${kind}:${kind === 'file' ? path.posix.normalize(id.replace(/\\/g, '/')) : id}`;
}

/** Reads `a.b.c` of a config that may have fields this version of the schema does not know yet. */
function at(value: unknown, dotted: string): unknown {
  let v: unknown = value;
  for (const k of dotted.split('.')) {
    if (typeof v !== 'object' || v === null) return undefined;
    v = (v as Record<string, unknown>)[k];
  }
  return v;
}

/** Every setting source of a processor, in the order of its config, each source once. */
export function settingSources(p: ProcessorConfig): SettingSource[] {
  const out: SettingSource[] = [];
  const add = (s: SettingSource) => {
    if (!out.some((o) => o.key === s.key)) out.push(s);
  };
  for (const r of configReferences(p)) {
    add({ key: refKey(r.ref), field: r.field, label: `${r.field}: ${describeRef(r.ref)}` });
  }
  const proxyUrl = at(p, 'proxy.url');
  if (typeof proxyUrl === 'string') {
    const url = publicUrl(proxyUrl);
    add({ key: `proxy:${url}`, field: 'proxy.url', label: `proxy.url: ${url}` });
  }
  const vpcId = at(p, 'network.vpc.vpcId');
  if (typeof vpcId === 'string') {
    const subnets = at(p, 'network.vpc.subnetIds');
    const list = Array.isArray(subnets) ? ` (subnets ${[...subnets].map(String).sort().join(', ')})` : '';
    add({ key: `vpc:${vpcId}${list}`, field: 'network.vpc', label: `network.vpc: ${vpcId}${list}` });
  }
  return out;
}

/** A source shared by every processor in a group, with the fields they read it as. */
export interface SharedSource {
  readonly key: string;
  /** The first member's label: `tls.ca: ssm /gw/ca`. */
  readonly label: string;
  /** Every field the members read it as, sorted. */
  readonly fields: readonly string[];
  /** How many processors outside the group (passing ones) read it too. */
  readonly alsoUsedBy: number;
}

/**
 * The sources every member reads, in the first member's config order. `others` are the processors outside
 * the group: a source they read too is less likely the cause, and the page says how many do.
 */
export function sharedSources(
  members: readonly ProcessorConfig[],
  others: readonly ProcessorConfig[] = [],
): SharedSource[] {
  const [first, ...rest] = members.map(settingSources);
  if (!first) return [];
  const otherSources = others.map(settingSources);
  return first
    .filter((s) => rest.every((list) => list.some((o) => o.key === s.key)))
    .map((s) => ({
      key: s.key,
      label: s.label,
      fields: [
        ...new Set([
          s.field,
          ...rest.flatMap((list) => list.filter((o) => o.key === s.key).map((o) => o.field)),
        ]),
      ].sort(),
      alsoUsedBy: otherSources.filter((list) => list.some((o) => o.key === s.key)).length,
    }));
}
