/**
 * How every payprobe Lambda is built: the one bundling configuration. PayProbeFunction hands
 * PAYPROBE_BUNDLING to NodejsFunction (local esbuild, no Docker). The bundle tests and the benchmark, which
 * build without CDK, use PAYPROBE_ESBUILD_OPTIONS: the same options in esbuild's own terms, translated the way
 * NodejsFunction's local bundling translates them into esbuild flags (aws-lambda-nodejs/lib/bundling.ts), so
 * they build what the stack deploys. test/lib/bundle.test.ts holds the translation to account: both builds
 * of the probe handler are the same bytes.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Architecture, Runtime } from 'aws-cdk-lib/aws-lambda';
import { type BundlingOptions, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { BuildOptions, Format } from 'esbuild';

/** The Lambda handlers of payprobe: `lambdas/<name>/handler.ts`, each exporting `handler`. */
export const PAYPROBE_HANDLERS = ['probe', 'diagnose', 'preflight'] as const;
export type PayProbeHandler = (typeof PAYPROBE_HANDLERS)[number];

/** The name every handler module exports (the function's handler is `index.<this>`). */
export const HANDLER_EXPORT = 'handler';

/** The repository root: lambdas/ sits next to lib/. */
const ROOT = path.join(__dirname, '..', '..');

/** The source file of a payprobe handler in this repository. */
export function handlerEntry(handler: PayProbeHandler): string {
  return path.join(ROOT, 'lambdas', handler, 'handler.ts');
}

/** The runtime every payprobe function is built and tested for (esbuild target node22). */
export const PAYPROBE_RUNTIME = Runtime.NODEJS_22_X;

/** Graviton: the same Node.js code, cheaper per GB-second. */
export const PAYPROBE_ARCHITECTURE = Architecture.ARM_64;

/** Environment every payprobe function gets: stack traces point into the TypeScript sources. */
export const PAYPROBE_FUNCTION_ENVIRONMENT: Readonly<Record<string, string>> = {
  NODE_OPTIONS: '--enable-source-maps',
};

/** The options of NodejsFunction's bundling that payprobe sets, all of them. */
type PayProbeBundling = Readonly<
  Required<
    Pick<
      BundlingOptions,
      | 'forceDockerBundling'
      | 'minify'
      | 'sourceMap'
      | 'sourcesContent'
      | 'target'
      | 'format'
      | 'mainFields'
      | 'bundleAwsSDK'
    >
  >
>;

/** The esbuild options of every payprobe function, as NodejsFunction takes them. */
export const PAYPROBE_BUNDLING: PayProbeBundling = {
  // Local esbuild (a dependency): no Docker needed to synthesize.
  forceDockerBundling: false,
  minify: true,
  sourceMap: true,
  // Keep the map small: file and line numbers are what a stack trace needs.
  sourcesContent: false,
  target: 'node22',
  format: OutputFormat.CJS,
  mainFields: ['module', 'main'],
  // Bundle the AWS SDK: the versions tested here are the versions that run (see docs/deploy.md).
  bundleAwsSDK: true,
};

const ESBUILD_FORMAT: Readonly<Record<OutputFormat, Format>> = {
  [OutputFormat.CJS]: 'cjs',
  [OutputFormat.ESM]: 'esm',
};

/**
 * PAYPROBE_BUNDLING as esbuild build options, flag for flag as NodejsFunction passes them to esbuild
 * (`--bundle --platform=node --target --format --minify --sourcemap --sources-content --main-fields`, and
 * `--external:@aws-sdk/*` unless the SDK is bundled). Add `entryPoints` and `outfile`.
 */
export const PAYPROBE_ESBUILD_OPTIONS: Readonly<BuildOptions> = {
  bundle: true,
  platform: 'node',
  target: PAYPROBE_BUNDLING.target,
  format: ESBUILD_FORMAT[PAYPROBE_BUNDLING.format],
  minify: PAYPROBE_BUNDLING.minify,
  sourcemap: PAYPROBE_BUNDLING.sourceMap,
  sourcesContent: PAYPROBE_BUNDLING.sourcesContent,
  mainFields: [...PAYPROBE_BUNDLING.mainFields],
  external: PAYPROBE_BUNDLING.bundleAwsSDK ? [] : ['@aws-sdk/*'],
};

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

/**
 * PAYPROBE_BUNDLING with the commands that copy files into the bundle after esbuild. Generated files are
 * written only when the function is bundled: a synth that skips bundling writes nothing.
 */
export function bundlingWithFiles(
  files: readonly BundleFile[],
  generated: readonly GeneratedFile[],
): BundlingOptions {
  return {
    ...PAYPROBE_BUNDLING,
    commandHooks: {
      beforeBundling: () => [],
      beforeInstall: () => [],
      afterBundling: (_inputDir: string, outputDir: string) => [
        ...files.map((f) => copyCommand(f.source, bundleFile(outputDir, f.bundlePath))),
        ...generated.map((g) => copyCommand(writeTemp(g), bundleFile(outputDir, g.bundlePath))),
      ],
    },
  };
}

/** Shell-quotes one argument for the bash that runs local bundling commands. */
function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

function bundleFile(outputDir: string, bundlePath: string): string {
  return path.join(outputDir, ...bundlePath.split('/'));
}

function copyCommand(source: string, dest: string): string {
  return `mkdir -p ${shellQuote(path.dirname(dest))} && cp ${shellQuote(source)} ${shellQuote(dest)}`;
}

/** A generated file on disk for the bundling commands to copy (bundling runs locally, at synth). */
function writeTemp(file: GeneratedFile): string {
  const target = path.join(
    mkdtempSync(path.join(tmpdir(), 'payprobe-bundle-')),
    path.basename(file.bundlePath),
  );
  writeFileSync(target, file.content);
  return target;
}
