/**
 * The installed payprobe package as the CLI sees it: its root (the folder with package.json, whether the
 * CLI runs from cli/*.ts here or from the bundle in dist/cli/), its version, and the JSON Schema it ships.
 */
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

/** The JSON Schema of the config file, at this stable path in the package (scripts/gen-schema.ts). */
export const SCHEMA_PATH = 'schema/payprobe.schema.json';

let root: string | undefined;

/** The package root: the nearest folder above this module that holds a package.json. */
export function packageRoot(): string {
  if (root !== undefined) return root;
  let dir = __dirname;
  while (!existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`payprobe: no package.json above ${__dirname}`);
    dir = parent;
  }
  root = dir;
  return dir;
}

let version: string | undefined;

/** The package's version, from its package.json. */
export function packageVersion(): string {
  version ??= (
    JSON.parse(readFileSync(path.join(packageRoot(), 'package.json'), 'utf8')) as { version: string }
  ).version;
  return version;
}

/** The absolute path of the shipped JSON Schema. */
export function schemaFile(): string {
  return path.join(packageRoot(), SCHEMA_PATH);
}
