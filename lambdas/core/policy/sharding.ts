/**
 * Where each processor's resources live when a config is larger than one CloudFormation stack can hold, as
 * plain rules (no CDK): the stack (lib/), `payprobe cost`, the bench and docs/deploy.md ("Limits and sharding")
 * agree.
 *
 * A processor's resources can never move between stacks once deployed: CloudFormation would create them in
 * the new stack before deleting them from the old one, and the alarms have fixed names
 * (`PayProbe-<processor>-<Kind>`), so the move either fails on the name or, where the create overwrites,
 * the old stack's cleanup deletes the alarm the new stack just made. So the assignment is a pure function of
 * things that do not change while a processor exists:
 *
 * - The main stack holds the first MAIN_STACK_PROCESSORS processors of the config, in config order, directly
 *   (their logical IDs are those of every release before sharding: existing small configs change nothing).
 * - Every later processor goes to shard `sha256(name) mod shardCount`, a nested stack. Adding, removing or
 *   reordering processors after the first MAIN_STACK_PROCESSORS moves no other processor; adding at the end
 *   never moves anything. Inserting or removing one among the first MAIN_STACK_PROCESSORS shifts the one at
 *   the boundary across it: docs/deploy.md says how to do that without a move.
 */
import { createHash } from 'node:crypto';

/** How many processors (the first, in config order) the main stack holds before any goes to a shard. */
export const MAIN_STACK_PROCESSORS = 25;

/** Nested shard stacks the later processors are spread over. Changing it moves every sharded processor. */
export const DEFAULT_SHARD_COUNT = 32;

/** Upper bound of `shardCount`: every shard is one resource of the main stack. */
export const MAX_SHARD_COUNT = 64;

/** The shard of a processor that is not in the main stack: the first 4 bytes of SHA-256(name), mod count. */
export function shardOf(name: string, shardCount: number): number {
  return createHash('sha256').update(name).digest().readUInt32BE(0) % shardCount;
}

/** Construct id of a shard's nested stack: `Shard07`. */
export function shardId(shard: number): string {
  return `Shard${String(shard).padStart(2, '0')}`;
}

export interface ShardingOptions {
  /**
   * Processors kept in the main stack (the first, in config order).
   *
   * @default MAIN_STACK_PROCESSORS
   */
  readonly mainStackProcessors?: number;
  /**
   * Shards for the other processors.
   *
   * @default DEFAULT_SHARD_COUNT
   */
  readonly shardCount?: number;
}

/** Which processors (by index in the config) go where. */
export interface ShardPlan {
  /** Indexes of the processors the main stack holds. */
  readonly main: readonly number[];
  /** Shard number to the indexes of its processors, in config order; only shards with processors. */
  readonly shards: ReadonlyMap<number, readonly number[]>;
}

/** Checks the options: whole numbers in range, with the message saying which prop and why. */
export function shardingIssues(options: ShardingOptions): string[] {
  const issues: string[] = [];
  const { mainStackProcessors = MAIN_STACK_PROCESSORS, shardCount = DEFAULT_SHARD_COUNT } = options;
  if (!Number.isInteger(mainStackProcessors) || mainStackProcessors < 0) {
    issues.push(`mainStackProcessors must be a whole number of at least 0 (got ${mainStackProcessors})`);
  }
  if (!Number.isInteger(shardCount) || shardCount < 1 || shardCount > MAX_SHARD_COUNT) {
    issues.push(
      `shardCount must be a whole number from 1 to ${MAX_SHARD_COUNT} (got ${shardCount}): each shard is a nested stack, one resource of the main stack`,
    );
  }
  return issues;
}

/** The assignment of a config's processors (names in config order) to the main stack and the shards. */
export function planShards(names: readonly string[], options: ShardingOptions = {}): ShardPlan {
  const { mainStackProcessors = MAIN_STACK_PROCESSORS, shardCount = DEFAULT_SHARD_COUNT } = options;
  const main: number[] = [];
  const shards = new Map<number, number[]>();
  names.forEach((name, index) => {
    if (index < mainStackProcessors) {
      main.push(index);
      return;
    }
    const shard = shardOf(name, shardCount);
    const list = shards.get(shard) ?? [];
    list.push(index);
    shards.set(shard, list);
  });
  return { main, shards: new Map([...shards.entries()].sort(([a], [b]) => a - b)) };
}

/** The shape of a deployment: what its cost and its docs count. */
export interface DeploymentShape {
  /** Processors in the main stack. */
  readonly mainStackProcessors: number;
  /** Shards (nested stacks) with processors. */
  readonly shards: number;
  /** Groups of processors with their own diagnose function and dashboard: the main stack's and each shard's. */
  readonly groups: number;
  /**
   * Dashboards: one per group, and the fleet overview when there are shards; only the fleet overview when the
   * group dashboards are off (PayProbeProps.groupDashboards).
   */
  readonly dashboards: number;
}

/** What the deployment's shape depends on besides the processors' names. */
export interface DeploymentShapeOptions extends ShardingOptions {
  /**
   * Whether every group has its own dashboard (PayProbeProps.groupDashboards).
   *
   * @default true
   */
  readonly groupDashboards?: boolean;
}

/** The deployment shape of a config's processors (names in config order). */
export function deploymentShape(
  names: readonly string[],
  options: DeploymentShapeOptions = {},
): DeploymentShape {
  const plan = planShards(names, options);
  const shards = plan.shards.size;
  return {
    mainStackProcessors: plan.main.length,
    shards,
    groups: 1 + shards,
    dashboards: options.groupDashboards === false ? 1 : 1 + shards + (shards > 0 ? 1 : 0),
  };
}
