/**
 * probeMany over a real fleet on loopback: 300 processors of which 100 never answer the handshake. No silent
 * processor may hold up a healthy one: every healthy result arrives before the first silent one times out,
 * the run ends within one budget, and every socket is released afterwards. The figures for this case
 * (healthy results within 2 s, the run within budget + 1 s, RSS) are measured by the bench (`npm run bench`,
 * figure 7).
 */
import { readdirSync } from 'node:fs';
import type { ProcessorConfig } from '../../../lambdas/core/config/load';
import type { ProbeResult } from '../../../lambdas/core/contract/result';
import { probeMany } from '../../../lambdas/core/engine/probe';
import { Testbed } from '../../../testbed/servers';

const TIMEOUT_MS = 3000;
const BUDGET_MS = 6000;

let bed: Testbed;

beforeAll(async () => {
  bed = await Testbed.start();
});

afterAll(async () => {
  await bed.close();
});

const openFds = () => readdirSync('/proc/self/fd').length;

async function settledFds(baseline: number): Promise<number> {
  // Sockets close asynchronously after the run: give them a moment.
  for (let i = 0; i < 50 && openFds() > baseline; i++) await new Promise((r) => setTimeout(r, 20));
  return openFds();
}

test('300 processors, 100 of them silent: every healthy result comes before any silent one, the run within one budget', async () => {
  // The healthy ones speak plain HTTP, so that 200 of them cost this one process (servers included) almost no
  // CPU even on a busy machine: what is tested is the scheduling. Figure 7 of the bench runs the same case
  // over TLS, with the servers in another process.
  const { a, b, c, d, silent } = await bed.fleet({
    a: 'plaintext',
    b: 'plaintext',
    c: 'plaintext',
    d: 'plaintext',
    silent: 'silent',
  });
  const healthy = [a, b, c, d];
  const configs: ProcessorConfig[] = [];
  // The silent ones first: a fixed pool of workers (32 before) fills up with them, and the healthy ones wait.
  for (let i = 0; i < 300; i++) {
    const quiet = i < 100;
    const sim = quiet ? silent : (healthy[i % 4] ?? silent);
    const config = await bed.processor(
      quiet ? `silent-${i}` : `healthy-${i}`,
      quiet ? sim : `http://127.0.0.1:${sim.port}`,
      {
        timeoutMs: TIMEOUT_MS,
        budgetMs: BUDGET_MS,
        credentials: 'none',
        trustTestbedCa: false,
        ...(quiet ? { request: null } : {}),
      },
    );
    configs.push(config);
  }
  const baseline = openFds();
  const t0 = performance.now();
  const at = new Map<string, number>();
  const results = await probeMany(configs, bed.deps(), {
    onResult: (r: ProbeResult) => at.set(r.processor, performance.now() - t0),
  });
  const elapsed = performance.now() - t0;

  const healthyResults = results.filter((r) => r.processor.startsWith('healthy-'));
  expect(healthyResults.every((r) => r.http?.status === 200)).toBe(true);
  const silentResults = results.filter((r) => r.processor.startsWith('silent-'));
  expect(healthyResults).toHaveLength(200);
  expect(healthyResults.filter((r) => !r.ok).map((r) => `${r.processor}: ${r.class} ${r.detail}`)).toEqual(
    [],
  );
  expect(new Set(silentResults.map((r) => r.class))).toEqual(new Set(['TLS_HANDSHAKE_TIMEOUT']));
  // Input order kept.
  expect(results.map((r) => r.processor)).toEqual(configs.map((c) => c.name));

  const lastHealthy = Math.max(...healthyResults.map((r) => at.get(r.processor) ?? Number.POSITIVE_INFINITY));
  const firstSilent = Math.min(...silentResults.map((r) => at.get(r.processor) ?? 0));
  // No healthy result waited for a silent processor: all came before the first silent timeout. (With a pool
  // of 32, healthy processors queued behind silent ones came after several timeouts.)
  expect(lastHealthy).toBeLessThan(firstSilent);
  // The silent ones ran side by side: the whole run took about one timeout, within one budget.
  expect(elapsed).toBeLessThan(BUDGET_MS);
  // Every socket of the run is closed again.
  expect(await settledFds(baseline)).toBeLessThanOrEqual(baseline + 5);
}, 40_000);
