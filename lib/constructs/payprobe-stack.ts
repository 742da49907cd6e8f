/**
 * PayProbeStack: one config file's monitors in one region, as a stack of their own: a Stack around the
 * PayProbe construct (./payprobe.ts). The construct has the id `Default`, which CDK leaves out of logical
 * IDs, so every resource keeps the logical ID it had when the stack built the parts itself. The whole config
 * is validated before the stack exists: an undeployable config adds nothing to the app.
 */
import { Stack, type StackProps, Stage } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { ConfigError } from '../../lambdas/core/config/load';
import { validateStackConfig } from '../deploy/validate';
import { functionNetworkProblem } from '../function/network';
import { knownRegion } from './options';
import { PayProbe, type PayProbeProps } from './payprobe';

export { RESERVED_CONCURRENCY_WARNING } from './payprobe';

export interface PayProbeStackProps extends StackProps, PayProbeProps {}

/**
 * All monitors of one config file, in one region. Throws ConfigError listing every problem when the config
 * cannot be deployed to the stack's region (nothing is added to `scope` then). Its parts are those of the
 * PayProbe construct (`payprobe`), also reachable from the stack directly.
 */
export class PayProbeStack extends Stack {
  /** The whole monitor. */
  public readonly payprobe: PayProbe;

  constructor(scope: Construct, id: string, props: PayProbeStackProps) {
    // Validate first: every processor's problems at once, like the CLI, before the stack exists. The region
    // is the one the stack will get: its own, or that of the stage it is created in (as Stack resolves it).
    const stage = Stage.isStage(scope) ? scope : Stage.of(scope);
    const issues = validateStackConfig(props.config, knownRegion(props.env?.region ?? stage?.region));
    if (issues.length > 0) throw new ConfigError(issues);
    const problem = functionNetworkProblem(props.network);
    if (problem) throw new Error(`PayProbeStack ${id}: ${problem}`);
    super(scope, id, {
      description: 'payprobe: synthetic TLS and auth probes of payment processors, with alarms and paging',
      ...props,
    });
    // `Default`: the parts keep the logical IDs they had as the stack's own children.
    this.payprobe = new PayProbe(this, 'Default', props);
  }

  /** The config the stack was built from. */
  public get config(): PayProbe['config'] {
    return this.payprobe.config;
  }
  /** The critical and warning topics, when payprobe created them. */
  public get alerting(): PayProbe['alerting'] {
    return this.payprobe.alerting;
  }
  /** One monitor per processor, in config order. */
  public get monitors(): PayProbe['monitors'] {
    return this.payprobe.monitors;
  }
  /** Every alarm of every monitor. */
  public get alarms(): PayProbe['alarms'] {
    return this.payprobe.alarms;
  }
  /** The shards (nested stacks) of the processors beyond the main stack's. */
  public get shards(): PayProbe['shards'] {
    return this.payprobe.shards;
  }
  /** The fleet overview, when the config has shards. */
  public get fleetDashboard(): PayProbe['fleetDashboard'] {
    return this.payprobe.fleetDashboard;
  }
  /** The one role EventBridge Scheduler assumes for every probe schedule of the stack. */
  public get schedulerRole(): PayProbe['schedulerRole'] {
    return this.payprobe.schedulerRole;
  }
  /** The config's maintenance windows, as alarm mute rules (none without `maintenance:`). */
  public get maintenance(): PayProbe['maintenance'] {
    return this.payprobe.maintenance;
  }
  /** The dashboard. */
  public get dashboard(): PayProbe['dashboard'] {
    return this.payprobe.dashboard;
  }
  /** The diagnose Lambda (of the first network placement). */
  public get diagnosis(): PayProbe['diagnosis'] {
    return this.payprobe.diagnosis;
  }
  /** One diagnosis per network placement, in config order (the first is `diagnosis`). */
  public get diagnoses(): PayProbe['diagnoses'] {
    return this.payprobe.diagnoses;
  }
  /** The history table: last passing probes, failures and the cross-processor incident. */
  public get history(): PayProbe['history'] {
    return this.payprobe.history;
  }
  /** Pages when several processors fail at once (absent with fewer processors than the verdict needs). */
  public get gatewayAlarm(): PayProbe['gatewayAlarm'] {
    return this.payprobe.gatewayAlarm;
  }
  /** The deploy-time preflight, when the config sets `preflight: true`. */
  public get preflight(): PayProbe['preflight'] {
    return this.payprobe.preflight;
  }
  /** One preflight per network placement with `preflight: true`, in config order (the first is `preflight`). */
  public get preflights(): PayProbe['preflights'] {
    return this.payprobe.preflights;
  }
  /** The live audit, unless the config sets `audit.live: false`. */
  public get liveAudit(): PayProbe['liveAudit'] {
    return this.payprobe.liveAudit;
  }
}
