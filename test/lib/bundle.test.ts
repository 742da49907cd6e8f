/**
 * The one test that bundles for real: local esbuild (no Docker), as `cdk synth` does in this repository (an
 * app that installed the package copies the prebuilt handler instead: test/package/). Checks what goes to
 * Lambda: a minified CommonJS handler with its source map, and the processor's public CA file at the path
 * its `{ file }` reference names; and that the bundle tests, which build with PAYPROBE_ESBUILD_OPTIONS
 * (lib/function/bundling.ts) outside CDK, build the very same handler; and that esbuild runs once per
 * handler, however many assets carry it (the real esbuild, its calls counted).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { buildBundle } from '../support/bundle';
import { fixture, must, synthConfig } from '../support/cdk';

/** The entry point of every esbuild.buildSync call (real esbuild underneath). */
const mockEsbuildEntries: string[] = [];
jest.mock('esbuild', () => {
  const real = jest.requireActual<typeof import('esbuild')>('esbuild');
  return {
    ...real,
    buildSync: (options: Parameters<typeof real.buildSync>[0]) => {
      mockEsbuildEntries.push(...((options.entryPoints as string[] | undefined) ?? []));
      return real.buildSync(options);
    },
  };
});

const outdir = mkdtempSync(path.join(tmpdir(), 'payprobe-bundle-'));
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

// One real synthesis, bundled, shared by both tests.
const { app, stacks } = synthConfig(fixture('two-processors.yaml'), { bundle: true, outdir });
const assembly = app.synth();
const stack = must(stacks[0], 'the stack');
const template = assembly.getStackByName(stack.stackName).template as {
  Resources: Record<string, { Properties: { Code?: { S3Key?: string } } }>;
};

/** The staged asset of a monitor's function: cdk.out/asset.<hash>, where <hash>.zip is the function's S3 key. */
function assetDir(monitorIndex: number): string {
  const cfn = must(stack.monitors[monitorIndex], 'monitor').probeFunction.node.defaultChild as CfnFunction;
  const key = template.Resources[stack.getLogicalId(cfn)]?.Properties.Code?.S3Key ?? '';
  expect(key).toMatch(/^[0-9a-f]{64}\.zip$/);
  return path.join(outdir, `asset.${key.replace(/\.zip$/, '')}`);
}

test('each function is bundled with local esbuild: minified handler, source map, and its CA file', () => {
  const acme = assetDir(0);
  const js = readFileSync(path.join(acme, 'index.js'), 'utf8');
  // Minified: few, very long lines (an unminified bundle has tens of thousands of short ones, indented).
  const lines = js.split('\n');
  expect(lines.length).toBeLessThan(1000);
  expect(js.length / lines.length).toBeGreaterThan(1000);
  expect(lines.filter((l) => /^ {4}\S/.test(l)).length).toBeLessThan(100);
  expect(js).toMatch(/handler/);
  expect(js).toMatch(/\/\/# sourceMappingURL=index\.js\.map\s*$/);
  const map = JSON.parse(readFileSync(path.join(acme, 'index.js.map'), 'utf8')) as { sources: string[] };
  expect(map.sources.some((s) => s.endsWith('lambdas/probe/handler.ts'))).toBe(true);
  // The CA bundle (public) is where `{ file: certs/ca.pem }` resolves against /var/task.
  expect(readFileSync(path.join(acme, 'certs', 'ca.pem'), 'utf8')).toBe(
    readFileSync(fixture('certs/ca.pem'), 'utf8'),
  );

  // The bundle loads and exports the handler the function configuration names (index.handler).
  const loaded = require(path.join(acme, 'index.js')) as { handler?: unknown };
  expect(typeof loaded.handler).toBe('function');

  // fastpay has no file references: no certs directory in its asset.
  const fast = assetDir(1);
  expect(() => readFileSync(path.join(fast, 'certs', 'ca.pem'))).toThrow(/ENOENT/);
});

test('the bundle tests build the same handler as the stack: one set of esbuild options for both', async () => {
  const own = path.join(outdir, 'own-build');
  await buildBundle('probe', own);
  expect(
    readFileSync(path.join(own, 'index.js')).equals(readFileSync(path.join(assetDir(1), 'index.js'))),
  ).toBe(true);
});

test('esbuild runs once per handler: the two probe functions, with different files, copy one bundle', () => {
  const probe = path.join('lambdas', 'probe', 'handler.ts');
  expect(mockEsbuildEntries.filter((e) => e.endsWith(probe))).toHaveLength(1);
  expect(new Set(mockEsbuildEntries).size).toBe(mockEsbuildEntries.length);
  // Two assets (acme's carries its CA file, fastpay's does not), one bundle in both, source map included.
  expect(assetDir(0)).not.toBe(assetDir(1));
  for (const file of ['index.js', 'index.js.map']) {
    expect(
      readFileSync(path.join(assetDir(0), file)).equals(readFileSync(path.join(assetDir(1), file))),
    ).toBe(true);
  }
});
