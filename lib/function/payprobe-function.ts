/**
 * PayProbeFunction: what every payprobe Lambda (probe, diagnose, preflight) is made of, in one construct. It
 * owns its log group and a role that may write only to it; its grant methods add exactly the permissions a
 * handler needs (its processors' secrets, metrics in one namespace, publishing pages), each with the
 * cdk-nag acknowledgement that explains it. Its code comes from ./bundling.ts, the one bundling
 * configuration: the prebuilt handler of the installed package, or the handler bundled from source in this
 * repository, with the processor's files beside it.
 *
 * Give it the id `Default` to keep the logical IDs of resources that were created directly in the parent
 * (CDK leaves `Default` out of logical IDs): the monitors, the diagnosis and the preflight do, so
 * `<Processor>LogGroup…`, `<Processor>Role…` and `<Processor>Function…` stay what they were deployed as.
 */
import { type Duration, Stack, Token, Validations } from 'aws-cdk-lib';
import type { Metric, MetricOptions } from 'aws-cdk-lib/aws-cloudwatch';
import {
  type IGrantable,
  type IPrincipal,
  type PolicyStatement,
  Role,
  ServicePrincipal,
} from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { DEFAULT_FUNCTION_MEMORY_MB } from '../../lambdas/core/policy/deployment';
import {
  type BundleFile,
  type GeneratedFile,
  HANDLER_EXPORT,
  handlerSource,
  PAYPROBE_ARCHITECTURE,
  PAYPROBE_FUNCTION_ENVIRONMENT,
  PAYPROBE_RUNTIME,
  type PayProbeHandler,
  payProbeCode,
} from './bundling';
import {
  publishStatements,
  putMetricDataStatement,
  readSecretsStatements,
  type SecretReferences,
} from './grants';
import { type FunctionNetwork, functionNetworkProblem, networkInterfaceStatements } from './network';

const WILDCARD_RESOURCE = 'AwsSolutions-IAM5[Resource::*]';

/** Props of a payprobe function that the constructs owning one pass through from their own props. */
export interface PayProbeFunctionOptions {
  /**
   * Retention of the function's log group.
   *
   * @default RetentionDays.ONE_MONTH
   */
  readonly logRetention?: RetentionDays;

  /**
   * Memory of the function in MB (Lambda gives CPU in proportion: TLS handshakes are CPU-bound).
   *
   * @default 256
   */
  readonly memorySize?: number;

  /**
   * The handler's source file (a module exporting `handler`), to run a handler of your own. It is bundled
   * with esbuild at synth time, so the synthesizing machine needs esbuild installed.
   *
   * @default - payprobe's own handler: prebuilt in the installed package (no esbuild needed)
   */
  readonly entry?: string;

  /**
   * Run the function in a VPC (the integration's, so it probes through the gateway's own egress): its
   * network interfaces in these subnets, with no public IP, and the role may manage exactly those
   * interfaces.
   *
   * @default - outside any VPC
   */
  readonly network?: FunctionNetwork;
}

export interface PayProbeFunctionProps extends PayProbeFunctionOptions {
  /** Which payprobe handler the function runs. */
  readonly handler: PayProbeHandler;

  /** The function's description. */
  readonly description: string;

  /** The description of its execution role: what the function may do. */
  readonly roleDescription: string;

  /** How long one invocation may run. */
  readonly timeout: Duration;

  /**
   * Environment variables; PAYPROBE_FUNCTION_ENVIRONMENT is always added.
   *
   * @default - PAYPROBE_FUNCTION_ENVIRONMENT only
   */
  readonly environment?: Readonly<Record<string, string>>;

  /**
   * Public files (from the config's `{ file }` references) copied into the bundle.
   *
   * @default - none
   */
  readonly files?: readonly BundleFile[];

  /**
   * Files written when the function is bundled (only then: a synth that skips bundling writes nothing)
   * and copied into the bundle.
   *
   * @default - none
   */
  readonly generatedFiles?: readonly GeneratedFile[];

  /**
   * Retries of an asynchronous invocation.
   *
   * @default 2 (Lambda's default)
   */
  readonly retryAttempts?: number;

  /**
   * Maximum age of an asynchronous invocation's event.
   *
   * @default Duration.hours(6) (Lambda's default)
   */
  readonly maxEventAge?: Duration;

