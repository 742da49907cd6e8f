/**
 * Diagnosis: the diagnose Lambda and its wiring. When one of a processor's alarms changes state, EventBridge
 * invokes the function, which re-probes the processor at once and publishes the diagnosis (class, detail,
 * chain, timings, input changes, runbook) to the alarm's severity topic, or a RESOLVED page on return to OK.
 *
 * The alarms keep their own SNS actions: a page never depends on this function. If the function fails, its
 * own alarm tells the critical topic that pages still arrive, without diagnosis.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { ArnFormat, Duration, Stack, Validations } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, type IAlarm, Stats, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { Match, Rule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Architecture, Runtime } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { ALARM_NAME_PREFIX } from '../lambdas/core/alarm-names';
import { ConfigError, type ConfigIssue, type ProcessorConfig } from '../lambdas/core/config';
import { type BundledFile, deployProcessor, LAMBDA_TASK_ROOT } from './deployed-processor';

/** The diagnose handler in this repository. */
export const DEFAULT_DIAGNOSE_ENTRY = path.join(__dirname, '..', 'lambdas', 'diagnose', 'handler.ts');

/** Environment contract with lambdas/diagnose/env.ts. */
export const ENV = {
  processors: 'PAYPROBE_PROCESSORS',
  processorsFile: 'PAYPROBE_PROCESSORS_FILE',
  topicCritical: 'PAYPROBE_TOPIC_CRITICAL_ARN',
  topicWarning: 'PAYPROBE_TOPIC_WARNING_ARN',
  runbookBaseUrl: 'PAYPROBE_RUNBOOK_BASE_URL',
  secretTtlSeconds: 'PAYPROBE_SECRET_TTL_SECONDS',
} as const;

/** The bundled processors file, used when the configs do not fit the 4 KB function environment. */
export const PROCESSORS_FILE = 'payprobe-processors.json';

/** Above this, the processor configs go into the bundle instead of the environment (Lambda allows 4 KB in all). */
export const PROCESSORS_ENV_MAX_BYTES = 3000;

/**
 * Name of the alarm on the diagnose function's errors: `PayProbe-DiagnoseErrors-<stack name>`, unique beside a
 * second copy of the stack, and starting with PayProbe- so the alert topics' policy lets CloudWatch publish.
 */
export function diagnoseErrorsAlarmName(stackName: string): string {
  return `${ALARM_NAME_PREFIX}-DiagnoseErrors-${stackName}`;
}

/** Seconds beyond the longest probe budget: SNS publish and secret reads. */
const TIMEOUT_MARGIN_SECONDS = 30;

export interface DiagnosisProps {
  /** The processors to diagnose (defaults and presets merged). The function reads only their secrets. */
  readonly processors: readonly ProcessorConfig[];

  /** The critical topic: diagnoses of critical alarms, and this function's own error alarm. */
  readonly criticalTopic: ITopic;

  /** The warning topic: diagnoses of warning alarms. */
  readonly warningTopic: ITopic;

  /**
   * The alarms to diagnose. When given, the rule matches their ARNs.
   *
   * @default - every alarm named `PayProbe-<processor>-*` for the given processors
   */
  readonly alarms?: readonly IAlarm[];

  /**
   * The KMS key that encrypts the topics, when they are imported (a Topic's own `masterKey` is granted
   * without this). The function gets kms:GenerateDataKey and kms:Decrypt on it.
   *
   * @default - no extra key grant
   */
  readonly topicKey?: IKey;

  /**
   * Where the runbook pages live for readers of a page: a repository path or an https URL to docs/runbooks/.
   *
   * @default 'docs/runbooks/'
   */
  readonly runbookBaseUrl?: string;

  /**
   * Where each processor sits in its config file, for field-level error messages (same order as processors).
   *
   * @default - { file: 'the payprobe config', path: 'processors[name=<name>]' }
   */
  readonly configFile?: string;

  /**
   * The diagnose handler's source file (a module exporting `handler`).
   *
   * @default - lambdas/diagnose/handler.ts in this repository
   */
  readonly entry?: string;

  /**
   * Retention of the function's log group.
   *
   * @default RetentionDays.ONE_MONTH
   */
  readonly logRetention?: RetentionDays;

  /**
   * Memory of the function in MB (CPU scales with it: the re-probe's TLS handshake is CPU-bound).
   *
   * @default 256
   */
  readonly memorySize?: number;

  /**
   * How long the function caches secret values across invocations.
   *
   * @default Duration.seconds(60)
   */
  readonly secretCacheTtl?: Duration;
}

/** The diagnose Lambda, its EventBridge rule, its least-privilege role and its own error alarm. */
export class Diagnosis extends Construct {
  /** The diagnose function. */
  public readonly function: NodejsFunction;
  /** Its execution role. */
  public readonly role: Role;
  /** Its log group. */
  public readonly logGroup: LogGroup;
  /** The rule that sends alarm state changes to the function. */
  public readonly rule: Rule;
  /** Fires (critical) when the function fails: pages still arrive, without diagnosis. */
  public readonly errorsAlarm: Alarm;
  /** Secrets Manager ids and SSM names the function may read: exactly the diagnosed processors'. */
  public readonly secretIds: readonly string[];
  public readonly parameterNames: readonly string[];

