/**
 * The config API of the package (`import { defineConfig, loadConfigFile } from 'payprobe/config'`): define a
 * config in TypeScript or load a YAML/JSON file, both validated by the one schema with the same messages;
 * the types the constructs take. Free of aws-cdk-lib, so scripts and tests can use it without CDK.
 */

export { DEFINED_IN_CODE, type DefineConfigOptions, defineConfig, type PayProbeConfig } from './define';
export {
  ConfigError,
  type ConfigIssue,
  ConfigReadError,
  formatConfigError,
  formatIssue,
  type LoadedConfig,
  type LoadOptions,
  loadConfigFile,
  type ProcessorConfig,
  parseConfig,
  validateConfig,
  validateConfigData,
} from './load';
export type { MaintenanceWindow } from './maintenance';
export { PRESET_NAMES } from './presets';
export type { RawConfig, SecretRef, Subscription } from './schema';
