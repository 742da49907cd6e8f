/**
 * A scratch CDK app that installs payprobe as a user would, offline: its package-lock.json is cut from this
 * repository's lockfile (the same versions of aws-cdk-lib, constructs and payprobe's dependencies, whose
 * tarballs `npm ci` put in the npm cache), so `npm ci --offline` needs no registry. payprobe itself comes
 * from a packed tarball or a linked (`file:`) directory.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { REPO } from './paths';

interface LockEntry {
  version?: string;
  resolved?: string;
  integrity?: string;
  link?: boolean;
  inBundle?: boolean;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  [key: string]: unknown;
}

interface Lockfile {
  name: string;
  version: string;
  lockfileVersion: 3;
  requires: true;
  packages: Record<string, LockEntry>;
}

/** The path that `name` resolves to from the package at `from` (node's lookup, in lockfile paths). */
function resolveIn(packages: Record<string, LockEntry>, from: string, name: string): string | undefined {
  let base = from;
  for (;;) {
    const candidate = `${base === '' ? '' : `${base}/`}node_modules/${name}`;
    if (packages[candidate]) return candidate;
    if (base === '') return undefined;
    const cut = base.lastIndexOf('/node_modules/');
    base = cut < 0 ? '' : base.slice(0, cut);
  }
}

/** The lockfile entries of `names` (top level) and everything they depend on, as this repository has them. */
function closure(names: readonly string[]): Record<string, LockEntry> {
  const repo = JSON.parse(readFileSync(path.join(REPO, 'package-lock.json'), 'utf8')) as Lockfile;
  const all = repo.packages;
  const picked: Record<string, LockEntry> = {};
  const queue = names.map((n) => {
    const at = `node_modules/${n}`;
    if (!all[at]) throw new Error(`${n} is not in package-lock.json`);
    return at;
  });
  while (queue.length > 0) {
    const at = queue.shift() as string;
    if (picked[at]) continue;
    const { dev: _dev, devOptional: _devOptional, peer: _peer, ...entry } = all[at] as LockEntry;
    picked[at] = entry;
    // What the package bundles is listed under it.
    for (const [p, e] of Object.entries(all)) {
      if (p.startsWith(`${at}/node_modules/`) && e.inBundle) queue.push(p);
    }
    for (const dep of Object.keys({ ...entry.dependencies, ...entry.optionalDependencies })) {
      const target = resolveIn(all, at, dep);
      if (target) queue.push(target);
      else if (!entry.optionalDependencies?.[dep]) throw new Error(`${at}: ${dep} not in the lockfile`);
    }
  }
  return picked;
}

/** The dependencies payprobe's package.json declares. */
function payprobeManifest(): { version: string; dependencies: Record<string, string> } & LockEntry {
  return JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8'));
}

export type PayProbeSource = { readonly tarball: string } | { readonly link: string };

/**
 * Writes package.json and package-lock.json of a scratch app in `dir` that depends on its own aws-cdk-lib,
 * constructs and @types/node (the versions this repository locks) and on payprobe from `source`.
 */
export function writeScratchApp(dir: string, source: PayProbeSource): void {
  const manifest = payprobeManifest();
  const own = ['aws-cdk-lib', 'constructs', '@types/node'];
  const payprobeDeps = Object.keys(manifest.dependencies);
  const packages = closure([...own, ...('tarball' in source ? payprobeDeps : [])]);
  const version = (name: string) => packages[`node_modules/${name}`]?.version as string;
  const spec =
    'tarball' in source
      ? `file:${path.relative(dir, source.tarball)}`
      : `file:${path.relative(dir, source.link)}`;
  const dependencies = {
    ...Object.fromEntries(own.map((n) => [n, version(n)])),
    payprobe: spec,
  };
  const payprobeEntry: LockEntry = {
    version: manifest.version,
    license: manifest.license,
    dependencies: manifest.dependencies,
    peerDependencies: manifest.peerDependencies as Record<string, string>,
    peerDependenciesMeta: manifest.peerDependenciesMeta,
    bin: manifest.bin,
    engines: manifest.engines,
  };
  if ('tarball' in source) {
    const integrity = `sha512-${createHash('sha512').update(readFileSync(source.tarball)).digest('base64')}`;
    packages['node_modules/payprobe'] = { ...payprobeEntry, resolved: spec, integrity };
  } else {
    const target = path.relative(dir, source.link);
    packages['node_modules/payprobe'] = { resolved: target, link: true };
    packages[target] = { name: 'payprobe', ...payprobeEntry };
  }
  const pkg = { name: 'scratch-cdk-app', version: '0.0.0', private: true, dependencies };
  const lock: Lockfile = {
    name: pkg.name,
    version: pkg.version,
    lockfileVersion: 3,
    requires: true,
    packages: { '': { name: pkg.name, version: pkg.version, dependencies }, ...packages },
  };
  writeFileSync(path.join(dir, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
  writeFileSync(path.join(dir, 'package-lock.json'), `${JSON.stringify(lock, null, 2)}\n`);
}

/** `npm ci --offline` in `dir`: only the npm cache, no registry. */
export function installOffline(dir: string): void {
  execFileSync('npm', ['ci', '--offline', '--no-audit', '--no-fund', '--ignore-scripts'], {
    cwd: dir,
    stdio: 'pipe',
    timeout: 300_000,
  });
}
