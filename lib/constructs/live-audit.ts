/**
 * LiveAudit: the live audit of each processor's settings, wired onto the monitors that already exist (docs/audit.md
 * "Live audit"). No new function and nothing always on: the probe function audits itself when its audit
 * schedule (EventBridge Scheduler, daily by default) invokes it with AUDIT_EVENT, and after a probe run that saw
 * an input change. Per processor: the schedule, one SSM String parameter (standard tier, free) remembering the
 * findings already paged, the AuditFindings warning alarm, and the least privilege the probe's role needs
 * (sns:Publish on the warning topic, ssm:GetParameter and ssm:PutParameter on its own state parameter). One
 * scheduler role invokes every probe function of the stack for its audits. The audit run pages its findings
 * itself: the alarm has no action unless `directAlarmNotifications` asks for CloudWatch's notification too.
 */
import { Duration } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, Metric, Stats, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { type IRole, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Schedule, ScheduleExpression, ScheduleTargetInput, TimeWindow } from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { ParameterTier, StringParameter } from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { INITIAL_STATE } from '../../lambdas/core/audit/live/state';
import { auditAlarmName } from '../../lambdas/core/contract/alarm-names';
import {
  AUDIT_EVENT,
  ENV_AUDIT_STATE_PARAMETER,
  ENV_AUDIT_TOPIC_ARN,
  ENV_RUNBOOK_BASE_URL,
} from '../../lambdas/core/contract/env-names';
import {
  AUDIT_FINDINGS_METRIC,
  DIMENSION_PROCESSOR,
  METRIC_NAMESPACE,
} from '../../lambdas/core/contract/metric-names';
import { DEFAULT_RUNBOOK_BASE_URL } from './options';
import type { ProcessorMonitor } from './processor-monitor';

/** Hours between scheduled live audits unless the config says otherwise (`audit.everyHours`). */
export const DEFAULT_AUDIT_EVERY_HOURS = 24;

/** The AuditFindings alarm's period: the hour of an audit run's datapoint. */
const ALARM_PERIOD = Duration.hours(1);

export interface LiveAuditProps {
  /** The monitors whose processors are audited. */
  readonly monitors: readonly ProcessorMonitor[];

  /** The warning topic: the audit's pages (and, with `directAlarmNotifications`, the AuditFindings alarms'). */
  readonly warningTopic: ITopic;

  /**
   * Also send CloudWatch's own ALARM notification of each AuditFindings alarm to the warning topic. The audit
   * run already pages its new and resolved findings there itself (one page, naming rule, field and fix).
   *
   * @default false
   */
  readonly directAlarmNotifications?: boolean;

  /**
   * The KMS key that encrypts the warning topic when it is imported (a Topic's own `masterKey` is granted
   * without this).
   *
   * @default - no extra key grant
   */
  readonly topicKey?: IKey;

  /**
   * Time between scheduled audits (an input change seen by a probe starts one as well).
   *
   * @default Duration.hours(24)
   */
  readonly every?: Duration;

  /**
   * The role EventBridge Scheduler assumes to invoke the probe functions for their audits.
   *
   * @default - one role for all the audit schedules, created here
   */
  readonly schedulerRole?: IRole;

  /**
   * Prefix of the runbook links; the audit page links docs/audit.md next to it.
   *
   * @default 'docs/runbooks/'
   */
  readonly runbookBaseUrl?: string;
}

/** One processor's live audit: its schedule, state parameter and alarm. */
export interface ProcessorAudit {
  /** The processor name (the metric dimension). */
  readonly processor: string;
  /** The audit schedule: invokes the probe function with AUDIT_EVENT. */
  readonly schedule: Schedule;
  /** The SSM parameter holding the findings already paged. */
  readonly state: StringParameter;
  /** The warning alarm on AuditFindings. */
  readonly alarm: Alarm;
}

/** The live audit of every given monitor's processor. */
export class LiveAudit extends Construct {
  /** The role the audit schedules run as. */
  public readonly schedulerRole: IRole;
  /** Per processor, in the order of the monitors. */
  public readonly audits: readonly ProcessorAudit[];

