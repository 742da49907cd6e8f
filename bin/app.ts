#!/usr/bin/env node
/**
 * The CDK app of this repository: `npx cdk synth|diff|deploy [-c config=PATH] [-c stackName=NAME]`. The
 * config is ./payprobe.yaml in the working directory unless `-c config=` names another; without either,
 * synthesis stops and says how to create one (`npx payprobe init`): nothing is ever deployed from an
 * example. The config is validated before anything is synthesized; an invalid file prints the CLI's
 * field-level message and exits 2. Stack name default: PayProbe.
 */
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { addPayProbeStacks, ConfigError, formatConfigError, loadConfigFile } from '../lib';

/** The config `cdk synth` reads when `-c config=` is not given. */
const DEFAULT_CONFIG = 'payprobe.yaml';

const app = new App();
const fromContext: unknown = app.node.tryGetContext('config');
// Absolute, as the CLI reports it: messages name the same file the same way.
const configPath = path.resolve(
  typeof fromContext === 'string' && fromContext !== '' ? fromContext : DEFAULT_CONFIG,
);
if ((typeof fromContext !== 'string' || fromContext === '') && !existsSync(configPath)) {
  process.stderr.write(
    `payprobe: no config: ${configPath} does not exist. Create it with \`npx payprobe init\` (add --preset stripe, --preset paypal, ...), or name one with \`npx cdk synth -c config=FILE\`.\n`,
  );
  process.exit(2);
}

const stackName: unknown = app.node.tryGetContext('stackName');

try {
  addPayProbeStacks(app, loadConfigFile(configPath), {
    ...(typeof stackName === 'string' && stackName !== '' ? { stackName } : {}),
  });
} catch (err) {
  if (!(err instanceof ConfigError)) throw err;
  process.stderr.write(formatConfigError(err));
  process.exit(2);
}

Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
