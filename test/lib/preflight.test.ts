/**
 * The Preflight construct (lib/preflight.ts): the custom resource and what it passes to the handler, its
 * ordering after the monitors, the function (runtime, architecture, timeout from the probe budgets), least
 * privilege (only the processors' own secrets, only this stack's status), cdk-nag, synth-time config errors,
 * and a real esbuild bundle carrying the processors' bundled files.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { AwsSolutionsChecks } from 'cdk-nag';
import {
  ConfigError,
  type LoadedConfig,
  loadConfigFile,
  type ProcessorConfig,
  parseConfig,
} from '../../lambdas/core/config/load';
import { addPayProbeStacks } from '../../lib/constructs/payprobe-app';
import { PREFLIGHT_RESOURCE_TYPE, Preflight, type PreflightProps } from '../../lib/constructs/preflight';

let dir: string;
let config: LoadedConfig;

const YAML = `
processors:
  - name: stripe
    preset: stripe
    auth: { credentials: { type: bearer, token: { secretsManager: payprobe/stripe/api-key } } }
  - name: acquirer
    endpoint: { ssm: /payments/acquirer/url }
    intervalSeconds: 10
    tls:
      ca: { file: certs/ca.pem }
      clientCert: { ssm: /payments/acquirer/client-cert }
      clientKey: { secretsManager: "arn:aws:secretsmanager:eu-west-1:111122223333:secret:payprobe/acquirer/key-AbCdEf" }
    auth:
      request: { path: /ping }
      credentials: { type: header, name: X-API-Key, value: { secretsManager: payprobe/acquirer/api-key } }
`;

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'payprobe-preflight-lib-'));
  writeFileSync(path.join(dir, 'payprobe.yaml'), YAML);
  mkdirSync(path.join(dir, 'certs'));
  writeFileSync(
    path.join(dir, 'certs', 'ca.pem'),
    '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n',
  );
  config = parseConfig(YAML, path.join(dir, 'payprobe.yaml'));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

function build(extra: Partial<PreflightProps> = {}, options: { bundle?: boolean; outdir?: string } = {}) {
  const app = new App({
    context: options.bundle ? {} : { 'aws:cdk:bundling-stacks': [] },
    ...(options.outdir ? { outdir: options.outdir } : {}),
  });
  const stack = new Stack(app, 'PayProbe', { env: { account: '111122223333', region: 'eu-west-1' } });
  // Stand-in for the processor monitors the preflight must run after.
  const monitors = new LogGroup(stack, 'Monitors', { retention: RetentionDays.ONE_DAY });
  const preflight = new Preflight(stack, 'Preflight', {
    processors: config.processors,
    configFile: config.file,
    executeAfter: [monitors],
    ...extra,
  });
  return { app, stack, preflight, monitors, template: Template.fromStack(stack) };
}

describe('Preflight construct', () => {
  test('one custom resource carries every processor as JSON, with attempts and delay', () => {
    const { template } = build();
    const resources = template.findResources(PREFLIGHT_RESOURCE_TYPE);
    const [resource] = Object.values(resources) as { Properties: Record<string, unknown> }[];
    expect(Object.keys(resources)).toHaveLength(1);
    expect(resource?.Properties).toMatchObject({ Attempts: '2', RetryDelayMs: '3000' });
    const processors = JSON.parse(resource?.Properties.ProcessorsJson as string) as Record<
      string,
      ProcessorConfig
    >;
    expect(Object.keys(processors)).toEqual(['stripe', 'acquirer']);
    expect(processors.stripe).toMatchObject({
      name: 'stripe',
      endpoint: 'https://api.stripe.com',
      baseDir: '/var/task/processors/stripe',
      auth: { credentials: { type: 'bearer', token: { secretsManager: 'payprobe/stripe/api-key' } } },
    });
    // File references point into the processor's own directory of the bundle.
    expect(processors.acquirer?.baseDir).toBe('/var/task/processors/acquirer');
    expect(processors.acquirer?.tls.ca).toEqual({ file: 'certs/ca.pem' });
    expect(processors.acquirer?.endpoint).toEqual({ ssm: '/payments/acquirer/url' });
  });

  test('attempts and retry delay are configurable', () => {
    const { template } = build({ attempts: 3, retryDelay: Duration.seconds(10) });
    template.hasResourceProperties(PREFLIGHT_RESOURCE_TYPE, { Attempts: '3', RetryDelayMs: '10000' });
    expect(() => build({ attempts: 0 })).toThrow(/attempts must be a whole number from 1 to 5/);
  });

  test('runs after the monitors: the resource depends on them', () => {
    const { template, stack, monitors } = build();
    const [id] = Object.keys(template.findResources(PREFLIGHT_RESOURCE_TYPE));
    const monitorsId = stack.getLogicalId(monitors.node.defaultChild as never);
    expect(template.toJSON().Resources[id as string].DependsOn).toContain(monitorsId);
  });

  test('the function: Node.js 22 on arm64, timeout covering every attempt of the longest budget', () => {
    const { template } = build();
    // Budget 15000 ms (stripe, 3 × timeout) twice, 3 s between, 30 s margin.
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      Timeout: 63,
      Handler: 'index.handler',
      Description: Match.stringLikeRegexp('during deployment'),
    });
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
  });

  test('least privilege: only the processors’ own secrets and parameters, and only this stack’s status', () => {
    const { template, stack } = build();
    const policies = Object.values(template.findResources('AWS::IAM::Policy')) as {
      Properties: { PolicyDocument: { Statement: { Action: string | string[]; Resource: unknown }[] } };
    }[];
    const statements = policies.flatMap((p) => p.Properties.PolicyDocument.Statement);
    const resolve = (r: unknown) => JSON.stringify(stack.resolve(r));
    const secrets = statements.filter((s) => s.Action === 'secretsmanager:GetSecretValue');
    expect(secrets).toHaveLength(1);
    const secretText = resolve(secrets[0]?.Resource);
    for (const id of [
      'payprobe/stripe/api-key-??????',
      'payprobe/acquirer/api-key-??????',
      'payprobe/acquirer/key-AbCdEf',
    ]) {
      expect(secretText).toContain(id);
    }
    expect(secrets[0]?.Resource).toHaveLength(4); // two names, one ARN with and without suffix
    const params = statements.filter((s) => s.Action === 'ssm:GetParameter');
    expect(resolve(params[0]?.Resource)).toMatch(
      /parameter\/payments\/acquirer\/url.*parameter\/payments\/acquirer\/client-cert/,
    );
    const status = statements.filter((s) => s.Action === 'cloudformation:DescribeStacks');
    expect(status.map((s) => s.Resource)).toEqual([{ Ref: 'AWS::StackId' }]);
    const everything = statements.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]));
    expect(everything.filter((a) => a.includes('*') && !a.startsWith('logs:'))).toEqual([]);
  });

  test('cdk-nag AWS Solutions: no unacknowledged finding', () => {
    const { app } = build();
    const report = new AwsSolutionsChecks().validateScope(app);
    expect(
      report.violations.map((v) => `${v.ruleName} ${v.violatingResources.map((r) => r.constructPath)}`),
    ).toEqual([]);
  });

  test('a config that cannot be deployed stops synthesis with file and field', () => {
    const bad = parseConfig(
      'processors:\n  - name: stripe\n    preset: stripe\n    auth: { credentials: { type: bearer, token: { env: STRIPE_KEY } } }\n',
      path.join(dir, 'bad.yaml'),
    );
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const stack = new Stack(app, 'S');
    let err: unknown;
    try {
      new Preflight(stack, 'Preflight', { processors: bad.processors, configFile: bad.file });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).issues[0]).toMatchObject({
      file: bad.file,
      path: 'processors[0].auth.credentials.token',
      message: expect.stringMatching(/\{ env: STRIPE_KEY \} cannot be deployed/),
    });
  });

  test('a config larger than a function environment still deploys (the processors are a resource property)', () => {
    const many = parseConfig(
      `processors:\n${Array.from(
        { length: 12 },
        (_, i) =>
          `  - name: p${i}\n    endpoint: https://api${i}.example.com\n    auth:\n      request: { path: /v1/health/check/with/a/long/path }\n      credentials: { type: bearer, token: { secretsManager: payprobe/p${i}/a-rather-long-secret-name } }\n`,
      ).join('')}`,
      path.join(dir, 'many.yaml'),
    );
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const stack = new Stack(app, 'S');
    const preflight = new Preflight(stack, 'Preflight', {
      processors: many.processors,
      configFile: many.file,
    });
    expect(Buffer.byteLength(preflight.processorsJson)).toBeGreaterThan(4096);
    expect(Object.keys(JSON.parse(preflight.processorsJson))).toHaveLength(12);
  });

  test('one processor larger than a function environment is probed too', () => {
    const large = parseConfig(
      `processors:\n  - name: large\n    endpoint: https://api.large.example\n    auth:\n      request: { method: POST, path: /ping, body: '${'x'.repeat(4000)}' }\n`,
      path.join(dir, 'large.yaml'),
    );
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const preflight = new Preflight(new Stack(app, 'S'), 'Preflight', {
      processors: large.processors,
      configFile: large.file,
    });
    expect(Object.keys(JSON.parse(preflight.processorsJson))).toEqual(['large']);
  });

  test('the real esbuild bundle holds the handler and each processor’s bundled files, and runs', async () => {
    const outdir = mkdtempSync(path.join(tmpdir(), 'payprobe-preflight-cdkout-'));
    try {
      const { app, stack } = build({}, { bundle: true, outdir });
      app.synth();
      const template = JSON.parse(
        readFileSync(path.join(outdir, `${stack.artifactId}.template.json`), 'utf8'),
      );
      type Res = { Type: string; Properties: { Description?: string; Code: { S3Key: string } } };
      const fn = Object.values(template.Resources as Record<string, Res>).find(
        (r) =>
          r.Type === 'AWS::Lambda::Function' &&
          String(r.Properties.Description).includes('during deployment'),
      );
      const assetHash = String(fn?.Properties.Code.S3Key).replace(/\.zip$/, '');
      const assetDir = path.join(outdir, `asset.${assetHash}`);
      expect(existsSync(path.join(assetDir, 'index.js'))).toBe(true);
      expect(
        readFileSync(path.join(assetDir, 'processors', 'acquirer', 'certs', 'ca.pem'), 'utf8'),
      ).toContain('BEGIN CERTIFICATE');
      const code = readFileSync(path.join(assetDir, 'index.js'), 'utf8');
      expect(code.length).toBeLessThan(3_000_000);
      expect(code).toContain('DescribeStacks');

      // The bundle runs on its own: a Create probes with the bundled engine and fails with the class.
      const { handler } = require(path.join(assetDir, 'index.js')) as {
        handler: (event: unknown) => Promise<unknown>;
      };
      const refused = JSON.stringify({
        closed: {
          ...parseConfig('processors:\n  - name: closed\n    endpoint: https://127.0.0.1:1\n', '/x/p.yaml')
            .processors[0],
          baseDir: '/var/task',
        },
      });
      const create = {
        RequestType: 'Create',
        StackId: 'arn:aws:cloudformation:eu-west-1:111122223333:stack/PayProbe/x',
        ResourceProperties: { ProcessorsJson: refused, Attempts: '1', RetryDelayMs: '0' },
      };
      await expect(handler(create)).rejects.toThrow(/closed: connect CONNECT_REFUSED/);
      await expect(
        handler({ ...create, RequestType: 'Delete', PhysicalResourceId: 'payprobe-preflight' }),
      ).resolves.toEqual({
        PhysicalResourceId: 'payprobe-preflight',
      });
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  }, 120_000);
});

describe('PayProbeStack wiring', () => {
  const stackFor = (preflightLine: string) => {
    const file = path.join(dir, `stack-${preflightLine ? 'on' : 'off'}.yaml`);
    writeFileSync(file, `${preflightLine}${YAML}`);
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const [stack] = addPayProbeStacks(app, loadConfigFile(file), { account: '111122223333' });
    if (!stack) throw new Error('no stack');
    return stack;
  };

  test('`preflight: true` adds the preflight, after every monitor', () => {
    const stack = stackFor('preflight: true\n');
    const template = Template.fromStack(stack);
    const resources = template.findResources(PREFLIGHT_RESOURCE_TYPE) as Record<
      string,
      { DependsOn?: string[] }
    >;
    const [entry] = Object.values(resources);
    expect(Object.keys(resources)).toHaveLength(1);
    expect(stack.preflight).toBeDefined();
    const monitorFunctions = stack.monitors.map((m) =>
      stack.getLogicalId(m.probeFunction.node.defaultChild as never),
    );
    expect(monitorFunctions).toHaveLength(2);
    expect(entry?.DependsOn).toEqual(expect.arrayContaining(monitorFunctions));
    const processors = JSON.parse(
      (
        template.findResources(PREFLIGHT_RESOURCE_TYPE)[Object.keys(resources)[0] as string] as {
          Properties: { ProcessorsJson: string };
        }
      ).Properties.ProcessorsJson,
    ) as Record<string, unknown>;
    expect(Object.keys(processors)).toEqual(['stripe', 'acquirer']);
  });

  test('without `preflight: true` there is no preflight', () => {
    for (const line of ['', 'preflight: false\n']) {
      const stack = stackFor(line);
      expect(stack.preflight).toBeUndefined();
      Template.fromStack(stack).resourceCountIs(PREFLIGHT_RESOURCE_TYPE, 0);
    }
  });
});
