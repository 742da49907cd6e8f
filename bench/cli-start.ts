/**
 * Bench figure 9: how long `payprobe --version` takes, as the package runs it (dist/cli/payprobe.mjs, the
 * esbuild bundle scripts/build.ts writes), beside `node -e 0` (Node's own start) in the same run, the two
 * interleaved so machine load hits both alike. For comparison, a few runs of the sources through tsx (how
 * the CLI started before it was bundled). Target: median <= 250 ms on a 2-core machine.
 */
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildCli, CLI_BIN } from '../scripts/build';
import { type Figure, REPO } from './common';
import { median, quantile, round } from './stats';

export const CLI_START_TARGET_MS = 250;

/** The built CLI, fresh from the sources (esbuild, a few seconds). */
export function builtCli(): string {
  buildCli();
  return path.join(REPO, CLI_BIN);
}

/** Wall milliseconds of one run of `node ...args` (output discarded; a failure throws). */
function timeOnce(args: readonly string[]): number {
  const t0 = performance.now();
  execFileSync(process.execPath, [...args], { cwd: REPO, stdio: 'ignore', timeout: 30_000 });
  return performance.now() - t0;
}

export async function figureCliStart(): Promise<Figure> {
  const cli = builtCli();
  const runs = 21;
  const node: number[] = [];
  const version: number[] = [];
  const help: number[] = [];
  for (let i = 0; i < runs; i++) {
    node.push(timeOnce(['-e', '0']));
    version.push(timeOnce([cli, '--version']));
    help.push(timeOnce([cli, '--help']));
  }
  const tsx = pathToFileURL(require.resolve('tsx')).href;
  const fromSources = [0, 1, 2].map(() =>
    timeOnce(['--import', tsx, path.join(REPO, 'cli', 'payprobe.ts'), '--version']),
  );
  const v = median(version);
  const n = median(node);
  return {
    id: '9',
    title: 'CLI start',
    value:
      `payprobe --version median ${round(v, 0)} ms (p90 ${round(quantile(version, 0.9), 0)}) vs node -e 0 ` +
      `${round(n, 0)} ms (p90 ${round(quantile(node, 0.9), 0)}): +${round(v - n, 0)} ms for payprobe; ` +
      `--help ${round(median(help), 0)} ms; ${runs} interleaved runs each. The sources through tsx: ` +
      `${round(median(fromSources), 0)} ms`,
    target: `--version <= ${CLI_START_TARGET_MS} ms`,
    pass: v <= CLI_START_TARGET_MS,
    data: { runs, versionMs: version, nodeMs: node, helpMs: help, tsxSourcesMs: fromSources },
  };
}