  constructor(scope: Construct, id: string, props: DiagnosisProps) {
    super(scope, id);
    if (props.processors.length === 0) {
      throw new ConfigError([
        {
          file: props.configFile ?? 'the payprobe config',
          path: 'processors',
          message: 'Diagnosis needs at least one processor',
        },
      ]);
    }

    // Each processor's deployed form (the probe Lambda's rules), its files under processors/<name>/.
    const issues: ConfigIssue[] = [];
    const configs: Record<string, unknown> = {};
    const files: BundledFile[] = [];
    const secretIds: string[] = [];
    const parameterNames: string[] = [];
    props.processors.forEach((p, index) => {
      const at = {
        file: props.configFile ?? 'the payprobe config',
        path: props.configFile ? `processors[${index}]` : `processors[name=${p.name}]`,
      };
      const { issues: found, deployed } = deployProcessor(p, at);
      issues.push(...found);
      if (!deployed) return;
      const dir = `processors/${p.name}`;
      configs[p.name] = {
        ...(JSON.parse(deployed.environmentJson) as object),
        baseDir: `${LAMBDA_TASK_ROOT}/${dir}`,
      };
      for (const f of deployed.files) files.push({ source: f.source, bundlePath: `${dir}/${f.bundlePath}` });
      for (const s of deployed.secretIds) if (!secretIds.includes(s)) secretIds.push(s);
      for (const n of deployed.parameterNames) if (!parameterNames.includes(n)) parameterNames.push(n);
    });
    if (issues.length > 0) throw new ConfigError(issues);
    this.secretIds = secretIds;
    this.parameterNames = parameterNames;

    const processorsJson = JSON.stringify(configs);
    const inEnvironment = Buffer.byteLength(processorsJson) <= PROCESSORS_ENV_MAX_BYTES;

    this.logGroup = new LogGroup(this, 'LogGroup', {
      retention: props.logRetention ?? RetentionDays.ONE_MONTH,
    });
    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `payprobe diagnose: re-probes ${props.processors.map((p) => p.name).join(', ')} on alarm and publishes the diagnosis`,
    });
    this.logGroup.grantWrite(this.role);
    grantPublish(this.role, [props.criticalTopic, props.warningTopic], props.topicKey);
    grantReadSecrets(this.role, secretIds, parameterNames);

    const maxBudgetMs = Math.max(...props.processors.map((p) => p.budgetMs));
    this.function = new NodejsFunction(this, 'Function', {
      entry: props.entry ?? DEFAULT_DIAGNOSE_ENTRY,
      handler: 'handler',
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? 256,
      timeout: Duration.seconds(Math.min(900, Math.ceil(maxBudgetMs / 1000) + TIMEOUT_MARGIN_SECONDS)),
      description: 'payprobe: re-probes a processor when its alarm changes state and publishes the diagnosis',
      role: this.role,
      logGroup: this.logGroup,
      // A diagnosis delivered late is stale and a retry would page twice: no retries.
      retryAttempts: 0,
      maxEventAge: Duration.minutes(5),
      environment: {
        ...(inEnvironment ? { [ENV.processors]: processorsJson } : { [ENV.processorsFile]: PROCESSORS_FILE }),
        [ENV.topicCritical]: props.criticalTopic.topicArn,
        [ENV.topicWarning]: props.warningTopic.topicArn,
        [ENV.runbookBaseUrl]: props.runbookBaseUrl ?? 'docs/runbooks/',
        [ENV.secretTtlSeconds]: String((props.secretCacheTtl ?? Duration.seconds(60)).toSeconds()),
        NODE_OPTIONS: '--enable-source-maps',
      },
      bundling: {
        forceDockerBundling: false,
        minify: true,
        sourceMap: true,
        sourcesContent: false,
        target: 'node22',
        format: OutputFormat.CJS,
        mainFields: ['module', 'main'],
        bundleAwsSDK: true,
        commandHooks: {
          beforeBundling: () => [],
          beforeInstall: () => [],
          afterBundling: (_inputDir: string, outputDir: string) => [
            ...files.map((f) => copyCommand(f.source, path.join(outputDir, ...f.bundlePath.split('/')))),
            ...(inEnvironment
              ? []
              : [copyCommand(writeTemp(processorsJson), path.join(outputDir, PROCESSORS_FILE))]),
          ],
        },
      },
    });
    Validations.of(this.function).acknowledge({
      id: 'AwsSolutions-L1',
      reason:
        'Built and tested for Node.js 22 (esbuild target node22), a supported Lambda runtime, like the probe functions.',
    });

    const processorNames = props.processors.map((p) => p.name);
    this.rule = new Rule(this, 'AlarmStateChange', {
      description: 'payprobe: alarm state changes of the probed processors -> diagnose',
      eventPattern: {
        source: ['aws.cloudwatch'],
        detailType: ['CloudWatch Alarm State Change'],
        ...(props.alarms && props.alarms.length > 0
          ? { resources: props.alarms.map((a) => a.alarmArn) }
          : {}),
        detail: {
          ...(props.alarms && props.alarms.length > 0
            ? {}
            : { alarmName: processorNames.flatMap((n) => Match.prefix(`${ALARM_NAME_PREFIX}-${n}-`)) }),
          state: { value: ['ALARM', 'OK'] },
        },
      },
      targets: [new LambdaFunction(this.function, { retryAttempts: 0, maxEventAge: Duration.minutes(5) })],
    });

    this.errorsAlarm = new Alarm(this, 'ErrorsAlarm', {
      alarmName: diagnoseErrorsAlarmName(Stack.of(this).stackName),
      alarmDescription:
        'payprobe diagnose Lambda failing - pages still arrive, without diagnosis. The alarms notify the topics directly; ' +
        "this function adds the re-probe and runbook. Check its log group for the error (SNS publish denied? a processor's secret unreadable? timeout?).",
      metric: this.function.metricErrors({ statistic: Stats.SUM, period: Duration.minutes(5) }),
      threshold: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      datapointsToAlarm: 1,
      // No invocation means no alarm changed state: nothing is wrong with the function.
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    this.errorsAlarm.addAlarmAction(new SnsAction(props.criticalTopic));
    this.errorsAlarm.addOkAction(new SnsAction(props.criticalTopic));
  }
}

