/**
 * Alerting: the critical (pages) and warning SNS topics, encrypted with a customer managed KMS key that
 * CloudWatch alarms may use, TLS-only, with subscriptions from the config's `alerting` section.
 */
import { createHash } from 'node:crypto';
import { Annotations, ArnFormat, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { type IKey, Key } from 'aws-cdk-lib/aws-kms';
import {
  type ITopic,
  Subscription as SnsSubscription,
  SubscriptionProtocol,
  Topic,
} from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import type { Subscription } from '../../lambdas/core/config/schema';
import { ALARM_NAME_PREFIX, type Severity } from '../../lambdas/core/contract/alarm-names';

/** Warning id when the critical topic has no subscriber (acknowledge it to silence the warning). */
export const NO_CRITICAL_SUBSCRIBER_WARNING = 'payprobe:alerting:criticalTopicHasNoSubscriber';

export interface AlertingProps {
  /**
   * Who gets paged: subscriptions of the critical topic (email, https webhook, sms).
   *
   * @default - none: synthesis warns that nobody will be paged
   */
  readonly critical?: readonly Subscription[];

  /**
   * Who hears about warnings (certificates expiring, latency): subscriptions of the warning topic.
   *
   * @default - none
   */
  readonly warning?: readonly Subscription[];

  /**
   * The KMS key that encrypts both topics. Its key policy must let `cloudwatch.amazonaws.com` use it
   * (kms:Decrypt, kms:GenerateDataKey*); a key created here does. The AWS managed alias/aws/sns key cannot
   * be used: CloudWatch alarms cannot publish to topics encrypted with it.
   *
   * @default - a new customer managed key with yearly rotation, deleted (after 7 days) with the stack
   */
  readonly masterKey?: IKey;
}

/** The two alert topics and their subscriptions. */
export class Alerting extends Construct {
  /** Pages: critical alarms publish here (ALARM and OK). */
  public readonly criticalTopic: Topic;
  /** Warnings: latency and certificate expiry. */
  public readonly warningTopic: Topic;
  /** The key encrypting both topics. Grant kms:GenerateDataKey/Decrypt on it to anything that publishes. */
  public readonly masterKey: IKey;

  constructor(scope: Construct, id: string, props: AlertingProps = {}) {
    super(scope, id);
    this.masterKey =
      props.masterKey ??
      alarmTopicKey(this, 'Key', 'payprobe: encrypts the critical and warning alert topics');

    const makeTopic = (
      topicId: string,
      severity: Severity,
      subscriptions: readonly Subscription[],
    ): Topic => {
      const topic = new Topic(this, topicId, {
        displayName: `payprobe ${severity}`,
        masterKey: this.masterKey,
        enforceSSL: true,
      });
      allowPayProbeAlarmsToPublish(topic);
      for (const s of subscriptions) subscribe(topic, s);
      return topic;
    };

    this.criticalTopic = makeTopic('CriticalTopic', 'critical', props.critical ?? []);
    this.warningTopic = makeTopic('WarningTopic', 'warning', props.warning ?? []);

    if ((props.critical ?? []).length === 0) {
      Annotations.of(this.criticalTopic).addWarningV2(
        NO_CRITICAL_SUBSCRIBER_WARNING,
        'The critical topic has no subscriber: alarms will fire but nobody is paged. ' +
          'Add alerting.critical to the config (email, https for PagerDuty/Opsgenie, or sms), ' +
          'or subscribe the CriticalTopicArn output yourself.',
      );
    }
  }

  /** The topic for alarms of a severity. */
  public topicFor(severity: Severity): ITopic {
    return severity === 'critical' ? this.criticalTopic : this.warningTopic;
  }
}

/**
 * A customer managed key CloudWatch alarms may use to publish to the topics it encrypts (yearly rotation,
 * deleted after 7 days with the stack). The AWS managed alias/aws/sns key cannot be used: CloudWatch alarms
 * cannot publish to topics encrypted with it.
 */
export function alarmTopicKey(scope: Construct, id: string, description: string): Key {
  const key = new Key(scope, id, {
    description,
    enableKeyRotation: true,
    // The key protects messages in flight only (SNS stores none): it goes with the stack, after 7 days.
    removalPolicy: RemovalPolicy.DESTROY,
    pendingWindow: Duration.days(7),
  });
  // CloudWatch alarms publish to encrypted topics with their own service identity. Its KMS calls carry
  // no caller account, so a condition here would silently stop every page: none is set (the topic
  // policy, allowPayProbeAlarmsToPublish, limits publishing to payprobe's alarms).
  key.addToResourcePolicy(
    new PolicyStatement({
      sid: 'AllowCloudWatchAlarmsToUseTheKey',
      principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
      actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
      resources: ['*'],
    }),
  );
  return key;
}

/** Lets payprobe's alarms (`PayProbe-*` in this account and region) publish to a topic, nothing else. */
export function allowPayProbeAlarmsToPublish(topic: Topic): void {
  const stack = Stack.of(topic);
  const alarmArns = stack.formatArn({
    service: 'cloudwatch',
    resource: 'alarm',
    resourceName: `${ALARM_NAME_PREFIX}-*`,
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  });
  topic.addToResourcePolicy(
    new PolicyStatement({
      sid: 'AllowPayProbeAlarmsToPublish',
      principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
      actions: ['sns:Publish'],
      resources: [topic.topicArn],
      conditions: {
        ArnLike: { 'aws:SourceArn': alarmArns },
        StringEquals: { 'aws:SourceAccount': stack.account },
      },
    }),
  );
}

const PROTOCOLS = {
  email: { scope: 'Email', protocol: SubscriptionProtocol.EMAIL },
  https: { scope: 'Https', protocol: SubscriptionProtocol.HTTPS },
  sms: { scope: 'Sms', protocol: SubscriptionProtocol.SMS },
} as const;

/**
 * Subscribes one endpoint. The construct ID (and so the logical ID) is a protocol scope plus the first 12 hex
 * digits of the endpoint's SHA-256, never the endpoint itself: aws-sns-subscriptions derives IDs from the
 * address, which put a pager's integration key (or an email address, a phone number) into the template's
 * logical IDs. A hash keeps the ID stable when the list is reordered (no subscription is replaced) and
 * different for a different endpoint. A repeated endpoint is subscribed once (SNS would merge it anyway).
 */
function subscribe(topic: Topic, s: Subscription): void {
  const [kind, endpoint] =
    'email' in s
      ? (['email', s.email] as const)
      : 'https' in s
        ? (['https', s.https] as const)
        : (['sms', s.sms] as const);
  const { scope: scopeId, protocol } = PROTOCOLS[kind];
  const scope = (topic.node.tryFindChild(scopeId) as Construct | undefined) ?? new Construct(topic, scopeId);
  const id = createHash('sha256').update(endpoint).digest('hex').slice(0, 12);
  if (scope.node.tryFindChild(id)) return;
  new SnsSubscription(scope, id, { topic, protocol, endpoint });
}
