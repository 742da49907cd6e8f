/**
 * ProbeDashboard: one CloudWatch dashboard for all processors. A top row with every processor's status at
 * a glance (critical alarm states and availability), then a section per processor: availability, handshake
 * and auth failures, stacked phase timings, latency, certificate days left, and failures by class. The phase
 * timings are not metrics: a Logs Insights widget reads them from the structured probe log (PHASE_TIMINGS,
 * lambdas/core/contract/result.ts), which costs a query per view instead of four custom metrics a processor.
 */
import { Duration, Stack, Token } from 'aws-cdk-lib';
import {
  AlarmStatusWidget,
  AlarmStatusWidgetSortBy,
  Color,
  Dashboard,
  GraphWidget,
  type IWidget,
  LogQueryVisualizationType,
  LogQueryWidget,
  MathExpression,
  SearchExpression,
  SingleValueWidget,
  Stats,
  TextWidget,
} from 'aws-cdk-lib/aws-cloudwatch';
import { Construct } from 'constructs';
import { METRIC_NAMESPACE, METRICS } from '../../lambdas/core/contract/metric-names';
import { PHASE_TIMINGS } from '../../lambdas/core/contract/result';
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

/**
 * The Logs Insights query of the phase-timing widget: the average of each phase per minute over the published
 * runs (a failed probe that is re-probed logs its first attempt with `attempt`; the run's own line has none).
 */
export function phaseTimingsQuery(): string {
  const stats = PHASE_TIMINGS.map((p) => `avg(result.timings.${p.field}) as \`${p.label}\``).join(', ');
  return [
    'filter ispresent(result.timings.totalMs) and not ispresent(attempt)',
    `stats ${stats} by bin(1m)`,
  ].join(' | ');
}

/** CloudWatch's limit of alarms in one alarm status widget. */
export const ALARM_STATUS_WIDGET_MAX_ALARMS = 100;

/** CloudWatch's dashboard quotas (docs/deploy.md "Limits and sharding"). */
export const DASHBOARD_LIMITS = {
  widgets: 500,
  metricsPerWidget: 500,
  metricsPerDashboard: 2500,
} as const;

/** A stack's dashboard name: the stack name, with `-<region>` appended unless it already ends with it. */
export function defaultDashboardName(stack: Stack): string {
  return !Token.isUnresolved(stack.region) && stack.stackName.endsWith(`-${stack.region}`)
    ? stack.stackName
    : `${stack.stackName}-${stack.region}`;
}

/** The payprobe dashboard. */
export class ProbeDashboard extends Construct {
  public readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: ProbeDashboardProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.dashboard = new Dashboard(this, 'Resource', {
      dashboardName: props.dashboardName ?? defaultDashboardName(stack),
      defaultInterval: props.defaultInterval ?? Duration.hours(3),
    });

    this.dashboard.addWidgets(...this.statusRow(props.monitors));
    for (const monitor of props.monitors) this.dashboard.addWidgets(...this.processorSection(monitor));
  }

  private statusRow(monitors: readonly ProcessorMonitor[]): IWidget[] {
    const critical = monitors.flatMap((m) =>
      m.alarms.filter((a) => a.severity === 'critical').map((a) => a.alarm),
    );
    // One widget holds at most 100 alarms: more processors get more widgets.
    const chunks: (typeof critical)[] = [];
    for (let i = 0; i < critical.length; i += ALARM_STATUS_WIDGET_MAX_ALARMS) {
      chunks.push(critical.slice(i, i + ALARM_STATUS_WIDGET_MAX_ALARMS));
    }
    return [
      ...chunks.map(
        (alarms, i) =>
          new AlarmStatusWidget({
            title:
              chunks.length === 1
                ? 'Processors: critical alarms (red = paging now)'
                : `Processors: critical alarms (red = paging now), ${i + 1} of ${chunks.length}`,
            alarms,
            sortBy: AlarmStatusWidgetSortBy.STATE_UPDATED_TIMESTAMP,
            width: FULL,
            height: Math.min(2 + Math.ceil(alarms.length / 4), 8),
          }),
      ),
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
    // The route: a failure before the tunnel is the proxy's (it counts as a handshake failure).
    const proxy =
      p.proxy === undefined
        ? ''
        : ` · through proxy ${p.proxy === 'env' ? 'HTTPS_PROXY' : typeof p.proxy.url === 'string' ? p.proxy.url : describeRef(p.proxy.url)}`;

    const header = new TextWidget({
      markdown: `## ${name}\n${endpoint} · probed every ${p.intervalSeconds} s${mtls ? ' · mTLS' : ''}${proxy} · function \`${m.probeFunction.functionName}\``,
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
          label: proxy ? 'TLS handshake and proxy failures' : 'TLS handshake failures',
        }),
        m.metric(METRICS.authFailure, { statistic: Stats.SUM, period: minute, label: 'auth rejected' }),
      ],
      leftYAxis: { min: 0, showUnits: false },
      width: 8,
    });
    const timings = new LogQueryWidget({
      title: `${name}: phase timings (ms, stacked; from the probe log)`,
      logGroupNames: [m.probe.logGroup.logGroupName],
      queryString: phaseTimingsQuery(),
      view: LogQueryVisualizationType.STACKEDAREA,
      width: 8,
    });
    const latency = new GraphWidget({
      title: `${name}: total probe time of passed runs (ms)`,
      left: [
        m.metric(METRICS.totalTime, { statistic: Stats.p(50), period: minute, label: 'p50' }),
        m.metric(METRICS.totalTime, { statistic: Stats.p(90), period: minute, label: 'p90' }),
      ],
      leftYAxis: { min: 0, showUnits: false },
      leftAnnotations: [
        {
          value: p.alarms.latencyBudgetMs ?? p.slowResponseMs,
          label: 'LatencyHigh budget',
          color: Color.ORANGE,
        },
      ],
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
      width: 8,
    });
    return [header, availability, failures, timings, latency, certDays, byClass];
  }
}
