/**
 * probeMany: processors are probed concurrently, each result is delivered as soon as it is ready (a slow
 * processor never delays another's), and the returned array keeps the input order.
 */
import { performance } from 'node:perf_hooks';
import type { ProbeResult } from '../../../lambdas/core/contract/result';
import { probe, probeMany } from '../../../lambdas/core/engine/probe';
import { MAX_PROBES_IN_FLIGHT, probeWaves } from '../../../lambdas/core/policy/deployment';
import { Testbed } from '../../../testbed/servers';

let bed: Testbed;

beforeAll(async () => {
  bed = await Testbed.start();
  // The process's one-time warm-up (warm-up.ts) happens on its first probe: not what these tests time.
  await probe(await bed.processor('warm-up', await bed.start('healthy')), bed.deps());
});

afterAll(async () => {
  await bed.close();
});

describe('probeMany', () => {
  it('delivers fast results while a slow processor is still running, and returns results in input order', async () => {
    const { slow, silent, healthy, refused } = await bed.fleet({
      slow: { kind: 'slow', options: { delayMs: 700 } },
      silent: 'silent',
      healthy: 'healthy',
      refused: 'refused',
    });
    const configs = [
      await bed.processor('slow', slow, { timeoutMs: 2000 }),
      await bed.processor('silent', silent, { timeoutMs: 600 }),
      await bed.processor('healthy', healthy, { timeoutMs: 2000 }),
      await bed.processor('refused', refused, { timeoutMs: 2000 }),
    ];
    const t0 = performance.now();
    const seen: { name: string; at: number }[] = [];
    const results = await probeMany(configs, bed.deps(), {
      onResult: (r: ProbeResult) => seen.push({ name: r.processor, at: performance.now() - t0 }),
    });
    const elapsed = performance.now() - t0;

    expect(results.map((r) => [r.processor, r.class])).toEqual([
      ['slow', null],
      ['silent', 'TLS_HANDSHAKE_TIMEOUT'],
      ['healthy', null],
      ['refused', 'CONNECT_REFUSED'],
    ]);
    expect(seen.map((s) => s.name)).toEqual(['refused', 'healthy', 'silent', 'slow']);
    const at = Object.fromEntries(seen.map((s) => [s.name, s.at]));
    // The fast ones were delivered well before the silent one timed out (600 ms) and the slow one answered.
    expect(at.healthy).toBeLessThan((at.silent ?? 0) - 200);
    expect(at.refused).toBeLessThan((at.silent ?? 0) - 200);
    // Concurrent, not one after another: the whole run takes about as long as the slowest probe.
    expect(elapsed).toBeLessThan(700 + 600);
  });

  it('limits the probes in flight to `concurrency`', async () => {
    const slow = await bed.start('slow', { delayMs: 200 });
    const configs = await Promise.all(
      ['a', 'b', 'c', 'd'].map((n) => bed.processor(n, slow, { timeoutMs: 2000 })),
    );
    const t0 = performance.now();
    const results = await probeMany(configs, bed.deps(), { concurrency: 2 });
    const elapsed = performance.now() - t0;
    expect(results.map((r) => r.ok)).toEqual([true, true, true, true]);
    expect(elapsed).toBeGreaterThanOrEqual(390);
  });

  it('runs every processor of a config at once up to MAX_PROBES_IN_FLIGHT; the preflight sizes its timeout by the waves past it', () => {
    // Sockets: one per probe, two with an OAuth token endpoint on another host, under Lambda's 1,024 descriptors.
    expect(2 * MAX_PROBES_IN_FLIGHT).toBeLessThan(1024);
    expect(
      [1, MAX_PROBES_IN_FLIGHT, MAX_PROBES_IN_FLIGHT + 1, 3 * MAX_PROBES_IN_FLIGHT].map(probeWaves),
    ).toEqual([1, 1, 2, 3]);
  });

  it('returns an empty list for no processors', async () => {
    await expect(probeMany([], bed.deps())).resolves.toEqual([]);
  });
});