  constructor(scope: Construct, id: string, props: LiveAuditProps) {
    const every = props.every ?? Duration.hours(DEFAULT_AUDIT_EVERY_HOURS);
    if (!every.isUnresolved() && (every.toMinutes() < 60 || every.toHours({ integral: false }) > 168)) {
      throw new Error(
        `LiveAudit: every must be between 1 hour and 168 hours (got ${every.toHumanString()}); set audit.everyHours in the config to 1-168`,
      );
    }
    super(scope, id);
    this.schedulerRole =
      props.schedulerRole ??
      new Role(this, 'SchedulerRole', {
        assumedBy: new ServicePrincipal('scheduler.amazonaws.com'),
        description:
          'payprobe live audit: EventBridge Scheduler invokes the probe functions with the audit event',
      });
    this.audits = props.monitors.map((m) => this.auditOf(m, props, every));
  }

  private auditOf(m: ProcessorMonitor, props: LiveAuditProps, every: Duration): ProcessorAudit {
    const name = m.processor.name;
    const scope = new Construct(this, m.node.id);
    const state = new StringParameter(scope, 'State', {
      description: `payprobe live audit of ${name}: findings already paged (written by its probe function)`,
      stringValue: INITIAL_STATE,
      tier: ParameterTier.STANDARD,
    });
    m.probe.addToRolePolicy(
      new PolicyStatement({
        sid: 'LiveAuditState',
        actions: ['ssm:GetParameter', 'ssm:PutParameter'],
        resources: [state.parameterArn],
      }),
    );
    m.probe.grantPublish([props.warningTopic], props.topicKey);
    m.probeFunction.addEnvironment(ENV_AUDIT_TOPIC_ARN, props.warningTopic.topicArn);
    m.probeFunction.addEnvironment(ENV_AUDIT_STATE_PARAMETER, state.parameterName);
    m.probeFunction.addEnvironment(ENV_RUNBOOK_BASE_URL, props.runbookBaseUrl ?? DEFAULT_RUNBOOK_BASE_URL);

    const schedule = new Schedule(scope, 'Schedule', {
      description: `payprobe: audit the live settings of ${name} every ${every.toHumanString()}`,
      schedule: ScheduleExpression.rate(every),
      // Audits of many processors need not start in the same second: a 15-minute window spreads them.
      timeWindow: TimeWindow.flexible(Duration.minutes(15)),
      target: new LambdaInvoke(m.probeFunction, {
        input: ScheduleTargetInput.fromObject(AUDIT_EVENT),
        role: this.schedulerRole,
        // An audit is idempotent (findings already paged are not paged again): a late or repeated one is fine.
        retryAttempts: 2,
        maxEventAge: Duration.hours(1),
      }),
    });

    const alarm = new Alarm(scope, 'Alarm', {
      alarmName: auditAlarmName(name),
      alarmDescription:
        `payprobe live audit: ${name}'s live settings (SSM, Secrets Manager, the server chain the probe saw, our client certificate) ` +
        'have findings of warning severity or worse. The audit page on this topic names each rule, field and reference with ' +
        'why it matters and the fix; `npx payprobe audit --config <file>` runs the same rules locally (docs/audit.md "Live audit").',
      metric: new Metric({
        namespace: METRIC_NAMESPACE,
        metricName: AUDIT_FINDINGS_METRIC,
        dimensionsMap: { [DIMENSION_PROCESSOR]: name },
        statistic: Stats.MAXIMUM,
        period: ALARM_PERIOD,
      }),
      threshold: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      datapointsToAlarm: 1,
      // One datapoint per audit run: between runs the alarm keeps its state; the next run's count decides.
      treatMissingData: TreatMissingData.IGNORE,
    });
    // The audit run is this alarm's pager (its page names the rule, field and fix; a fix is reported
    // resolved): CloudWatch's own notification only on request, ALARM only like every payprobe alarm.
    if (props.directAlarmNotifications) alarm.addAlarmAction(new SnsAction(props.warningTopic));
    return { processor: name, schedule, state, alarm };
  }
}
