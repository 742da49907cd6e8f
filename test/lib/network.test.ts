/**
 * Running the probes where the integration runs (synthesized for real, bundling skipped): the config's
 * `network.vpc` puts each probe function in those subnets with those security groups, the diagnose and
 * preflight functions re-probe from the same placement (one of each per placement), the roles may manage
 * only the functions' network interfaces (no AWSLambdaVPCAccessExecutionRole), cdk-nag stays clean with a
 * reason for each acknowledgement; a CDK app can pass its own IVpc, subnets and security groups; and every
 * half-specified or contradictory placement stops synthesis with a message naming it. Also the deployment
 * side of the forward proxy: `proxy: env` does not deploy, and the dashboard shows the proxy's time.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { App, Stack, Validations } from 'aws-cdk-lib';
import { SecurityGroup, SubnetType, Vpc } from 'aws-cdk-lib/aws-ec2';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ConfigError, loadConfigFile } from '../../lambdas/core/config/load';
import { ENV_PROCESSOR, ENV_PROCESSORS } from '../../lambdas/core/contract/env-names';
import { PayProbeStack } from '../../lib/constructs/payprobe-stack';
import { ProcessorMonitor } from '../../lib/constructs/processor-monitor';
import { cdkJsonContext, flatten, must, resources, synthConfig, Template } from '../support/cdk';

const VPC_A =
  '{ vpcId: vpc-0aaa11112222, subnetIds: [subnet-0aaa0001, subnet-0aaa0002], securityGroupIds: [sg-0aaa0001] }';
const VPC_B =
  '{ vpcId: vpc-0bbb11112222, subnetIds: [subnet-0bbb0001], securityGroupIds: [sg-0bbb0001, sg-0bbb0002] }';
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'payprobe-network-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function configFile(lines: string[]): string {
  const file = path.join(dir, `payprobe-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(
    file,
    [
      'alerting: { critical: [{ email: oncall@example.com }], warning: [{ email: team@example.com }] }',
      ...lines,
      '',
    ].join('\n'),
  );
  return file;
}

const processor = (name: string, extra = '') =>
  [
    `  - name: ${name}`,
    `    endpoint: https://api.${name}.example`,
    `    auth: { request: { path: /ping }, credentials: { type: bearer, token: { secretsManager: ${name}/key } } }`,
    ...(extra ? [extra] : []),
  ].join('\n');

type Props = Record<string, unknown>;
const functions = (t: Template) =>
  Object.values(resources(t, 'AWS::Lambda::Function')).map((r) => r.Properties);
const probeOf = (t: Template, name: string) =>
  must(
    functions(t).find((p) => JSON.stringify(p).includes(`${ENV_PROCESSOR}":"{\\"name\\":\\"${name}\\"`)),
    `probe ${name}`,
  );
const diagnoseFunctions = (t: Template) =>
  functions(t).filter(
    (p) => (p.Environment as { Variables?: Props } | undefined)?.Variables?.[ENV_PROCESSORS],
  );
const diagnosedNames = (p: Props) =>
  Object.keys(
    JSON.parse((p.Environment as { Variables: Record<string, string> }).Variables[ENV_PROCESSORS] ?? '{}'),
  );

describe('network.vpc from the config', () => {
  const file = () =>
    configFile([
      'preflight: true',
      `defaults: { network: { vpc: ${VPC_A} } }`,
      'processors:',
      processor('acquirer'),
      processor('bank', `    network: { vpc: ${VPC_B} }`),
      processor('wallet'),
    ]);
  let stack: PayProbeStack;
  let template: Template;
  let app: App;
  beforeAll(() => {
    const s = synthConfig(file());
    app = s.app;
    stack = must(s.stacks[0], 'stack');
    template = Template.fromStack(stack);
  });

  test('puts each probe function in its subnets with its security groups', () => {
    expect(probeOf(template, 'acquirer').VpcConfig).toEqual({
      SubnetIds: ['subnet-0aaa0001', 'subnet-0aaa0002'],
      SecurityGroupIds: ['sg-0aaa0001'],
    });
    expect(probeOf(template, 'bank').VpcConfig).toEqual({
      SubnetIds: ['subnet-0bbb0001'],
      SecurityGroupIds: ['sg-0bbb0001', 'sg-0bbb0002'],
    });
    // Imported, never created or changed: no VPC, subnet or security group resource, no rule added.
    for (const type of [
      'AWS::EC2::VPC',
      'AWS::EC2::Subnet',
      'AWS::EC2::SecurityGroup',
      'AWS::EC2::SecurityGroupEgress',
    ])
      expect(Object.keys(resources(template, type))).toEqual([]);
  });

  test('one diagnose and one preflight function per placement, each re-probing from its processors’ place', () => {
    const diagnose = diagnoseFunctions(template);
    expect(diagnose.map((d) => [diagnosedNames(d), d.VpcConfig])).toEqual([
      [['acquirer', 'wallet'], probeOf(template, 'acquirer').VpcConfig],
      [['bank'], probeOf(template, 'bank').VpcConfig],
    ]);
    expect(stack.diagnoses.map((d) => d.node.id)).toEqual([
      'Diagnosis',
      expect.stringMatching(/^Diagnosis[0-9a-f]{8}$/),
    ]);
    expect(stack.diagnosis).toBe(stack.diagnoses[0]);
    // Each rule hears only its processors' alarms; each function has its own error alarm.
    const patterns = stack.diagnoses.map((d) =>
      JSON.stringify(
        Stack.of(d).resolve((d.rule.node.defaultChild as unknown as { eventPattern: unknown }).eventPattern),
      ),
    );
    expect(patterns[0]).toContain('PayProbe-acquirer-');
    expect(patterns[0]).toContain('PayProbe-wallet-');
    expect(patterns[0]).not.toContain('PayProbe-bank-');
    expect(patterns[1]).toContain('PayProbe-bank-');
    const names = stack.diagnoses.map((d) => Stack.of(d).resolve(d.errorsAlarm.alarmName));
    expect(new Set(names).size).toBe(2);
    expect(
      stack.preflights.map((p) => [
        Object.keys(JSON.parse(p.processorsJson)),
        flatten(
          Stack.of(p).resolve((p.function.node.defaultChild as unknown as { vpcConfig: unknown }).vpcConfig),
        ),
      ]),
    ).toEqual([
      [
        ['acquirer', 'wallet'],
        { subnetIds: ['subnet-0aaa0001', 'subnet-0aaa0002'], securityGroupIds: ['sg-0aaa0001'] },
      ],
      [['bank'], { subnetIds: ['subnet-0bbb0001'], securityGroupIds: ['sg-0bbb0001', 'sg-0bbb0002'] }],
    ]);
  });

  test('the roles may manage only their functions’ network interfaces, without the managed VPC policy', () => {
    for (const role of Object.values(resources(template, 'AWS::IAM::Role')))
      expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    const monitor = must(
      stack.monitors.find((m) => m.processor.name === 'acquirer'),
      'monitor',
    );
    const policy = flatten(
      stack.resolve(
        (
          monitor.probe.role.node.findChild('DefaultPolicy').node.defaultChild as unknown as {
            policyDocument: unknown;
          }
        ).policyDocument,
      ),
    ) as { Statement: { Sid: string; Action: string | string[]; Resource: string | string[] }[] };
    const bySid = Object.fromEntries(policy.Statement.map((s) => [s.Sid, s]));
    const arn = (r: string) => `arn:<AWS::Partition>:ec2:<AWS::Region>:<AWS::AccountId>:${r}`;
    // Actions and resources in sorted order (cdk.json's @aws-cdk/aws-iam:minimizePolicies sorts them).
    expect(bySid.CreateVpcNetworkInterfaces).toMatchObject({
      Action: 'ec2:CreateNetworkInterface',
      Resource: [
        arn('network-interface/*'),
        arn('security-group/sg-0aaa0001'),
        arn('subnet/subnet-0aaa0001'),
        arn('subnet/subnet-0aaa0002'),
      ],
    });
    expect(bySid.ManageVpcNetworkInterfaces).toMatchObject({
      Action: [
        'ec2:AssignPrivateIpAddresses',
        'ec2:DeleteNetworkInterface',
        'ec2:UnassignPrivateIpAddresses',
      ],
      Resource: arn('network-interface/*'),
    });
    expect(bySid.DescribeVpcNetworkInterfaces).toMatchObject({
      Action: ['ec2:DescribeNetworkInterfaces', 'ec2:DescribeSubnets'],
      Resource: '*',
    });
    // CloudFormation creates the function after the policy: Lambda checks the ENI permissions on create.
    const fnId = stack.getLogicalId(monitor.probeFunction.node.defaultChild as never);
    const policyId = stack.getLogicalId(
      monitor.probe.role.node.findChild('DefaultPolicy').node.defaultChild as never,
    );
    expect((template.toJSON().Resources[fnId] as { DependsOn: string[] }).DependsOn).toContain(policyId);
  });

  test('a processor without network, in a config that has none, stays outside any VPC', () => {
    const t = Template.fromStack(
      must(synthConfig(configFile(['processors:', processor('plain')])).stacks[0], 's'),
    );
    for (const f of functions(t)) expect(f.VpcConfig).toBeUndefined();
    const policies = JSON.stringify(resources(t, 'AWS::IAM::Policy'));
    expect(policies).not.toContain('ec2:');
  });

  test('cdk-nag finds nothing, and each acknowledgement on a VPC function says why', () => {
    const report = new AwsSolutionsChecks().validateScope(app);
    expect(report.violations.map((v) => v.ruleName)).toEqual([]);
    const monitor = must(stack.monitors[0], 'monitor');
    const acks = monitor.node
      .findAll()
      .flatMap((c) => c.node.metadata.filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY))
      .flatMap((m) => Object.entries(m.data as Record<string, string>))
      .map(([rule, reason]) => `${rule.replace(/^annotation::/i, '')} ${reason.split(' ')[0]}`);
    expect(acks).toEqual(
      expect.arrayContaining([
        'AwsSolutions-IAM5[Resource::*] ec2:DescribeNetworkInterfaces',
        'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ec2:<AWS::Region>:<AWS::AccountId>:network-interface/*] Lambda',
      ]),
    );
  });
});

describe('a placement that cannot deploy stops synthesis with a message naming it', () => {
  test('a half-specified network.vpc in the config', () => {
    const file = configFile([
      'processors:',
      processor('acquirer', '    network: { vpc: { vpcId: vpc-0aaa11112222 } }'),
    ]);
    expect(() => loadConfigFile(file)).toThrow(ConfigError);
    expect(() => loadConfigFile(file)).toThrow(
      /processors\[0\]\.network\.vpc: half-specified VPC placement: subnetIds, securityGroupIds are missing/,
    );
  });

  test('network.vpc in a config that deploys to several regions', () => {
    const file = configFile([
      'regions: [eu-west-1, us-east-1]',
      'processors:',
      processor('acquirer', `    network: { vpc: ${VPC_A} }`),
    ]);
    expect(() => synthConfig(file)).toThrow(
      /processors\[0\]\.network: network\.vpc vpc-0aaa11112222 lives in one region, but the config deploys to 2/,
    );
  });

  test('proxy: env (a deployed function has no HTTPS_PROXY)', () => {
    const file = configFile(['processors:', processor('acquirer', '    proxy: env')]);
    expect(() => synthConfig(file)).toThrow(/processors\[0\]\.proxy: proxy: env cannot be deployed/);
  });
});

describe('a network passed by a CDK app', () => {
  const env = { account: '111122223333', region: 'eu-west-1' };
  function appWithVpc() {
    const app = new App({ context: { ...cdkJsonContext(), 'aws:cdk:bundling-stacks': [] } });
    const net = new Stack(app, 'Network', { env });
    const vpc = new Vpc(net, 'Vpc', { natGateways: 1, maxAzs: 2 });
    return { app, net, vpc };
  }
  const plainConfig = () => loadConfigFile(configFile(['processors:', processor('acquirer')]));

  test('puts the functions in the selected private subnets, each with its own egress-only security group', () => {
    const { app, vpc } = appWithVpc();
    const stack = new PayProbeStack(app, 'PayProbe', {
      env,
      config: plainConfig(),
      network: { vpc, vpcSubnets: { subnetType: SubnetType.PRIVATE_WITH_EGRESS } },
    });
    const t = Template.fromStack(stack);
    for (const f of functions(t)) {
      const subnets = flatten((f.VpcConfig as { SubnetIds: unknown }).SubnetIds) as unknown[];
      expect(subnets).toHaveLength(2);
      expect(JSON.stringify(subnets)).toMatch(/PrivateSubnet/);
    }
    const groups = Object.values(resources(t, 'AWS::EC2::SecurityGroup')).map((g) => g.Properties);
    expect(groups).toHaveLength(2); // the probe's and the diagnose function's
    for (const g of groups) {
      expect(g.SecurityGroupIngress).toBeUndefined();
      expect(g.SecurityGroupEgress).toEqual([
        expect.objectContaining({ CidrIp: '0.0.0.0/0', IpProtocol: '-1' }),
      ]);
    }
    expect(new AwsSolutionsChecks().validateScope(stack).violations.map((v) => v.ruleName)).toEqual([]);
  });

  test('uses the security groups it is given, and no public subnet', () => {
    const { app, net, vpc } = appWithVpc();
    const sg = new SecurityGroup(net, 'ProbeEgress', { vpc, allowAllOutbound: true });
    const stack = new PayProbeStack(app, 'PayProbe', {
      env,
      config: plainConfig(),
      network: { vpc, securityGroups: [sg] },
    });
    const t = Template.fromStack(stack);
    expect(Object.keys(resources(t, 'AWS::EC2::SecurityGroup'))).toEqual([]);
    for (const f of functions(t)) expect(JSON.stringify(f.VpcConfig)).toContain('ProbeEgress');
    expect(
      () =>
        new PayProbeStack(appWithVpc().app, 'Public', {
          env,
          config: plainConfig(),
          network: { vpc: appWithVpc().vpc, vpcSubnets: { subnetType: SubnetType.PUBLIC } },
        }),
    ).toThrow(/selects public subnets: a Lambda function gets no public IP/);
  });

  test('a half-specified network (no vpc), an empty security group list, and a network in both places are refused', () => {
    const { app, vpc } = appWithVpc();
    expect(
      () =>
        new PayProbeStack(app, 'NoVpc', {
          env,
          config: plainConfig(),
          network: { vpcSubnets: { subnetType: SubnetType.PRIVATE_WITH_EGRESS } } as never,
        }),
    ).toThrow(/half-specified network: vpcSubnets without vpc/);
    expect(
      () =>
        new PayProbeStack(app, 'NoGroups', {
          env,
          config: plainConfig(),
          network: { vpc, securityGroups: [] },
        }),
    ).toThrow(/network\.securityGroups is empty/);
    const both = loadConfigFile(
      configFile(['processors:', processor('acquirer', `    network: { vpc: ${VPC_A} }`)]),
    );
    expect(
      () =>
        new ProcessorMonitor(new Stack(app, 'Both', { env }), 'Acquirer', {
          processor: must(both.processors[0], 'processor'),
          network: { vpc },
        }),
    ).toThrow(
      /network: the processor names a VPC in the config \(vpc-0aaa11112222\) and the ProcessorMonitor was given a network/,
    );
  });
});

describe('the dashboard of a processor reached through a forward proxy', () => {
  test('shows the proxy tunnel among the phase timings from the log, and names the proxy', () => {
    const stack = must(
      synthConfig(
        configFile(['processors:', processor('acquirer', '    proxy: { url: http://proxy.internal:3128 }')]),
      ).stacks[0],
      'stack',
    );
    const body = JSON.stringify(Template.fromStack(stack).toJSON());
    expect(body).toContain('avg(result.timings.proxyMs) as `proxy tunnel`');
    expect(body).toContain('through proxy http://proxy.internal:3128');
    expect(body).toContain('TLS handshake and proxy failures');
  });
});
