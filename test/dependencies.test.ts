/**
 * The dependency direction of the layout (README design notes), enforced by reading every import of every
 * source file with TypeScript's own pre-processor (static, dynamic, `export ... from`, require, type-only):
 * - lambdas/core/ is the shared runtime: it never imports lambdas/glue, a handler, the CLI, the testbed,
 *   lib/ or the scripts around them;
 * - a handler (lambdas/probe|diagnose|preflight) never imports another handler, the CLI, lib/ or the testbed;
 * - lambdas/glue/ is Lambda glue below the handlers: it imports core only;
 * - lib/ (CDK) and the CLI never import a handler or lambdas/glue;
 * - nothing under lambdas/ imports the CDK (aws-cdk-lib, constructs, cdk-nag): it would ship in a bundle.
 */
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as ts from 'typescript';
import { REPO } from './support/paths';

const ROOTS = ['lambdas', 'lib', 'bin', 'cli', 'testbed', 'bench', 'scripts'];
const CDK_PACKAGES = ['aws-cdk-lib', 'constructs', 'cdk-nag'];

/** The layer of a repository path: core, glue, handler:<name>, or its top folder. */
function layerOf(file: string): string {
  const parts = file.split('/');
  if (parts[0] !== 'lambdas') return parts[0] ?? file;
  if (parts[1] === 'core' || parts[1] === 'glue') return parts[1];
  return `handler:${parts[1]}`;
}

/** Which layers (and packages) each layer must not import; `handler:*` stands for every other handler. */
const FORBIDDEN: Record<string, readonly string[]> = {
  core: ['glue', 'handler:*', 'cli', 'lib', 'bin', 'testbed', 'bench', 'scripts', ...CDK_PACKAGES],
  glue: ['handler:*', 'cli', 'lib', 'bin', 'testbed', 'bench', 'scripts', ...CDK_PACKAGES],
  handler: ['handler:*', 'cli', 'lib', 'bin', 'testbed', 'bench', 'scripts', ...CDK_PACKAGES],
  lib: ['handler:*', 'glue', 'cli', 'testbed', 'bench', 'scripts'],
  cli: ['handler:*', 'glue', 'lib', 'bin', 'bench', 'scripts'],
};

interface Edge {
  readonly from: string;
  /** A repository path, or a package name. */
  readonly to: string;
  readonly external: boolean;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(path.join(REPO, dir), { withFileTypes: true }).flatMap((e) => {
    const rel = `${dir}/${e.name}`;
    if (e.isDirectory()) return e.name === 'node_modules' ? [] : sourceFiles(rel);
    return /\.(ts|js)$/.test(e.name) && !e.name.endsWith('.d.ts') ? [rel] : [];
  });
}

function edgesOf(file: string): Edge[] {
  const text = readFileSync(path.join(REPO, file), 'utf8');
  return ts.preProcessFile(text, true, true).importedFiles.map(({ fileName }) => {
    if (!fileName.startsWith('.')) {
      const [scope, name] = fileName.split('/');
      const pkg = scope?.startsWith('@') ? `${scope}/${name}` : (scope ?? fileName);
      return { from: file, to: pkg, external: true };
    }
    const target = path.relative(REPO, path.resolve(path.dirname(path.join(REPO, file)), fileName));
    return { from: file, to: target.split(path.sep).join('/'), external: false };
  });
}

function violation(edge: Edge): string | undefined {
  const from = layerOf(edge.from);
  const rules = FORBIDDEN[from.startsWith('handler:') ? 'handler' : from] ?? [];
  const to = edge.external ? edge.to : layerOf(edge.to);
  const forbidden = rules.some((rule) =>
    rule === 'handler:*' ? to.startsWith('handler:') && to !== from : rule === to,
  );
  return forbidden ? `${edge.from} imports ${edge.to} (${from} must not depend on ${to})` : undefined;
}

const edges = ROOTS.flatMap(sourceFiles).flatMap(edgesOf);

test('the scanner sees the imports it judges (a scanner that finds nothing would pass anything)', () => {
  const seen = (from: string, to: string) => edges.some((e) => e.from === from && e.to === to);
  expect(seen('lambdas/probe/handler.ts', 'lambdas/core/engine/probe')).toBe(true);
  expect(seen('lambdas/probe/handler.ts', 'lambdas/glue/aws-clients')).toBe(true);
  expect(seen('lib/constructs/processor-monitor.ts', 'aws-cdk-lib')).toBe(true);
  expect(seen('cli/commands/check.ts', 'lambdas/core/engine/probe')).toBe(true);
  // A violation is reported as one: a core module importing a handler, a handler another handler.
  expect(violation({ from: 'lambdas/core/cost/cost.ts', to: 'lambdas/probe/run', external: false })).toMatch(
    /core must not depend on handler:probe/,
  );
  expect(
    violation({ from: 'lambdas/diagnose/diagnose.ts', to: 'lambdas/probe/run', external: false }),
  ).toMatch(/handler:diagnose must not depend on handler:probe/);
  expect(
    violation({ from: 'lambdas/probe/handler.ts', to: 'lambdas/probe/run', external: false }),
  ).toBeUndefined();
});

test('dependencies point one way: core <- shared <- handlers; lib and the CLI never import a handler', () => {
  expect(edges.flatMap((e) => violation(e) ?? [])).toEqual([]);
});
