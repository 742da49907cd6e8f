/**
 * PayProbeStack: one config file's monitors in one region. Alerting (topics), one ProcessorMonitor per
 * processor, and the dashboard. The stack exposes its parts so further constructs (diagnosis, preflight)
 * can be composed onto them.
 */
import { CfnOutput, type Duration, Stack, type StackProps } from 'aws-cdk-lib';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { ConfigError, type ConfigIssue, type LoadedConfig } from '../../lambdas/core/config/load';
import { processorConstructId } from '../deploy/ids';
import { Alerting } from './alerting';
import { ProbeDashboard } from './dashboard';
import { Diagnosis } from './diagnosis';
import { Preflight } from './preflight';
import { type ProbeAlarm, ProcessorMonitor } from './processor-monitor';

export interface PayProbeStackProps extends StackProps {
  /** The validated config file (`loadConfigFile`). */
  readonly config: LoadedConfig;

  /**
   * Prefix of the runbook links in alarm descriptions: a repository path or an https URL ending in `/`.
   *
   * @default 'docs/runbooks/'
   */
  readonly runbookBaseUrl?: string;

  /**
   * Retention of each probe function's log group.
   *
   * @default RetentionDays.ONE_MONTH
   */
  readonly logRetention?: RetentionDays;

  /**
   * The probe handler's source file.
   *
   * @default - lambdas/probe/handler.ts in this repository
   */
  readonly probeEntry?: string;

  /**
   * How long probe functions cache secret values.
   *
   * @default Duration.seconds(60)
   */
  readonly secretCacheTtl?: Duration;
}

/** All monitors of one config file, in one region. */
export class PayProbeStack extends Stack {
  /** The config the stack was built from. */
  public readonly config: LoadedConfig;
  /** Critical and warning topics. */
  public readonly alerting: Alerting;
  /** One monitor per processor, in config order. */
  public readonly monitors: readonly ProcessorMonitor[];
  /** Every alarm of every monitor. */
  public readonly alarms: readonly ProbeAlarm[];
  /** The dashboard. */
  public readonly dashboard: ProbeDashboard;
  /** The diagnose Lambda: re-probes on alarm state changes and pages with the diagnosis (lib/diagnosis.ts). */
  public readonly diagnosis: Diagnosis;
  /** The deploy-time preflight (lib/preflight.ts), when the config sets `preflight: true`. */
  public readonly preflight?: Preflight;

  constructor(scope: Construct, id: string, props: PayProbeStackProps) {
    super(scope, id, {
      description: 'payprobe: synthetic TLS and auth probes of payment processors, with alarms and paging',
      ...props,
    });
    this.config = props.config;
    const file = props.config.file;

    this.alerting = new Alerting(this, 'Alerting', {
      critical: props.config.raw.alerting?.critical ?? [],
      warning: props.config.raw.alerting?.warning ?? [],
    });

    // Every processor's problems at once, like the CLI: collect, then throw one ConfigError.
    const issues: ConfigIssue[] = [];
    const ids = new Map<string, number>();
    const monitors: ProcessorMonitor[] = [];
    props.config.processors.forEach((processor, index) => {
      const at = { file, path: `processors[${index}]` };
      const constructId = processorConstructId(processor.name);
      const clash = ids.get(constructId);
      if (clash !== undefined) {
        issues.push({
          file,
          path: `${at.path}.name`,
          message: `"${processor.name}" and processors[${clash}] map to the same construct id "${constructId}": rename one (e.g. avoid "--")`,
        });
        return;
      }
      ids.set(constructId, index);
      try {
        monitors.push(
          new ProcessorMonitor(this, constructId, {
            processor,
            configLocation: at,
            criticalTopic: this.alerting.criticalTopic,
            warningTopic: this.alerting.warningTopic,
            ...(props.runbookBaseUrl !== undefined ? { runbookBaseUrl: props.runbookBaseUrl } : {}),
            ...(props.logRetention !== undefined ? { logRetention: props.logRetention } : {}),
            ...(props.probeEntry !== undefined ? { entry: props.probeEntry } : {}),
            ...(props.secretCacheTtl !== undefined ? { secretCacheTtl: props.secretCacheTtl } : {}),
          }),
        );
      } catch (err) {
        if (!(err instanceof ConfigError)) throw err;
        issues.push(...err.issues);
      }
    });
    if (issues.length > 0) throw new ConfigError(issues);
    this.monitors = monitors;
    this.alarms = monitors.flatMap((m) => m.alarms);

    this.dashboard = new ProbeDashboard(this, 'Dashboard', { monitors });

    new CfnOutput(this, 'CriticalTopicArn', {
      description: 'Subscribe the pager here (email, https webhook, sms)',
      value: this.alerting.criticalTopic.topicArn,
    });
    new CfnOutput(this, 'WarningTopicArn', {
      description: 'Warnings: certificates expiring, latency above budget',
      value: this.alerting.warningTopic.topicArn,
    });
    new CfnOutput(this, 'DashboardUrl', {
      description: 'The payprobe dashboard',
      value: `https://console.aws.amazon.com/cloudwatch/home?region=${this.region}#dashboards:name=${this.dashboard.dashboard.dashboardName}`,
    });

    // Alarm state changes -> re-probe -> a page with the diagnosis (the alarms' own actions page regardless).
    this.diagnosis = new Diagnosis(this, 'Diagnosis', {
      processors: props.config.processors,
      criticalTopic: this.alerting.criticalTopic,
      warningTopic: this.alerting.warningTopic,
      configFile: file,
      ...(props.runbookBaseUrl !== undefined ? { runbookBaseUrl: props.runbookBaseUrl } : {}),
      ...(props.logRetention !== undefined ? { logRetention: props.logRetention } : {}),
      ...(props.secretCacheTtl !== undefined ? { secretCacheTtl: props.secretCacheTtl } : {}),
    });

    // With `preflight: true`, probe every processor during `cdk deploy`, after the monitors; any failure
    // class fails the deployment and CloudFormation rolls it back.
    if (props.config.raw.preflight === true) {
      this.preflight = new Preflight(this, 'Preflight', {
        processors: props.config.processors,
        configFile: file,
        executeAfter: [...monitors],
        ...(props.logRetention !== undefined ? { logRetention: props.logRetention } : {}),
      });
    }
  }
}
