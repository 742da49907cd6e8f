/**
 * How a command gets its config: `--config FILE`, `--config -` (stdin), or ./payprobe.yaml (voice.ts
 * `configSource`), loaded and validated by the one loader. Loaded lazily by the commands that need it (it
 * brings the YAML parser and the schema), never by `payprobe --version`.
 */
import { type LoadedConfig, loadConfigFile, parseConfig } from '../lambdas/core/config/load';
import { type CliIo, UsageError } from './io';
import { configSource, STDIN_NAME } from './voice';

/** Reads and validates the config `--config` names. Throws ConfigError (ConfigReadError) or UsageError. */
export async function readConfig(option: string | undefined, io: CliIo): Promise<LoadedConfig> {
  const source = configSource(option, io.cwd);
  if (source.kind === 'file') return loadConfigFile(source.file);
  if (!io.stdin) throw new UsageError('--config -: there is no standard input to read the config from');
  // `{ file }` references of a config from stdin are relative to the working directory.
  return parseConfig(await io.stdin(), STDIN_NAME, { baseDir: io.cwd });
}
