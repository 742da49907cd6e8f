/**
 * `payprobe cost`: the monthly estimate of a config as JSON and as a table, per processor, region and shared
 * item, the sharded layout of a large config, and exit 2 with the config's messages when it is invalid.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { run } from '../../cli/main';
import type { CostEstimate } from '../../lambdas/core/cost/cost';
import { MAIN_STACK_PROCESSORS } from '../../lambdas/core/policy/sharding';
import { fleetYaml } from '../../testbed/generated-fleet';
import { capturedIo } from '../support/cli-capture';

const REPO = path.resolve(__dirname, '..', '..');

const memIo = (cwd: string) => capturedIo({ cwd });

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'payprobe-cost-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('payprobe cost', () => {
  it('prints one JSON estimate for the example config, per processor and in total', async () => {
    const io = memIo(REPO);
    const code = await run(['cost', '--config', 'payprobe.example.yaml', '--json'], io);
    expect(io.err()).toBe('');
    expect(code).toBe(0);
    const e = JSON.parse(io.out()) as CostEstimate;
    expect(e.currency).toBe('USD');
    expect(e.processors.map((p) => [p.processor, p.intervalSeconds])).toEqual([
      ['stripe', 60],
      ['paypal', 10],
    ]);
    const sum = e.processors.reduce((n, p) => n + p.usd, 0) + e.shared.usd;
    expect(e.totalUsd).toBeCloseTo(sum, 9);
    expect(e.synthetics.usdPerProcessor).toBeGreaterThan(0);
    expect(e.processors.every((p) => p.lines.length > 0 && p.usd > 0)).toBe(true);
  });

  it('prints a table with a row per processor, the shared items, the total and the Synthetics comparison', async () => {
    const io = memIo(REPO);
    const code = await run(['cost', '--config', 'payprobe.example.yaml'], io);
    expect(code).toBe(0);
    const text = io.out();
    const rows = text.split('\n');
    expect(rows.find((r) => r.startsWith('PROCESSOR'))).toMatch(/^PROCESSOR +INTERVAL +LAMBDA/);
    expect(rows.find((r) => r.startsWith('stripe '))).toMatch(/60 s .*\$\d+\.\d{2}$/);
    expect(rows.find((r) => r.startsWith('paypal '))).toMatch(/10 s .*\$\d+\.\d{2}$/);
    expect(rows.find((r) => r.startsWith('TOTAL'))).toMatch(/\$\d+\.\d{2}$/);
    expect(text).toContain('Synthetics canary');
    // The example's PayPal processor reuses its OAuth token: the rate the processor sees is stated.
    expect(text).toMatch(
      /OAuth token requests to the processor .*reused for up to 15 minutes\): paypal 4 an hour/,
    );
    expect(text).toMatch(/Assumptions/);
    // The publishing pattern the metrics line is priced from (lambdas/core/policy/publishing.ts).
    expect(text).toContain(
      'billed for the hours they receive data: Success, HandshakeFailure, AuthFailure, TotalTime, CertDaysToExpiry',
    );
    expect(text).toContain('the phase timings are in the probe log, not metrics');
    expect(text).not.toMatch(/sampled|DnsTime/);
  });

  it('multiplies by the regions in the config', async () => {
    const file = path.join(dir, 'regions.yaml');
    writeFileSync(
      file,
      'regions: [us-east-1, eu-west-1]\nprocessors:\n  - name: acme\n    endpoint: https://api.acme.example\n',
    );
    const io = memIo(dir);
    expect(await run(['cost', '--config', 'regions.yaml', '--json'], io)).toBe(0);
    const e = JSON.parse(io.out()) as CostEstimate;
    expect(e.regions).toEqual(['us-east-1', 'eu-west-1']);
    expect(e.processors[0]?.usd).toBeCloseTo(2 * (e.processors[0]?.usdPerRegion ?? 0), 9);
  });

  it('exits 2 and names the file and field of an invalid config', async () => {
    const file = path.join(dir, 'bad.yaml');
    writeFileSync(
      file,
      'processors:\n  - name: acme\n    endpoint: https://api.acme.example\n    intervalSeconds: 15\n',
    );
    const io = memIo(dir);
    expect(await run(['cost', '--config', file], io)).toBe(2);
    expect(io.out()).toBe('');
    expect(io.err()).toContain(file);
    expect(io.err()).toContain('processors[0].intervalSeconds');
  });

  it('exits 2 when the config file does not exist', async () => {
    const io = memIo(dir);
    expect(await run(['cost', '--config', 'missing.yaml'], io)).toBe(2);
    expect(io.err()).toContain('missing.yaml');
  });

  it('says how a 500-processor config is deployed: the main stack, the shards, the dashboards', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'payprobe-cost-'));
    try {
      writeFileSync(path.join(dir, 'payprobe.yaml'), fleetYaml(500));
      const io = memIo(dir);
      expect(await run(['cost'], io)).toBe(0);
      expect(io.out()).toContain(
        `stacks: the main stack (${MAIN_STACK_PROCESSORS} processors) and 32 shard stacks (${500 - MAIN_STACK_PROCESSORS} processors), 33 diagnose functions, 34 dashboards`,
      );
      expect(
        io
          .out()
          .split('\n')
          .filter((r) => r.startsWith('acquirer-')),
      ).toHaveLength(500);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
