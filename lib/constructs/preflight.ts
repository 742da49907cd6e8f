/**
 * Preflight: an opt-in deploy-time gate (`preflight: true` in the config). During `cdk deploy`, after the
 * monitors are in place, a custom resource runs the probe for every processor (lambdas/preflight/handler.ts);
 * if any processor fails with any failure class on every attempt, the resource fails and CloudFormation rolls
 * the whole deployment back, with the processor, stage, class and detail as the status reason.
 *
 * Why a custom resource (CDK Provider framework) rather than aws-cdk-lib/triggers:
 * - the processors travel as a resource property, visible in `cdk diff` and re-run exactly when the config
 *   changes; a TriggerFunction is invoked without a payload, so the whole config would have to fit the
 *   function's 4 KB environment;
 * - the handler gets the CloudFormation event (RequestType, StackId), which it needs to skip probing while
 *   the stack rolls back: otherwise the rollback's Update could fail too and leave UPDATE_ROLLBACK_FAILED.
 *
 * Runs when: the resource is created (first deploy with preflight on) and whenever a processor's deployed
 * config changes (the ProcessorsJson property). It does not run on deploys that change nothing it probes.
 */
import { CustomResource, Duration, Stack, Validations } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { Provider } from 'aws-cdk-lib/custom-resources';
import { Construct, type IConstruct } from 'constructs';
import { ConfigError, type ProcessorConfig } from '../../lambdas/core/config/load';
import { probeWaves } from '../../lambdas/core/policy/deployment';
import type { DeployedProcessors } from '../deploy/deployed-processor';
import { sharedPlacement } from '../deploy/placement';
import { planSharedFunction } from '../deploy/validate';
import type { FunctionNetwork } from '../function/network';
import {
  logGroupAndRole,
  PayProbeFunction,
  type PayProbeFunctionOptions,
} from '../function/payprobe-function';
import { importedNetwork } from './network';
import { knownRegion } from './options';

/** CloudFormation type of the preflight resource. */
export const PREFLIGHT_RESOURCE_TYPE = 'Custom::PayProbePreflight';

/** Seconds the function timeout leaves beyond the probes: secret reads, logging, cold start. */
const TIMEOUT_MARGIN_SECONDS = 30;
/** Lambda's maximum timeout. */
const MAX_TIMEOUT_SECONDS = 900;

export interface PreflightProps extends PayProbeFunctionOptions {
  /** The processors to probe, as `loadConfigFile` resolved them (defaults and presets merged). */
  readonly processors: readonly ProcessorConfig[];

  /**
   * The config file the processors come from, for field-level error messages (`processors[<index>]`, in the
   * order given).
   *
   * @default - messages name 'the payprobe config' and each processor as `processors[name=<name>]`
   */
  readonly configFile?: string;

  /**
   * Constructs that must be provisioned before the preflight runs, typically the processor monitors: the
   * probes then run last, and their failure rolls back everything the deployment changed.
   *
   * @default [] (no ordering)
   */
  readonly executeAfter?: readonly IConstruct[];

  /**
   * Probe attempts before a failing processor fails the deployment. The failed processors are probed again
   * after `retryDelay`, so a single dropped connection does not roll back a good change.
   *
   * @default 2
   */
  readonly attempts?: number;

  /**
   * Pause before probing failed processors again.
   *
   * @default Duration.seconds(3)
   */
  readonly retryDelay?: Duration;
}

/**
 * Runs every processor's probe during deployment and fails (rolls back) the deployment on a failure. Throws
 * ConfigError, before anything is added to `scope`, when a processor breaks a deployment rule.
 */
export class Preflight extends Construct {
  /**
   * The function that probes, with its log group and role (its log, the processors' own secrets and
   * parameters, and this stack's status).
   */
  public readonly probe: PayProbeFunction;
  /** The Lambda function that probes (the custom resource's onEvent handler). */
  public readonly function: lambda.Function;
  /** The custom resource whose Create/Update runs the probes. */
  public readonly resource: CustomResource;
  /** The Provider framework that relays CloudFormation events to the function. */
  public readonly provider: Provider;
  /** What was deployed: each processor's config, the bundled files, the secrets and parameters it reads. */
  public readonly deployed: DeployedProcessors;
  /** The processor configs passed to the function (name → deployed config): the ProcessorsJson property. */
  public readonly processorsJson: string;
  /** Where the function runs: where the probed processors' probes run (none: outside a VPC). */
  public readonly network?: FunctionNetwork;

