/**
 * The deployed stack as the CLI finds it: `payprobe page-test` reads the alert topics' ARNs from the stack's
 * outputs (CloudFormation DescribeStacks, lambdas/core/contract/stack.ts), never from a typed-in ARN. The sim
 * (./sim.ts) creates the template's topics and alarms in moto directly, not through CloudFormation, so this
 * records the stack beside them: a CloudFormation stack of the template's name whose outputs are the template's
 * own, resolved to what the sim created (the topic ARNs moto gave), and one placeholder resource (a
 * WaitConditionHandle, which moto and CloudFormation accept and create nothing for).
 */
import { CloudFormationClient, CreateStackCommand } from '@aws-sdk/client-cloudformation';
import { type CfnTemplate, type IntrinsicContext, resolveIntrinsics } from './alarm-model';
import type { MotoClientConfig } from './moto';

/** The template's outputs whose values resolve with `ctx` to strings (an output that does not is left out). */
export function resolvedOutputs(template: CfnTemplate, ctx: IntrinsicContext): Record<string, string> {
  const outputs = (template as { Outputs?: Record<string, { Value?: unknown }> }).Outputs ?? {};
  const out: Record<string, string> = {};
  for (const [key, o] of Object.entries(outputs)) {
    try {
      const value = resolveIntrinsics(o.Value, ctx, `Outputs.${key}`);
      if (typeof value === 'string') out[key] = value;
    } catch {
      // An output built from something the sim does not create (none of the ones the CLI reads).
    }
  }
  return out;
}

/** Creates stack `stackName` in moto with `outputs` as literal outputs. */
export async function recordStack(
  aws: { clientConfig: MotoClientConfig },
  stackName: string,
  outputs: Readonly<Record<string, string>>,
): Promise<void> {
  const body = {
    Resources: { Deployed: { Type: 'AWS::CloudFormation::WaitConditionHandle' } },
    Outputs: Object.fromEntries(Object.entries(outputs).map(([k, v]) => [k, { Value: v }])),
  };
  const cfn = new CloudFormationClient(aws.clientConfig);
  try {
    await cfn.send(new CreateStackCommand({ StackName: stackName, TemplateBody: JSON.stringify(body) }));
  } finally {
    cfn.destroy();
  }
}
