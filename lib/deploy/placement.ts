/**
 * Which processors run in the same place (docs/deploy.md "Running in the integration's VPC"): the diagnose
 * and preflight functions re-probe from where the probes run, so a stack has one of each per placement.
 * Pure: placements are compared by their config ids; lib/constructs/network.ts imports them.
 */
import { createHash } from 'node:crypto';
import type { ConfigIssue, ProcessorConfig, ResolvedNetwork } from '../../lambdas/core/config/load';

/** A placement's identity: the same VPC, subnets and security groups (in any order) are one placement. */
export function placementKey(n: ResolvedNetwork | undefined): string {
  if (!n) return '';
  const { vpcId, subnetIds, securityGroupIds } = n.vpc;
  return `${vpcId}|${[...subnetIds].sort().join(',')}|${[...securityGroupIds].sort().join(',')}`;
}

/** Eight hex characters of a placement key: the construct id suffix of a second placement's functions. */
export function placementId(key: string): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 8);
}

/** Processors grouped by where they run (config order, the first group first). */
export interface Placement {
  /** placementKey of the group's config network; '' for processors without one. */
  readonly key: string;
  /**
   * The config's network of the group.
   *
   * @default - none: the group runs outside a VPC, or where the app's network puts it
   */
  readonly network?: ResolvedNetwork;
  /** The processors that run there, in config order. */
  readonly processors: readonly ProcessorConfig[];
}

export function placements(processors: readonly ProcessorConfig[]): Placement[] {
  const groups = new Map<string, { network?: ResolvedNetwork; processors: ProcessorConfig[] }>();
  for (const p of processors) {
    const key = placementKey(p.network);
    const g = groups.get(key) ?? { ...(p.network ? { network: p.network } : {}), processors: [] };
    g.processors.push(p);
    groups.set(key, g);
  }
  return [...groups.entries()].map(([key, g]) => ({ key, ...g }));
}

/**
 * The one placement of the processors a shared function (diagnose, preflight) probes: it re-probes from
 * where their probes run, so they must all run in one place, and a network passed as a prop must not
 * contradict the config's. Every problem, or the config's network (undefined: outside a VPC, or the prop's).
 *
 * @param user the construct, for the message
 */
export function sharedPlacement(
  user: string,
  processors: readonly ProcessorConfig[],
  hasNetworkProp: boolean,
  configFile: string | undefined,
): { issues: ConfigIssue[]; network?: ResolvedNetwork } {
  const file = configFile ?? 'the payprobe config';
  const groups = placements(processors);
  if (groups.length > 1) {
    const where = groups
      .map(
        (g) => `${g.processors.map((p) => p.name).join(', ')}: ${g.network ? g.network.vpc.vpcId : 'no VPC'}`,
      )
      .join('; ');
    return {
      issues: [
        {
          file,
          path: 'processors',
          message: `${user} re-probes from where the probes run, and these processors run in ${groups.length} places (${where}): create one ${user} per placement (PayProbeStack does)`,
        },
      ],
    };
  }
  const network = groups[0]?.network;
  if (network && hasNetworkProp) {
    return {
      issues: [
        {
          file,
          path: 'processors',
          message: `${user} was given a network, and its processors name one in the config (network.vpc ${network.vpc.vpcId}): use one of the two`,
        },
      ],
    };
  }
  return { issues: [], ...(network ? { network } : {}) };
}
