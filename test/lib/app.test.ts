/**
 * The app as a whole: cdk-nag's AWS Solutions pack, regions, the "nobody is paged" warning, and configs
 * that must stop synthesis (schema errors and undeployable secret references) with the CLI's message.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { App, Stack, Validations } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import type { CfnDashboard } from 'aws-cdk-lib/aws-cloudwatch';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { run } from '../../cli/main';
import { ConfigError } from '../../lambdas/core/config/load';
import { NO_CRITICAL_SUBSCRIBER_WARNING } from '../../lib/constructs/alerting';
import { fixture, must, REPO, resources, synthConfig, Template } from '../support/cdk';
import { CLI_NODE_ARGS } from '../support/cli';

describe('cdk-nag AWS Solutions', () => {
  test('the two-processor app has no unacknowledged finding, and every acknowledgement says why', () => {
    const { app, stacks } = synthConfig(fixture('two-processors.yaml'));
    const report = new AwsSolutionsChecks().validateScope(app);
    expect(
      report.violations.map((v) => `${v.ruleName} ${v.violatingResources.map((r) => r.constructPath)}`),
    ).toEqual([]);
    expect(report.success).toBe(true);

    const acknowledgementsIn = (scopes: readonly IConstruct[]) =>
      scopes
        .flatMap((scope) => scope.node.findAll())
        .flatMap((c) => c.node.metadata.filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY))
        .flatMap((m) => Object.entries(m.data as Record<string, string>));
    // In each monitor: one for the function (runtime), and one on the role per grant with a wildcard
    // resource under a condition (PutMetricData in one namespace; kms:Decrypt for its own secrets). Nothing
    // blanket, nothing at stack level.
    const monitors = stacks[0]?.monitors ?? [];
    expect(monitors).toHaveLength(2);
    for (const monitor of monitors) {
      expect(
        acknowledgementsIn([monitor])
          .map(([rule, reason]) => `${rule.replace(/^annotation::/i, '')} ${reason.split(' ')[0]}`)
          .sort(),
      ).toEqual([
        'AwsSolutions-IAM5[Resource::*] cloudwatch:PutMetricData',
        'AwsSolutions-IAM5[Resource::*] kms:Decrypt',
        'AwsSolutions-L1 Built',
      ]);
    }
    const monitorAcks = acknowledgementsIn(monitors);
    for (const [, reason] of acknowledgementsIn([app])) expect(reason.length).toBeGreaterThan(40);
    expect(acknowledgementsIn(stacks).length).toBeGreaterThanOrEqual(monitorAcks.length);
  });

  test('the pack does report findings (an unencrypted topic is an error)', () => {
    const app = new App();
    new Topic(new Stack(app, 'Scratch'), 'Plain');
    const report = new AwsSolutionsChecks().validateScope(app);
    expect(report.success).toBe(false);
    expect(report.violations).toEqual(
      expect.arrayContaining([expect.objectContaining({ ruleName: 'AwsSolutions-SNS3', severity: 'error' })]),
    );
  });
});

describe('regions', () => {
  const { stacks } = synthConfig(fixture('regions.yaml'));

  test('one stack per region, named for it, each with the full set of monitors', () => {
    expect(stacks.map((s) => [s.node.id, s.stackName, s.region])).toEqual([
      ['PayProbeEuWest1', 'PayProbe-eu-west-1', 'eu-west-1'],
      ['PayProbeUsEast1', 'PayProbe-us-east-1', 'us-east-1'],
    ]);
    for (const s of stacks) {
      const t = Template.fromStack(s);
      const probes = Object.values(resources(t, 'AWS::Lambda::Function')).filter((f) =>
        JSON.stringify(f.Properties.Environment ?? {}).includes('PAYPROBE_PROCESSOR"'),
      );
      expect(probes).toHaveLength(1);
      t.hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmName: 'PayProbe-stripe-HandshakeFailing' });
      // Dashboards are global to an account: each region's has its own name.
      const dashboards = Object.values(resources(t, 'AWS::CloudWatch::Dashboard'));
      expect(dashboards.map((d) => d.Properties.DashboardName)).toEqual([`PayProbe-${s.region}`]);
    }
  });

  test('another base name deploys a second copy beside the first (stacks and dashboards are named for it)', () => {
    const copy = synthConfig(fixture('regions.yaml'), { stackName: 'PayProbeInteg' }).stacks;
    expect(copy.map((s) => [s.node.id, s.stackName])).toEqual([
      ['PayProbeIntegEuWest1', 'PayProbeInteg-eu-west-1'],
      ['PayProbeIntegUsEast1', 'PayProbeInteg-us-east-1'],
    ]);
    for (const s of copy) {
      const cfn = must(s.dashboard, 'the dashboard').dashboard.node.defaultChild as CfnDashboard;
      expect(s.resolve(cfn.dashboardName)).toBe(s.stackName);
    }
  });

  test('a critical topic without a subscriber is reported at synth time', () => {
    for (const s of stacks) {
      Annotations.fromStack(s).hasWarning(
        `/${s.node.id}/Default/Alerting/CriticalTopic`,
        Match.stringLikeRegexp(`nobody is paged.*\\[ack: ${NO_CRITICAL_SUBSCRIBER_WARNING}\\]`),
      );
    }
  });
});

describe('configs that must not deploy', () => {
  test('a Secrets Manager or SSM ARN from another region stops synthesis: replicate it and reference it by name', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'payprobe-region-'));
    const file = path.join(dir, 'payprobe.yaml');
    const token = 'arn:aws:secretsmanager:us-east-1:111122223333:secret:payprobe/stripe/api-key-AbCdEf';
    const endpoint = 'arn:aws:ssm:us-east-1:111122223333:parameter/payments/stripe/endpoint';
    writeFileSync(
      file,
      `regions: [eu-west-1, us-east-1]
processors:
  - name: stripe
    preset: stripe
    endpoint: { ssm: ${endpoint} }
    auth:
      credentials: { type: bearer, token: { secretsManager: ${token} } }
`,
    );
    try {
      let error: unknown;
      try {
        synthConfig(file);
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).issues.map((i) => `${i.path}: ${i.message}`)).toEqual([
        expect.stringMatching(
          /^processors\[0\]\.endpoint: \{ ssm: arn:aws:ssm:us-east-1:\S+ \} is in region us-east-1, but this stack deploys to eu-west-1: .*Create the parameter in eu-west-1 and reference it by name$/,
        ),
        expect.stringMatching(
          /^processors\[0\]\.auth\.credentials\.token: \{ secretsManager: arn:aws:secretsmanager:us-east-1:\S+ \} is in region us-east-1, but this stack deploys to eu-west-1: .*Replicate the secret into eu-west-1 and reference it by name$/,
        ),
      ]);
      expect((error as ConfigError).issues[0]?.file).toBe(file);

      // In its own region the ARN deploys and is granted as given; an environment-agnostic stack cannot check.
      writeFileSync(
        file,
        readFileSync(file, 'utf8').replace('regions: [eu-west-1, us-east-1]', 'regions: [us-east-1]'),
      );
      const [east] = synthConfig(file).stacks;
      expect(JSON.stringify(Template.fromStack(east as Stack).toJSON())).toContain(token);
      writeFileSync(file, readFileSync(file, 'utf8').replace('regions: [us-east-1]\n', ''));
      expect(synthConfig(file).stacks).toHaveLength(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('{ env } credentials and keys in files stop synthesis with field-level messages', () => {
    let error: unknown;
    try {
      synthConfig(fixture('env-secret.yaml'));
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const issues = (error as ConfigError).issues.map(
      (i) => `${path.basename(i.file)}: ${i.path}: ${i.message}`,
    );
    expect(issues).toEqual([
      expect.stringMatching(
        /^env-secret\.yaml: processors\[0\]\.auth\.credentials\.token: \{ env: STRIPE_KEY \} cannot be deployed.*Secrets Manager or SSM/,
      ),
      expect.stringMatching(
        /^env-secret\.yaml: processors\[1\]\.tls\.clientKey: \{ file: certs\/client\.key \} holds a credential or key.*Secrets Manager/,
      ),
    ]);
  });

  // bin/app.ts as `cdk synth` runs it: a separate process, config from the context, output to CDK_OUTDIR.
  function runApp(
    config: string | undefined,
    cwd = REPO,
  ): { status: number | null; stderr: string; written: string[] } {
    const outdir = mkdtempSync(path.join(tmpdir(), 'payprobe-cdk-'));
    // As `cdk synth` passes it, with bundling skipped (test/lib/bundle.test.ts bundles for real).
    const context = { ...(config !== undefined ? { config } : {}), 'aws:cdk:bundling-stacks': [] };
    try {
      const tsx = pathToFileURL(require.resolve('tsx')).href;
      const r = spawnSync(process.execPath, ['--import', tsx, path.join(REPO, 'bin', 'app.ts')], {
        cwd,
        env: { ...process.env, CDK_OUTDIR: outdir, CDK_CONTEXT_JSON: JSON.stringify(context) },
        encoding: 'utf8',
        timeout: 60_000,
      });
      return { status: r.status, stderr: r.stderr, written: readdirSync(outdir) };
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  }

  test('an invalid config stops the app with exactly the CLI’s message, and nothing is synthesized', () => {
    const file = path.relative(REPO, fixture('invalid.yaml'));
    const app = runApp(file);
    const cli = spawnSync(process.execPath, [...CLI_NODE_ARGS, 'check', '--config', file], {
      cwd: REPO,
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(app.status).toBe(2);
    expect(app.stderr).toContain(
      `${fixture('invalid.yaml')}: processors[0].intervalSeconds: one of 10, 20, 30 or 60 (seconds)`,
    );
    expect(app.stderr).toBe(cli.stderr);
    expect(cli.status).toBe(2);
    expect(app.written).toEqual([]);
  });

  test('without -c config= and without ./payprobe.yaml, the app stops and says how to create one', () => {
    const empty = mkdtempSync(path.join(tmpdir(), 'payprobe-noconfig-'));
    try {
      const app = runApp(undefined, empty);
      expect(app.status).toBe(2);
      expect(app.stderr).toBe(
        `payprobe: no config: ${path.join(empty, 'payprobe.yaml')} does not exist. Create it with \`npx payprobe init\` (add --preset stripe, --preset paypal, ...), or name one with \`npx cdk synth -c config=FILE\`.\n`,
      );
      expect(app.written).toEqual([]);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });

  test('without -c config=, the app reads ./payprobe.yaml (the README test synthesizes the starter `payprobe init` writes)', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'payprobe-default-'));
    try {
      const io = { stdout: { write: () => true }, stderr: { write: () => true }, cwd: dir, env: {} };
      expect(await run(['init', '--preset', 'stripe'], io)).toBe(0);
      // Broken on purpose, so the app stops early and says which file it read.
      const file = path.join(dir, 'payprobe.yaml');
      writeFileSync(file, readFileSync(file, 'utf8').replace('timeoutMs: 5000', 'timeoutMS: 5000'));
      const app = runApp(undefined, dir);
      expect(app.status).toBe(2);
      expect(app.stderr).toContain(
        `${file}: defaults.timeoutMS: unknown field "timeoutMS": did you mean "timeoutMs"?`,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a config that cannot be read says so', () => {
    const app = runApp('nope.yaml');
    expect(app.status).toBe(2);
    expect(app.stderr).toBe(`payprobe: cannot read ${path.join(REPO, 'nope.yaml')}: no such file (ENOENT)\n`);
  });

  test('an undeployable secret reference stops the app too', () => {
    const app = runApp(path.relative(REPO, fixture('env-secret.yaml')));
    expect(app.status).toBe(2);
    expect(app.stderr).toMatch(/^payprobe: invalid config \(2 problems\):\n/);
    expect(app.stderr).toContain(
      'processors[0].auth.credentials.token: { env: STRIPE_KEY } cannot be deployed',
    );
    expect(app.written).toEqual([]);
  });
});
