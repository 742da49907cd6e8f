/**
 * Incident replays end to end on the AWS emulator (issue #14): the synthesized stack's functions run as the
 * bundles the stack deploys (./lambda-runtime.ts), probing a loopback fleet (./replay-world.ts) on a
 * simulated clock; their metrics go to moto; the stack's alarms are evaluated as CloudWatch documents it
 * (./sim.ts); alarm state changes go through the stack's EventBridge rule (./event-routing.ts) to the
 * diagnose function, invoked asynchronously as EventBridge does (a failed invocation goes to its on-failure
 * destination, ./async-invoke.ts); every notification the topics deliver is collected as a page (./pages.ts).
 *
 * A scenario is declarative: minutes of healthy probing after the deploy (the warm-up), then a timeline of
 * steps at minutes from the onset (change the CA bundle parameter, let a certificate expire, rotate a
 * credential), then how long to keep watching. `runReplay` returns the pages before the onset (the deploy's
 * own noise) and after it, with the time from onset to the first page. A scenario with maintenance windows
 * (minutes from the onset) gets its own stack, synthesized from the fleet's config plus those windows.
 *
 * The stack is also recorded in moto's CloudFormation with its outputs (./stack-record.ts), so the CLI finds
 * the topics as it does in AWS (`payprobe page-test`).
 *
 *   const env = await ReplayEnvironment.start({ processors, synthesize, buildBundle });
 *   const result = await runReplay(env, {
 *     name: 'certificate expires', minutes: 10,
 *     timeline: [at(0, serve('bolt-pay', 'expired'))],
 *   });
 *   console.log(formatReport(result));
 *   await env.close();
 *
 * Each simulated minute, in this order: the timeline's steps for that minute; the alarms evaluated up to
 * it (diagnose runs for the state changes its rule matches, re-probing the world as it now is); then every
 * probe whose schedule fires (rate(1 minute): every minute from the deploy), concurrently. Lambda's own
 * metrics (AWS/Lambda Invocations and Errors by FunctionName, which ProbeNotRunning and DiagnoseErrors
 * read) are published for every invocation, as Lambda would. Simulated time lies hours in the past, so
 * moto keeps the datapoints and a replay takes seconds of real time.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { CloudFormationClient, ListStacksCommand } from '@aws-sdk/client-cloudformation';
import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { ListSecretsCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ListTopicsCommand, SNSClient } from '@aws-sdk/client-sns';
import { ListQueuesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DescribeParametersCommand, SSMClient } from '@aws-sdk/client-ssm';
import { ENV_PROCESSOR } from '../../lambdas/core/contract/env-names';
import { DEFAULT_STACK_NAME } from '../../lambdas/core/contract/stack';
import type { AlarmTransition } from './alarm-evaluator';
import type { AlarmStateChangeEvent } from './alarm-events';
import { type CfnTemplate, templateContext } from './alarm-model';
import { invokeAsync } from './async-invoke';
import { EventRouter, snsDeliveries } from './event-routing';
import { type Invocation, LambdaFunctionRuntime } from './lambda-runtime';
import { type MotoServer, startMoto } from './moto';
import { describePage, maxPagesPerProcessor, type Page, PageCollector, type PageTopic } from './pages';
import { type CliRun, ReplayFleet, ReplayWorld } from './replay-world';
import { DEFAULT_WARMUP_MINUTES, maintenanceYaml, type Scenario } from './scenario';
import { AwsSim, MOTO_ACCOUNT, type PublishedNotification } from './sim';
import {
  type StackFunction,
  stackFunctions,
  stackParameters,
  stackTables,
  uncoveredReads,
} from './stack-functions';
import { recordStack, resolvedOutputs } from './stack-record';
import { startSubscriber } from './subscriber';

const MIN = 60_000;

// The scenario vocabulary, for the replays' callers (test/e2e): one import for building and running them.
export {
  at,
  DEFAULT_WARMUP_MINUTES,
  intermittent,
  maintenanceYaml,
  type ReplayMaintenance,
  type ReplayStep,
  rotateCredential,
  runCli,
  type Scenario,
  serve,
  setParameter,
} from './scenario';

export interface ReplayEnvironmentOptions {
  /** The fleet's processor names. */
  readonly processors: readonly string[];
  /**
   * Synthesizes the stack for a config file (bundling skipped) and returns its template. `now` is the clock the
   * config's maintenance windows are judged at (a replay's clock lies in the past; loadConfigFile's `now`).
   */
  readonly synthesize: (configFile: string, options: { readonly now?: number }) => CfnTemplate;
  /** Builds a handler's bundle into `outDir/index.js` as the stack does. */
  readonly buildBundle: (handler: 'probe' | 'diagnose', outDir: string) => Promise<unknown>;
  /** @default 'eu-west-1' */
  readonly region?: string;
}

