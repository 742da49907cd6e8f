/**
 * `payprobe check` marks processors inside a maintenance window (their pages are held back; the probe runs as
 * usual): a `maintenance` object on the processor's JSON result, a note on stderr otherwise. The exit status is
 * the probes' own. The engine is a stand-in: the marking, not the probing, is under test.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { check } from '../../cli/commands/check';
import type { ManyEngine } from '../../lambdas/core/contract/engine';
import { capturedIo } from '../support/cli-capture';
import { failed, passed } from '../support/results';

const memIo = (cwd: string) => capturedIo({ cwd });

const engine: ManyEngine = async (processors, _deps, options) => {
  const results = processors.map((p) => (p.name === 'stripe' ? failed(p.name) : passed(p.name)));
  for (const r of results) options?.onResult?.(r);
  return results;
};

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'payprobe-maint-'));
  const minute = (offsetHours: number) =>
    new Date(Math.floor((Date.now() + offsetHours * 3600_000) / 60_000) * 60_000).toISOString();
  writeFileSync(
    path.join(dir, 'payprobe.yaml'),
    [
      'processors:',
      '  - { name: stripe, endpoint: https://api.stripe.com }',
      '  - { name: adyen, endpoint: https://api.adyen.com }',
      'maintenance:',
      `  - { processors: [stripe], start: "${minute(-1)}", end: "${minute(2)}", reason: Stripe certificate rotation }`,
      `  - { processors: [adyen], start: "${minute(5)}", end: "${minute(6)}", reason: later }`,
      '',
    ].join('\n'),
  );
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test('the JSON result of a processor in a window carries the window, its reason and its end', async () => {
  const io = memIo(dir);
  const code = await check({ json: true, processor: [] }, io, engine);
  const doc = JSON.parse(io.out()) as {
    results: { processor: string; maintenance?: Record<string, string> }[];
  };
  const stripe = doc.results.find((r) => r.processor === 'stripe');
  expect(stripe?.maintenance).toEqual({
    window: 'maintenance[0]',
    reason: 'Stripe certificate rotation',
    until: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
  });
  // adyen's window has not started.
  expect(doc.results.find((r) => r.processor === 'adyen')).not.toHaveProperty('maintenance');
  // The probe's verdict is unchanged: stripe failed.
  expect(code).toBe(1);
});

test('the plain output notes it on stderr, leaving stdout one line a processor', async () => {
  const io = memIo(dir);
  await check({ processor: [] }, io, engine);
  expect(io.err()).toMatch(
    /note: stripe is in a maintenance window \(maintenance\[0\]: Stripe certificate rotation\) until .*: its pages are held back/,
  );
  expect(io.err()).not.toContain('adyen is in');
  expect(io.out().trim().split('\n')).toHaveLength(2);
});
