/**
 * What the deployed stack is called and what it outputs, named once: lib/ names the stacks and their outputs
 * from here, and `payprobe page-test` finds the deployed topics by the same names (CloudFormation DescribeStacks),
 * so the CLI never needs a topic ARN typed by hand.
 */
import type { Severity } from './alarm-names';

/** Default base of the stack names (construct prop `stackName` overrides it). */
export const DEFAULT_STACK_NAME = 'PayProbe';

/** The stack of a config in a region: `<base>-<region>` when the config lists regions, else `<base>`. */
export function stackNameFor(base: string, region: string | undefined): string {
  return region === undefined ? base : `${base}-${region}`;
}

/** The stack outputs holding each alert topic's ARN. */
export const TOPIC_OUTPUTS: Readonly<Record<Severity, string>> = {
  critical: 'CriticalTopicArn',
  warning: 'WarningTopicArn',
};
