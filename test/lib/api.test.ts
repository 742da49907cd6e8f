/**
 * The construct library's public face (lib/index.ts): a CDK app builds the whole monitor, or composes its
 * parts, from the one entry point; and every exported interface under lib/ follows aws-cdk-lib's
 * conventions for props: readonly, documented, and an `@default` on every optional property.
 */
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { Topic } from 'aws-cdk-lib/aws-sns';
import ts from 'typescript';
import type {
  AlertingProps,
  DiagnosisProps,
  PayProbeFunctionProps,
  PayProbeProps,
  PayProbeStackProps,
  PreflightProps,
  ProbeDashboardProps,
  ProcessorMonitorProps,
} from '../../lib';
import * as payprobe from '../../lib';
import { fixture, REPO, resources, Template } from '../support/cdk';

const app = () => new App({ context: { 'aws:cdk:bundling-stacks': [] } });

test('the whole monitor from the entry point: a config file in, stacks with functions, alarms and topics out', () => {
  const config = payprobe.loadConfigFile(fixture('two-processors.yaml'));
  expect(payprobe.validateStackConfig(config)).toEqual([]);
  const props: PayProbeStackProps = { config, secretCacheTtl: Duration.minutes(5) };
  const stack = new payprobe.PayProbeStack(app(), 'PayProbe', props);
  const template = Template.fromStack(stack);
  expect(Object.keys(resources(template, 'AWS::SNS::Topic'))).toHaveLength(2);
  template.hasResourceProperties('AWS::CloudWatch::Alarm', {
    AlarmName: payprobe.alarmName('acme-pay', 'HandshakeFailing'),
  });
  for (const m of stack.monitors) expect(m.probe).toBeInstanceOf(payprobe.PayProbeFunction);
});

test('the whole monitor as one construct in an app’s own stack, paging through the app’s own topics', () => {
  const stack = new Stack(app(), 'Mine', { env: { account: '111122223333', region: 'eu-west-1' } });
  const critical = new Topic(stack, 'Pager');
  const warning = new Topic(stack, 'Chat');
  const props: PayProbeProps = {
    config: payprobe.loadConfigFile(fixture('two-processors.yaml')),
    criticalTopic: critical,
    warningTopic: warning,
  };
  const monitor = new payprobe.PayProbe(stack, 'PayProbe', props);
  expect(monitor.alerting).toBeUndefined();
  const template = Template.fromStack(stack);
  // No topics of payprobe's own: the two of the app; the diagnose function pages the app's pager, and its
  // fallbacks (its failure destination, its own error alarm) go there too.
  expect(Object.keys(resources(template, 'AWS::SNS::Topic'))).toEqual([
    stack.getLogicalId(critical.node.defaultChild as never),
    stack.getLogicalId(warning.node.defaultChild as never),
  ]);
  const pager = { Ref: stack.getLogicalId(critical.node.defaultChild as never) };
  template.hasResourceProperties('AWS::CloudWatch::Alarm', {
    AlarmName: payprobe.alarmName('acme-pay', 'HandshakeFailing'),
    AlarmActions: Match.absent(),
  });
  template.hasResourceProperties('AWS::CloudWatch::Alarm', {
    AlarmName: 'PayProbe-DiagnoseErrors-Mine',
    AlarmActions: [pager],
  });
  template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
    DestinationConfig: { OnFailure: { Destination: pager } },
  });
  expect(monitor.monitors.map((m) => m.processor.name)).toEqual(['acme-pay', 'fastpay']);
  expect(() => new payprobe.PayProbe(stack, 'Half', { ...props, warningTopic: undefined })).toThrow(
    /criticalTopic and warningTopic together/,
  );
});

