/**
 * Scale (issue #20): configs of 1, 37, 38, 200 and 500 processors deploy in one region, every stack well inside
 * CloudFormation's limits; the assignment of processors to stacks never moves a deployed processor (adding
 * processor 501 changes no logical ID anywhere); cdk-nag has nothing to say at 500; a config that cannot fit
 * fails at synth naming the limit. The 500-processor app is built and synthesized once (bundling and
 * aws-cdk-lib's own template linter skipped: this file checks payprobe's limits) and asserted on many ways.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { type App, CfnResource, Stack } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { alarmName, gatewayAlarmName } from '../../lambdas/core/contract/alarm-names';
import { ENV_GATEWAY, ENV_HISTORY_TABLE } from '../../lambdas/core/contract/env-names';
import { deploymentShape, MAIN_STACK_PROCESSORS, shardId, shardOf } from '../../lambdas/core/policy/sharding';
import { ALARM_STATUS_WIDGET_MAX_ALARMS, DASHBOARD_LIMITS } from '../../lib/constructs/dashboard';
import type { PayProbeStack } from '../../lib/constructs/payprobe-stack';
import { countStack } from '../../lib/constructs/stack-limits';
import { STACK_LIMITS } from '../../lib/deploy/stack-limits';
import { fleetProcessorName, writeFleetConfig } from '../../testbed/generated-fleet';
import { must, synthConfig } from '../support/cdk';

const BUILD_TIMEOUT = 300_000;

/** Builds (does not synthesize) the app of a generated config of `count` processors plus `extra`. */
function build(count: number, extra: readonly string[] = [], options: { mainStackProcessors?: number } = {}) {
  const { file, cleanup } = writeFleetConfig(count, extra);
  try {
    const { app, stacks } = synthConfig(file, { validation: false, ...options });
    return { app, stack: must(stacks[0], 'the stack') };
  } finally {
    cleanup();
  }
}

/** Every stack of the app: the main stack and its shards. */
function stacksOf(stack: PayProbeStack): Stack[] {
  return [stack, ...stack.shards];
}

/** Stack path -> logical IDs of every resource in it. */
function logicalIds(stack: PayProbeStack): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const s of stacksOf(stack)) {
    const ids = new Set<string>();
    for (const c of s.node.findAll()) {
      if (CfnResource.isCfnResource(c) && Stack.of(c) === s) ids.add(s.getLogicalId(c));
    }
    out.set(s.node.path, ids);
  }
  return out;
}

/** Processor name -> `<stack path>/<logical id>` of every resource of its monitor. */
function processorResources(stack: PayProbeStack): Map<string, string[]> {
  return new Map(
    stack.monitors.map((m) => {
      const s = Stack.of(m);
      const ids = m.node
        .findAll()
        .filter((c: IConstruct): c is CfnResource => CfnResource.isCfnResource(c))
        .map((c) => `${s.node.path}/${s.getLogicalId(c)}`);
      return [m.processor.name, ids.sort()];
    }),
  );
}

interface Widget {
  type: string;
  properties: { metrics?: unknown[][]; alarms?: unknown[] };
}

/** The widgets of every dashboard body in a synthesized template (Fn::Join of strings and tokens). */
function dashboards(template: {
  Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }>;
}) {
  return Object.values(template.Resources)
    .filter((r) => r.Type === 'AWS::CloudWatch::Dashboard')
    .map((r) => {
      const body = r.Properties?.DashboardBody as { 'Fn::Join'?: [string, unknown[]] } | string;
      const text =
        typeof body === 'string'
          ? body
          : (body['Fn::Join']?.[1] ?? []).map((p) => (typeof p === 'string' ? p : 'TOKEN')).join('');
      return (JSON.parse(text) as { widgets: Widget[] }).widgets;
    });
}

