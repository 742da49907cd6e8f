/**
 * Reading a template's Lambda functions for the e2e harness (testbed/aws/stack-functions.ts), on a small
 * template shaped like the synthesized stack (the replays run it on the real one): roles from the
 * environment contract, environment intrinsics resolved to the emulator's names, schedules and event
 * rules, and the reads a role grants against the references a function makes.
 */
import type { CfnTemplate } from '../../../testbed/aws/alarm-model';
import { templateContext } from '../../../testbed/aws/alarm-model';
import { rateMs, stackFunctions, uncoveredReads } from '../../../testbed/aws/stack-functions';

const processor = (name: string) => ({
  name,
  endpoint: 'https://127.0.0.1:8443',
  tls: { ca: { ssm: '/payprobe/gateway/ca-bundle' } },
  auth: { credentials: { type: 'bearer', token: { secretsManager: `payprobe/${name}/api-key` } } },
});

const arn = (service: string, resource: string) => ({
  'Fn::Join': [
    '',
    [
      'arn:',
      { Ref: 'AWS::Partition' },
      `:${service}:`,
      { Ref: 'AWS::Region' },
      ':',
      { Ref: 'AWS::AccountId' },
      resource,
    ],
  ],
});

function template(grantParameter = true): CfnTemplate {
  return {
    Resources: {
      Topic: { Type: 'AWS::SNS::Topic' },
      AcmeRole: { Type: 'AWS::IAM::Role' },
      AcmePolicy: {
        Type: 'AWS::IAM::Policy',
        Properties: {
          Roles: [{ Ref: 'AcmeRole' }],
          PolicyDocument: {
            Statement: [
              {
                Effect: 'Allow',
                Action: 'logs:PutLogEvents',
                Resource: { 'Fn::GetAtt': ['LogGroup', 'Arn'] },
              },
              {
                Effect: 'Allow',
                Action: 'secretsmanager:GetSecretValue',
                Resource: arn('secretsmanager', ':secret:payprobe/acme/api-key-??????'),
              },
              ...(grantParameter
                ? [
                    {
                      Effect: 'Allow',
                      Action: 'ssm:GetParameter',
                      Resource: arn('ssm', ':parameter/payprobe/gateway/ca-bundle'),
                    },
                  ]
                : []),
            ],
          },
        },
      },
      AcmeFunction: {
        Type: 'AWS::Lambda::Function',
        Properties: {
          Role: { 'Fn::GetAtt': ['AcmeRole', 'Arn'] },
          Timeout: 48,
          MemorySize: 256,
          Environment: {
            Variables: {
              PAYPROBE_PROCESSOR: JSON.stringify(processor('acme')),
              NODE_OPTIONS: '--enable-source-maps',
            },
          },
        },
      },
      AcmeSchedule: {
        Type: 'AWS::Events::Rule',
        Properties: {
          ScheduleExpression: 'rate(1 minute)',
          Targets: [{ Arn: { 'Fn::GetAtt': ['AcmeFunction', 'Arn'] }, Id: 'T' }],
        },
      },
      DiagnosisFunction: {
        Type: 'AWS::Lambda::Function',
        Properties: {
          Environment: {
            Variables: {
              PAYPROBE_PROCESSORS: JSON.stringify({ acme: processor('acme') }),
              PAYPROBE_TOPIC_CRITICAL_ARN: { Ref: 'Topic' },
            },
          },
        },
      },
      DiagnosisRule: {
        Type: 'AWS::Events::Rule',
        Properties: {
          EventPattern: { source: ['aws.cloudwatch'] },
          Targets: [{ Arn: { 'Fn::GetAtt': ['DiagnosisFunction', 'Arn'] }, Id: 'T' }],
        },
      },
      Other: { Type: 'AWS::Lambda::Function', Properties: { Handler: 'index.handler' } },
    },
  };
}

const ctx = (t: CfnTemplate) =>
  templateContext(
    t,
    { region: 'eu-west-1', account: '123456789012' },
    { Topic: 'arn:aws:sns:eu-west-1:123456789012:moto-topic' },
  );