/** What a test file shares between replays: moto, the fleet, the synthesized template and the bundles. */
export class ReplayEnvironment {
  private constructor(
    readonly moto: MotoServer,
    readonly fleet: ReplayFleet,
    readonly template: CfnTemplate,
    readonly bundles: Readonly<Record<'probe' | 'diagnose', string>>,
    /** The fleet's config file, from which the template was synthesized. */
    readonly configFile: string,
    private readonly dir: string,
    private readonly synthesize: ReplayEnvironmentOptions['synthesize'],
  ) {}

  /**
   * The config file and template of a replay: the shared ones, or for a scenario with maintenance windows the
   * fleet's config plus the windows (times for `onset`), synthesized at the replay's clock `now`.
   */
  deployment(
    scenario: Scenario,
    onset: number,
    now: number,
  ): { readonly configFile: string; readonly template: CfnTemplate } {
    if (!scenario.maintenance?.length) return { configFile: this.configFile, template: this.template };
    const file = path.join(this.dir, `payprobe-${onset}-${scenario.name.replace(/[^a-z0-9]+/gi, '-')}.yaml`);
    writeFileSync(file, `${this.fleet.configYaml()}${maintenanceYaml(scenario.maintenance, onset)}`);
    return { configFile: file, template: this.synthesize(file, { now }) };
  }

  static async start(options: ReplayEnvironmentOptions): Promise<ReplayEnvironment> {
    const dir = mkdtempSync(path.join(tmpdir(), 'payprobe-replay-'));
    const bundles = { probe: path.join(dir, 'probe'), diagnose: path.join(dir, 'diagnose') };
    let moto: MotoServer | undefined;
    let fleet: ReplayFleet | undefined;
    try {
      [moto, fleet] = await Promise.all([
        startMoto({ region: options.region ?? 'eu-west-1' }).then(async (m) => {
          // moto imports each service on its first request (seconds for SSM): do it while the stack synthesizes.
          await warmUp(m);
          return m;
        }),
        ReplayFleet.start(options.processors),
      ]);
      const configFile = path.join(dir, 'payprobe.yaml');
      writeFileSync(configFile, fleet.configYaml());
      for (const b of Object.values(bundles)) mkdirSync(b);
      await Promise.all([
        options.buildBundle('probe', bundles.probe),
        options.buildBundle('diagnose', bundles.diagnose),
      ]);
      const template = options.synthesize(configFile, {});
      return new ReplayEnvironment(moto, fleet, template, bundles, configFile, dir, options.synthesize);
    } catch (e) {
      await Promise.all([moto?.stop(), fleet?.close()]);
      rmSync(dir, { recursive: true, force: true });
      throw e;
    }
  }

