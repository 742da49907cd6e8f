/**
 * Child process of bench figure 6: the first probe of a fresh process. Probes the delay proxy once and prints
 * its phase timings as one JSON line.   node --require tsx/cjs bench/fresh-child.ts PORT MODE
 * MODE warm: as shipped (the engine warms its code paths before the first probe's clock starts); cold: with
 * the warm-up switched off (ProbeDeps.warmUp false), for comparison.
 */
import { parseConfig } from '../lambdas/core/config/load';
import { probe } from '../lambdas/core/engine/probe';
import { SecretSources } from '../lambdas/core/secrets/sources';

async function main(): Promise<void> {
  const [portArg, mode] = process.argv.slice(2);
  const yaml = `processors:
  - name: bench
    endpoint: https://127.0.0.1:${Number(portArg)}
    timeoutMs: 5000
    tls: { ca: { env: BENCH_CA } }
    auth:
      request: { method: GET, path: /v1/balance }
      credentials: { type: bearer, token: { env: BENCH_TOKEN } }
`;
  const [processor] = parseConfig(yaml, 'bench-fresh.yaml').processors;
  if (!processor) throw new Error('no processor');
  const r = await probe(processor, {
    secrets: new SecretSources({ env: process.env }),
    warmUp: mode !== 'cold',
  });
  if (!r.ok) throw new Error(`probe failed: ${r.stage} ${r.class}: ${r.detail}`);
  process.stdout.write(`${JSON.stringify({ timings: r.timings })}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
