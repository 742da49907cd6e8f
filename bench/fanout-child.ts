/**
 * Child process of bench figure 3: loads a config and probes every processor concurrently with the engine's
 * probeMany, the same call `payprobe check` makes, then prints one JSON line with the probing time and this
 * process's peak RSS. Run as: node --require tsx/cjs bench/fanout-child.ts CONFIG
 */
import { loadConfigFile } from '../lambdas/core/config/load';
import { probeMany } from '../lambdas/core/engine/probe';
import { SecretSources } from '../lambdas/core/secrets/sources';

async function main(): Promise<void> {
  const file = process.argv[2];
  if (!file) throw new Error('usage: fanout-child.ts CONFIG');
  const config = loadConfigFile(file);
  const deps = { secrets: new SecretSources({ env: process.env }) };
  const t0 = performance.now();
  const results = await probeMany(config.processors, deps);
  const ms = performance.now() - t0;
  const failed = results.filter((r) => !r.ok);
  process.stdout.write(
    `${JSON.stringify({
      probes: results.length,
      ok: results.length - failed.length,
      firstFailure: failed[0] ? `${failed[0].class}: ${failed[0].detail}` : null,
      ms,
      // resourceUsage().maxRSS is in kilobytes.
      maxRssKb: process.resourceUsage().maxRSS,
    })}\n`,
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
