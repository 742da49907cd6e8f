/**
 * PayProbeFunction: what every payprobe Lambda (probe, diagnose, preflight) is made of, in one construct. It
 * owns its log group and a role that may write only to it; its grant methods add exactly the permissions a
 * handler needs (its processors' secrets, metrics in one namespace, publishing pages), each with the
 * cdk-nag acknowledgement that explains it. Bundling comes from ./bundling.ts, the one bundling
 * configuration.
 *
 * Give it the id `Default` to keep the logical IDs of resources that were created directly in the parent
 * (CDK leaves `Default` out of logical IDs): the monitors, the diagnosis and the preflight do, so
 * `<Processor>LogGroup…`, `<Processor>Role…` and `<Processor>Function…` stay what they were deployed as.
 */
import { type Duration, Stack, Validations } from 'aws-cdk-lib';
import type { Metric, MetricOptions } from 'aws-cdk-lib/aws-cloudwatch';
import {
  type IGrantable,
  type IPrincipal,
  type PolicyStatement,
  Role,
  ServicePrincipal,
} from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { DEFAULT_FUNCTION_MEMORY_MB } from '../../lambdas/core/policy/deployment';
import {
  type BundleFile,
  bundlingWithFiles,
  type GeneratedFile,
  HANDLER_EXPORT,
  handlerEntry,
  PAYPROBE_ARCHITECTURE,
  PAYPROBE_FUNCTION_ENVIRONMENT,
  PAYPROBE_RUNTIME,
  type PayProbeHandler,
} from './bundling';
import {
  publishStatements,
  putMetricDataStatement,
  readSecretsStatements,
  type SecretReferences,
} from './grants';

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
   * The handler's source file (a module exporting `handler`), to run a handler of your own.
   *
   * @default - the payprobe handler in this repository (lambdas/<handler>/handler.ts)
   */
  readonly entry?: string;
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
 * A payprobe Lambda: Node.js 22 on arm64, bundled locally with esbuild with its files in the bundle, its own
 * log group, and a role that starts with writing to that log group and nothing else.
 */
export class PayProbeFunction extends Construct implements IGrantable {
  /** The Lambda function. */
  public readonly function: NodejsFunction;
  /** Its execution role. */
  public readonly role: Role;
  /** Its log group (structured JSON lines). */
  public readonly logGroup: LogGroup;
  /** The role: grant the function more with `resource.grantXxx(fn)`. */
  public readonly grantPrincipal: IPrincipal;

  constructor(scope: Construct, id: string, props: PayProbeFunctionProps) {
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

    this.function = new NodejsFunction(this, 'Function', {
      entry: props.entry ?? handlerEntry(props.handler),
      handler: HANDLER_EXPORT,
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
      bundling: bundlingWithFiles(props.files ?? [], props.generatedFiles ?? []),
    });
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

function alphanumeric(s: string): string {
  return s.replace(/[^A-Za-z0-9]/g, '');
}
