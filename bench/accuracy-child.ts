/**
 * Child process of bench figure 2: probes the delay proxy RUNS times and prints the phase timings as one JSON
 * line.   node --require tsx/cjs bench/accuracy-child.ts PORT RUNS MODE [PROXY_PORT]
 * MODE config-ca: the test CA comes from the config (`tls.ca`); default-store: it is in Node's default trust
 * store (NODE_EXTRA_CA_CERTS, set by the parent) and the config has no `tls.ca`; proxy: as config-ca, through
 * the forward proxy on PROXY_PORT (figure 2p, bench/run.ts).
 */
import { parseConfig } from '../lambdas/core/config/load';
import type { Timings } from '../lambdas/core/contract/result';
import { probe } from '../lambdas/core/engine/probe';
import { SecretSources } from '../lambdas/core/secrets/sources';

async function main(): Promise<void> {
  const [portArg, runsArg, mode, proxyPort] = process.argv.slice(2);
  const yaml = `processors:
  - name: bench
    endpoint: https://127.0.0.1:${Number(portArg)}
    timeoutMs: 5000
${mode !== 'default-store' ? '    tls: { ca: { env: BENCH_CA } }\n' : ''}${mode === 'proxy' ? `    proxy: { url: http://127.0.0.1:${Number(proxyPort)} }\n` : ''}    auth:
      request: { method: GET, path: /v1/balance }
      credentials: { type: bearer, token: { env: BENCH_TOKEN } }
`;
  const [processor] = parseConfig(yaml, 'bench-accuracy.yaml').processors;
  if (!processor) throw new Error('no processor');
  const timings: Timings[] = [];
  for (let i = 0; i < Number(runsArg); i++) {
    const r = await probe(processor, { secrets: new SecretSources({ env: process.env }) });
    if (!r.ok) throw new Error(`probe failed: ${r.stage} ${r.class}: ${r.detail}`);
    timings.push(r.timings);
  }
  process.stdout.write(`${JSON.stringify({ timings })}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
