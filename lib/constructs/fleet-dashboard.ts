/**
 * FleetDashboard: the overview of a sharded config (hundreds of processors), or the only dashboard of a config
 * whose group dashboards are off (PayProbeProps.groupDashboards), where one section per processor
 * would pass CloudWatch's 500 widgets a dashboard. It stays a fixed size whatever the number of processors: the
 * groups with links to their dashboards (each group's has the per-processor sections and alarm states), the ten
 * worst processors by each signal (metric math SORT over a SEARCH of the PayProbe namespace, so 500 processors
 * cost no more widgets or metrics than five), and one processor in detail, picked from a dropdown (a dashboard
 * variable on the Processor dimension). Lives in the main stack and refers to no resource of a shard.
 *
 * A SEARCH sees every processor publishing to the namespace in the account and region, including those of
 * another payprobe stack there (a test copy): their names tell them apart.
 */
import { Duration } from 'aws-cdk-lib';
import {
  Dashboard,
  DashboardVariable,
  DefaultValue,
  GraphWidget,
  type IMetric,
  MathExpression,
  Metric,
  Stats,
  TextWidget,
  Values,
  VariableInputType,
  VariableType,
} from 'aws-cdk-lib/aws-cloudwatch';
import { Construct } from 'constructs';
import {
  DIMENSION_PROCESSOR,
  METRIC_NAMESPACE,
  METRICS,
  type MetricName,
} from '../../lambdas/core/contract/metric-names';

/** A group of processors (the main stack's, or a shard's), with or without a dashboard of its own. */
export interface FleetGroup {
  /** How the overview names the group. */
  readonly title: string;
  /**
   * The group dashboard's name (a link from the overview).
   *
   * @default - the group has no dashboard (PayProbeProps.groupDashboards is false): no link
   */
  readonly dashboardName?: string;
  /** Its processors' names, in config order. */
  readonly processors: readonly string[];
}

export interface FleetDashboardProps {
  /** The overview's name. */
  readonly dashboardName: string;
  /** The groups, in order. */
  readonly groups: readonly FleetGroup[];
  /**
   * Time range shown when the dashboard opens.
   *
   * @default Duration.hours(3)
   */
  readonly defaultInterval?: Duration;
}

/** How many processors each "worst" graph shows. */
export const FLEET_TOP = 10;

const FULL = 24;
const HALF = 12;
const MINUTE = 60;

/** `SORT(SEARCH(...), ...)`: the `top` processors by one statistic of a PayProbe metric. */
export function worstProcessorsExpression(
  metric: MetricName,
  statistic: string,
  periodSeconds: number,
  order: { readonly by: 'AVG' | 'SUM' | 'MIN' | 'MAX'; readonly direction: 'ASC' | 'DESC' },
  dimensions: readonly string[] = [DIMENSION_PROCESSOR],
  top = FLEET_TOP,
): string {
  const search = `SEARCH('{${METRIC_NAMESPACE},${dimensions.join(',')}} MetricName="${metric}"', '${statistic}', ${periodSeconds})`;
  return `SORT(${search}, ${order.by}, ${order.direction}, ${top})`;
}

