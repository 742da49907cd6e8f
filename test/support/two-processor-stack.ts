/**
 * For the stack tests (test/lib/payprobe-stack, stack-alarms, stack-topics-and-dashboard): the synthesized
 * stack for two processors with different settings: acme-pay (60-s probing, mTLS, bundled CA file, token in
 * SSM) and fastpay (10-s probing, basic auth with a Secrets Manager ARN, alarm overrides), and the lookups
 * those tests share. One synthesis per test file.
 */
import { type AlarmKindName, alarmName } from '../../lambdas/core/contract/alarm-names';
import type { ProcessorMonitor } from '../../lib/constructs/processor-monitor';
import { fixture, flatten, must, resources, synthConfig, Template } from './cdk';

export interface Statement {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}

/** Synthesizes fixtures/two-processors.yaml (bundling skipped) and returns the stack with its lookups. */
export function synthTwoProcessors() {
  const { stacks } = synthConfig(fixture('two-processors.yaml'));
  const stack = must(stacks[0], 'the stack');
  const alerting = must(stack.alerting, 'the alert topics');
  const template = Template.fromStack(stack);
  const [acme, fastpay] = stack.monitors as [ProcessorMonitor, ProcessorMonitor];
  const id = (c: { node: { defaultChild?: unknown } }) => stack.getLogicalId(c.node.defaultChild as never);

  /** A monitor's probe function, as the template has it. */
  function fn(m: ProcessorMonitor): Record<string, unknown> {
    return must(resources(template, 'AWS::Lambda::Function')[id(m.probeFunction)], 'function').Properties;
  }

  /** Every policy statement of a monitor's probe role. */
  function statementsOf(m: ProcessorMonitor): Statement[] {
    const roleId = id(m.probe.role);
    const policies = Object.values(resources(template, 'AWS::IAM::Policy')).filter((p) =>
      (flatten(p.Properties.Roles) as string[]).includes(`<${roleId}>`),
    );
    return policies.flatMap(
      (p) => (flatten(p.Properties.PolicyDocument) as { Statement: Statement[] }).Statement,
    );
  }

  /** A processor's alarm of one kind, flattened. */
  function alarm(processor: string, kind: AlarmKindName): Record<string, unknown> {
    const all = Object.values(resources(template, 'AWS::CloudWatch::Alarm')).map((a) => a.Properties);
    const found = all.find((a) => a.AlarmName === alarmName(processor, kind));
    if (!found) throw new Error(`no alarm ${alarmName(processor, kind)}`);
    return flatten(found) as Record<string, unknown>;
  }

  return {
    stack,
    alerting,
    template,
    acme,
    fastpay,
    id,
    criticalTopic: `<${id(alerting.criticalTopic)}>`,
    warningTopic: `<${id(alerting.warningTopic)}>`,
    fn,
    statementsOf,
    alarm,
  };
}
