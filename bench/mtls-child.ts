/**
 * Child process of bench figure 8: a healthy mTLS processor probed handshake-only, interleaved with a bare
 * tls.connect handshake with the same client certificate, key and trust (one secure context, built once, as
 * the engine keeps its own), against the same loopback server. Prints the probes' totalMs and settleMs and
 * the bare handshakes' times (tls.connect to secureConnect) as one JSON line.
 *   node --require tsx/cjs bench/mtls-child.ts PORT RUNS
 * BENCH_CA, BENCH_CLIENT_CERT and BENCH_CLIENT_KEY come from the parent.
 */
import * as tls from 'node:tls';
import { parseConfig } from '../lambdas/core/config/load';
import { probe } from '../lambdas/core/engine/probe';
import { SecretSources } from '../lambdas/core/secrets/sources';

async function main(): Promise<void> {
  const [portArg, runsArg] = process.argv.slice(2);
  const port = Number(portArg);
  const runs = Number(runsArg);
  const yaml = `processors:
  - name: bench-mtls
    endpoint: https://127.0.0.1:${port}
    timeoutMs: 5000
    tls:
      ca: { env: BENCH_CA }
      clientCert: { env: BENCH_CLIENT_CERT }
      clientKey: { env: BENCH_CLIENT_KEY }
`;
  const [processor] = parseConfig(yaml, 'bench-mtls.yaml').processors;
  if (!processor) throw new Error('no processor');
  const deps = { secrets: new SecretSources({ env: process.env }) };
  const context = tls.createSecureContext({
    ca: [...tls.rootCertificates, process.env.BENCH_CA ?? ''],
    cert: process.env.BENCH_CLIENT_CERT ?? '',
    key: process.env.BENCH_CLIENT_KEY ?? '',
    minVersion: 'TLSv1.2',
  });
  const full = async () => {
    const r = await probe(processor, deps);
    if (!r.ok) throw new Error(`probe failed: ${r.stage} ${r.class}: ${r.detail}`);
    return { totalMs: r.timings.totalMs, settleMs: r.timings.settleMs ?? 0 };
  };
  const bare = () =>
    new Promise<number>((resolve, reject) => {
      const t0 = performance.now();
      const s = tls.connect(
        { host: '127.0.0.1', port, secureContext: context, servername: 'localhost' },
        () => {
          const ms = performance.now() - t0;
          s.destroy();
          resolve(ms);
        },
      );
      s.on('error', reject);
    });
  for (let i = 0; i < 30; i++) {
    await full();
    await bare();
  }
  const totalMs: number[] = [];
  const settleMs: number[] = [];
  const bareMs: number[] = [];
  for (let i = 0; i < runs; i++) {
    const order = i % 2 === 0 ? ['probe', 'bare'] : ['bare', 'probe'];
    for (const which of order) {
      if (which === 'probe') {
        const r = await full();
        totalMs.push(r.totalMs);
        settleMs.push(r.settleMs);
      } else {
        bareMs.push(await bare());
      }
    }
  }
  process.stdout.write(`${JSON.stringify({ totalMs, settleMs, bareMs })}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
