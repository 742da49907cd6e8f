/**
 * Child process of bench figure 7: a config of many processors, some of which never answer, probed with the
 * engine's probeMany (the call behind `payprobe check` and the preflight). Prints one JSON line: when each
 * result arrived (ms from the start, by processor), the whole run's time, the peak RSS, and the open file
 * descriptors before, at their peak during, and after the run.   node --require tsx/cjs bench/fleet-child.ts CONFIG
 */
import { readdirSync } from 'node:fs';
import { loadConfigFile } from '../lambdas/core/config/load';
import { probeMany } from '../lambdas/core/engine/probe';
import { SecretSources } from '../lambdas/core/secrets/sources';

const openFds = () => readdirSync('/proc/self/fd').length;

async function main(): Promise<void> {
  const file = process.argv[2];
  if (!file) throw new Error('usage: fleet-child.ts CONFIG');
  const config = loadConfigFile(file);
  const deps = { secrets: new SecretSources({ env: process.env }) };
  const fdsBefore = openFds();
  let fdsPeak = fdsBefore;
  const sampler = setInterval(() => {
    fdsPeak = Math.max(fdsPeak, openFds());
  }, 25);
  const t0 = performance.now();
  const at: Record<string, number> = {};
  const results = await probeMany(config.processors, deps, {
    onResult: (r) => {
      at[r.processor] = performance.now() - t0;
    },
  });
  const elapsedMs = performance.now() - t0;
  clearInterval(sampler);
  let fdsAfter = openFds();
  for (let i = 0; i < 40 && fdsAfter > fdsBefore; i++) {
    await new Promise((r) => setTimeout(r, 25));
    fdsAfter = openFds();
  }
  process.stdout.write(
    `${JSON.stringify({
      at,
      classes: Object.fromEntries(results.map((r) => [r.processor, r.class])),
      elapsedMs,
      budgetMs: Math.max(...config.processors.map((p) => p.budgetMs)),
      maxRssKb: process.resourceUsage().maxRSS,
      fdsBefore,
      fdsPeak,
      fdsAfter,
    })}\n`,
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
