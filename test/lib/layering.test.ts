/**
 * The folder tells the layer, and imports point one way. lib/ is CDK only and reads nothing of the runtime
 * but lambdas/core (never a handler folder, the Lambda glue in lambdas/glue, the CLI or the testbed).
 * Inside lib/: the alarm policy (alarms/) is pure, the deploy policy (deploy/) builds on it and is pure too,
 * the function construct (function/) knows nothing of processors or alarms (only the runtime's deployment
 * defaults), and the constructs (constructs/) compose all three. bin/ reads the construct library through its entry point, lib/index.ts.
 */
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { REPO } from '../support/paths';

/** Every `.ts` file below a folder of the repository, as repository paths. */
function files(dir: string): string[] {
  return readdirSync(path.join(REPO, dir), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : [],
  );
}

/** What a file imports: repository paths for relative imports, package names otherwise. */
function importsOf(file: string): string[] {
  const text = readFileSync(path.join(REPO, file), 'utf8');
  return [...text.matchAll(/^(?:import|export)[^;]*?from '([^']+)';/gms)].map(([, spec]) => {
    const s = spec as string;
    return s.startsWith('.') ? path.join(path.dirname(file), s) : s;
  });
}

/**
 * Where each folder may import from: `prefix/` (a folder of the repository), `node:` (Node's own modules), a
 * package name (the package and its subpaths), or `=path` (exactly that module).
 */
const ALLOWED: Record<string, readonly string[]> = {
  'lib/alarms': ['lib/alarms/', 'lambdas/core/', 'node:'],
  'lib/deploy': ['lib/deploy/', 'lib/alarms/', 'lambdas/core/', 'node:'],
  'lib/function': ['lib/function/', 'lambdas/core/policy/', 'node:', 'aws-cdk-lib', 'constructs', 'esbuild'],
  'lib/constructs': ['lib/', 'lambdas/core/', 'node:', 'aws-cdk-lib', 'constructs'],
  lib: ['lib/', 'lambdas/core/'],
  bin: ['=lib', 'node:', 'aws-cdk-lib', 'cdk-nag'],
};

function allows(rule: string, target: string): boolean {
  if (rule.startsWith('=')) return target === rule.slice(1);
  if (rule.endsWith('/') || rule.endsWith(':')) return target.startsWith(rule);
  return target === rule || target.startsWith(`${rule}/`);
}

function breaches(file: string, imports = importsOf(file)): string[] {
  const folder = path.dirname(file);
  const rules = ALLOWED[folder];
  if (!rules) return [`${file}: no rule for ${folder}`];
  return imports.filter((t) => !rules.some((r) => allows(r, t))).map((t) => `${file} imports ${t}`);
}

test('lib/ and bin/ import only along the layers', () => {
  const all = [...files('lib'), ...files('bin')];
  expect(all).toContain('lib/index.ts');
  expect(all.flatMap((f) => breaches(f))).toEqual([]);
});

test('the check sees multi-line imports and each kind of breach', () => {
  expect(importsOf('lib/constructs/processor-monitor.ts')).toEqual(
    expect.arrayContaining([
      'lib/function/payprobe-function',
      'lambdas/core/contract/alarm-names',
      'aws-cdk-lib',
    ]),
  );
  expect(breaches('lib/alarms/x.ts', ['aws-cdk-lib/aws-cloudwatch', 'lib/deploy/validate'])).toEqual([
    'lib/alarms/x.ts imports aws-cdk-lib/aws-cloudwatch',
    'lib/alarms/x.ts imports lib/deploy/validate',
  ]);
  expect(breaches('lib/function/x.ts', ['lib/constructs/options'])).toHaveLength(1);
  expect(
    breaches('lib/constructs/x.ts', ['lambdas/probe/handler', 'lambdas/glue/cached-secrets']),
  ).toHaveLength(2);
  expect(breaches('bin/app.ts', ['lib/constructs/payprobe-app', 'lib'])).toEqual([
    'bin/app.ts imports lib/constructs/payprobe-app',
  ]);
});