describe('500 processors in one region', () => {
  let app: App;
  let stack: PayProbeStack;
  let synthMs = 0;
  // Logical IDs as built (before synthesis adds what it derives, e.g. IAM's overflow policies), to compare
  // with the 501-processor app built the same way.
  let builtIds: Map<string, Set<string>>;
  let builtProcessors: Map<string, string[]>;
  const templates = new Map<
    string,
    {
      Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }>;
      Outputs?: object;
      Parameters?: object;
    }
  >();
  const sizes = new Map<string, number>();

  beforeAll(() => {
    const t0 = performance.now();
    ({ app, stack } = build(500));
    builtIds = logicalIds(stack);
    builtProcessors = processorResources(stack);
    const assembly = app.synth();
    synthMs = performance.now() - t0;
    const read = (name: string, file: string) => {
      const text = readFileSync(path.join(assembly.directory, file), 'utf8');
      sizes.set(name, Buffer.byteLength(JSON.stringify(JSON.parse(text))));
      templates.set(name, JSON.parse(text));
    };
    read(stack.node.path, must(assembly.getStackByName(stack.stackName).templateFile, 'the template'));
    for (const s of stack.shards) read(s.node.path, s.templateFile);
  }, BUILD_TIMEOUT);

  test('the first processors stay in the main stack, the others spread over shards by the hash of their name', () => {
    expect(stack.monitors).toHaveLength(500);
    const main = stack.monitors.filter((m) => Stack.of(m) === stack);
    expect(main.map((m) => m.processor.name)).toEqual(
      Array.from({ length: MAIN_STACK_PROCESSORS }, (_, i) => fleetProcessorName(i)),
    );
    for (const m of stack.monitors.slice(MAIN_STACK_PROCESSORS)) {
      expect(Stack.of(m).node.id).toBe(shardId(shardOf(m.processor.name, 32)));
    }
    // 470 processors over 32 shards: every shard used, none more than twice its share.
    expect(stack.shards).toHaveLength(32);
    for (const s of stack.shards) expect(s.monitors.length).toBeLessThanOrEqual(30);
    // The whole synthesis, 500 processors, in well under the 2 minutes of the issue (the bench times it on its own).
    expect(synthMs).toBeLessThan(BUILD_TIMEOUT);
  });

  test('every stack stays under payprobe ceilings, each below a CloudFormation limit', () => {
    expect(templates.size).toBe(33);
    for (const [name, t] of templates) {
      const resources = Object.keys(t.Resources).length;
      expect([name, resources <= STACK_LIMITS.resources.ceiling]).toEqual([name, true]);
      expect(Object.keys(t.Outputs ?? {}).length).toBeLessThanOrEqual(STACK_LIMITS.outputs.ceiling);
      expect(Object.keys(t.Parameters ?? {}).length).toBeLessThanOrEqual(STACK_LIMITS.parameters.ceiling);
      expect(must(sizes.get(name), name)).toBeLessThanOrEqual(STACK_LIMITS.templateBytes.ceiling);
    }
    for (const limit of Object.values(STACK_LIMITS)) expect(limit.ceiling).toBeLessThan(limit.cloudFormation);
    // What the synth-time check counts is what the template has.
    const counted = countStack(stack);
    expect(counted.resources).toBe(
      Object.keys(must(templates.get(stack.node.path), 'main').Resources).length,
    );
    expect(counted.templateBytes).toBe(sizes.get(stack.node.path));
  });

  test('resources per processor: about 15 (12 for the probe and its alarms, 3 for its live audit), everything shared counted in', () => {
    const total = [...templates.values()].reduce((n, t) => n + Object.keys(t.Resources).length, 0);
    expect(total / 500).toBeGreaterThan(14);
    expect(total / 500).toBeLessThan(17);
    // Each monitor: function, role, policy, log group, invoke config, schedule and six alarms.
    const m = must(stack.monitors[499], 'a sharded monitor');
    expect(m.node.findAll().filter((c) => CfnResource.isCfnResource(c))).toHaveLength(12);
  });

  test('each shard diagnoses its own processors and reads only their secrets', () => {
    for (const s of stack.shards) {
      const t = must(templates.get(s.node.path), s.node.path);
      const rule = Object.values(t.Resources).find((r) => r.Type === 'AWS::Events::Rule');
      const pattern = must(rule?.Properties?.EventPattern, 'the rule pattern') as {
        detail: { alarmName: { prefix: string }[] };
      };
      const prefixes = pattern.detail.alarmName.map((p) => p.prefix);
      expect(prefixes.sort()).toEqual(s.monitors.map((m) => `PayProbe-${m.processor.name}-`).sort());
      // Every policy attached to the shard's diagnose role (its default policy, and any overflow).
      const roleId = s.getLogicalId(s.diagnosis.diagnose.role.node.defaultChild as CfnResource);
      const policy = JSON.stringify(
        Object.values(t.Resources).filter(
          (r) =>
            r.Type.startsWith('AWS::IAM::') && JSON.stringify(r.Properties?.Roles ?? []).includes(roleId),
        ),
      );
      expect(policy).toContain('secretsmanager:GetSecretValue');
      for (const m of s.monitors) expect(policy).toContain(`payprobe/${m.processor.name}/token`);
      const others = stack.monitors.filter((m) => !s.monitors.includes(m));
      for (const m of others.slice(0, 40)) expect(policy).not.toContain(`payprobe/${m.processor.name}/token`);
    }
  });

  test('the verdict sees every processor: one gateway, one history table, one function diagnosing the gateway alarm', () => {
    const gateway = gatewayAlarmName(stack.stackName);
    let probes = 0;
    let rulesWithGateway = 0;
    for (const t of templates.values()) {
      for (const r of Object.values(t.Resources)) {
        const vars = (r.Properties?.Environment as { Variables?: Record<string, unknown> } | undefined)
          ?.Variables;
        if (r.Type === 'AWS::Lambda::Function' && vars?.PAYPROBE_PROCESSOR !== undefined) {
          probes++;
          expect(vars[ENV_GATEWAY]).toBe(stack.stackName);
          expect(vars[ENV_HISTORY_TABLE]).toBeDefined();
        }
        if (r.Type === 'AWS::Events::Rule' && JSON.stringify(r.Properties?.EventPattern).includes(gateway)) {
          rulesWithGateway++;
        }
      }
    }
    expect(probes).toBe(500);
    expect(rulesWithGateway).toBe(1);
    const mainAlarms = Object.values(must(templates.get(stack.node.path), 'main').Resources).filter(
      (r) => r.Type === 'AWS::CloudWatch::Alarm',
    );
    expect(mainAlarms.map((r) => r.Properties?.AlarmName)).toContain(gateway);
    // The table is the main stack's: a shard takes its name as a parameter.
    for (const s of stack.shards)
      expect(Object.keys(templates.get(s.node.path)?.Parameters ?? {}).join()).toMatch(/History/);
  });

  test('every alarm keeps its contract name, wherever its processor lives', () => {
    const names = new Set(
      [...templates.values()].flatMap((t) =>
        Object.values(t.Resources)
          .filter((r) => r.Type === 'AWS::CloudWatch::Alarm')
          .map((r) => r.Properties?.AlarmName),
      ),
    );
    for (const m of [stack.monitors[0], stack.monitors[250], stack.monitors[499]]) {
      expect(names).toContain(alarmName(must(m, 'monitor').processor.name, 'HandshakeFailing'));
    }
  });

  test('dashboards stay inside CloudWatch limits: a fleet overview, and one dashboard per group', () => {
    const all = [...templates.values()].flatMap(dashboards);
    // Main group, 32 shard groups, the fleet overview: what `payprobe cost` counts.
    expect(all).toHaveLength(34);
    expect(deploymentShape(stack.monitors.map((m) => m.processor.name)).dashboards).toBe(34);
    for (const widgets of all) {
      expect(widgets.length).toBeLessThanOrEqual(DASHBOARD_LIMITS.widgets);
      let metrics = 0;
      for (const w of widgets) {
        expect(w.properties.metrics?.length ?? 0).toBeLessThanOrEqual(DASHBOARD_LIMITS.metricsPerWidget);
        expect(w.properties.alarms?.length ?? 0).toBeLessThanOrEqual(ALARM_STATUS_WIDGET_MAX_ALARMS);
        metrics += w.properties.metrics?.length ?? 0;
      }
      expect(metrics).toBeLessThanOrEqual(DASHBOARD_LIMITS.metricsPerDashboard);
    }
    // The overview does not grow with the fleet.
    const main = dashboards(must(templates.get(stack.node.path), 'main'));
    expect(main).toHaveLength(2);
    expect(Math.min(...main.map((w) => w.length))).toBeLessThan(20);
  });

  test(
    'adding processor 501 changes no logical ID of any stack, and moves no processor',
    () => {
      const before = builtIds;
      const beforeProcessors = builtProcessors;
      const { stack: grown } = build(500, ['acquirer-new']);
      const after = logicalIds(grown);
      for (const [stackPath, ids] of before) {
        const now = must(after.get(stackPath), stackPath);
        expect([stackPath, [...ids].filter((id) => !now.has(id))]).toEqual([stackPath, []]);
      }
      const afterProcessors = processorResources(grown);
      for (const [name, ids] of beforeProcessors) expect(afterProcessors.get(name)).toEqual(ids);
      const added = must(grown.monitors[500], 'the new monitor');
      expect(Stack.of(added).node.id).toBe(shardId(shardOf('acquirer-new', 32)));
    },
    BUILD_TIMEOUT,
  );

  test(
    'cdk-nag AWS Solutions: no unacknowledged finding at 500 processors',
    () => {
      const report = new AwsSolutionsChecks().validateScope(app);
      expect(report.violations.map((v) => `${v.ruleName} ${v.violatingResources.length}`)).toEqual([]);
      expect(report.success).toBe(true);
    },
    BUILD_TIMEOUT,
  );
});

