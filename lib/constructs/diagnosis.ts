/**
 * Diagnosis: the diagnose Lambda and its wiring. When one of a processor's alarms changes state, EventBridge
 * invokes the function, which re-probes the processor at once and publishes the diagnosis (class, detail,
 * chain, timings, input changes, runbook) to the alarm's severity topic, or a RESOLVED page on return to OK.
 *
 * This function is the one pager of the alarms it diagnoses (one page per incident): they have no SNS actions of
 * their own unless PayProbeProps.directAlarmNotifications asks for CloudWatch's notifications too; those of a
 * processor with maintenance windows act on the internal held-alarms topic it subscribes to (./held-alarms.ts),
 * so a failure that outlasts a window still pages through it when the window ends. A page
 * still never depends on it working:
 * - an invocation that fails (an error, a timeout, a broken environment) or cannot run in time (throttled
 *   past the event's maximum age) goes to the function's on-failure destination, the critical topic: Lambda
 *   publishes the invocation record, which carries the alarm's state-change event (name, state, reason), so
 *   the pager gets the alarm raw instead of diagnosed;
 * - the function's own alarm (DiagnoseErrors, with its direct SNS action on the critical topic) fires on any
 *   error, dropped event, failed delivery by EventBridge, or failed delivery to the destination.
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
import { SnsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { LambdaSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
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

/**
 * How long Lambda keeps trying to run an alarm's event (while the function is throttled) before it gives the
 * event to the failure destination: the pager then gets the alarm raw, at most this long after the change.
 * Lambda's minimum is 60 s; 2 minutes leaves room for one throttled burst (every alarm of an incident at once)
 * and keeps a raw page within a few minutes of the alarm.
 */
export const DIAGNOSE_MAX_EVENT_AGE = Duration.minutes(2);

export interface DiagnosisProps extends PayProbeFunctionOptions, ProbingOptions {
  /** The processors to diagnose (defaults and presets merged). The function reads only their secrets. */
  readonly processors: readonly ProcessorConfig[];

  /**
   * The critical topic: diagnoses of critical alarms, this function's own error alarm, and its failure
   * destination (the raw alarm event of an invocation that failed).
   */
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
   * The held-alarms topic (lib/constructs/held-alarms.ts) the alarms of the processors with maintenance windows
   * act on: the function subscribes to it, and pages the notification CloudWatch held back until a window ended
   * with the alarm still in ALARM (lambdas/diagnose/held.ts).
   *
   * @default - no subscription
   */
  readonly heldAlarmsTopic?: ITopic;

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
  /** Fires (critical, its own SNS action) when the function fails: the alarm events reach the pager raw. */
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
    // The pages, and the failure destination's publish (Lambda publishes it with this role): sns:Publish on
    // both topics and kms:GenerateDataKey and kms:Decrypt on their key (publishStatements).
    this.diagnose.grantPublish([props.criticalTopic, props.warningTopic], props.topicKey);
    this.diagnose.grantReadSecrets(deployed, { sid: 'Diagnosed', owner: "the diagnosed processors'" });
    props.history?.grantDiagnose(this.diagnose);
    this.function = this.diagnose.function;
    // No retries: the function records an incident before it publishes the page, so a retry after a failed
    // publish would find the alarm already in the incident and page nothing, and a retry after a published
    // page would page twice. A failed or expired event goes to the critical topic at once, raw.
    this.function.configureAsyncInvoke({
      retryAttempts: 0,
      maxEventAge: DIAGNOSE_MAX_EVENT_AGE,
      onFailure: new PreGrantedSnsDestination(props.criticalTopic),
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

    // SNS invokes the function asynchronously too (the same no-retry, failure-destination config); the
    // subscription's Lambda permission names this topic as its source, nothing else.
    props.heldAlarmsTopic?.addSubscription(new LambdaSubscription(this.function));

    this.errorsAlarm = new Alarm(this, 'ErrorsAlarm', {
      alarmName: props.errorsAlarmName ?? diagnoseErrorsAlarmName(Stack.of(this).stackName),
      alarmDescription:
        'payprobe diagnose Lambda failing - it is the pager of the payprobe alarms. An alarm event it could not handle reaches this topic raw ' +
        "(Lambda's invocation record: the alarm's name, state and reason, without diagnosis); check the payprobe alarms in the console. " +
        "Then check its log group for the error (SNS publish denied? a processor's secret unreadable? timeout?); with no error logged, look at its " +
        "AsyncEventsDropped (throttled past 2 minutes; no retries), DestinationDeliveryFailures and the AlarmStateChange rule's FailedInvocations.",
      // Errors alone miss the events that never ran: a throttled event older than the max age leaves Lambda's
      // async queue (AsyncEventsDropped; the failure destination gets it), one EventBridge could not deliver
      // counts against the rule (FailedInvocations: no destination sees it), and a failure the destination could
      // not publish counts as DestinationDeliveryFailures (the last line: nobody else was told).
      metric: new MathExpression({
        expression:
          'FILL(errors, 0) + FILL(dropped, 0) + FILL(undelivered, 0) + FILL(destinationFailures, 0)',
        usingMetrics: {
          errors: this.function.metricErrors({ statistic: Stats.SUM }),
          dropped: this.function.metric('AsyncEventsDropped', { statistic: Stats.SUM }),
          destinationFailures: this.function.metric('DestinationDeliveryFailures', {
            statistic: Stats.SUM,
          }),
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

/**
 * aws-lambda-destinations' SnsDestination without its grant: SnsDestination.bind calls topic.grantPublish, which
 * on an encrypted Topic adds kms:GenerateDataKey* (a wildcard action) beside sns:Publish. The diagnose role
 * already holds exactly what a publisher needs (sns:Publish on the topic, kms:GenerateDataKey and kms:Decrypt
 * on its key: PayProbeFunction.grantPublish), and Lambda publishes the failure record with that role.
 */
class PreGrantedSnsDestination extends SnsDestination {
  private readonly topicArn: string;

  constructor(topic: ITopic) {
    super(topic);
    this.topicArn = topic.topicArn;
  }

  public override bind(_scope: Construct, _fn: lambda.IFunction): lambda.DestinationConfig {
    return { destination: this.topicArn };
  }
}
