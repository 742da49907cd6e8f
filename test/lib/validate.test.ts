/**
 * Validate first, never catch (lib/deploy/validate.ts): a config that cannot deploy is refused with every
 * processor's problems in one ConfigError before any construct exists, and a construct used on its own
 * refuses the same processor with the same messages, adding nothing to its scope.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { App, Stack, Stage } from 'aws-cdk-lib';
import { Topic } from 'aws-cdk-lib/aws-sns';
import {
  ConfigError,
  type LoadedConfig,
  type ProcessorConfig,
  parseConfig,
} from '../../lambdas/core/config/load';
import { Diagnosis } from '../../lib/constructs/diagnosis';
import { PayProbeStack } from '../../lib/constructs/payprobe-stack';
import { Preflight } from '../../lib/constructs/preflight';
import { ProcessorMonitor } from '../../lib/constructs/processor-monitor';
import { validateStackConfig } from '../../lib/deploy/validate';

const dir = mkdtempSync(path.join(tmpdir(), 'payprobe-validate-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
mkdirSync(path.join(dir, 'certs'));
writeFileSync(path.join(dir, 'certs', 'client.key'), 'not a real key\n');
const file = path.join(dir, 'payprobe.yaml');

function config(processors: string): LoadedConfig {
  return parseConfig(`processors:\n${processors}`, file);
}

const BROKEN = config(`
  - name: stripe
    preset: stripe
    auth: { credentials: { type: bearer, token: { env: STRIPE_KEY } } }
  - name: a-b
    endpoint: https://a.example
    alarms: { datapointsToAlarm: 4, evaluationPeriods: 3 }
  - name: a--b
    endpoint: https://b.example
    tls: { clientCert: { secretsManager: b/cert }, clientKey: { file: certs/client.key } }
`);

/** The problems of a thrown ConfigError as `path: start of message`. */
function problems(build: () => unknown): string[] {
  try {
    build();
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    return err.issues.map((i) => `${i.path}: ${i.message.split(':')[0]}`);
  }
  throw new Error('no ConfigError');
}

test('every processor’s problems come at once, in config order, and no stack is created', () => {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const expected = [
    'processors[0].auth.credentials.token: { env',
    'processors[1].alarms.datapointsToAlarm: 4 is more than evaluationPeriods (3)',
    'processors[2].name: "a--b" and processors[1] map to the same construct id "AB"',
    'processors[2].tls.clientKey: { file',
  ];
  expect(problems(() => new PayProbeStack(app, 'PayProbe', { config: BROKEN }))).toEqual(expected);
  expect(app.node.children).toEqual([]);
  expect(validateStackConfig(BROKEN).map((i) => `${i.path}: ${i.message.split(':')[0]}`)).toEqual(expected);
});

test('the region comes from the stack’s env or its stage, as the stack would resolve it', () => {
  const arn = 'arn:aws:secretsmanager:us-east-1:111122223333:secret:payprobe/stripe/api-key-AbCdEf';
  const east = config(`
  - name: stripe
    preset: stripe
    auth: { credentials: { type: bearer, token: { secretsManager: "${arn}" } } }
`);
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stage = new Stage(app, 'Prod', { env: { region: 'eu-west-1' } });
  expect(problems(() => new PayProbeStack(stage, 'PayProbe', { config: east }))).toEqual([
    'processors[0].auth.credentials.token: { secretsManager',
  ]);
  expect(stage.node.children).toEqual([]);
  // In its own region, and in an environment-agnostic stack (the region is unknown at synth), it deploys.
  expect(
    new PayProbeStack(app, 'East', { config: east, env: { region: 'us-east-1' } }).monitors,
  ).toHaveLength(1);
  expect(new PayProbeStack(app, 'Agnostic', { config: east }).monitors).toHaveLength(1);
});

describe('a construct on its own refuses what the stack refuses, adding nothing to its scope', () => {
  const [stripe] = BROKEN.processors as [ProcessorConfig];
  const stack = () => new Stack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'S');

  test('ProcessorMonitor', () => {
    const s = stack();
    expect(
      problems(
        () =>
          new ProcessorMonitor(s, 'Stripe', {
            processor: stripe,
            configLocation: { file, path: 'processors[0]' },
          }),
      ),
    ).toEqual(['processors[0].auth.credentials.token: { env']);
    expect(s.node.children).toEqual([]);
  });

  test('Diagnosis and Preflight', () => {
    const s = stack();
    const topic = new Topic(s, 'Topic');
    const processors = [stripe];
    expect(
      problems(
        () =>
          new Diagnosis(s, 'Diagnosis', {
            processors,
            configFile: file,
            criticalTopic: topic,
            warningTopic: topic,
          }),
      ),
    ).toEqual(['processors[0].auth.credentials.token: { env']);
    expect(problems(() => new Preflight(s, 'Preflight', { processors, configFile: file }))).toEqual([
      'processors[0].auth.credentials.token: { env',
    ]);
    expect(problems(() => new Preflight(s, 'Empty', { processors: [] }))).toEqual([
      'processors: preflight needs at least one processor',
    ]);
    expect(s.node.children.map((c) => c.node.id)).toEqual(['Topic']);
  });
});
