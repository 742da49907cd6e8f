/**
 * How every payprobe Lambda is built: the one bundling configuration, and where a function's code comes
 * from. The handlers are bundled with esbuild using PAYPROBE_ESBUILD_OPTIONS, either when the package is
 * built (scripts/build.ts writes dist/handlers/<name>/index.js, the way aws-cdk-lib ships its own
 * custom-resource handlers) or, in this repository, at synth time from lambdas/<name>/handler.ts. A
 * consumer's synth therefore needs neither esbuild nor our sources. Either way the function's asset is
 * staged by PayProbeLocalBundling: the handler's index.js (and source map) plus the processor's public
 * `{ file }` files and any generated file, in one directory that `Code.fromAsset` zips. esbuild runs once
 * per handler entry per synth (HandlerBundleCache): 500 processors make 34 distinct assets of three handlers.
 */
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { AssetHashType, DockerImage, type ILocalBundling } from 'aws-cdk-lib';
import { Architecture, Code, Runtime } from 'aws-cdk-lib/aws-lambda';

/** The Lambda handlers of payprobe: `lambdas/<name>/handler.ts`, each exporting `handler`. */
export const PAYPROBE_HANDLERS = ['probe', 'diagnose', 'preflight'] as const;
export type PayProbeHandler = (typeof PAYPROBE_HANDLERS)[number];

/** The name every handler module exports (the function's handler is `index.<this>`). */
export const HANDLER_EXPORT = 'handler';

/** The runtime every payprobe function is built and tested for (esbuild target node22). */
export const PAYPROBE_RUNTIME = Runtime.NODEJS_22_X;

/** Graviton: the same Node.js code, cheaper per GB-second. */
export const PAYPROBE_ARCHITECTURE = Architecture.ARM_64;

/** Environment every payprobe function gets: stack traces point into the TypeScript sources. */
export const PAYPROBE_FUNCTION_ENVIRONMENT: Readonly<Record<string, string>> = {
  NODE_OPTIONS: '--enable-source-maps',
};

/**
 * The esbuild options of every payprobe handler, in esbuild's own terms (a subset of its BuildOptions,
 * spelt out here so the package's type declarations do not need esbuild). Add `entryPoints` and `outfile`.
 */
export interface PayProbeEsbuildOptions {
  /** One file with every dependency inlined. */
  readonly bundle: true;
  /** Node.js built-ins stay imports. */
  readonly platform: 'node';
  /** The Lambda runtime's Node.js version. */
  readonly target: string;
  /** CommonJS, as Lambda's `index.handler` loads it. */
  readonly format: 'cjs';
  /** Minified: smaller package, faster cold start. */
  readonly minify: boolean;
  /** Writes index.js.map beside the bundle. */
  readonly sourcemap: boolean;
  /** Whether the map carries the sources (it does not: file and line are enough). */
  readonly sourcesContent: boolean;
  /** Package entry fields, in order of preference. */
  readonly mainFields: string[];
  /** Packages left out of the bundle. */
  readonly external: string[];
  /** Imports replaced by another module (an absolute path, resolved as esbuild resolves an import). */
  readonly alias: Readonly<Record<string, string>>;
}

/**
 * The module the Lambda bundles take their AWS credentials from, in place of the SDK's default chain
 * (lambda-credentials.ts of the Lambda glue, two folders up from here; the package build compiles it to the
 * same place under dist/). Without an extension: esbuild picks the .ts source or the compiled .js.
 */
const LAMBDA_CREDENTIALS = path.join(__dirname, '..', '..', 'lambdas', 'glue', 'lambda-credentials');

/** The one bundling configuration: the package build, synth from source, the bundle tests and the bench. */
export const PAYPROBE_ESBUILD_OPTIONS: PayProbeEsbuildOptions = {
  bundle: true,
  platform: 'node',
  target: 'node22',
  format: 'cjs',
  minify: true,
  // An external map, small: file and line numbers are what a stack trace needs.
  sourcemap: true,
  sourcesContent: false,
  mainFields: ['module', 'main'],
  // The AWS SDK is bundled: the versions tested here are the versions that run (see docs/deploy.md).
  external: [],
  // A Lambda's credentials are in its environment: the SDK's full default chain (SSO, INI, process, web
  // identity, container; about 100 KB) is replaced by the environment provider (docs/performance.md, figure 4).
  alias: { '@aws-sdk/credential-provider-node': LAMBDA_CREDENTIALS },
};

