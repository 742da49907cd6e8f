/**
 * Preset names are looked up among the presets only: names that Object.prototype carries (`constructor`,
 * `toString`, `__proto__`, ...) are unknown presets like any other, config errors with the list of presets,
 * and a near miss gets a did-you-mean. Through the real loader, the audit and the CLI.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { CliIo } from '../../../cli/io';
import { run } from '../../../cli/main';
import { audit } from '../../../lambdas/core/audit';
import { ConfigError, type ConfigIssue, parseConfig } from '../../../lambdas/core/config/load';
import { PRESET_NAMES, presetNamed } from '../../../lambdas/core/config/presets';

const FILE = '/etc/payprobe/payprobe.yaml';

function withPreset(preset: string): string {
  return [
    'processors:',
    '  - name: a',
    `    preset: ${JSON.stringify(preset)}`,
    '    auth: { credentials: { type: bearer, token: { env: TOKEN } } }',
    '',
  ].join('\n');
}

function issuesOf(text: string): ConfigIssue[] {
  try {
    parseConfig(text, FILE);
  } catch (err) {
    if (err instanceof ConfigError) return [...err.issues];
    throw err;
  }
  throw new Error('expected a ConfigError, but the config was accepted');
}

const PROTOTYPE_NAMES = [
  'constructor',
  'toString',
  '__proto__',
  'hasOwnProperty',
  'valueOf',
  'isPrototypeOf',
  '__defineGetter__',
];

describe('preset lookup', () => {
  it.each(PROTOTYPE_NAMES)('%s is an unknown preset: a config error listing the presets', (name) => {
    expect(presetNamed(name)).toBeUndefined();
    expect(issuesOf(withPreset(name))).toEqual([
      {
        file: FILE,
        path: 'processors[0].preset',
        message: `unknown preset "${name}": expected one of ${PRESET_NAMES.join(', ')}`,
      },
    ]);
  });

  it.each([
    ['strpe', 'stripe'],
    ['Stripe', 'stripe'],
    ['paypall', 'paypal'],
    ['checkout', 'checkout-com'],
    ['mpesa', 'mpesa-daraja'],
  ])('"%s" gets a did-you-mean "%s"', (typo, meant) => {
    const [issue] = issuesOf(withPreset(typo));
    expect(issue?.path).toBe('processors[0].preset');
    expect(issue?.message).toBe(
      `unknown preset "${typo}": expected one of ${PRESET_NAMES.join(', ')} (did you mean "${meant}"?)`,
    );
  });

  it('finds every real preset', () => {
    for (const name of PRESET_NAMES) expect(presetNamed(name)).toBeDefined();
  });

  it('the CLI exits 2 with the message, no internal error', async () => {
    const err: string[] = [];
    const io: CliIo = {
      stdout: { write: () => undefined },
      stderr: { write: (s: string) => err.push(s) },
      cwd: '/',
      env: {},
    };
    const dir = mkdtempSync(path.join(tmpdir(), 'payprobe-preset-'));
    try {
      const file = path.join(dir, 'payprobe.yaml');
      writeFileSync(file, withPreset('constructor'));
      expect(await run(['cost', '--config', file], io)).toBe(2);
      expect(err.join('')).toContain(`${file}: processors[0].preset: unknown preset "constructor"`);
      expect(err.join('')).not.toMatch(/internal error|TypeError/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the audit never takes a prototype member for a preset (a config built in code, not loaded)', async () => {
    const config = parseConfig(withPreset('stripe'), FILE);
    for (const name of PROTOTYPE_NAMES) {
      const processors = config.processors.map((p) => ({ ...p, preset: name }));
      const report = await audit({ ...config, processors }, { deployed: false });
      expect(report.findings.map((f) => f.rule)).not.toContain('preset-unverified');
    }
  });
});
