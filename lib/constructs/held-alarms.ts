/**
 * The held-alarms topic: internal, no subscriber but the diagnose functions. The alarms of a processor with
 * maintenance windows act on it instead of on the critical/warning topic, so CloudWatch runs the action a
 * window's mute rule held back (the window ended with the alarm still in ALARM) into the diagnose function,
 * which pages it diagnosed (lambdas/diagnose/held.ts), instead of paging the pager raw. Outside windows the
 * same action is a notification beside the EventBridge event the function already paged: it ignores it.
 * Encrypted with the alert topics' key (CloudWatch may use it), TLS-only, and only payprobe's alarms may
 * publish to it (lib/constructs/alerting.ts).
 */
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { alarmTopicKey, allowPayProbeAlarmsToPublish } from './alerting';

export interface HeldAlarmsProps {
  /**
   * The key encrypting the topic: the alert topics' key. CloudWatch must be allowed to use it
   * (kms:Decrypt, kms:GenerateDataKey*), as Alerting's key is.
   *
   * @default - a new customer managed key that CloudWatch may use (alarmTopicKey)
   */
  readonly masterKey?: IKey;
}

/** The internal topic the held alarm actions go to; the diagnose functions subscribe to it. */
export class HeldAlarms extends Construct {
  /** Where the alarms of processors with maintenance windows send their ALARM notifications. */
  public readonly topic: Topic;

  constructor(scope: Construct, id: string, props: HeldAlarmsProps = {}) {
    super(scope, id);
    this.topic = new Topic(this, 'Topic', {
      displayName: 'payprobe held alarms (internal: the diagnose function pages)',
      masterKey:
        props.masterKey ??
        alarmTopicKey(
          this,
          'Key',
          'payprobe: encrypts the held-alarms topic (processors with maintenance windows)',
        ),
      enforceSSL: true,
    });
    allowPayProbeAlarmsToPublish(this.topic);
  }
}
