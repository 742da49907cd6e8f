/**
 * `npm run build` (also `npm pack`/`npm publish` through `prepare`): the package's dist/.
 * - dist/lib/, dist/lambdas/core/: the construct library and the config API, compiled by tsc with type
 *   declarations (tsconfig.build.json: exactly the modules lib/index.ts and the config API import);
 * - dist/handlers/<name>/index.js (+ .map): each Lambda handler bundled with esbuild with the one bundling
 *   configuration (lib/function/bundling.ts), as aws-cdk-lib ships its custom-resource handlers: a
 *   consumer's `cdk synth` copies them, with no esbuild and no sources of ours;
 * - dist/cli/payprobe.mjs: the `payprobe` executable, bundled with esbuild with its dependencies (commander,
 *   yaml, zod, croner, the AWS SDK clients, the demo's certificate library): an ES module split into chunks, so a
 *   command loads only its own code and `payprobe --version` loads almost nothing (bench figure 9).
 * schema/payprobe.schema.json is committed (scripts/gen-schema.ts); the build checks it is current.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, renameSync, rmSync } from 'node:fs';
import * as path from 'node:path';
import { buildSync } from 'esbuild';
import {
  handlerEntry,
  PAYPROBE_ESBUILD_OPTIONS,
  PAYPROBE_HANDLERS,
  prebuiltHandlerDir,
} from '../lib/function/bundling';

const ROOT = path.join(__dirname, '..');
const DIST = path.join(ROOT, 'dist');

/**
 * The CLI bundle: Node 20 (the package's engines), ESM chunks (esbuild splits only ES modules), without
 * whitespace but with its names (a stack trace stays readable). The banner gives bundled CommonJS code the `require`, `__filename` and
 * `__dirname` an ES module lacks.
 */
export const CLI_BUNDLE_OPTIONS = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  splitting: true,
  entryNames: '[name]',
  chunkNames: 'chunks/[name]-[hash]',
  outExtension: { '.js': '.mjs' },
  minifyWhitespace: true,
  minifySyntax: true,
  legalComments: 'none',
  logLevel: 'warning',
  banner: {
    js: [
      "import { createRequire as __payprobeRequire } from 'node:module';",
      "import { fileURLToPath as __payprobePath } from 'node:url';",
      'const require = __payprobeRequire(import.meta.url);',
      'const __filename = __payprobePath(import.meta.url);',
      "const __dirname = __payprobePath(new URL('.', import.meta.url));",
    ].join(' '),
  },
} as const;

/** The executable in the package (package.json `bin`). */
export const CLI_BIN = 'dist/cli/payprobe.mjs';

function step(what: string, run: () => void): void {
  const started = Date.now();
  run();
  process.stdout.write(`build: ${what} (${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
}

/** The CLI bundle into `<dist>/cli`: payprobe.mjs and its chunks (the bench builds just this, into dist/). */
export function buildCli(dist = DIST): void {
  rmSync(path.join(dist, 'cli'), { recursive: true, force: true });
  buildSync({
    ...CLI_BUNDLE_OPTIONS,
    entryPoints: [path.join(ROOT, 'cli', 'payprobe.ts')],
    outdir: path.join(dist, 'cli'),
  });
  chmodSync(path.join(dist, 'cli', path.basename(CLI_BIN)), 0o755);
}

/**
 * Everything, built into a directory of its own and then swapped for dist/: a failed build leaves the
 * previous dist/ as it was, and whatever runs from dist/ meanwhile (the CLI, a linked app) never sees it
 * half-built.
 */
export function build(): void {
  const next = path.join(ROOT, `.dist-build-${process.pid}`);
  rmSync(next, { recursive: true, force: true });
  try {
    step('schema/payprobe.schema.json is current', () => {
      execFileSync(
        process.execPath,
        ['--import', 'tsx', path.join(ROOT, 'scripts', 'gen-schema.ts'), '--check'],
        { cwd: ROOT, stdio: 'inherit' },
      );
    });
    step('tsc: dist/lib, dist/lambdas/core with declarations', () => {
      execFileSync(
        process.execPath,
        [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json', '--outDir', next],
        { cwd: ROOT, stdio: 'inherit' },
      );
    });
    step(`esbuild: dist/handlers/{${PAYPROBE_HANDLERS.join(',')}}`, () => {
      for (const handler of PAYPROBE_HANDLERS) {
        buildSync({
          ...PAYPROBE_ESBUILD_OPTIONS,
          entryPoints: [handlerEntry(handler)],
          outfile: path.join(prebuiltHandlerDir(handler, next), 'index.js'),
          logLevel: 'warning',
        });
      }
    });
    step(`esbuild: ${CLI_BIN} and its chunks`, () => buildCli(next));
    const previous = `${next}-previous`;
    if (existsSync(DIST)) renameSync(DIST, previous);
    renameSync(next, DIST);
    rmSync(previous, { recursive: true, force: true });
  } finally {
    rmSync(next, { recursive: true, force: true });
  }
}

if (require.main === module) build();