/** The fleet overview of a sharded config, or of any config without group dashboards. */
export class FleetDashboard extends Construct {
  public readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: FleetDashboardProps) {
    super(scope, id);
    const total = props.groups.reduce((n, g) => n + g.processors.length, 0);
    const first = props.groups.find((g) => g.processors.length > 0)?.processors[0] ?? '';

    this.dashboard = new Dashboard(this, 'Resource', {
      dashboardName: props.dashboardName,
      defaultInterval: props.defaultInterval ?? Duration.hours(3),
      // One processor in detail: every widget below that names the Processor dimension follows the choice.
      variables: [
        new DashboardVariable({
          id: 'processor',
          label: 'Processor',
          type: VariableType.PROPERTY,
          inputType: VariableInputType.SELECT,
          value: DIMENSION_PROCESSOR,
          values: Values.fromSearch(
            `{${METRIC_NAMESPACE},${DIMENSION_PROCESSOR}} MetricName="${METRICS.success}"`,
            DIMENSION_PROCESSOR,
          ),
          defaultValue: DefaultValue.value(first),
          visible: true,
        }),
      ],
    });

    const worst = (
      title: string,
      metric: MetricName,
      statistic: string,
      periodSeconds: number,
      order: { by: 'AVG' | 'SUM' | 'MIN' | 'MAX'; direction: 'ASC' | 'DESC' },
      dimensions?: readonly string[],
    ) =>
      new GraphWidget({
        title,
        left: [
          new MathExpression({
            expression: worstProcessorsExpression(metric, statistic, periodSeconds, order, dimensions),
            label: '',
            period: Duration.seconds(periodSeconds),
          }),
        ],
        leftYAxis: { min: 0, showUnits: false },
        width: HALF,
      });

    this.dashboard.addWidgets(
      new TextWidget({
        markdown: groupsMarkdown(props.groups, total),
        width: FULL,
        height: groupsHeight(props.groups),
      }),
    );
    this.dashboard.addWidgets(
      worst(
        `Lowest availability: ${FLEET_TOP} processors (fraction of probes passed)`,
        METRICS.success,
        'Average',
        MINUTE,
        {
          by: 'AVG',
          direction: 'ASC',
        },
      ),
      worst(`Most TLS handshake failures: ${FLEET_TOP} processors`, METRICS.handshakeFailure, 'Sum', MINUTE, {
        by: 'SUM',
        direction: 'DESC',
      }),
    );
    this.dashboard.addWidgets(
      worst(`Most auth rejections: ${FLEET_TOP} processors`, METRICS.authFailure, 'Sum', MINUTE, {
        by: 'SUM',
        direction: 'DESC',
      }),
      worst(
        `Most failures by class: ${FLEET_TOP} processor/class pairs`,
        METRICS.failure,
        'Sum',
        MINUTE,
        { by: 'SUM', direction: 'DESC' },
        ['Class', DIMENSION_PROCESSOR],
      ),
    );
    this.dashboard.addWidgets(
      worst(`Slowest: ${FLEET_TOP} processors (p90 total probe time, ms)`, METRICS.totalTime, 'p90', MINUTE, {
        by: 'AVG',
        direction: 'DESC',
      }),
      worst(
        `Certificates closest to expiry: ${FLEET_TOP} processors (days)`,
        METRICS.certDaysToExpiry,
        'Minimum',
        3600,
        {
          by: 'MIN',
          direction: 'ASC',
        },
      ),
    );

    // The processor picked in the dropdown (its name replaces `first` in these widgets).
    const metric = (
      name: MetricName,
      statistic: string,
      label: string,
      period = Duration.minutes(1),
    ): IMetric =>
      new Metric({
        namespace: METRIC_NAMESPACE,
        metricName: name,
        dimensionsMap: { [DIMENSION_PROCESSOR]: first },
        statistic,
        period,
        label,
      });
    this.dashboard.addWidgets(
      new TextWidget({
        markdown: '## The processor chosen above\nPick it in the Processor dropdown at the top.',
        width: FULL,
        height: 2,
      }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'Availability (fraction of probes passed)',
        left: [metric(METRICS.success, Stats.AVERAGE, 'probes passed')],
        leftYAxis: { min: 0, max: 1, showUnits: false },
        width: 8,
      }),
      new GraphWidget({
        title: 'Handshake and auth failures',
        left: [
          metric(METRICS.handshakeFailure, Stats.SUM, 'TLS handshake failures'),
          metric(METRICS.authFailure, Stats.SUM, 'auth rejected'),
        ],
        leftYAxis: { min: 0, showUnits: false },
        width: 8,
      }),
      new GraphWidget({
        title: 'Total probe time of passed runs (ms)',
        left: [metric(METRICS.totalTime, Stats.p(50), 'p50'), metric(METRICS.totalTime, Stats.p(90), 'p90')],
        leftYAxis: { min: 0, showUnits: false },
        width: 8,
      }),
    );
  }
}

/** The groups and their processors, each group linking its dashboard. */
function groupsMarkdown(groups: readonly FleetGroup[], total: number): string {
  const lines = groups.map(
    (g) =>
      `| ${g.dashboardName === undefined ? g.title : `[${g.title}](#dashboards:name=${g.dashboardName})`} | ${g.processors.length} | ${g.processors.join(', ')} |`,
  );
  const linked = groups.every((g) => g.dashboardName !== undefined);
  return [
    `# payprobe fleet: ${total} processors in ${groups.length} groups`,
    linked
      ? "Each group has a dashboard with every processor's alarms and graphs. Below: the worst processors by each signal, then any one processor."
      : 'Below: the worst processors by each signal, then any one processor (the groups have no dashboards of their own: groupDashboards is off).',
    '',
    '| Group | Processors | Names |',
    '|---|---|---|',
    ...lines,
  ].join('\n');
}

function groupsHeight(groups: readonly FleetGroup[]): number {
  return Math.min(4 + Math.ceil(groups.length * 0.7), 24);
}