  async close(): Promise<void> {
    await Promise.all([this.moto.stop(), this.fleet.close()]);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export interface InvocationRecord {
  readonly function: string;
  readonly role: StackFunction['role'];
  readonly at: number;
  readonly ok: boolean;
  readonly response?: unknown;
  readonly error?: string;
  /** The message id of the invocation record its failure destination received (asynchronous invocations). */
  readonly destinationMessageId?: string;
}

export interface ReplayResult {
  readonly scenario: string;
  readonly deployAt: number;
  readonly onset: number;
  readonly end: number;
  /** Notifications from the deploy up to (not including) the onset. */
  readonly deployPages: readonly Page[];
  /** Notifications from the onset on. */
  readonly pages: readonly Page[];
  /** Minutes from the onset to the first page, or null when nothing was paged. */
  readonly firstPageAfterMinutes: number | null;
  readonly transitions: readonly AlarmTransition[];
  /** Every alarm of the stack, by name. */
  readonly alarms: readonly string[];
  readonly invocations: readonly InvocationRecord[];
  /** Every log line of every function, by function name. */
  readonly logs: Readonly<Record<string, readonly string[]>>;
  /** Real time the replay took. */
  readonly realMs: number;
  /** Every secret value the fleet has handed out (this replay's and earlier ones'), for leak checks. */
  readonly secrets: readonly string[];
  readonly steps: readonly { readonly at: number; readonly what: string }[];
  /** The CLI runs of `runCli` steps. */
  readonly cliRuns: readonly CliRun[];
}

/** Runs one scenario from a fresh emulator state and fresh function containers. */
export async function runReplay(env: ReplayEnvironment, scenario: Scenario): Promise<ReplayResult> {
  const started = Date.now();
  const warmup = scenario.warmupMinutes ?? DEFAULT_WARMUP_MINUTES;
  for (const s of scenario.timeline) {
    if (!Number.isInteger(s.at) || s.at < 0 || s.at > scenario.minutes)
      throw new Error(`${scenario.name}: step "${s.what}" at ${s.at}: whole minutes within the scenario`);
  }
  // Three hours ago, on a minute: CloudWatch (and moto) keep datapoints that old; nothing lies in the future.
  const deployAt = Math.floor((Date.now() - 3 * 3600_000) / MIN) * MIN;
  const onset = deployAt + warmup * MIN;
  const end = onset + scenario.minutes * MIN;
  if (end > Date.now() - 5 * MIN)
    throw new Error(`${scenario.name}: a replay may simulate at most 2 h 55 min`);

  const { configFile, template } = env.deployment(scenario, onset, deployAt);
  await env.moto.reset();
  await env.fleet.reset();
  const world = new ReplayWorld(env.fleet, env.moto, configFile);
  const subscriber = await startSubscriber();
  const runtimes = new Map<string, LambdaFunctionRuntime>();
  const invocations: InvocationRecord[] = [];
  let sim: AwsSim | undefined;
  let router: EventRouter | undefined;
  let collector: PageCollector | undefined;
  try {
    const onStateChange = async (event: AlarmStateChangeEvent, t: AlarmTransition) => {
      collector?.sync(t.at);
      const routedAll = router?.route(event) ?? [];
      for (const routed of routedAll) {
        const runtime = runtimes.get(routed.fn.name);
        if (!runtime) throw new Error(`no runtime for ${routed.fn.name}`);
        invocations.push(await invoke(runtime, routed.fn, event, t.at));
      }
      collector?.sync(t.at);
    };
    // An alarm action on a topic a function subscribes to (the held-alarms topic): SNS invokes it, async.
    let subscribed: readonly StackFunction[] = [];
    const onPublished = async (n: PublishedNotification) => {
      for (const { fn, event } of snsDeliveries(subscribed, n)) {
        const runtime = runtimes.get(fn.name);
        if (!runtime) throw new Error(`no runtime for ${fn.name}`);
        invocations.push(await invoke(runtime, fn, event, n.at));
      }
      collector?.sync(n.at);
    };
    sim = await AwsSim.create({
      template,
      aws: env.moto,
      subscriber,
      evaluator: { createdAt: deployAt },
      percentileBucketSeconds: probingIntervalSeconds(template),
      onStateChange,
      onPublished,
    });
    const ctx = templateContext(
      template,
      { region: env.moto.region, account: MOTO_ACCOUNT },
      Object.fromEntries(sim.topics),
    );
    // The config lists no regions: one stack, named DEFAULT_STACK_NAME, as `cdk deploy` names it.
    await recordStack(env.moto, DEFAULT_STACK_NAME, resolvedOutputs(template, ctx));
    const fns = stackFunctions(template, ctx).filter((f) => f.role !== 'other');
    const uncovered = fns.flatMap((f) => uncoveredReads(f).map((r) => `${f.logicalId}: ${r}`));
    if (uncovered.length > 0) {
      throw new Error(
        `the stack's roles cannot read what the functions reference:\n  ${uncovered.join('\n  ')}`,
      );
    }
    await world.seed({
      secrets: fns.flatMap((f) => f.grants.secrets),
      parameters: fns.flatMap((f) => f.grants.parameters),
      tables: stackTables(template, ctx),
      stackParameters: stackParameters(template, ctx),
    });
    router = new EventRouter(fns);
    subscribed = fns;
    collector = await PageCollector.create(env.moto, sim, subscriber, topicSeverities(fns));
    const startRuntime = async (fn: StackFunction, overrides: Readonly<Record<string, string>> = {}) => {
      await runtimes.get(fn.name)?.stop();
      const runtime = await LambdaFunctionRuntime.start(
        {
          name: fn.name,
          codeDir: fn.role === 'probe' ? env.bundles.probe : env.bundles.diagnose,
          environment: { ...fn.environment, ...overrides },
          timeoutSeconds: fn.timeoutSeconds,
          memoryMb: fn.memoryMb,
          entry: fn.role === 'probe' ? 'createHandler:clock' : 'handler',
        },
        { awsEnv: env.moto.env, account: MOTO_ACCOUNT },
      );
      runtimes.set(fn.name, runtime);
    };
    await Promise.all(fns.map((fn) => startRuntime(fn)));
    const broken = scenario.diagnoseEnvironment;

    const scheduled = fns.flatMap((fn) => fn.schedules.map((s) => ({ fn, everyMs: s.everyMs })));
    const steps: { at: number; what: string }[] = [];
    let evaluatedTo = deployAt - 1;
    for (let t = deployAt; t <= end; t += MIN) {
      for (const s of scenario.timeline.filter((x) => onset + x.at * MIN === t)) {
        await s.apply(world);
        steps.push({ at: s.at, what: s.what });
      }
      if (broken && onset + broken.at * MIN === t) {
        await Promise.all(
          fns.filter((f) => f.role === 'diagnose').map((f) => startRuntime(f, broken.environment)),
        );
        steps.push({ at: broken.at, what: broken.what });
      }
      await sim.run(evaluatedTo + 1, t);
      evaluatedTo = t;
      collector.sync(t);
      if (t === end) break;
      const due = scheduled.filter((s) => (t - deployAt) % s.everyMs === 0);
      const runs = await Promise.all(
        due.map(({ fn }) =>
          invoke(
            runtimes.get(fn.name) as LambdaFunctionRuntime,
            fn,
            scheduledEvent(fn, t, env.moto.region),
            t,
          ),
        ),
      );
      invocations.push(...runs);
      // Lambda's own metrics for the runs (the diagnose runs' were published as they ran).
      await publishLambdaMetrics(sim, runs);
      collector.sync(t);
    }
    const all = await collector.pages();
    const pages = all.filter((p) => p.at >= onset);
    const first = pages[0];
    return {
      scenario: scenario.name,
      deployAt,
      onset,
      end,
      deployPages: all.filter((p) => p.at < onset),
      pages,
      firstPageAfterMinutes: first ? (first.at - onset) / MIN : null,
      transitions: sim.evaluator.history,
      alarms: sim.alarms.map((a) => a.name),
      invocations,
      logs: Object.fromEntries([...runtimes].map(([name, r]) => [name, r.logs])),
      secrets: [...env.fleet.issuedSecrets],
      steps,
      cliRuns: [...world.cliRuns],
      realMs: Date.now() - started,
    };
  } finally {
    await Promise.all([...runtimes.values()].map((r) => r.stop()));
    await subscriber.close();
    sim?.destroy();
    collector?.destroy();
    world.destroy();
  }

  async function invoke(
    runtime: LambdaFunctionRuntime,
    fn: StackFunction,
    event: unknown,
    when: number,
  ): Promise<InvocationRecord> {
    // The diagnose function is invoked asynchronously (EventBridge, SNS): Lambda's retries and failure destination
    // apply. The probes' schedules are asynchronous too, but their config sets no destination.
    const { last: r, destinationMessageId }: { last: Invocation; destinationMessageId?: string } =
      fn.role === 'probe' || !sim
        ? { last: await runtime.invoke(event, when) }
        : await invokeAsync({
            config: fn.async,
            functionName: fn.name,
            region: env.moto.region,
            account: MOTO_ACCOUNT,
            event,
            sns: sim.sns,
            run: () => runtime.invoke(event, when),
          });
    const record: InvocationRecord = {
      function: fn.name,
      role: fn.role,
      at: when,
      ok: r.ok,
      ...(r.ok ? { response: r.response } : { error: `${r.error?.name}: ${r.error?.message}` }),
      ...(destinationMessageId ? { destinationMessageId } : {}),
    };
    if (fn.role !== 'probe' && sim) await publishLambdaMetrics(sim, [record]);
    return record;
  }
}

/** One cheap request to each service a replay uses, so moto has imported them all before the first replay. */
async function warmUp(moto: MotoServer): Promise<void> {
  const config = moto.clientConfig;
  const clients = [
    new CloudWatchClient(config),
    new SNSClient(config),
    new SQSClient(config),
    new SSMClient(config),
    new SecretsManagerClient(config),
    new CloudFormationClient(config),
  ] as const;
  try {
    await Promise.all([
      clients[0].send(new DescribeAlarmsCommand({ MaxRecords: 1 })),
      clients[1].send(new ListTopicsCommand({})),
      clients[2].send(new ListQueuesCommand({})),
      clients[3].send(new DescribeParametersCommand({ MaxResults: 1 })),
      clients[4].send(new ListSecretsCommand({ MaxResults: 1 })),
      clients[5].send(new ListStacksCommand({})),
    ]);
  } finally {
    for (const c of clients) c.destroy();
  }
}

/** Each alarm's state at simulated time `t`, after the evaluations at `t`. */
export function alarmStatesAt(r: ReplayResult, t: number): Record<string, string> {
  const states: Record<string, string> = Object.fromEntries(r.alarms.map((a) => [a, 'INSUFFICIENT_DATA']));
  for (const tr of r.transitions) if (tr.at <= t) states[tr.alarm.name] = tr.current.value;
  return states;
}

/** The report line block of a replay: onset to first page, the page count, and every page. */
export function formatReport(r: ReplayResult): string {
  const bySource = (s: Page['source']) => r.pages.filter((p) => p.source === s).length;
  const first =
    r.firstPageAfterMinutes === null ? 'no page' : `first page after ${r.firstPageAfterMinutes} min`;
  return [
    `replay "${r.scenario}": ${first} (simulated), ${r.pages.length} pages ` +
      `(${bySource('alarm')} alarm notifications, ${bySource('diagnose')} diagnosis pages, ` +
      `${bySource('diagnose-failed')} failure records; ` +
      `at most ${maxPagesPerProcessor(r.pages, 15)} per processor in 15 min; ${(r.realMs / 1000).toFixed(1)} s real)`,
    ...r.steps.map((s) => `  step +${s.at}m ${s.what}`),
    ...r.pages.map((p) => `  ${describePage(p, r.onset)}`),
  ].join('\n');
}

/** Which topic is critical and which warning: the diagnose function's environment says. */
function topicSeverities(fns: readonly StackFunction[]): Record<string, PageTopic> {
  const out: Record<string, PageTopic> = {};
  for (const fn of fns) {
    if (fn.role !== 'diagnose') continue;
    const critical = fn.environment.PAYPROBE_TOPIC_CRITICAL_ARN;
    const warning = fn.environment.PAYPROBE_TOPIC_WARNING_ARN;
    if (critical) out[critical] = 'critical';
    if (warning) out[warning] = 'warning';
  }
  return out;
}

/**
 * The shortest probing interval of the stack's probes: percentiles are rebuilt from buckets this wide, exact
 * while each bucket holds at most one run (./sim.ts).
 */
function probingIntervalSeconds(template: CfnTemplate): number {
  const intervals = Object.values(template.Resources ?? {}).flatMap((r) => {
    const env = (r.Properties?.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables;
    const json = env?.[ENV_PROCESSOR];
    return typeof json === 'string'
      ? [(JSON.parse(json) as { intervalSeconds: number }).intervalSeconds]
      : [];
  });
  return Math.min(60, ...intervals);
}

/** The event a schedule rule sends ("Scheduled Event"). */
function scheduledEvent(fn: StackFunction, t: number, region: string): unknown {
  const ruleId = fn.schedules[0]?.ruleId ?? 'Schedule';
  return {
    version: '0',
    id: `e2e-${fn.logicalId}-${t}`,
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: MOTO_ACCOUNT,
    time: new Date(t).toISOString().replace('.000Z', 'Z'),
    region,
    resources: [`arn:aws:events:${region}:${MOTO_ACCOUNT}:rule/${ruleId}`],
    detail: {},
  };
}

/** AWS/Lambda Invocations and Errors for each invocation, by FunctionName, as Lambda publishes them. */
async function publishLambdaMetrics(sim: AwsSim, runs: readonly InvocationRecord[]): Promise<void> {
  if (runs.length === 0) return;
  await sim.putMetricData({
    Namespace: 'AWS/Lambda',
    MetricData: runs.flatMap((r) => {
      const common = {
        Dimensions: [{ Name: 'FunctionName', Value: r.function }],
        Timestamp: new Date(r.at),
        Unit: 'Count' as const,
      };
      return [
        { MetricName: 'Invocations', Value: 1, ...common },
        { MetricName: 'Errors', Value: r.ok ? 0 : 1, ...common },
      ];
    }),
  });
}
