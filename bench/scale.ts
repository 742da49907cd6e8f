/**
 * Bench figure 10: 500 processors in one region (issue #20). A fresh process synthesizes the generated
 * 500-processor config with real bundling (bench/scale-child.ts); this prints the synth time, the assets staged
 * (one per distinct handler and distinct set of bundled files) and esbuild's runs (one per handler), the stacks
 * with their resources and template sizes against payprobe's ceilings, resources per processor, and the monthly
 * cost (also with `groupDashboards: false`). Target: under 2 minutes on this machine, every stack under the
 * ceilings.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { STACK_LIMITS } from '../lib/deploy/stack-limits';
import { runChild } from './child';
import type { Figure } from './common';
import { round } from './stats';

interface ScaleRun {
  processors: number;
  buildMs: number;
  synthMs: number;
  bundles: number;
  esbuildRuns: number;
  stacks: { file: string; resources: number; outputs: number; parameters: number; bytes: number }[];
  totalResources: number;
  monthlyUsd: number;
  sharedUsd: number;
  withoutGroupDashboardsUsd: number;
  deployment: { mainStackProcessors: number; shards: number; groups: number; dashboards: number };
}

/** Synthesizes `processors` generated processors in a child process. */
export async function synthesizeFleet(processors: number): Promise<ScaleRun & { wallMs: number }> {
  const outdir = mkdtempSync(path.join(os.tmpdir(), 'payprobe-bench-scale-'));
  try {
    const run = await runChild(
      process.execPath,
      ['--require', 'tsx/cjs', 'bench/scale-child.ts', String(processors), outdir],
      {},
      900_000,
    );
    const line = run.stdout.trim().split('\n').at(-1) ?? '';
    if (run.code !== 0 || !line.startsWith('{'))
      throw new Error(`scale child failed: ${run.stderr.slice(-600)}`);
    return { ...(JSON.parse(line) as ScaleRun), wallMs: run.wallMs };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

export async function figureScale(processors = 500): Promise<Figure> {
  const r = await synthesizeFleet(processors);
  const [main, ...shards] = r.stacks;
  if (!main) throw new Error('no main stack');
  const maxShard = shards.reduce((m, s) => (s.resources > m.resources ? s : m), shards[0] ?? main);
  const biggest = r.stacks.reduce((m, s) => (s.bytes > m.bytes ? s : m), main);
  const under = r.stacks.every(
    (s) =>
      s.resources <= STACK_LIMITS.resources.ceiling &&
      s.outputs <= STACK_LIMITS.outputs.ceiling &&
      s.parameters <= STACK_LIMITS.parameters.ceiling &&
      s.bytes <= STACK_LIMITS.templateBytes.ceiling,
  );
  const seconds = (r.buildMs + r.synthMs) / 1000;
  return {
    id: '10',
    title: `${processors} processors in one region`,
    value:
      `synth ${round(seconds, 1)} s (constructs and bundling ${round(r.buildMs / 1000, 1)} s, ${r.bundles} assets from ${r.esbuildRuns} esbuild runs; ` +
      `templates ${round(r.synthMs / 1000, 1)} s; process ${round(r.wallMs / 1000, 1)} s); ${r.stacks.length} stacks ` +
      `(main with ${r.deployment.mainStackProcessors} processors: ${main.resources} resources, ${round(main.bytes / 1000, 0)} KB; ` +
      `${shards.length} shards, largest ${maxShard.resources} resources; largest template ${round(biggest.bytes / 1000, 0)} KB); ` +
      `${r.totalResources} resources = ${round(r.totalResources / processors, 2)} per processor; ` +
      `${r.deployment.dashboards} dashboards; $${r.monthlyUsd.toFixed(2)} a month ($${(r.monthlyUsd / processors).toFixed(2)} per processor, ` +
      `shared $${r.sharedUsd.toFixed(2)}; groupDashboards: false, 1 dashboard: $${r.withoutGroupDashboardsUsd.toFixed(2)})`,
    target: `synth < 120 s, every stack <= ${STACK_LIMITS.resources.ceiling} resources and <= ${STACK_LIMITS.templateBytes.ceiling / 1000} KB`,
    pass: seconds < 120 && under,
    data: r,
  };
}
