/**
 * The alert topics and the dashboard of the two-processor stack (test/support/two-processor-stack.ts):
 * encryption, who may publish, subscriptions from the config, and the dashboard's at-a-glance status and
 * per-processor graphs.
 */
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { flatten, must, resources } from '../support/cdk';
import { type Statement, synthTwoProcessors } from '../support/two-processor-stack';

const { stack, alerting, template, acme, fastpay, id, criticalTopic, warningTopic } = synthTwoProcessors();

describe('alert topics', () => {
  test('both topics are encrypted with a rotated customer managed key that CloudWatch alarms may use', () => {
    const keyId = id(alerting.masterKey as never);
    for (const topic of [alerting.criticalTopic, alerting.warningTopic]) {
      expect(
        must(resources(template, 'AWS::SNS::Topic')[id(topic)], 'topic').Properties.KmsMasterKeyId,
      ).toEqual({
        'Fn::GetAtt': [keyId, 'Arn'],
      });
    }
    template.hasResource('AWS::KMS::Key', {
      DeletionPolicy: 'Delete',
      Properties: Match.objectLike({ PendingWindowInDays: 7 }),
    });
    template.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
          }),
        ]),
      },
    });
  });

  test('publishing is TLS-only, and only payprobe alarms of this account may publish as CloudWatch', () => {
    for (const topic of [alerting.criticalTopic, alerting.warningTopic]) {
      const policy = Object.values(resources(template, 'AWS::SNS::TopicPolicy')).find((p) =>
        (p.Properties.Topics as unknown[]).some(
          (t) => JSON.stringify(t) === JSON.stringify({ Ref: id(topic) }),
        ),
      );
      const statements = (flatten(policy?.Properties.PolicyDocument) as { Statement: Statement[] }).Statement;
      expect(statements).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            Effect: 'Deny',
            Action: 'sns:Publish',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
          expect.objectContaining({
            Effect: 'Allow',
            Action: 'sns:Publish',
            Condition: {
              ArnLike: {
                'aws:SourceArn':
                  'arn:<AWS::Partition>:cloudwatch:<AWS::Region>:<AWS::AccountId>:alarm:PayProbe-*',
              },
              StringEquals: { 'aws:SourceAccount': '<AWS::AccountId>' },
            },
          }),
        ]),
      );
    }
  });

  test('subscriptions come from the config: email and https page, sms gets warnings', () => {
    const subs = Object.values(resources(template, 'AWS::SNS::Subscription')).map((s) =>
      flatten(s.Properties),
    );
    expect(subs).toEqual(
      expect.arrayContaining([
        { Protocol: 'email', Endpoint: 'oncall@example.com', TopicArn: criticalTopic },
        {
          Protocol: 'https',
          Endpoint: 'https://events.pagerduty.example/integration/abc123/enqueue',
          TopicArn: criticalTopic,
        },
        { Protocol: 'sms', Endpoint: '+14155550100', TopicArn: warningTopic },
      ]),
    );
    expect(subs).toHaveLength(3);
  });

  test('a critical topic with subscribers raises no "nobody is paged" warning', () => {
    Annotations.fromStack(stack).hasNoWarning('*', Match.stringLikeRegexp('nobody is paged'));
  });
});

describe('dashboard', () => {
  const body = JSON.parse(
    flatten(
      must(
        resources(template, 'AWS::CloudWatch::Dashboard')[
          id(must(stack.dashboard, 'the dashboard').dashboard)
        ],
        'dashboard',
      ).Properties.DashboardBody,
    ) as string,
  ) as { widgets: { type: string; width: number; y: number; properties: Record<string, unknown> }[] };
  const widgets = body.widgets;
  const titled = (title: string) =>
    must(
      widgets.find((w) => w.properties.title === title),
      title,
    );

  test('opens with every processor’s status at a glance: critical alarm states, then availability', () => {
    const status = must(widgets[0], 'first widget');
    const availability = must(widgets[1], 'second widget');
    expect(status.type).toBe('alarm');
    expect(status.y).toBe(0);
    const critical = stack.alarms.filter((a) => a.severity === 'critical');
    expect((status.properties.alarms as string[]).length).toBe(critical.length);
    expect(availability.properties).toMatchObject({ view: 'singleValue', setPeriodToTimeRange: true });
    const expressions = (availability.properties.metrics as [{ expression?: string; label?: string }][]).map(
      (m) => m[0],
    );
    expect(expressions.filter((e) => e.expression).map((e) => e.label)).toEqual(['acme-pay', 'fastpay']);
  });

  test.each([['acme-pay'], ['fastpay']])(
    '%s has availability, failures, stacked phase timings from the log, latency, cert days and failures by class',
    (name) => {
      const failures = titled(`${name}: handshake and auth failures`);
      expect(JSON.stringify(failures.properties.metrics)).toContain('HandshakeFailure');
      expect(JSON.stringify(failures.properties.metrics)).toContain('AuthFailure');
      // The phases come from the probe's own log group through Logs Insights, not from metrics.
      const timings = titled(`${name}: phase timings (ms, stacked; from the probe log)`);
      expect(timings.type).toBe('log');
      expect(timings.properties).toMatchObject({ view: 'timeSeries', stacked: true });
      const monitor = name === 'acme-pay' ? acme : fastpay;
      const query = String(timings.properties.query);
      expect(query).toContain(`SOURCE '<${id(monitor.probe.logGroup)}>'`);
      for (const field of ['dnsMs', 'connectMs', 'tlsMs', 'firstByteMs'])
        expect(query).toContain(`avg(result.timings.${field})`);
      expect(query).toContain('by bin(1m)');
      // Latency of the runs LatencyHigh judges (passed runs), with its budget.
      const latency = titled(`${name}: total probe time of passed runs (ms)`);
      expect(JSON.stringify(latency.properties.metrics)).toContain('TotalTime');
      // True availability (100 x Success), not AvailabilityLow's catch-all arithmetic.
      const availability = titled(`${name}: availability (%)`);
      const graphed = (availability.properties.metrics as { expression?: string }[][]).map((m) => m[0]);
      expect(graphed.filter((e) => e?.expression).map((e) => e?.expression)).toEqual(['100 * success']);
      expect(JSON.stringify(availability.properties.metrics)).not.toContain('HandshakeFailure');
      const certs = JSON.stringify(titled(`${name}: certificate days left`).properties.metrics);
      expect(certs).toContain('CertDaysToExpiry');
      expect(certs.includes('ClientCertDaysToExpiry')).toBe(name === 'acme-pay');
      const byClass = JSON.stringify(titled(`${name}: failures by class`).properties.metrics);
      expect(byClass).toContain(
        `SEARCH('{PayProbe,Class,Processor} MetricName=\\"Failure\\" Processor=\\"${name}\\"', 'Sum', 60)`,
      );
    },
  );
});
