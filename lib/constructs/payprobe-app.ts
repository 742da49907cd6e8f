/**
 * From a config file to stacks: one PayProbeStack per region in `regions` (so a processor outage can be
 * told from a regional network problem), or one environment-agnostic stack when the config names none.
 */
import type { App } from 'aws-cdk-lib';
import type { LoadedConfig } from '../../lambdas/core/config/load';
import { DEFAULT_STACK_NAME, stackNameFor } from '../../lambdas/core/contract/stack';
import { regionConstructId } from '../deploy/ids';
import { PayProbeStack, type PayProbeStackProps } from './payprobe-stack';

/** Default base of stack names and construct ids. */
export const STACK_NAME = DEFAULT_STACK_NAME;

export interface PayProbeStacksOptions extends Omit<PayProbeStackProps, 'config' | 'env' | 'stackName'> {
  /**
   * Base of the stack names: `NAME` for the agnostic stack, `NAME-<region>` for regional ones. Use another
   * name to deploy a second copy (e.g. a test) next to the real one in the same account.
   *
   * @default 'PayProbe'
   */
  readonly stackName?: string;

  /**
   * The account to deploy to.
   *
   * @default - the CLI's account (CDK_DEFAULT_ACCOUNT) for regional stacks; none for the agnostic stack
   */
  readonly account?: string;
}

/** Adds the stacks for a validated config to `app`. Throws ConfigError for deployment-rule violations. */
export function addPayProbeStacks(
  app: App,
  config: LoadedConfig,
  options: PayProbeStacksOptions = {},
): PayProbeStack[] {
  const { account = process.env.CDK_DEFAULT_ACCOUNT, stackName = STACK_NAME, ...stackOptions } = options;
  const regions = config.raw.regions;
  if (stackOptions.network && regions && new Set(regions).size > 1) {
    throw new Error(
      `addPayProbeStacks: a network (VPC) belongs to one region, and the config deploys to ${new Set(regions).size}: create one PayProbeStack for the VPC's region instead`,
    );
  }
  if (!regions || regions.length === 0) {
    return [new PayProbeStack(app, stackName, { ...stackOptions, config, stackName })];
  }
  return [...new Set(regions)].map(
    (region) =>
      new PayProbeStack(app, `${stackName}${regionConstructId(region)}`, {
        ...stackOptions,
        config,
        stackName: stackNameFor(stackName, region),
        env: { region, ...(account ? { account } : {}) },
      }),
  );
}
