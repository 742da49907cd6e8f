/**
 * GatewayAlarm: pages critical when several processors fail at once, even while each processor's own alarm
 * is still evaluating (M of N at sub-minute intervals). It watches one metric for the whole gateway,
 * FailingProcessors with dimension Gateway (every probe run adds its share of the minute when it fails:
 * lambdas/core/contract/metric-names.ts), so it costs one metric and one alarm whatever the number of
 * processors, and the processors of several stacks count together when they share the gateway name.
 * Its state changes go to the diagnose function like the processors' alarms: it opens or joins the
 * cross-processor incident (docs/diagnosis.md "The gateway alarm").
 */
import { Duration, Stack } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, Metric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { gatewayAlarmName } from '../../lambdas/core/contract/alarm-names';
import {
  DIMENSION_GATEWAY,
  GATEWAY_METRIC,
  METRIC_NAMESPACE,
} from '../../lambdas/core/contract/metric-names';
import { DEFAULT_VERDICT } from '../../lambdas/core/diagnosis/verdict';
import { GATEWAY } from '../alarms/alarm-policy';

export interface GatewayAlarmProps {
  /**
   * The gateway's name: the Gateway dimension every probe function publishes (PAYPROBE_GATEWAY) and the
   * alarm's name, `PayProbe-ProcessorsFailing-<gateway>`.
   *
   * @default - the stack name
   */
  readonly gateway?: string;

  /**
   * How many processors failing at once page (the config's `verdict.minProcessors`).
   *
   * @default 2
   */
  readonly minProcessors?: number;

  /**
   * Where CloudWatch's own ALARM notification goes (no OK action: the diagnose function sends the RESOLVED).
   * The diagnose function pages for this alarm (the incident page); give a topic only for CloudWatch's raw
   * notification beside it (PayProbeProps.directAlarmNotifications).
   *
   * @default - no actions: the diagnose function, which sees the state changes, is the pager
   */
  readonly criticalTopic?: ITopic;
}

export class GatewayAlarm extends Construct {
  /** The gateway's name. */
  public readonly gateway: string;
  public readonly alarm: Alarm;

  constructor(scope: Construct, id: string, props: GatewayAlarmProps = {}) {
    const gateway = props.gateway ?? Stack.of(scope).stackName;
    const minProcessors = props.minProcessors ?? DEFAULT_VERDICT.minProcessors;
    if (!Number.isInteger(minProcessors) || minProcessors < 2) {
      throw new Error(
        `GatewayAlarm: minProcessors must be a whole number of at least 2 (got ${minProcessors})`,
      );
    }
    super(scope, id);
    this.gateway = gateway;
    this.alarm = new Alarm(this, 'Alarm', {
      alarmName: gatewayAlarmName(gateway),
      alarmDescription:
        `payprobe: ${minProcessors} or more processors of gateway ${gateway} failing in the same minute. ` +
        'The cause is most likely something they share on our side (a CA bundle, a client certificate, a proxy, the egress): ' +
        'the diagnose function sends one incident page naming the settings they share and the one that changed nearest the onset. ' +
        'Run `npx payprobe check --config payprobe.yaml` to see every processor at once. docs/diagnosis.md',
      metric: new Metric({
        namespace: METRIC_NAMESPACE,
        metricName: GATEWAY_METRIC,
        dimensionsMap: { [DIMENSION_GATEWAY]: gateway },
        statistic: GATEWAY.statistic,
        period: Duration.seconds(GATEWAY.periodSeconds),
      }),
      threshold: minProcessors,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: GATEWAY.evaluationPeriods,
      datapointsToAlarm: GATEWAY.datapointsToAlarm,
      // No probe ran: each processor's ProbeNotRunning owns that.
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    if (props.criticalTopic) {
      // ALARM only, like the processors' alarms: the recovery page is the diagnose function's RESOLVED.
      this.alarm.addAlarmAction(new SnsAction(props.criticalTopic));
    }
  }
}
