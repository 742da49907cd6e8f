/**
 * Child process of bench figure 1: interleaves full payprobe probes with a bare tls.connect + one raw GET
 * against the same loopback endpoint and prints the two lists of durations as one JSON line.
 *   node --require tsx/cjs bench/overhead-child.ts PORT RUNS MODE
 * MODE config-ca: the test CA comes from the config (`tls.ca`), and the baseline passes it as `ca`.
 * MODE default-store: the test CA is in Node's default trust store (NODE_EXTRA_CA_CERTS, set by the parent),
 * the config has no `tls.ca` and the baseline passes no `ca` - the path of a processor with a public certificate.
 */
import { parseConfig } from '../lambdas/core/config/load';
import { probe } from '../lambdas/core/engine/probe';
import { SecretSources } from '../lambdas/core/secrets/sources';
import { rawTlsGet } from './loopback';

const AUTH_PATH = '/v1/balance';

async function main(): Promise<void> {
  const [portArg, runsArg, mode] = process.argv.slice(2);
  const port = Number(portArg);
  const runs = Number(runsArg);
  const token = process.env.BENCH_TOKEN ?? '';
  const ca = process.env.BENCH_CA ?? '';
  const withCa = mode === 'config-ca';
  const yaml = `processors:
  - name: bench
    endpoint: https://127.0.0.1:${port}
    timeoutMs: 5000
${withCa ? '    tls: { ca: { env: BENCH_CA } }\n' : ''}    auth:
      request: { method: GET, path: ${AUTH_PATH} }
      credentials: { type: bearer, token: { env: BENCH_TOKEN } }
`;
  const [processor] = parseConfig(yaml, 'bench-overhead.yaml').processors;
  if (!processor) throw new Error('no processor');
  const full = async () => {
    const t0 = performance.now();
    const r = await probe(processor, { secrets: new SecretSources({ env: process.env }) });
    const ms = performance.now() - t0;
    if (!r.ok) throw new Error(`probe failed: ${r.stage} ${r.class}: ${r.detail}`);
    return ms;
  };
  const bare = async () => {
    const t0 = performance.now();
    const status = await rawTlsGet({ port, path: AUTH_PATH, token, ...(withCa ? { ca } : {}) });
    if (status !== 200) throw new Error(`baseline got HTTP ${status}`);
    return performance.now() - t0;
  };
  for (let i = 0; i < 30; i++) {
    await full();
    await bare();
  }
  const payprobe: number[] = [];
  const baseline: number[] = [];
  for (let i = 0; i < runs; i++) {
    // Alternate the order so neither side always runs on a just-warmed connection path.
    if (i % 2 === 0) {
      payprobe.push(await full());
      baseline.push(await bare());
    } else {
      baseline.push(await bare());
      payprobe.push(await full());
    }
  }
  process.stdout.write(`${JSON.stringify({ payprobe, baseline })}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