describe('stackFunctions', () => {
  it('tells the probe and the diagnose function apart by their environment and resolves it', () => {
    const t = template();
    const fns = stackFunctions(t, ctx(t));
    expect(fns.map((f) => [f.logicalId, f.role, f.processor ?? null])).toEqual([
      ['AcmeFunction', 'probe', 'acme'],
      ['DiagnosisFunction', 'diagnose', null],
      ['Other', 'other', null],
    ]);
    const [probe, diagnose] = fns;
    expect(probe).toMatchObject({ name: 'AcmeFunction', timeoutSeconds: 48, memoryMb: 256 });
    expect(probe?.environment.NODE_OPTIONS).toBe('--enable-source-maps');
    expect(diagnose?.environment.PAYPROBE_TOPIC_CRITICAL_ARN).toBe(
      'arn:aws:sns:eu-west-1:123456789012:moto-topic',
    );
  });

  it('finds what invokes each function: schedules with their rate, event rules with their pattern', () => {
    const t = template();
    const [probe, diagnose] = stackFunctions(t, ctx(t));
    expect(probe?.schedules).toEqual([{ ruleId: 'AcmeSchedule', everyMs: 60_000 }]);
    expect(probe?.eventRules).toEqual([]);
    expect(diagnose?.eventRules).toEqual([
      { ruleId: 'DiagnosisRule', pattern: { source: ['aws.cloudwatch'] } },
    ]);
  });

  it('finds the topics that deliver to a function: a lambda subscription with a permission for that topic', () => {
    const t = template();
    const resources = { ...(t.Resources ?? {}) } as Record<
      string,
      { Type: string; Properties?: Record<string, unknown> }
    >;
    const fn = { 'Fn::GetAtt': ['DiagnosisFunction', 'Arn'] };
    resources.HeldSubscription = {
      Type: 'AWS::SNS::Subscription',
      Properties: { Protocol: 'lambda', TopicArn: { Ref: 'Topic' }, Endpoint: fn },
    };
    const subscribed: CfnTemplate = { Resources: { ...resources } };
    // Without the Lambda permission SNS cannot invoke it: no delivery.
    expect(stackFunctions(subscribed, ctx(subscribed))[1]?.topicSubscriptions).toEqual([]);
    resources.HeldPermission = {
      Type: 'AWS::Lambda::Permission',
      Properties: {
        Action: 'lambda:InvokeFunction',
        FunctionName: fn,
        Principal: 'sns.amazonaws.com',
        SourceArn: { Ref: 'Topic' },
      },
    };
    const permitted: CfnTemplate = { Resources: resources };
    const [probe, diagnose] = stackFunctions(permitted, ctx(permitted));
    expect(diagnose?.topicSubscriptions).toEqual(['arn:aws:sns:eu-west-1:123456789012:moto-topic']);
    expect(probe?.topicSubscriptions).toEqual([]);
  });

  it('finds an EventBridge Scheduler schedule (what the stack deploys) by its target, skipping a disabled one', () => {
    const t = template();
    const resources = { ...(t.Resources ?? {}) } as Record<
      string,
      { Type: string; Properties?: Record<string, unknown> }
    >;
    delete resources.AcmeSchedule;
    resources.AcmeProbeSchedule = {
      Type: 'AWS::Scheduler::Schedule',
      Properties: {
        ScheduleExpression: 'rate(1 minute)',
        FlexibleTimeWindow: { Mode: 'OFF' },
        State: 'ENABLED',
        Target: { Arn: { 'Fn::GetAtt': ['AcmeFunction', 'Arn'] }, RoleArn: 'x' },
      },
    };
    resources.Paused = {
      Type: 'AWS::Scheduler::Schedule',
      Properties: {
        ScheduleExpression: 'rate(1 minute)',
        State: 'DISABLED',
        Target: { Arn: { 'Fn::GetAtt': ['AcmeFunction', 'Arn'] } },
      },
    };
    const scheduled: CfnTemplate = { Resources: resources };
    const [probe] = stackFunctions(scheduled, ctx(scheduled));
    expect(probe?.schedules).toEqual([{ ruleId: 'AcmeProbeSchedule', everyMs: 60_000 }]);
  });

  it("reads the role's secret and parameter grants and names the references they miss", () => {
    const granted = template();
    const [probe, diagnose] = stackFunctions(granted, ctx(granted));
    expect(probe?.grants).toEqual({
      secrets: ['payprobe/acme/api-key'],
      parameters: ['payprobe/gateway/ca-bundle'],
    });
    expect(uncoveredReads(probe as never)).toEqual([]);
    // The diagnose function here has no role at all: every reference of its processors is uncovered.
    expect(uncoveredReads(diagnose as never)).toEqual([
      'ssm: /payprobe/gateway/ca-bundle',
      'secretsManager: payprobe/acme/api-key',
    ]);
    const missing = template(false);
    expect(uncoveredReads(stackFunctions(missing, ctx(missing))[0] as never)).toEqual([
      'ssm: /payprobe/gateway/ca-bundle',
    ]);
  });
});

describe('rateMs', () => {
  it('reads rate expressions and refuses anything else', () => {
    expect(rateMs('rate(1 minute)')).toBe(60_000);
    expect(rateMs('rate(5 minutes)')).toBe(300_000);
    expect(rateMs('rate(2 hours)')).toBe(7_200_000);
    expect(() => rateMs('cron(0 12 * * ? *)')).toThrow(/only rate/);
  });
});