describe('smaller configs', () => {
  test.each([
    [1, 0],
    [37, 12],
    [38, 13],
    [200, 175],
  ])(
    '%i processors: %i in shards, every stack under the ceilings',
    (count, sharded) => {
      const { stack } = build(count);
      expect(stack.monitors).toHaveLength(count);
      expect(stack.shards.reduce((n, s) => n + s.monitors.length, 0)).toBe(sharded);
      expect(stack.fleetDashboard !== undefined).toBe(sharded > 0);
      for (const s of stacksOf(stack)) {
        const counts = countStack(s);
        expect(counts.resources).toBeLessThanOrEqual(STACK_LIMITS.resources.ceiling);
        expect(counts.outputs).toBeLessThanOrEqual(STACK_LIMITS.outputs.ceiling);
        expect(counts.parameters).toBeLessThanOrEqual(STACK_LIMITS.parameters.ceiling);
        expect(must(counts.templateBytes, 'size')).toBeLessThanOrEqual(STACK_LIMITS.templateBytes.ceiling);
      }
    },
    BUILD_TIMEOUT,
  );

  test(
    'a config that cannot fit fails at synth naming the stack, the count and the limit',
    () => {
      const { app } = build(60, [], { mainStackProcessors: 60 });
      expect(() => app.synth()).toThrow(
        /stack PayProbe would have \d+ resources; CloudFormation allows 500 per stack and payprobe keeps every stack at or below 450\..*mainStackProcessors/s,
      );
    },
    BUILD_TIMEOUT,
  );
});
