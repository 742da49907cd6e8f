/**
 * ProbeShard: a nested stack holding the processors that sharding (lib/deploy/sharding.ts) sends to one shard,
 * with everything that needs their resources (lib/constructs/monitor-group.ts): the main stack keeps what
 * is shared (topics, key, the fleet dashboard). It refers to the main stack only through the topics (nested
 * stack parameters); the main stack refers to nothing in it, so a shard has no outputs.
 */
import { NestedStack } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { ProbeDashboard } from './dashboard';
import type { Diagnosis } from './diagnosis';
import { addMonitorGroup, type MonitorGroupProps } from './monitor-group';
import type { Preflight } from './preflight';
import type { ProbeAlarm, ProcessorMonitor } from './processor-monitor';

export interface ProbeShardProps extends MonitorGroupProps {
  /** The shard's number (its processors' `sha256(name) mod shardCount`). */
  readonly shard: number;
}

/** One shard of a large config's processors, as a nested stack. */
export class ProbeShard extends NestedStack {
  /** The shard's number. */
  public readonly shard: number;
  /** Its monitors, in config order. */
  public readonly monitors: readonly ProcessorMonitor[];
  /** Every alarm of its monitors. */
  public readonly alarms: readonly ProbeAlarm[];
  /** The group dashboard of its processors (none with `groupDashboards: false`). */
  public readonly dashboard?: ProbeDashboard;
  /** The diagnose function of its processors (reads only their secrets). */
  public readonly diagnosis: Diagnosis;
  /** Its diagnose functions, one per network placement (the first is `diagnosis`). */
  public readonly diagnoses: readonly Diagnosis[];
  /** The deploy-time preflight of its processors, with `preflight: true`. */
  public readonly preflight?: Preflight;
  /** Its preflights, one per network placement with `preflight: true`. */
  public readonly preflights: readonly Preflight[];

  constructor(scope: Construct, id: string, props: ProbeShardProps) {
    super(scope, id, {
      description: `payprobe shard ${props.shard}: probes, alarms and diagnosis of ${props.processors.length} processors`,
    });
    this.shard = props.shard;
    const group = addMonitorGroup(this, props);
    this.monitors = group.monitors;
    this.alarms = group.alarms;
    if (group.dashboard) this.dashboard = group.dashboard;
    this.diagnosis = group.diagnosis;
    this.diagnoses = group.diagnoses;
    if (group.preflight) this.preflight = group.preflight;
    this.preflights = group.preflights;
  }
}
