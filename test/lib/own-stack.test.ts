/**
 * PayProbe inside an app's own stack (`new PayProbe(stack, 'Payments', { config })` beside the app's own
 * resources), with more processors than one stack holds: the shards become nested stacks of the app's stack,
 * every stack stays under payprobe's ceilings, adding a processor changes no logical ID, and the topic
 * outputs carry the construct path (what `payprobe page-test` must find: test/cli/page-test.test.ts).
 */
import { App, CfnResource, type NestedStack, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { loadConfigFile } from '../../lambdas/core/config/load';
import { MAIN_STACK_PROCESSORS, shardId } from '../../lambdas/core/policy/sharding';
import { PayProbe } from '../../lib/constructs/payprobe';
import { countStack } from '../../lib/constructs/stack-limits';
import { STACK_LIMITS } from '../../lib/deploy/stack-limits';
import { writeFleetConfig } from '../../testbed/generated-fleet';
import { cdkJsonContext } from '../support/cdk';

const TIMEOUT = 120_000;

/** The app's own stack with its own topic and PayProbe of `count` generated processors (plus `extra`). */
function appStack(count: number, extra: readonly string[] = []) {
  const { file, cleanup } = writeFleetConfig(count, extra);
  try {
    const app = new App({
      context: { ...cdkJsonContext(), 'aws:cdk:bundling-stacks': [] },
      builtinCloudFormationValidation: false,
    });
    const stack = new Stack(app, 'PaymentsApp', { env: { account: '111122223333', region: 'eu-west-1' } });
    new Topic(stack, 'OrdersTopic');
    const payprobe = new PayProbe(stack, 'Payments', { config: loadConfigFile(file) });
    return { app, stack, payprobe };
  } finally {
    cleanup();
  }
}

/** `<stack path>/<logical id>` of every resource of the app's stack and its nested stacks. */
function logicalIds(stack: Stack, shards: readonly NestedStack[]): Set<string> {
  const ids = new Set<string>();
  for (const s of [stack, ...shards]) {
    for (const c of s.node.findAll()) {
      if (CfnResource.isCfnResource(c) && Stack.of(c) === s) ids.add(`${s.node.path}/${s.getLogicalId(c)}`);
    }
  }
  return ids;
}

describe('PayProbe in an app stack, 40 processors', () => {
  let built: ReturnType<typeof appStack>;
  beforeAll(() => {
    built = appStack(40);
    built.app.synth();
  }, TIMEOUT);

  test('the processors beyond the main group go to nested stacks of the app stack', () => {
    const { stack, payprobe } = built;
    expect(payprobe.monitors).toHaveLength(40);
    expect(payprobe.monitors.filter((m) => Stack.of(m) === stack)).toHaveLength(MAIN_STACK_PROCESSORS);
    expect(payprobe.shards.length).toBeGreaterThan(0);
    for (const s of payprobe.shards) {
      expect(s.nestedStackParent).toBe(stack);
      expect(s.node.path).toBe(`PaymentsApp/Payments/${shardId(s.shard)}`);
    }
    // Each shard is one AWS::CloudFormation::Stack of the app's stack, beside the app's own topic.
    const t = Template.fromStack(stack);
    t.resourceCountIs('AWS::CloudFormation::Stack', payprobe.shards.length);
    t.hasResourceProperties('AWS::SNS::Topic', Match.anyValue());
  });

  test('every stack under the ceilings, the app resources counted in', () => {
    const { stack, payprobe } = built;
    for (const s of [stack, ...payprobe.shards]) {
      const c = countStack(s);
      expect([s.node.path, c.resources <= STACK_LIMITS.resources.ceiling]).toEqual([s.node.path, true]);
      expect(c.outputs).toBeLessThanOrEqual(STACK_LIMITS.outputs.ceiling);
      expect(c.parameters).toBeLessThanOrEqual(STACK_LIMITS.parameters.ceiling);
      expect(c.templateBytes ?? 0).toBeLessThanOrEqual(STACK_LIMITS.templateBytes.ceiling);
    }
  });

  test('the topic outputs carry the construct path: PaymentsCriticalTopicArn<hash>', () => {
    const outputs = Object.keys(Template.fromStack(built.stack).toJSON().Outputs ?? {});
    expect(outputs).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^PaymentsCriticalTopicArn[0-9A-F]{8}$/),
        expect.stringMatching(/^PaymentsWarningTopicArn[0-9A-F]{8}$/),
      ]),
    );
  });

  test(
    'adding processor 41 changes no logical ID in the app stack or any shard',
    () => {
      const before = logicalIds(built.stack, built.payprobe.shards);
      const grown = appStack(40, ['acquirer-new']);
      const after = logicalIds(grown.stack, grown.payprobe.shards);
      expect([...before].filter((id) => !after.has(id))).toEqual([]);
      expect(grown.payprobe.monitors).toHaveLength(41);
    },
    TIMEOUT,
  );
});
