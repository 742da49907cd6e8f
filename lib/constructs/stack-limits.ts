/**
 * The synth-time check of CloudFormation's per-stack limits (lib/deploy/stack-limits.ts) on a stack payprobe
 * builds: a construct validation, so `cdk synth` fails with payprobe's message before aws-cdk-lib renders a
 * template it would refuse or CloudFormation would reject at deploy time.
 */
import { CfnOutput, CfnParameter, CfnResource, Stack } from 'aws-cdk-lib';
import { limitViolations, type StackCounts } from '../deploy/stack-limits';

/**
 * Counts a stack's resources, outputs and parameters (a nested stack's are its own: a construct counts in
 * the stack `Stack.of` gives it), and its template size.
 */
export function countStack(stack: Stack): StackCounts {
  let resources = 0;
  let outputs = 0;
  let parameters = 0;
  for (const c of stack.node.findAll()) {
    if (Stack.of(c) !== stack) continue;
    if (CfnResource.isCfnResource(c)) resources++;
    else if (c instanceof CfnOutput) outputs++;
    else if (c instanceof CfnParameter) parameters++;
  }
  return { resources, outputs, parameters, ...templateSize(stack) };
}

/** The rendered template's size: Stack's own rendering (an internal method, so only when present). */
function templateSize(stack: Stack): { templateBytes?: number } {
  const render = (stack as unknown as { _toCloudFormation?: () => unknown })._toCloudFormation;
  if (typeof render !== 'function') return {};
  return { templateBytes: Buffer.byteLength(JSON.stringify(render.call(stack))) };
}

/** Fails synthesis when `stack` passes one of payprobe's ceilings, with `name` and `fix` in the message. */
export function checkStackLimits(stack: Stack, name: string, fix: string): void {
  stack.node.addValidation({ validate: () => limitViolations(name, countStack(stack), fix) });
}
