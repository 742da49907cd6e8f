/**
 * Validate first: everything that can make a config undeployable is checked here, before any construct is
 * built, so a stack reports every processor's problems in one ConfigError instead of catching errors from
 * half-built constructs (aws-cdk-lib's guidelines: validate early, never catch). The constructs call the same
 * functions on their own props, so a construct used on its own refuses the same configs with the same
 * messages.
 *
 * What is checked: the deployment rules of every processor (lib/deploy/deployed-processor.ts: reference kinds
 * a Lambda can read, files, regions, the environment size), its alarm settings (lib/alarms/alarm-policy.ts),
 * that no two processors map to the same construct id, and that a VPC placement (`network.vpc`) is not
 * deployed to several regions (a VPC lives in one).
 */
import type { ConfigIssue, LoadedConfig, ProcessorConfig } from '../../lambdas/core/config/load';
import { failureMOfN, type MOfN } from '../alarms/alarm-policy';
import {
  type ConfigLocation,
  type DeployedProcessor,
  type DeployedProcessors,
  type DeployOptions,
  deployProcessor,
  deployProcessors,
} from './deployed-processor';
import { processorConstructId } from './ids';

/** What a ProcessorMonitor builds from its processor, once the processor has passed every check. */
export interface MonitorPlan {
  /** The deployed form: environment JSON, bundled files, secrets and parameters to read. */
  readonly deployed: DeployedProcessor;
  /** The M-of-N of the probe-failure alarms. */
  readonly failureMOfN: MOfN;
}

/** Checks one processor for a ProcessorMonitor: every problem, or the plan when there are none. */
export function planMonitor(
  processor: ProcessorConfig,
  at: ConfigLocation,
  options: DeployOptions = {},
): { issues: ConfigIssue[]; plan?: MonitorPlan } {
  const { issues, deployed } = deployProcessor(processor, at, options);
  const policy = failureMOfN(processor, at);
  issues.push(...policy.issues);
  if (issues.length > 0 || !deployed) return { issues };
  return { issues, plan: { deployed, failureMOfN: policy.mOfN } };
}

/**
 * Every problem that would stop a PayProbeStack for this config in `region`, in config order. The diagnosis
 * and the preflight deploy the same processors under the same rules (the preflight without the size limit
 * of a function environment), so the monitors' checks cover them.
 */
export function validateStackConfig(config: LoadedConfig, region?: string): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const ids = new Map<string, number>();
  config.processors.forEach((processor, index) => {
    const at = { file: config.file, path: `processors[${index}]` };
    const constructId = processorConstructId(processor.name);
    const clash = ids.get(constructId);
    if (clash !== undefined) {
      issues.push({
        file: config.file,
        path: `${at.path}.name`,
        message: `"${processor.name}" and processors[${clash}] map to the same construct id "${constructId}": rename one (e.g. avoid "--")`,
      });
    } else {
      ids.set(constructId, index);
    }
    issues.push(...planMonitor(processor, at, { region }).issues);
    const regions = new Set(config.raw.regions ?? []);
    if (processor.network && regions.size > 1) {
      issues.push({
        file: config.file,
        path: `${at.path}.network`,
        message: `network.vpc ${processor.network.vpc.vpcId} lives in one region, but the config deploys to ${regions.size} (${[...regions].join(', ')}): deploy this processor from a config with only its VPC's region`,
      });
    }
  });
  return issues;
}

/**
 * Checks the processors that share one function (the diagnose and the preflight function): at least one,
 * each deployable (`deployProcessors`). Every problem, or their combined deployed form.
 *
 * @param user the construct, for the message: "<user> needs at least one processor"
 */
export function planSharedFunction(
  user: string,
  processors: readonly ProcessorConfig[],
  configFile: string | undefined,
  options: DeployOptions = {},
): { issues: ConfigIssue[]; deployed?: DeployedProcessors } {
  if (processors.length === 0) {
    const file = configFile ?? 'the payprobe config';
    return { issues: [{ file, path: 'processors', message: `${user} needs at least one processor` }] };
  }
  return deployProcessors(processors, configFile, options);
}
