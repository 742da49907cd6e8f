/**
 * Bench figure 7: a config of 300 processors of which 100 never answer, probed by one process (probeMany, as
 * `payprobe check` and the preflight do): every healthy result within 2 s of the start, the whole run within
 * one probe budget + 1 s, peak RSS <= 400 MB, file descriptors bounded during the run and released after it.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Issued, TestPki } from '../testbed/pki';
import { runChild } from './child';
import type { Figure } from './common';
import { type Listening, startEndpoint, startSilent } from './loopback';
import { quantile, round } from './stats';

const TOKEN = 'bench-token-not-a-secret';

export async function figureSilentFleet(pki: TestPki, cert: Issued): Promise<Figure> {
  const total = 300;
  const silentCount = 100;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'payprobe-bench-fleet-'));
  const endpoints: Listening[] = [];
  let silent: Listening | undefined;
  try {
    for (let i = 0; i < 50; i++)
      endpoints.push(await startEndpoint({ chain: cert.chain, key: cert.key, token: TOKEN }));
    silent = await startSilent();
    writeFileSync(path.join(dir, 'ca.pem'), pki.caPem);
    // The silent ones first: with a fixed pool of workers, they would hold every slot.
    const lines = ['defaults:', '  timeoutMs: 5000', '  tls: { ca: { file: ca.pem } }', 'processors:'];
    for (let i = 0; i < total; i++) {
      const isSilent = i < silentCount;
      const port = isSilent ? silent.port : (endpoints[i % endpoints.length] as Listening).port;
      lines.push(
        `  - name: ${isSilent ? 'silent' : 'healthy'}-${String(i).padStart(3, '0')}`,
        `    endpoint: https://127.0.0.1:${port}`,
        '    auth:',
        '      request: { method: GET, path: /v1/balance }',
        '      credentials: { type: bearer, token: { env: BENCH_TOKEN } }',
      );
    }
    const file = path.join(dir, 'fleet.yaml');
    writeFileSync(file, `${lines.join('\n')}\n`);
    const run = await runChild(
      process.execPath,
      ['--require', 'tsx/cjs', 'bench/fleet-child.ts', file],
      { BENCH_TOKEN: TOKEN },
      120_000,
    );
    const line = run.stdout.trim().split('\n').at(-1) ?? '';
    if (run.code !== 0 || !line.startsWith('{'))
      throw new Error(`fleet child failed: ${run.stderr.slice(-500)}`);
    const r = JSON.parse(line) as {
      at: Record<string, number>;
      classes: Record<string, string | null>;
      elapsedMs: number;
      budgetMs: number;
      maxRssKb: number;
      fdsBefore: number;
      fdsPeak: number;
      fdsAfter: number;
    };
    const names = Object.keys(r.at);
    const healthy = names.filter((n) => n.startsWith('healthy-'));
    const healthyAt = healthy.map((n) => r.at[n] as number);
    const healthyOk = healthy.filter((n) => r.classes[n] === null).length;
    const silentAt = names.filter((n) => n.startsWith('silent-')).map((n) => r.at[n] as number);
    const lastHealthy = Math.max(...healthyAt);
    const rssMb = r.maxRssKb / 1024;
    const pass =
      healthyOk === healthy.length &&
      lastHealthy <= 2000 &&
      r.elapsedMs <= r.budgetMs + 1000 &&
      rssMb <= 400 &&
      r.fdsPeak <= r.fdsBefore + total + 50 &&
      r.fdsAfter <= r.fdsBefore + 5;
    return {
      id: '7',
      title: 'fleet with silent processors',
      value:
        `${total} processors, ${silentCount} silent: ${healthyOk}/${healthy.length} healthy ok, the last healthy result at ` +
        `${Math.round(lastHealthy)} ms (p50 ${Math.round(quantile(healthyAt, 0.5))} ms), the first silent one at ` +
        `${Math.round(Math.min(...silentAt))} ms; the run ${round(r.elapsedMs / 1000, 2)} s (budget ${r.budgetMs / 1000} s); ` +
        `peak RSS ${Math.round(rssMb)} MB; file descriptors ${r.fdsBefore} before, ${r.fdsPeak} at the peak, ${r.fdsAfter} after`,
      target:
        'healthy results within 2 s, the run within budget + 1 s, RSS <= 400 MB, descriptors bounded and released',
      pass,
      data: {
        total,
        silentCount,
        lastHealthyMs: lastHealthy,
        healthyOk,
        ...r,
        at: undefined,
        classes: undefined,
      },
    };
  } finally {
    await Promise.all(endpoints.map((e) => e.close()));
    await silent?.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
