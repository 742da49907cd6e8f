/**
 * Bench figure 4: every Lambda handler (lambdas/<name>/handler.ts) bundled with esbuild as the CDK app
 * bundles it, its minified size, and its cold initialisation time: the time to load the bundle in a fresh
 * Node process (what Lambda's init phase does with the module), median of 10.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import * as esbuild from 'esbuild';
import { PAYPROBE_ESBUILD_OPTIONS } from '../lib/function/bundling';
import { type Figure, REPO } from './common';
import { median, round } from './stats';

/**
 * The esbuild options of every payprobe handler (lib/function/bundling.ts, the one bundling
 * configuration: minify, external source map without sources content, target node22, CJS, mainFields
 * module/main, AWS SDK bundled), which the bundle tests build with too.
 */
export const CDK_ESBUILD_OPTIONS: esbuild.BuildOptions = {
  ...PAYPROBE_ESBUILD_OPTIONS,
  logLevel: 'silent',
};

export const SIZE_TARGET_BYTES = 600 * 1024;
export const INIT_TARGET_MS = 150;

export function handlerEntries(): { name: string; entry: string }[] {
  const root = path.join(REPO, 'lambdas');
  return readdirSync(root)
    .filter((d) => existsSync(path.join(root, d, 'handler.ts')))
    .sort()
    .map((d) => ({ name: d, entry: path.join(root, d, 'handler.ts') }));
}

/** Loads the bundle in a fresh node process and returns the milliseconds `require` took. */
function loadOnce(bundle: string, extraEnv: NodeJS.ProcessEnv = {}): number {
  const script =
    'const t=performance.now();const m=require(process.argv[1]);const d=performance.now()-t;' +
    'if(typeof m.handler!=="function")throw new Error("no handler export");process.stdout.write(String(d));';
  const out = execFileSync(process.execPath, ['-e', script, bundle], {
    env: {
      PATH: process.env.PATH ?? '',
      AWS_REGION: 'us-east-1',
      AWS_LAMBDA_FUNCTION_NAME: 'bench',
      ...extraEnv,
    },
    encoding: 'utf8',
    timeout: 30_000,
  });
  return Number(out);
}

interface Built {
  readonly bytes: number;
  readonly gzipBytes: number;
  readonly mapBytes: number;
  readonly initMs: readonly number[];
  readonly initMedianMs: number;
  /** Largest contributors to the bundle by package, in KB of output. */
  readonly topPackages: readonly { readonly name: string; readonly kb: number }[];
}

function packageOf(file: string): string {
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(file);
  return m?.[1] ?? 'payprobe';
}

async function buildAndLoad(
  entry: string,
  outfile: string,
  options: esbuild.BuildOptions,
  env: NodeJS.ProcessEnv = {},
): Promise<Built> {
  const result = await esbuild.build({
    ...options,
    entryPoints: [entry],
    outfile,
    absWorkingDir: REPO,
    metafile: true,
  });
  const bytes = statSync(outfile).size;
  const byPackage = new Map<string, number>();
  for (const output of Object.values(result.metafile?.outputs ?? {})) {
    for (const [file, info] of Object.entries(output.inputs)) {
      const name = packageOf(file);
      byPackage.set(name, (byPackage.get(name) ?? 0) + info.bytesInOutput);
    }
  }
  const topPackages = [...byPackage.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 6)
    .map(([name, b]) => ({ name, kb: round(b / 1024, 1) }));
  loadOnce(outfile, env); // warm the OS file cache; not counted
  const initMs = Array.from({ length: 10 }, () => loadOnce(outfile, env));
  return {
    bytes,
    gzipBytes: gzipSync(readFileSync(outfile)).length,
    mapBytes: statSync(`${outfile}.map`).size,
    initMs,
    initMedianMs: median(initMs),
    topPackages,
  };
}

export async function figureArtifacts(): Promise<Figure[]> {
  const out = mkdtempSync(path.join(os.tmpdir(), 'payprobe-bundles-'));
  try {
    const figures: Figure[] = [];
    for (const { name, entry } of handlerEntries()) {
      const cdk = await buildAndLoad(entry, path.join(out, name, 'index.js'), CDK_ESBUILD_OPTIONS);
      // For comparison only: the AWS SDK left to the Lambda runtime (loaded here from this checkout's node_modules).
      const sdkExternal = await buildAndLoad(
        entry,
        path.join(out, `${name}-sdk-external`, 'index.js'),
        { ...CDK_ESBUILD_OPTIONS, external: ['@aws-sdk/*'] },
        { NODE_PATH: path.join(REPO, 'node_modules') },
      );
      figures.push({
        id: `4${name === 'probe' ? '' : `-${name}`}`,
        title: `Lambda artifact ${name}`,
        value:
          `lambdas/${name}/handler.ts minified ${round(cdk.bytes / 1024, 1)} KB (gzip ${round(cdk.gzipBytes / 1024, 1)} KB, ` +
          `map ${round(cdk.mapBytes / 1024, 1)} KB), cold init ${round(cdk.initMedianMs, 1)} ms (median of 10 fresh ` +
          `processes); with the AWS SDK external: ${round(sdkExternal.bytes / 1024, 1)} KB, ${round(sdkExternal.initMedianMs, 1)} ms`,
        target: `<= ${SIZE_TARGET_BYTES / 1024} KB, <= ${INIT_TARGET_MS} ms`,
        pass: cdk.bytes <= SIZE_TARGET_BYTES && cdk.initMedianMs <= INIT_TARGET_MS,
        data: { name, asDeployed: cdk, sdkExternal },
      });
    }
    if (figures.length === 0) throw new Error('no lambdas/*/handler.ts found');
    return figures;
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}
