#!/usr/bin/env node
/**
 * The CDK app: `npx cdk synth|diff|deploy [-c config=PATH] [-c stackName=NAME]` (defaults:
 * payprobe.example.yaml, PayProbe). The config is validated before anything is synthesized; an invalid file
 * prints the CLI's field-level message and exits 2.
 */
import * as path from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { addPayProbeStacks, ConfigError, formatConfigError, loadConfigFile } from '../lib';

const app = new App();
const fromContext: unknown = app.node.tryGetContext('config');
// Absolute, as the CLI reports it: messages name the same file the same way.
const configPath =
  typeof fromContext === 'string' && fromContext !== ''
    ? path.resolve(fromContext)
    : path.join(__dirname, '..', 'payprobe.example.yaml');

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