  /**
   * Concurrent executions reserved for this function: guaranteed to it, and its ceiling. An account-wide
   * throttle (another workload using the account's concurrency) then cannot stop it.
   *
   * @default - none reserved: the function shares the account's unreserved concurrency
   */
  readonly reservedConcurrentExecutions?: number;
}

/** Whose secrets a grant covers, for its statement ids and its cdk-nag acknowledgement. */
export interface ReadSecretsOptions {
  /** Names the statements: `Read<sid>Secrets`, `Decrypt<sid>Secrets`, `Read<sid>Parameters`, `Decrypt<sid>Parameters`. */
  readonly sid: string;

  /** Whose secrets, in the acknowledgement: "this processor's", "the probed processors'". */
  readonly owner: string;
}

/**
 * A payprobe Lambda: Node.js 22 on arm64, its handler bundled with esbuild (prebuilt, or locally at synth)
 * with its files beside it, its own log group, and a role that starts with writing to that log group and
 * nothing else.
 */
export class PayProbeFunction extends Construct implements IGrantable {
  /** The Lambda function. */
  public readonly function: LambdaFunction;
  /** Its execution role. */
  public readonly role: Role;
  /** Its log group (structured JSON lines). */
  public readonly logGroup: LogGroup;
  /** The role: grant the function more with `resource.grantXxx(fn)`. */
  public readonly grantPrincipal: IPrincipal;

  constructor(scope: Construct, id: string, props: PayProbeFunctionProps) {
    // Validate first: a half-specified placement or public subnets add nothing to `scope`.
    const networkProblem = functionNetworkProblem(props.network);
    if (networkProblem) throw new Error(`${scope.node.path}/${id}: ${networkProblem}`);
    super(scope, id);
    const { logGroup, role } = logGroupAndRole(this, {
      logGroupId: 'LogGroup',
      roleId: 'Role',
      roleDescription: props.roleDescription,
      logRetention: props.logRetention,
    });
    this.logGroup = logGroup;
    this.role = role;
    this.grantPrincipal = role;

    // A plain Function (NodejsFunction's subclass adds nothing to the template): the same logical IDs.
    this.function = new LambdaFunction(this, 'Function', {
      code: payProbeCode(
        handlerSource(props.handler, props.entry),
        props.files ?? [],
        props.generatedFiles ?? [],
      ),
      handler: `index.${HANDLER_EXPORT}`,
      runtime: PAYPROBE_RUNTIME,
      architecture: PAYPROBE_ARCHITECTURE,
      memorySize: props.memorySize ?? DEFAULT_FUNCTION_MEMORY_MB,
      timeout: props.timeout,
      description: props.description,
      role,
      logGroup,
      retryAttempts: props.retryAttempts,
      maxEventAge: props.maxEventAge,
      reservedConcurrentExecutions: props.reservedConcurrentExecutions,
      environment: { ...props.environment, ...PAYPROBE_FUNCTION_ENVIRONMENT },
      ...(props.network
        ? {
            vpc: props.network.vpc,
            vpcSubnets: props.network.vpcSubnets,
            securityGroups: props.network.securityGroups ? [...props.network.securityGroups] : undefined,
            // Lambda never gives a function a public IP: in a public subnet it could not reach the processor.
            allowPublicSubnet: false,
          }
        : {}),
    });
    if (props.network) this.grantNetworkInterfaces(props.network);
    Validations.of(this.function).acknowledge({
      id: 'AwsSolutions-L1',
      reason:
        'Built and tested for Node.js 22 (esbuild target node22), a supported Lambda runtime. Moving to a newer runtime is a tested change, not a lint fix.',
    });
  }

  /** Adds a statement to the execution role's policy. */
  public addToRolePolicy(statement: PolicyStatement): void {
    this.role.addToPrincipalPolicy(statement);
  }

  /** cloudwatch:PutMetricData into `namespace` only (the action has no resource-level permissions). */
  public grantPutMetricData(namespace: string): void {
    this.addToRolePolicy(putMetricDataStatement(namespace, `Publish${alphanumeric(namespace)}Metrics`));
    Validations.of(this.role).acknowledge({
      id: WILDCARD_RESOURCE,
      reason: `cloudwatch:PutMetricData has no resource-level permissions: it is limited by the condition cloudwatch:namespace = ${namespace}.`,
    });
  }