/** The file names a handler's bundle consists of. */
export const BUNDLE_FILES = ['index.js', 'index.js.map'] as const;

/** Where this module sits: lib/function/ in the repository, dist/lib/function/ in the package. */
const HERE = __dirname;

/** The repository root (lambdas/ sits next to lib/): the handlers' sources. */
const SOURCE_ROOT = path.join(HERE, '..', '..');

/** The source file of a payprobe handler in this repository (not shipped in the package). */
export function handlerEntry(handler: PayProbeHandler): string {
  return path.join(SOURCE_ROOT, 'lambdas', handler, 'handler.ts');
}

/**
 * The directory of a prebuilt handler: `dist/handlers/<name>` of the package. `distDir` is the package's
 * dist/ (where the compiled lib/ lives); from the compiled module it is two levels up.
 */
export function prebuiltHandlerDir(handler: PayProbeHandler, distDir = path.join(HERE, '..', '..')): string {
  return path.join(distDir, 'handlers', handler);
}

/**
 * True when this module runs compiled (the installed package): the handlers are then the prebuilt ones.
 * From TypeScript sources (tsx, ts-jest: this repository) the handlers are bundled from source at synth.
 */
export const RUNS_COMPILED = __filename.endsWith('.js');

/** A file on the synthesizing machine, copied into the bundle. */
export interface BundleFile {
  /** Absolute path on the machine running `cdk synth`. */
  readonly source: string;
  /** Path inside the bundle (relative, forward slashes). */
  readonly bundlePath: string;
}

/** A file written at bundling time and copied into the bundle. */
export interface GeneratedFile {
  /** Path inside the bundle (relative, forward slashes). */
  readonly bundlePath: string;
  /** The file's content. */
  readonly content: string;
}

/** Where a function's handler comes from. */
export type HandlerSource =
  /** A prebuilt bundle: a directory with index.js and index.js.map. */
  | { readonly kind: 'prebuilt'; readonly dir: string }
  /** A TypeScript or JavaScript module exporting `handler`, bundled with esbuild at synth time. */
  | { readonly kind: 'source'; readonly entry: string };

/**
 * The handler source of a payprobe function: `entry` when given (bundled with esbuild at synth: the
 * synthesizing machine needs esbuild), else the prebuilt handler when this module runs compiled, else the
 * handler's source in this repository.
 */
export function handlerSource(handler: PayProbeHandler, entry?: string): HandlerSource {
  if (entry !== undefined) return { kind: 'source', entry };
  if (RUNS_COMPILED) return { kind: 'prebuilt', dir: prebuiltHandlerDir(handler) };
  return { kind: 'source', entry: handlerEntry(handler) };
}

/**
 * Stages a function's asset in the directory CDK gives it: the handler (copied when prebuilt, bundled with
 * esbuild otherwise), then the files and generated files at their bundle paths. Runs only when the stack
 * is bundled (`cdk synth` skips it for stacks excluded with `aws:cdk:bundling-stacks`). Its public fields
 * are part of CDK's asset cache key, so two functions with different files never share a staged asset.
 */
export class PayProbeLocalBundling implements ILocalBundling {
  constructor(
    readonly source: HandlerSource,
    readonly files: readonly BundleFile[],
    readonly generated: readonly GeneratedFile[],
  ) {}

  tryBundle(outputDir: string): boolean {
    if (this.source.kind === 'prebuilt') {
      for (const name of BUNDLE_FILES) {
        const from = path.join(this.source.dir, name);
        if (!existsSync(from)) {
          throw new Error(
            `payprobe: the prebuilt handler ${from} is missing: the package was built without its handlers (npm run build)`,
          );
        }
        copyFileSync(from, path.join(outputDir, name));
      }
    } else {
      const built = handlerBundles.bundle(this.source.entry, outputDir);
      for (const name of BUNDLE_FILES) copyFileSync(path.join(built, name), path.join(outputDir, name));
    }
    for (const f of this.files) {
      const dest = bundleFile(outputDir, f.bundlePath);
      mkdirSync(path.dirname(dest), { recursive: true });
      copyFileSync(f.source, dest);
    }
    for (const g of this.generated) {
      const dest = bundleFile(outputDir, g.bundlePath);
      mkdirSync(path.dirname(dest), { recursive: true });
      writeFileSync(dest, g.content);
    }
    return true;
  }
}

