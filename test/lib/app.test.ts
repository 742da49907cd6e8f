/**
 * The app as a whole: cdk-nag's AWS Solutions pack, regions, the "nobody is paged" warning, and configs
 * that must stop synthesis (schema errors and undeployable secret references) with the CLI's message.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { App, Stack, Validations } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ConfigError } from '../../lambdas/core/config';
import { NO_CRITICAL_SUBSCRIBER_WARNING } from '../../lib/alerting';
import { fixture, REPO, resources, synthConfig, Template } from './helpers';

describe('cdk-nag AWS Solutions', () => {
  test('the two-processor app has no unacknowledged finding, and every acknowledgement says why', () => {
    const { app } = synthConfig(fixture('two-processors.yaml'));
    const report = new AwsSolutionsChecks().validateScope(app);
    expect(
      report.violations.map((v) => `${v.ruleName} ${v.violatingResources.map((r) => r.constructPath)}`),
    ).toEqual([]);
    expect(report.success).toBe(true);

    const acknowledgements = app.node
      .findAll()
      .flatMap((c) => c.node.metadata.filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY))
      .flatMap((m) => Object.entries(m.data as Record<string, string>));
    // One per function (runtime) and one per role (wildcard resources with conditions): nothing blanket.
    expect(acknowledgements.map(([rule]) => rule.replace(/^annotation::/i, '')).sort()).toEqual([
      'AwsSolutions-IAM5[Resource::*]',
      'AwsSolutions-IAM5[Resource::*]',
      'AwsSolutions-L1',
      'AwsSolutions-L1',
    ]);
    for (const [, reason] of acknowledgements) expect(reason.length).toBeGreaterThan(60);
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
      t.resourceCountIs('AWS::Lambda::Function', 1);
      t.hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmName: 'PayProbe-stripe-HandshakeFailing' });
      // Dashboards are global to an account: each region's has its own name.
      const dashboards = Object.values(resources(t, 'AWS::CloudWatch::Dashboard'));
      expect(dashboards.map((d) => d.Properties.DashboardName)).toEqual([`PayProbe-${s.region}`]);
    }
  });

  test('a critical topic without a subscriber is reported at synth time', () => {
    for (const s of stacks) {
      Annotations.fromStack(s).hasWarning(
        `/${s.node.id}/Alerting/CriticalTopic`,
        Match.stringLikeRegexp(`nobody is paged.*\\[ack: ${NO_CRITICAL_SUBSCRIBER_WARNING}\\]`),
      );
    }
  });
});

describe('configs that must not deploy', () => {
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
  function runApp(config: string): { status: number | null; stderr: string; written: string[] } {
    const outdir = mkdtempSync(path.join(tmpdir(), 'payprobe-cdk-'));
    try {
      const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(REPO, 'bin', 'app.ts')], {
        cwd: REPO,
        env: { ...process.env, CDK_OUTDIR: outdir, CDK_CONTEXT_JSON: JSON.stringify({ config }) },
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
    const cli = spawnSync(
      process.execPath,
      [path.join(REPO, 'cli', 'payprobe.js'), 'check', '--config', file],
      {
        cwd: REPO,
        encoding: 'utf8',
        timeout: 60_000,
      },
    );
    expect(app.status).toBe(2);
    expect(app.stderr).toContain(
      `${fixture('invalid.yaml')}: processors[0].intervalSeconds: one of 10, 20, 30 or 60 (seconds)`,
    );
    expect(app.stderr).toBe(cli.stderr);
    expect(cli.status).toBe(2);
    expect(app.written).toEqual([]);
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
