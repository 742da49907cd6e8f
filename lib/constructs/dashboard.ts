/**
 * ProbeDashboard: one CloudWatch dashboard for all processors. A top row with every processor's status at
 * a glance (critical alarm states and availability), then a section per processor: availability, handshake
 * and auth failures, stacked phase timings, certificate days left, and failures by class.
 */
import { Duration, Stack, Token } from 'aws-cdk-lib';
import {
  AlarmStatusWidget,
  AlarmStatusWidgetSortBy,
  Color,
  Dashboard,
  GraphWidget,
  type IWidget,
  MathExpression,
  SearchExpression,
  SingleValueWidget,
  Stats,
  TextWidget,
} from 'aws-cdk-lib/aws-cloudwatch';
import { Construct } from 'constructs';
import { METRIC_NAMESPACE, METRICS } from '../../lambdas/core/contract/metric-names';
import { describeRef, isSecretRef } from '../../lambdas/core/secrets/resolver';
import { DEFAULT_AVAILABILITY_THRESHOLD } from '../alarms/alarm-policy';
import type { ProcessorMonitor } from './processor-monitor';

export interface ProbeDashboardProps {
  /** The monitors to show, in order. */
  readonly monitors: readonly ProcessorMonitor[];

  /**
   * The dashboard's name. Dashboards are global to an account: give each region's stack its own.
   *
   * @default - the stack name, with `-<region>` appended unless it already ends with it
   */
  readonly dashboardName?: string;

  /**
   * Time range shown when the dashboard opens.
   *
   * @default Duration.hours(3)
   */
  readonly defaultInterval?: Duration;
}

const FULL = 24;

/** The payprobe dashboard. */
export class ProbeDashboard extends Construct {
  public readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: ProbeDashboardProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.dashboard = new Dashboard(this, 'Resource', {
      dashboardName:
        props.dashboardName ??
        (!Token.isUnresolved(stack.region) && stack.stackName.endsWith(`-${stack.region}`)
          ? stack.stackName
          : `${stack.stackName}-${stack.region}`),
      defaultInterval: props.defaultInterval ?? Duration.hours(3),
    });

    this.dashboard.addWidgets(...this.statusRow(props.monitors));
    for (const monitor of props.monitors) this.dashboard.addWidgets(...this.processorSection(monitor));
  }

  private statusRow(monitors: readonly ProcessorMonitor[]): IWidget[] {
    const critical = monitors.flatMap((m) =>
      m.alarms.filter((a) => a.severity === 'critical').map((a) => a.alarm),
    );
    return [
      new AlarmStatusWidget({
        title: 'Processors: critical alarms (red = paging now)',
        alarms: critical,
        sortBy: AlarmStatusWidgetSortBy.STATE_UPDATED_TIMESTAMP,
        width: FULL,
        height: Math.min(2 + Math.ceil(critical.length / 4), 8),
      }),
      new SingleValueWidget({
        title: 'Availability over the time range (% of probes that passed)',
        // One expression per processor; ids must differ within a widget.
        metrics: monitors.map(
          (m, i) =>
            new MathExpression({
              expression: `100 * success${i}`,
              usingMetrics: { [`success${i}`]: m.metric(METRICS.success, { statistic: Stats.AVERAGE }) },
              label: m.processor.name,
              period: Duration.minutes(1),
            }),
        ),
        setPeriodToTimeRange: true,
        fullPrecision: false,
        width: FULL,
        height: 4,
      }),
    ];
  }

  private processorSection(m: ProcessorMonitor): IWidget[] {
    const p = m.processor;
    const name = p.name;
    const minute = Duration.minutes(1);
    const endpoint = isSecretRef(p.endpoint) ? describeRef(p.endpoint) : p.endpoint;
    const threshold = p.alarms.availabilityThreshold ?? DEFAULT_AVAILABILITY_THRESHOLD;
    const mtls = p.tls.clientCert !== undefined;

    const header = new TextWidget({
      markdown: `## ${name}\n${endpoint} · probed every ${p.intervalSeconds} s${mtls ? ' · mTLS' : ''} · function \`${m.probeFunction.functionName}\``,
      width: FULL,
      height: 2,
    });
    const availability = new GraphWidget({
      title: `${name}: availability (%)`,
      left: [
        new MathExpression({
          expression: '100 * success',
          usingMetrics: { success: m.metric(METRICS.success, { statistic: Stats.AVERAGE }) },
          label: 'probes passed (%)',
          period: minute,
        }),
      ],
      leftYAxis: { min: 0, max: 100, showUnits: false },
      // True availability; AvailabilityLow counts only the failures without an alarm of their own.
      leftAnnotations: [
        {
          value: threshold,
          label: `${threshold}% (AvailabilityLow: DNS, connect, HTTP, config failures)`,
          color: Color.RED,
        },
      ],
      width: 8,
    });
    const failures = new GraphWidget({
      title: `${name}: handshake and auth failures`,
      left: [
        m.metric(METRICS.handshakeFailure, {
          statistic: Stats.SUM,
          period: minute,
          label: 'TLS handshake failures',
        }),
        m.metric(METRICS.authFailure, { statistic: Stats.SUM, period: minute, label: 'auth rejected' }),
      ],
      leftYAxis: { min: 0, showUnits: false },
      width: 8,
    });
    const timings = new GraphWidget({
      title: `${name}: phase timings (ms, stacked)`,
      left: [
        m.metric(METRICS.dnsTime, { statistic: Stats.AVERAGE, period: minute, label: 'DNS' }),
        m.metric(METRICS.connectTime, { statistic: Stats.AVERAGE, period: minute, label: 'TCP connect' }),
        m.metric(METRICS.tlsTime, { statistic: Stats.AVERAGE, period: minute, label: 'TLS handshake' }),
        m.metric(METRICS.firstByteTime, { statistic: Stats.AVERAGE, period: minute, label: 'first byte' }),
      ],
      // The whole probe on its own axis, beside the stack of phases (with `metrics: sampled`, DNS, connect
      // and first byte are published only on failed or slow runs and in sample hours: lambdas/probe/publishing.ts).
      right: [
        m.metric(METRICS.totalTime, {
          statistic: Stats.AVERAGE,
          period: minute,
          label: 'total (right axis)',
        }),
      ],
      stacked: true,
      leftYAxis: { min: 0, showUnits: false },
      rightYAxis: { min: 0, showUnits: false },
      width: 8,
    });
    const certDays = new GraphWidget({
      title: `${name}: certificate days left`,
      left: [
        m.metric(METRICS.certDaysToExpiry, {
          statistic: Stats.MINIMUM,
          period: Duration.hours(1),
          label: 'server certificate',
        }),
        ...(mtls
          ? [
              m.metric(METRICS.clientCertDaysToExpiry, {
                statistic: Stats.MINIMUM,
                period: Duration.hours(1),
                label: 'our client certificate',
              }),
            ]
          : []),
      ],
      leftYAxis: { min: 0, showUnits: false },
      leftAnnotations: [
        { value: p.tls.certExpiryWarningDays, label: 'CertExpiring warning', color: Color.ORANGE },
      ],
      width: 8,
    });
    const byClass = new GraphWidget({
      title: `${name}: failures by class`,
      left: [
        new SearchExpression({
          expression: `SEARCH('{${METRIC_NAMESPACE},Class,Processor} MetricName="${METRICS.failure}" Processor="${name}"', 'Sum', 60)`,
          period: minute,
        }),
      ],
      leftYAxis: { min: 0, showUnits: false },
      width: 16,
    });
    return [header, availability, failures, timings, certDays, byClass];
  }
}