test('the parts compose in an app’s own stack, with its own topics', () => {
  const stack = new Stack(app(), 'Mine');
  const config = payprobe.loadConfigFile(fixture('two-processors.yaml'));
  const alertingProps: AlertingProps = { critical: [{ email: 'oncall@example.com' }] };
  const alerting = new payprobe.Alerting(stack, 'Alerting', alertingProps);
  const monitors = config.processors.map((processor, index) => {
    const props: ProcessorMonitorProps = {
      processor,
      configLocation: { file: config.file, path: `processors[${index}]` },
      criticalTopic: alerting.criticalTopic,
      warningTopic: alerting.warningTopic,
    };
    return new payprobe.ProcessorMonitor(stack, `Monitor${index}`, props);
  });
  const dashboardProps: ProbeDashboardProps = { monitors, dashboardName: 'mine' };
  new payprobe.ProbeDashboard(stack, 'Dashboard', dashboardProps);
  const diagnosisProps: DiagnosisProps = {
    processors: config.processors,
    criticalTopic: alerting.criticalTopic,
    warningTopic: alerting.warningTopic,
  };
  new payprobe.Diagnosis(stack, 'Diagnosis', diagnosisProps);
  const preflightProps: PreflightProps = { processors: config.processors, executeAfter: monitors };
  new payprobe.Preflight(stack, 'Preflight', preflightProps);
  const functionProps: PayProbeFunctionProps = {
    handler: 'probe',
    description: 'payprobe: my own probe',
    roleDescription: 'payprobe: my own probe role',
    timeout: Duration.seconds(30),
  };
  new payprobe.PayProbeFunction(stack, 'Extra', functionProps).grantPutMetricData(payprobe.METRIC_NAMESPACE);

  const functions = Object.values(resources(Template.fromStack(stack), 'AWS::Lambda::Function'));
  // Two probes, the diagnose and the preflight function, the extra one, and the Provider framework's relay.
  expect(functions).toHaveLength(6);
});

/** Every `.ts` file under lib/. */
function libFiles(dir = path.join(REPO, 'lib')): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? libFiles(path.join(dir, e.name))
      : e.name.endsWith('.ts')
        ? [path.join(dir, e.name)]
        : [],
  );
}

/** Convention breaches of the exported interfaces in one file's text, as `file: Interface.prop: what`. */
function propsConventions(rel: string, text: string): string[] {
  const source = ts.createSourceFile(rel, text, ts.ScriptTarget.ES2022, true);
  const found: string[] = [];
  for (const statement of source.statements) {
    if (!ts.isInterfaceDeclaration(statement)) continue;
    if (!statement.modifiers?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword)) continue;
    for (const member of statement.members) {
      if (!ts.isPropertySignature(member)) continue;
      const at = `${rel}: ${statement.name.text}.${member.name.getText(source)}`;
      const docs = ts.getJSDocCommentsAndTags(member).filter(ts.isJSDoc);
      const tags = ts.getJSDocTags(member).map((t) => t.tagName.text);
      if (!member.modifiers?.some((m) => m.kind === ts.SyntaxKind.ReadonlyKeyword))
        found.push(`${at}: not readonly`);
      if (docs.length === 0) found.push(`${at}: no doc comment`);
      if (member.questionToken && !tags.includes('default')) found.push(`${at}: optional without @default`);
    }
  }
  return found;
}

test('every exported interface under lib/: readonly properties, each documented, @default on the optional ones', () => {
  const files = libFiles();
  expect(files.length).toBeGreaterThan(10);
  expect(files.flatMap((f) => propsConventions(path.relative(REPO, f), readFileSync(f, 'utf8')))).toEqual([]);
});

test('the convention check finds each kind of breach', () => {
  const text =
    'export interface BadProps {\n  /** Documented. */\n  maybe?: string;\n  readonly bare: number;\n}\n';
  expect(propsConventions('lib/bad.ts', text)).toEqual([
    'lib/bad.ts: BadProps.maybe: not readonly',
    'lib/bad.ts: BadProps.maybe: optional without @default',
    'lib/bad.ts: BadProps.bare: no doc comment',
  ]);
});
