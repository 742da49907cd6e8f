/**
 * `groupDashboards: false` (PayProbeProps): at 500 processors the per-group dashboards are 34 dashboards, about
 * $100 a month; off, the region has one dashboard, the fleet overview, sharded or not. Checks the templates
 * (the main stack's and every shard's), that no processor's resources change with the switch, the stack's
 * DashboardUrl output, and that `payprobe cost --no-group-dashboards` prices the one dashboard.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { CfnResource, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import type { CliIo } from '../../cli/io';
import { run } from '../../cli/main';
import type { CostEstimate } from '../../lambdas/core/cost/cost';
import { PRICES } from '../../lambdas/core/cost/pricing';
import type { PayProbeStack } from '../../lib/constructs/payprobe-stack';
import { fleetYaml, writeFleetConfig } from '../../testbed/generated-fleet';
import { fixture, must, synthConfig } from '../support/cdk';

const TIMEOUT = 120_000;

function build(file: string, groupDashboards?: boolean): PayProbeStack {
  const { stacks } = synthConfig(file, {
    validation: false,
    ...(groupDashboards === undefined ? {} : { groupDashboards }),
  });
  return must(stacks[0], 'the stack');
}

/** Every resource's `<stack path>/<logical id>`, dashboards left out. */
function resourceIds(stack: PayProbeStack): string[] {
  return [stack, ...stack.shards]
    .flatMap((s) =>
      s.node
        .findAll()
        .filter((c): c is CfnResource => CfnResource.isCfnResource(c) && Stack.of(c) === s)
        .filter((c) => c.cfnResourceType !== 'AWS::CloudWatch::Dashboard')
        .map((c) => `${s.node.path}/${s.getLogicalId(c)}`),
    )
    .sort();
}

/** A dashboard name ending in `-fleet` (the stack is environment-agnostic: the name joins the region in). */
const FLEET_NAME = Match.objectLike({ 'Fn::Join': ['', Match.arrayWith(['-fleet'])] });

/** The fleet overview's markdown (its first widget), from the main stack's template. */
function fleetMarkdown(template: Template): string {
  const [dashboard] = Object.values(
    template.findResources('AWS::CloudWatch::Dashboard', { Properties: { DashboardName: FLEET_NAME } }),
  );
  const body = must(dashboard, 'the dashboard').Properties.DashboardBody as {
    'Fn::Join': [string, unknown[]];
  };
  const text = body['Fn::Join'][1].map((p) => (typeof p === 'string' ? p : 'TOKEN')).join('');
  const widgets = (JSON.parse(text) as { widgets: { properties: { markdown?: string } }[] }).widgets;
  return must(widgets[0]?.properties.markdown, 'the groups widget');
}

describe('groupDashboards: false, sharded (38 processors)', () => {
  const fleet = writeFleetConfig(38);
  afterAll(() => fleet.cleanup());
  let off: PayProbeStack;
  let on: PayProbeStack;
  beforeAll(() => {
    off = build(fleet.file, false);
    on = build(fleet.file);
  }, TIMEOUT);

  test('the main stack has one dashboard, the fleet overview, and no shard has one', () => {
    expect(off.shards.length).toBeGreaterThan(0);
    const main = Template.fromStack(off);
    main.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    main.hasResourceProperties('AWS::CloudWatch::Dashboard', {
      DashboardName: FLEET_NAME,
    });
    for (const s of off.shards) Template.fromStack(s).resourceCountIs('AWS::CloudWatch::Dashboard', 0);
    expect(off.dashboard).toBeUndefined();
    expect(off.shards.every((s) => s.dashboard === undefined)).toBe(true);
    expect(off.fleetDashboard).toBeDefined();
    // By default: the main stack's, each shard's and the overview.
    Template.fromStack(on).resourceCountIs('AWS::CloudWatch::Dashboard', 2);
    for (const s of on.shards) Template.fromStack(s).resourceCountIs('AWS::CloudWatch::Dashboard', 1);
  });

  test('the overview lists every group without links to dashboards that do not exist', () => {
    const off_ = fleetMarkdown(Template.fromStack(off));
    expect(off_).toContain('| main stack | 25 |');
    expect(off_).not.toContain('#dashboards:name=');
    expect(off_).toContain('groupDashboards is off');
    const on_ = fleetMarkdown(Template.fromStack(on));
    expect(on_).toContain('[main stack](#dashboards:name=');
  });

  test('switching it changes no other resource: same logical IDs in every stack', () => {
    expect(resourceIds(off)).toEqual(resourceIds(on));
  });

  test('DashboardUrl names the overview, the one dashboard there is', () => {
    const fleet = off.getLogicalId(
      must(off.fleetDashboard, 'fleet').dashboard.node.defaultChild as CfnResource,
    );
    const url = Match.objectLike({ 'Fn::Join': ['', Match.arrayWith([{ Ref: fleet }])] });
    const t = Template.fromStack(off);
    t.hasOutput('DashboardUrl', { Value: url });
    t.hasOutput('FleetDashboardUrl', { Value: url });
  });
});

test(
  'groupDashboards: false without shards: the fleet overview replaces the stack dashboard',
  () => {
    const stack = build(fixture('two-processors.yaml'), false);
    expect(stack.shards).toHaveLength(0);
    const t = Template.fromStack(stack);
    t.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    t.hasResourceProperties('AWS::CloudWatch::Dashboard', {
      DashboardName: FLEET_NAME,
    });
    expect(fleetMarkdown(t)).toContain('2 processors in 1 groups');
  },
  TIMEOUT,
);

describe('payprobe cost --no-group-dashboards', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'payprobe-cost-dashboards-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(path.join(dir, 'payprobe.yaml'), fleetYaml(500));

  async function estimate(args: readonly string[]): Promise<CostEstimate> {
    let out = '';
    let err = '';
    const io: CliIo = {
      stdout: { write: (s: string) => (out += s) },
      stderr: { write: (s: string) => (err += s) },
      cwd: dir,
      env: {},
    };
    const code = await run(['cost', '--config', 'payprobe.yaml', '--json', ...args], io);
    expect([code, err]).toEqual([0, '']);
    return JSON.parse(out) as CostEstimate;
  }

  test('500 processors: one dashboard instead of 34, 33 dashboards cheaper', async () => {
    const on = await estimate([]);
    const off = await estimate(['--no-group-dashboards']);
    const dashboards = (e: CostEstimate) =>
      must(
        e.shared.lines.find((l) => l.item === 'dashboards'),
        'line',
      );
    expect([dashboards(on).quantity, on.deployment.dashboards]).toEqual([34, 34]);
    expect([dashboards(off).quantity, off.deployment.dashboards]).toEqual([1, 1]);
    expect(on.totalUsd - off.totalUsd).toBeCloseTo(33 * PRICES.dashboardMonth.usd, 6);
  });
});