  /**
   * Read access to exactly these Secrets Manager secrets and SSM parameters, and kms:Decrypt for them only
   * through those services (see readSecretsStatements). Nothing to read grants nothing.
   */
  public grantReadSecrets(refs: SecretReferences, options: ReadSecretsOptions): void {
    const statements = readSecretsStatements(Stack.of(this), refs, options.sid);
    for (const s of statements) this.addToRolePolicy(s);
    if (statements.length > 0) {
      Validations.of(this.role).acknowledge({
        id: WILDCARD_RESOURCE,
        reason: `kms:Decrypt on customer managed keys is limited by kms:ViaService and the encryption context to ${options.owner} own secrets and parameters; secret ARNs end in -?????? (Secrets Manager's random suffix).`,
      });
    }
  }

  /**
   * sns:Publish on the topics, and kms:GenerateDataKey and kms:Decrypt on their keys: a Topic's own
   * `masterKey`, and `extraKey` for imported topics encrypted with a key the construct cannot see.
   */
  public grantPublish(topics: readonly ITopic[], extraKey?: IKey): void {
    for (const s of publishStatements(topics, extraKey)) this.addToRolePolicy(s);
  }

  /**
   * The network-interface permissions Lambda uses to attach the function to its VPC (network.ts
   * networkInterfaceStatements), instead of the managed AWSLambdaVPCAccessExecutionRole.
   */
  private grantNetworkInterfaces(network: FunctionNetwork): void {
    const stack = Stack.of(this);
    const subnetIds = network.vpc.selectSubnets(network.vpcSubnets).subnetIds;
    const securityGroupIds = this.function.connections.securityGroups.map((sg) => sg.securityGroupId);
    for (const s of networkInterfaceStatements(stack, subnetIds, securityGroupIds)) this.addToRolePolicy(s);
    Validations.of(this.role).acknowledge(
      {
        id: WILDCARD_RESOURCE,
        reason:
          'ec2:DescribeNetworkInterfaces and ec2:DescribeSubnets work only on Resource "*" (Lambda reads the interfaces it manages in the VPC); they reveal no data.',
      },
      {
        id: `AwsSolutions-IAM5[Resource::arn:${nagValue(stack.partition, 'AWS::Partition')}:ec2:${nagValue(stack.region, 'AWS::Region')}:${nagValue(stack.account, 'AWS::AccountId')}:network-interface/*]`,
        reason:
          "Lambda creates and deletes the function's network interfaces itself, with ids nobody knows in advance: network interfaces of this account and region (Lambda's guide asks for all of them for DeleteNetworkInterface); creating one is further limited to the function's subnets and security groups.",
      },
    );
  }

  /** The function's Errors metric. */
  public metricErrors(props?: MetricOptions): Metric {
    return this.function.metricErrors(props);
  }
}

/** Where a log group and a role that may write to it are created, and what the role is for. */
export interface LogGroupAndRoleOptions {
  /** Construct id of the log group. */
  readonly logGroupId: string;
  /** Construct id of the role. */
  readonly roleId: string;
  /** What the role is for (its Description). */
  readonly roleDescription: string;
  /**
   * Retention of the log group.
   *
   * @default RetentionDays.ONE_MONTH
   */
  readonly logRetention?: RetentionDays;
}

/**
 * A log group and a Lambda execution role that may write to it and nothing else yet: a PayProbeFunction's,
 * and the Provider framework's relay function in Preflight.
 */
export function logGroupAndRole(
  scope: Construct,
  options: LogGroupAndRoleOptions,
): { logGroup: LogGroup; role: Role } {
  const logGroup = new LogGroup(scope, options.logGroupId, {
    retention: options.logRetention ?? RetentionDays.ONE_MONTH,
  });
  const role = new Role(scope, options.roleId, {
    assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
    description: options.roleDescription,
  });
  logGroup.grantWrite(role);
  return { logGroup, role };
}

/** A stack's region or account as cdk-nag writes it in a finding id: the value, or `<AWS::Region>` for a token. */
function nagValue(value: string, pseudo: string): string {
  return Token.isUnresolved(value) ? `<${pseudo}>` : value;
}

function alphanumeric(s: string): string {
  return s.replace(/[^A-Za-z0-9]/g, '');
}
