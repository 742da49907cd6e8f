/**
 * Bench figure 10, in a fresh process: synthesizes a generated config of N processors (test/support's fleet:
 * 60-s probing, a secret each) the way `cdk synth --no-validation` does, with real bundling, and prints one JSON
 * line: build and synth time, the assets staged and esbuild's runs (one per handler), every stack's resources, outputs, parameters and template
 * bytes, and the monthly cost of the deployed templates (and with `groupDashboards: false`). Usage: tsx bench/scale-child.ts N OUTDIR
 */
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { loadConfigFile } from '../lambdas/core/config/load';
import { deployedFactsFromTemplate, estimateCost } from '../lambdas/core/cost/cost';
import { deploymentShape } from '../lambdas/core/policy/sharding';
import { addPayProbeStacks } from '../lib/constructs/payprobe-app';
import { HANDLER_BUILD_DIR_PREFIX } from '../lib/function/bundling';
import { writeFleetConfig } from '../testbed/generated-fleet';

interface Template {
  Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }>;
  Outputs?: Record<string, unknown>;
  Parameters?: Record<string, unknown>;
}

const n = Number(process.argv[2] ?? 500);
const outdir = process.argv[3] ?? 'cdk.out.bench';
const { file, cleanup } = writeFleetConfig(n);
try {
  const config = loadConfigFile(file);
  const t0 = performance.now();
  const app = new App({ outdir, builtinCloudFormationValidation: false });
  const [stack] = addPayProbeStacks(app, config, { account: '111122223333' });
  if (!stack) throw new Error('no stack');
  const t1 = performance.now();
  const assembly = app.synth();
  const t2 = performance.now();
  const files = [
    path.basename(assembly.getStackByName(stack.stackName).templateFile),
    ...readdirSync(assembly.directory).filter((f) => f.endsWith('.nested.template.json')),
  ];
  const stacks = files.map((f) => {
    const text = readFileSync(path.join(assembly.directory, f), 'utf8');
    const t = JSON.parse(text) as Template;
    return {
      file: f,
      template: t,
      resources: Object.keys(t.Resources).length,
      outputs: Object.keys(t.Outputs ?? {}).length,
      parameters: Object.keys(t.Parameters ?? {}).length,
      bytes: Buffer.byteLength(JSON.stringify(t)),
    };
  });
  // Logical IDs repeat across stacks (every shard has a DiagnosisErrorsAlarm…): prefix them before merging.
  const merged = {
    Resources: Object.fromEntries(
      stacks.flatMap((s) => Object.entries(s.template.Resources).map(([id, r]) => [`${s.file}/${id}`, r])),
    ),
  };
  const input = {
    processors: config.processors,
    ...(config.raw.alerting ? { alerting: config.raw.alerting } : {}),
  };
  const facts = deployedFactsFromTemplate(merged as never);
  const estimate = estimateCost(input, {}, facts);
  // The same templates with `groupDashboards: false`: only the dashboards differ (test/lib/group-dashboards.test.ts).
  const names = config.processors.map((p) => p.name);
  const withoutGroupDashboards = estimateCost(
    { ...input, groupDashboards: false },
    {},
    {
      ...facts,
      shared: { ...facts.shared, dashboards: deploymentShape(names, { groupDashboards: false }).dashboards },
    },
  );
  const bundles = readdirSync(assembly.directory).filter(
    (f) => f.startsWith('asset.') && !f.endsWith('.json'),
  );
  // esbuild's runs: one build directory per handler, removed when this process exits.
  const handlerBuilds = readdirSync(assembly.directory).filter(
    (f) => f.startsWith(HANDLER_BUILD_DIR_PREFIX) && !f.endsWith('.partial'),
  );
  process.stdout.write(
    `${JSON.stringify({
      processors: n,
      buildMs: t1 - t0,
      synthMs: t2 - t1,
      bundles: bundles.length,
      esbuildRuns: handlerBuilds.length,
      stacks: stacks.map(({ template: _t, ...s }) => s),
      totalResources: stacks.reduce((x, s) => x + s.resources, 0),
      monthlyUsd: estimate.totalUsd,
      sharedUsd: estimate.shared.usd,
      withoutGroupDashboardsUsd: withoutGroupDashboards.totalUsd,
      deployment: estimate.deployment,
    })}\n`,
  );
} finally {
  cleanup();
}
