/**
 * Diagnosis: the diagnose Lambda and its wiring. When one of a processor's alarms changes state, EventBridge
 * invokes the function, which re-probes the processor at once and publishes the diagnosis (class, detail,
 * chain, timings, input changes, runbook) to the alarm's severity topic, or a RESOLVED page on return to OK.
 *
 * The alarms keep their own SNS actions: a page never depends on this function. If the function fails, its
 * own alarm tells the critical topic that pages still arrive, without diagnosis.
 */
import { Duration, Stack } from 'aws-cdk-lib';
import {
  Alarm,
  ComparisonOperator,
  type IAlarm,
  MathExpression,
  Metric,
  Stats,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { Match, Rule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { ConfigError, type ProcessorConfig } from '../../lambdas/core/config/load';
import type { MaintenanceWindow } from '../../lambdas/core/config/maintenance';
import type { RawConfig } from '../../lambdas/core/config/schema';
import { ALARM_NAME_PREFIX, gatewayAlarmName } from '../../lambdas/core/contract/alarm-names';
import { DIAGNOSE_ENV } from '../../lambdas/core/contract/env-names';
import { DEFAULT_SECRET_TTL_SECONDS } from '../../lambdas/core/policy/deployment';
import type { DeployedProcessors } from '../deploy/deployed-processor';
import { sharedPlacement } from '../deploy/placement';
import { planSharedFunction } from '../deploy/validate';
import type { FunctionNetwork } from '../function/network';
import { PayProbeFunction, type PayProbeFunctionOptions } from '../function/payprobe-function';
import type { History } from './history';
import { importedNetwork } from './network';
import { DEFAULT_RUNBOOK_BASE_URL, knownRegion, type ProbingOptions } from './options';

/** Environment contract with lambdas/diagnose/env.ts: the names of lambdas/core/contract/env-names.ts. */
export const ENV = DIAGNOSE_ENV;

/** The bundled processors file, used when the configs do not fit the 4 KB function environment. */
export const PROCESSORS_FILE = 'payprobe-processors.json';

/** Above this, the processor configs go into the bundle instead of the environment (Lambda allows 4 KB in all). */
export const PROCESSORS_ENV_MAX_BYTES = 3000;

/** The bundled maintenance windows, used when they do not fit the environment beside the processors. */
export const MAINTENANCE_FILE = 'payprobe-maintenance.json';

/** Above this, the maintenance windows go into the bundle instead of the environment. */
export const MAINTENANCE_ENV_MAX_BYTES = 600;

/**
 * Name of the alarm on the diagnose function's errors: `PayProbe-DiagnoseErrors-<stack name>`, unique beside a
 * second copy of the stack, and starting with PayProbe- so the alert topics' policy lets CloudWatch publish.
 */
export function diagnoseErrorsAlarmName(stackName: string): string {
  return `${ALARM_NAME_PREFIX}-DiagnoseErrors-${stackName}`;
}

/** Seconds beyond the longest probe budget: SNS publish and secret reads. */
const TIMEOUT_MARGIN_SECONDS = 30;

export interface DiagnosisProps extends PayProbeFunctionOptions, ProbingOptions {
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
   * Maintenance windows: the function publishes no page for a processor inside one (the alarms' own
   * notifications are held by the mute rules of MaintenanceWindows).
   *
   * @default - none
   */
  readonly maintenance?: readonly MaintenanceWindow[];

  /**
   * The history table: what changed since each processor's last passing probe, and the cross-processor
   * incident (the function reads every item and writes only incident items).
   *
   * @default - no history: pages say what changed is unknown, and every processor pages alone
   */
  readonly history?: History;

  /**
   * The gateway whose gateway alarm (`PayProbe-ProcessorsFailing-<gateway>`) this function diagnoses too.
   *
   * @default - none
   */
  readonly gateway?: string;

  /**
   * The cross-processor verdict's settings (the config's `verdict`).
   *
   * @default - 2 processors within 10 minutes
   */
  readonly verdict?: RawConfig['verdict'];

  /**
   * The config file the processors come from, for field-level error messages (`processors[<index>]`, in the
   * order given).
   *
   * @default - messages name 'the payprobe config' and each processor as `processors[name=<name>]`
   */
  readonly configFile?: string;

  /**
   * The name of the function's own error alarm; a stack with several Diagnosis constructs (one per network
   * placement) names each apart.
   *
   * @default `PayProbe-DiagnoseErrors-<stack name>`
   */
  readonly errorsAlarmName?: string;
}

/**
 * The diagnose Lambda, its EventBridge rule, its least-privilege role and its own error alarm. Throws
 * ConfigError, before anything is added to `scope`, when a processor breaks a deployment rule.
 */
export class Diagnosis extends Construct {
  /** The diagnose function with its log group and role (reads exactly the diagnosed processors' secrets). */
  public readonly diagnose: PayProbeFunction;
  /** The diagnose Lambda function. */
  public readonly function: lambda.Function;
  /** The rule that sends alarm state changes to the function. */
  public readonly rule: Rule;
  /** Fires (critical) when the function fails: pages still arrive, without diagnosis. */
  public readonly errorsAlarm: Alarm;
  /** What was deployed: each processor's config, the bundled files, the secrets and parameters it reads. */
  public readonly deployed: DeployedProcessors;
  /** Where the function runs: where the diagnosed processors' probes run (none: outside a VPC). */
  public readonly network?: FunctionNetwork;

  constructor(scope: Construct, id: string, props: DiagnosisProps) {
    // Validate first: each processor's deployed form (the probe Lambda's rules), its files under
    // processors/<name>/, or every problem before anything is added to `scope`.
    const { issues, deployed } = planSharedFunction('Diagnosis', props.processors, props.configFile, {
      region: knownRegion(Stack.of(scope).region),
    });
    // It re-probes from where the probes run: one placement for all its processors (network.ts).
    const placement = sharedPlacement(
      'Diagnosis',
      props.processors,
      props.network !== undefined,
      props.configFile,
    );
    if (!deployed || placement.issues.length > 0) throw new ConfigError([...issues, ...placement.issues]);
    super(scope, id);
    this.deployed = deployed;
    this.network =
      props.network ??
      (placement.network ? importedNetwork(new Construct(this, 'Network'), placement.network) : undefined);

    const processorsJson = JSON.stringify(deployed.configs);
    const inEnvironment = Buffer.byteLength(processorsJson) <= PROCESSORS_ENV_MAX_BYTES;
    const maxBudgetMs = Math.max(...props.processors.map((p) => p.budgetMs));
    const names = new Set(props.processors.map((p) => p.name));
    const windows = (props.maintenance ?? []).filter((w) => w.processors.some((p) => names.has(p)));
    const windowsJson = JSON.stringify(windows);
    const windowsInEnv = Buffer.byteLength(windowsJson) <= MAINTENANCE_ENV_MAX_BYTES;
    const secretCacheTtl = props.secretCacheTtl ?? Duration.seconds(DEFAULT_SECRET_TTL_SECONDS);

    // `Default`: the log group, role and function keep the logical IDs they had as this construct's children.
    this.diagnose = new PayProbeFunction(this, 'Default', {
      handler: 'diagnose',
      entry: props.entry,
      memorySize: props.memorySize,
      logRetention: props.logRetention,
      timeout: Duration.seconds(Math.min(900, Math.ceil(maxBudgetMs / 1000) + TIMEOUT_MARGIN_SECONDS)),
      description: 'payprobe: re-probes a processor when its alarm changes state and publishes the diagnosis',
      roleDescription: `payprobe diagnose: re-probes ${props.processors.map((p) => p.name).join(', ')} on alarm and publishes the diagnosis`,
      // A diagnosis delivered late is stale and a retry would page twice: no retries.
      retryAttempts: 0,
      maxEventAge: Duration.minutes(5),
      environment: {
        ...(inEnvironment ? { [ENV.processors]: processorsJson } : { [ENV.processorsFile]: PROCESSORS_FILE }),
        [ENV.topicCritical]: props.criticalTopic.topicArn,
        [ENV.topicWarning]: props.warningTopic.topicArn,
        [ENV.runbookBaseUrl]: props.runbookBaseUrl ?? DEFAULT_RUNBOOK_BASE_URL,
        [ENV.secretTtlSeconds]: String(secretCacheTtl.toSeconds()),
        ...(windows.length === 0
          ? {}
          : windowsInEnv
            ? { [ENV.maintenance]: windowsJson }
            : { [ENV.maintenanceFile]: MAINTENANCE_FILE }),
        ...(props.history ? { [ENV.historyTable]: props.history.tableName } : {}),
        ...(props.gateway ? { [ENV.gateway]: props.gateway } : {}),
        ...(props.verdict ? { [ENV.verdict]: JSON.stringify(props.verdict) } : {}),
      },
      files: deployed.files,
      generatedFiles: [
        ...(inEnvironment ? [] : [{ bundlePath: PROCESSORS_FILE, content: processorsJson }]),
        ...(windows.length > 0 && !windowsInEnv
          ? [{ bundlePath: MAINTENANCE_FILE, content: windowsJson }]
          : []),
      ],
      network: this.network,
    });
    this.diagnose.grantPublish([props.criticalTopic, props.warningTopic], props.topicKey);
    this.diagnose.grantReadSecrets(deployed, { sid: 'Diagnosed', owner: "the diagnosed processors'" });
    props.history?.grantDiagnose(this.diagnose);
    this.function = this.diagnose.function;

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
            : {
                alarmName: [
                  ...processorNames.flatMap((n) => Match.prefix(`${ALARM_NAME_PREFIX}-${n}-`)),
                  ...(props.gateway ? [gatewayAlarmName(props.gateway)] : []),
                ],
              }),
          state: { value: ['ALARM', 'OK'] },
        },
      },
      targets: [new LambdaFunction(this.function, { retryAttempts: 0, maxEventAge: Duration.minutes(5) })],
    });

    this.errorsAlarm = new Alarm(this, 'ErrorsAlarm', {
      alarmName: props.errorsAlarmName ?? diagnoseErrorsAlarmName(Stack.of(this).stackName),
      alarmDescription:
        'payprobe diagnose Lambda failing - pages still arrive, without diagnosis. The alarms notify the topics directly; ' +
        "this function adds the re-probe and runbook. Check its log group for the error (SNS publish denied? a processor's secret unreadable? timeout?); " +
        "with no error logged, look at its AsyncEventsDropped (throttled or older than 5 minutes; no retries) and the AlarmStateChange rule's FailedInvocations.",
      // Errors alone miss the events that never ran: with no retries and a 5-minute max age, a throttled or
      // delayed event is dropped by Lambda's async queue (AsyncEventsDropped), and one EventBridge could not
      // deliver counts against the rule (FailedInvocations); neither makes an Errors datapoint. A dead-letter
      // queue would keep them, but a diagnosis delivered late is stale and nobody would replay it: counting
      // them in this alarm is what matters (the page itself never depends on this function).
      metric: new MathExpression({
        expression: 'FILL(errors, 0) + FILL(dropped, 0) + FILL(undelivered, 0)',
        usingMetrics: {
          errors: this.function.metricErrors({ statistic: Stats.SUM }),
          dropped: this.function.metric('AsyncEventsDropped', { statistic: Stats.SUM }),
          undelivered: new Metric({
            namespace: 'AWS/Events',
            metricName: 'FailedInvocations',
            dimensionsMap: { RuleName: this.rule.ruleName },
            statistic: Stats.SUM,
          }),
        },
        period: Duration.minutes(5),
        label: 'diagnose errors + dropped events + failed deliveries',
      }),
      threshold: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      datapointsToAlarm: 1,
      // No invocation means no alarm changed state: nothing is wrong with the function.
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    // ALARM only: an OK action would also notify on the INSUFFICIENT_DATA -> OK of every first deploy.
    this.errorsAlarm.addAlarmAction(new SnsAction(props.criticalTopic));
  }
}
