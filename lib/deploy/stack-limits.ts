/**
 * CloudFormation's per-stack limits and the share of them payprobe allows itself, as plain rules: what
 * lib/constructs/stack-limits.ts checks on every stack it builds (the main stack and each shard) when the app
 * is synthesized, before anything is deployed. A config
 * that would not fit fails `cdk synth` with a message naming the stack, the limit and what to change, instead
 * of aws-cdk-lib's bare resource count or a deploy that fails halfway.
 *
 * The ceilings keep a margin below each hard limit so an upgrade that adds a resource or two to every
 * processor cannot push a deployed stack over.
 */
/** A CloudFormation quota and payprobe's ceiling under it. */
export interface StackLimit {
  /** What is counted, as the message says it. */
  readonly what: string;
  /** CloudFormation's hard limit per stack. */
  readonly cloudFormation: number;
  /** What payprobe allows itself. */
  readonly ceiling: number;
}

/** CloudFormation's per-stack quotas (docs/deploy.md "Limits and sharding"), with payprobe's ceilings. */
export const STACK_LIMITS = {
  resources: { what: 'resources', cloudFormation: 500, ceiling: 450 },
  outputs: { what: 'outputs', cloudFormation: 200, ceiling: 160 },
  parameters: { what: 'parameters', cloudFormation: 200, ceiling: 160 },
  // A template deployed from S3 (nested templates always are; `cdk deploy` uploads large ones).
  templateBytes: { what: 'template bytes', cloudFormation: 1_000_000, ceiling: 800_000 },
} as const satisfies Record<string, StackLimit>;

/** What a stack holds, counted as CloudFormation counts it. */
export interface StackCounts {
  /** Resources in the template (a nested stack's own, not its parent's). */
  readonly resources: number;
  /** Outputs of the template. */
  readonly outputs: number;
  /** Parameters of the template (a nested stack gets one per value it takes from its parent). */
  readonly parameters: number;
  /**
   * The template's size as synthesized (compact JSON).
   *
   * @default - not known: the size is not checked
   */
  readonly templateBytes?: number;
}

/** Every ceiling the counts exceed, as a sentence naming the stack, the count, the limit and the fix. */
export function limitViolations(stackName: string, counts: StackCounts, fix: string): string[] {
  const out: string[] = [];
  for (const [key, limit] of Object.entries(STACK_LIMITS) as [keyof typeof STACK_LIMITS, StackLimit][]) {
    const n = counts[key];
    if (n === undefined || n <= limit.ceiling) continue;
    out.push(
      `payprobe: stack ${stackName} would have ${n} ${limit.what}; CloudFormation allows ${limit.cloudFormation} per stack ` +
        `and payprobe keeps every stack at or below ${limit.ceiling}. ${fix}`,
    );
  }
  return out;
}