/** A Docker image that is never pulled: PayProbeLocalBundling always bundles locally. */
const NO_DOCKER = DockerImage.fromRegistry('payprobe-bundles-locally');

/**
 * The code of a payprobe function: an asset directory staged by PayProbeLocalBundling, hashed by its
 * output (the same handler and files give the same asset, whichever way the handler was built).
 */
export function payProbeCode(
  source: HandlerSource,
  files: readonly BundleFile[],
  generated: readonly GeneratedFile[],
): Code {
  const dir = source.kind === 'prebuilt' ? source.dir : path.dirname(source.entry);
  return Code.fromAsset(dir, {
    assetHashType: AssetHashType.OUTPUT,
    bundling: { image: NO_DOCKER, local: new PayProbeLocalBundling(source, files, generated) },
  });
}

/** The name of a handler's build directory (HandlerBundleCache), then a hash of the entry and the process id. */
export const HANDLER_BUILD_DIR_PREFIX = 'payprobe-handler-';

/**
 * The handler bundles of this process: esbuild runs once per handler entry and asset directory (a CDK outdir,
 * or a Stage's), and every asset of that handler copies the result. Each bundle is built in a directory beside
 * the asset directories CDK stages into (`<outdir>/payprobe-handler-<hash>-<pid>`, as deep as CDK's own
 * `bundling-temp-*`), so the source map's relative paths, and with them the asset hashes, are those of a bundle
 * built in place. Nothing is reused across processes (the sources may have changed); the directories are
 * removed when the process exits.
 */
export class HandlerBundleCache {
  private readonly built = new Map<string, string>();

  /**
   * The directory holding the bundle (BUNDLE_FILES) of `entry` for an asset staged in `outputDir`: built
   * with esbuild the first time, the same directory afterwards.
   */
  bundle(entry: string, outputDir: string): string {
    const stagingDir = path.dirname(path.resolve(outputDir));
    const key = `${stagingDir}\0${path.resolve(entry)}`;
    const known = this.built.get(key);
    if (known !== undefined && BUNDLE_FILES.every((f) => existsSync(path.join(known, f)))) return known;
    const hash = createHash('sha256').update(key).digest('hex').slice(0, 16);
    // The process id keeps two synths into one outdir apart (same depth: the source map is the same).
    const dir = path.join(stagingDir, `${HANDLER_BUILD_DIR_PREFIX}${hash}-${process.pid}`);
    // Built under a temporary name and renamed: a failed build leaves nothing that looks like a bundle.
    const partial = `${dir}.partial`;
    rmSync(partial, { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
    removeAtExit(dir);
    removeAtExit(partial);
    mkdirSync(partial, { recursive: true });
    esbuildSync(entry, path.join(partial, 'index.js'));
    renameSync(partial, dir);
    this.built.set(key, dir);
    return dir;
  }
}

/** The process's handler bundles (PayProbeLocalBundling's). */
const handlerBundles = new HandlerBundleCache();

/** Directories removed when the process exits (one exit listener for all). */
const removedAtExit = new Set<string>();

function removeAtExit(dir: string): void {
  if (removedAtExit.size === 0) {
    process.once('exit', () => {
      for (const d of removedAtExit) rmSync(d, { recursive: true, force: true });
    });
  }
  removedAtExit.add(dir);
}

/** Bundles `entry` into `outfile` with PAYPROBE_ESBUILD_OPTIONS; esbuild is loaded only here. */
function esbuildSync(entry: string, outfile: string): void {
  let esbuild: { buildSync(options: object): unknown };
  try {
    esbuild = require('esbuild') as typeof esbuild;
  } catch {
    throw new Error(
      `payprobe: bundling ${entry} needs esbuild on the synthesizing machine: npm install --save-dev esbuild`,
    );
  }
  esbuild.buildSync({ ...PAYPROBE_ESBUILD_OPTIONS, entryPoints: [entry], outfile, logLevel: 'warning' });
}

function bundleFile(outputDir: string, bundlePath: string): string {
  return path.join(outputDir, ...bundlePath.split('/'));
}