  constructor(scope: Construct, id: string, props: PreflightProps) {
    // Validate first: nothing is added to `scope` for invalid props or an undeployable processor.
    const attempts = props.attempts ?? 2;
    if (!Number.isInteger(attempts) || attempts < 1 || attempts > 5) {
      throw new Error(`Preflight attempts must be a whole number from 1 to 5 (got ${attempts})`);
    }
    const retryDelay = props.retryDelay ?? Duration.seconds(3);
    // The deployed form of each processor, as the monitors get it (files under processors/<name>/). The
    // 4 KB environment limit of a monitor does not apply here: the config is a resource property.
    const { issues, deployed } = planSharedFunction('preflight', props.processors, props.configFile, {
      checkEnvironmentSize: false,
      region: knownRegion(Stack.of(scope).region),
    });
    // It probes from where the probes run: one placement for all its processors (network.ts).
    const placement = sharedPlacement(
      'Preflight',
      props.processors,
      props.network !== undefined,
      props.configFile,
    );
    if (!deployed || placement.issues.length > 0) throw new ConfigError([...issues, ...placement.issues]);
    super(scope, id);
    this.deployed = deployed;
    this.processorsJson = JSON.stringify(deployed.configs);
    this.network =
      props.network ??
      (placement.network ? importedNetwork(new Construct(this, 'Network'), placement.network) : undefined);

    // Processors are probed concurrently (all at once up to MAX_PROBES_IN_FLIGHT, then in waves): one
    // attempt takes at most the longest budget per wave.
    const maxBudgetMs = Math.max(...props.processors.map((p) => p.budgetMs));
    const attemptMs = probeWaves(props.processors.length) * maxBudgetMs;
    const timeoutSeconds = Math.min(
      MAX_TIMEOUT_SECONDS,
      Math.ceil((attempts * attemptMs + (attempts - 1) * retryDelay.toMilliseconds()) / 1000) +
        TIMEOUT_MARGIN_SECONDS,
    );
    // `Default`: the log group, role and function keep the logical IDs they had as this construct's children.
    this.probe = new PayProbeFunction(this, 'Default', {
      handler: 'preflight',
      entry: props.entry,
      memorySize: props.memorySize,
      logRetention: props.logRetention,
      timeout: Duration.seconds(timeoutSeconds),
      description: 'payprobe: probes every processor during deployment; a failure rolls the deployment back',
      roleDescription: `payprobe preflight: probes ${props.processors.map((p) => p.name).join(', ')} during deployment`,
      files: deployed.files,
      network: this.network,
    });
    this.probe.grantReadSecrets(deployed, { sid: 'Probed', owner: "the probed processors'" });
    this.probe.addToRolePolicy(
      new PolicyStatement({
        sid: 'ReadOwnStackStatus',
        actions: ['cloudformation:DescribeStacks'],
        resources: [Stack.of(this).stackId],
      }),
    );
    this.function = this.probe.function;

    // The Provider framework's relay function: its own role (its log only, plus invoking the preflight
    // function, which the framework grants) instead of the AWS managed basic execution policy.
    const { logGroup: providerLogGroup, role: providerRole } = logGroupAndRole(this, {
      logGroupId: 'ProviderLogGroup',
      roleId: 'ProviderRole',
      roleDescription:
        'payprobe preflight: the CDK Provider framework relaying CloudFormation events to the preflight function',
      logRetention: props.logRetention,
    });
    this.provider = new Provider(this, 'Provider', {
      onEventHandler: this.function,
      logGroup: providerLogGroup,
      frameworkOnEventRole: providerRole,
    });
    const fnLogicalId = Stack.of(this).resolve(
      Stack.of(this).getLogicalId(this.function.node.defaultChild as CfnFunction),
    ) as string;
    Validations.of(providerRole).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${fnLogicalId}.Arn>:*]`,
      reason:
        'The Provider framework grants itself lambda:InvokeFunction on every version of the preflight function (ARN:*), and only that function.',
    });

    this.resource = new CustomResource(this, 'Resource', {
      serviceToken: this.provider.serviceToken,
      resourceType: PREFLIGHT_RESOURCE_TYPE,
      properties: {
        // JSON text: CloudFormation turns every scalar property into a string, and the config's numbers and
        // booleans must reach the handler as they are.
        ProcessorsJson: this.processorsJson,
        Attempts: String(attempts),
        RetryDelayMs: String(retryDelay.toMilliseconds()),
      },
    });
    // Both `Default` (the function) and `Resource` are children: name the resource as the default child.
    this.node.defaultChild = this.resource;
    for (const c of props.executeAfter ?? []) this.resource.node.addDependency(c);
  }
}