/**
 * sns:Publish on the topics, and on their KMS key exactly the two actions SNS needs from a publisher
 * (kms:GenerateDataKey, kms:Decrypt): spelled out rather than grantPublish's kms:GenerateDataKey*.
 */
function grantPublish(role: Role, topics: readonly ITopic[], extraKey: IKey | undefined): void {
  role.addToPolicy(
    new PolicyStatement({
      sid: 'PublishPages',
      actions: ['sns:Publish'],
      resources: topics.map((t) => t.topicArn),
    }),
  );
  const keys: IKey[] = [];
  for (const k of [...topics.map((t) => t.masterKey), extraKey]) if (k && !keys.includes(k)) keys.push(k);
  if (keys.length > 0) {
    role.addToPolicy(
      new PolicyStatement({
        sid: 'EncryptPagesForEncryptedTopics',
        actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
        resources: keys.map((k) => k.keyArn),
      }),
    );
  }
}

/** secretsmanager:GetSecretValue and ssm:GetParameter on exactly these, and KMS decrypt only through them. */
function grantReadSecrets(role: Role, secretIds: readonly string[], parameterNames: readonly string[]): void {
  const stack = Stack.of(role);
  const secretArns = secretIds.flatMap((id) =>
    id.startsWith('arn:')
      ? [id, `${id}-??????`]
      : [
          stack.formatArn({
            service: 'secretsmanager',
            resource: 'secret',
            resourceName: `${id}-??????`,
            arnFormat: ArnFormat.COLON_RESOURCE_NAME,
          }),
        ],
  );
  const parameterArns = parameterNames.map((name) =>
    name.startsWith('arn:')
      ? name
      : stack.formatArn({
          service: 'ssm',
          resource: 'parameter',
          resourceName: name.replace(/^\//, ''),
          arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
        }),
  );
  if (secretArns.length > 0) {
    role.addToPolicy(
      new PolicyStatement({
        sid: 'ReadDiagnosedSecrets',
        actions: ['secretsmanager:GetSecretValue'],
        resources: secretArns,
      }),
    );
    role.addToPolicy(
      new PolicyStatement({
        sid: 'DecryptDiagnosedSecrets',
        actions: ['kms:Decrypt'],
        resources: ['*'],
        conditions: {
          StringEquals: { 'kms:ViaService': `secretsmanager.${stack.region}.amazonaws.com` },
          StringLike: { 'kms:EncryptionContext:SecretARN': secretArns },
        },
      }),
    );
  }
  if (parameterArns.length > 0) {
    role.addToPolicy(
      new PolicyStatement({
        sid: 'ReadDiagnosedParameters',
        actions: ['ssm:GetParameter'],
        resources: parameterArns,
      }),
    );
    role.addToPolicy(
      new PolicyStatement({
        sid: 'DecryptDiagnosedParameters',
        actions: ['kms:Decrypt'],
        resources: ['*'],
        conditions: {
          StringEquals: { 'kms:ViaService': `ssm.${stack.region}.amazonaws.com` },
          StringLike: { 'kms:EncryptionContext:PARAMETER_ARN': parameterArns },
        },
      }),
    );
  }
  Validations.of(role).acknowledge({
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason:
      "kms:Decrypt on customer managed keys is limited by kms:ViaService and the encryption context to the diagnosed processors' own secrets and parameters; secret ARNs end in -?????? (Secrets Manager's random suffix).",
  });
}

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

function copyCommand(source: string, dest: string): string {
  return `mkdir -p ${shellQuote(path.dirname(dest))} && cp ${shellQuote(source)} ${shellQuote(dest)}`;
}

/** The processors JSON as a file for the bundling commands to copy (bundling runs locally, at synth). */
function writeTemp(content: string): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'payprobe-diagnose-')), PROCESSORS_FILE);
  writeFileSync(file, content);
  return file;
}
