/**
 * Generated configs of many processors, for the scale tests, the bench and the docs: N processors probed every 60 s
 * with a bearer token in Secrets Manager each (so every function's role has a secret of its own to read),
 * no extras. Written to a temporary file because the stack builds from a loaded config file.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

/** The name of generated processor `i` (0-based): `acquirer-001` … */
export function fleetProcessorName(i: number): string {
  return `acquirer-${String(i + 1).padStart(3, '0')}`;
}

/** The YAML of a config with `count` processors (names from fleetProcessorName, in order). */
export function fleetYaml(count: number, names: readonly string[] = []): string {
  const all = [...Array.from({ length: count }, (_, i) => fleetProcessorName(i)), ...names];
  const processors = all.map((name) =>
    [
      `  - name: ${name}`,
      `    endpoint: https://${name}.example.com`,
      '    auth:',
      `      credentials: { type: bearer, token: { secretsManager: payprobe/${name}/token } }`,
    ].join('\n'),
  );
  return [
    'defaults:',
    '  intervalSeconds: 60',
    'alerting:',
    '  critical:',
    '    - email: oncall@example.com',
    'processors:',
    ...processors,
    '',
  ].join('\n');
}

/** Writes the config to a temporary directory; `cleanup` removes it. */
export function writeFleetConfig(
  count: number,
  names: readonly string[] = [],
): { file: string; cleanup: () => void } {
  const dir = mkdtempSync(path.join(tmpdir(), 'payprobe-fleet-'));
  const file = path.join(dir, 'payprobe.yaml');
  writeFileSync(file, fleetYaml(count, names));
  return { file, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
