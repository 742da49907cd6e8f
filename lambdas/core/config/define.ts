/**
 * The typed way to write a config in TypeScript: `defineConfig({ processors: [...] })` gives the editor's
 * completion and type checks for every field (the input type of the one schema), then runs exactly the
 * validation of a YAML file (validateConfigData in ./load.ts: the same checks, maintenance windows included,
 * the same messages, every problem at once in one ConfigError), and returns what `loadConfigFile` returns.
 */
import * as path from 'node:path';
import type { z } from 'zod/mini';
import { type LoadedConfig, validateConfigData } from './load';
import type { ConfigSchema } from './schema';

/** A payprobe config as written: the fields of a payprobe.yaml (docs/contracts.md "Configuration"). */
export type PayProbeConfig = z.input<typeof ConfigSchema>;

/** What messages call a config from defineConfig when no file is named. */
export const DEFINED_IN_CODE = 'defineConfig()';

export interface DefineConfigOptions {
  /**
   * The file that defines the config (e.g. `__filename`): messages name it, and `{ file }` references are
   * relative to its directory.
   *
   * @default - messages name `defineConfig()`; `{ file }` references are relative to the working directory
   */
  readonly file?: string;
}

/** Validates a config written in TypeScript. Throws ConfigError listing every problem, as the loader does. */
export function defineConfig(config: PayProbeConfig, options: DefineConfigOptions = {}): LoadedConfig {
  if (options.file === undefined)
    return validateConfigData(config, DEFINED_IN_CODE, { baseDir: process.cwd() });
  const file = path.resolve(options.file);
  return validateConfigData(config, file, { baseDir: path.dirname(file) });
}
