/**
 * The Lambda functions of a synthesized payprobe template, as the end-to-end harness needs them to run the
 * built bundles the way Lambda would: each function's environment (intrinsics resolved to the emulator's
 * names and ARNs), timeout and memory, what invokes it (schedule rules with a rate, event rules with a
 * pattern), where Lambda sends an asynchronous invocation that failed (its on-failure destination) and which
 * Secrets Manager secrets and SSM parameters its role may read.
 *
 * A function is a probe when its environment carries PAYPROBE_PROCESSOR and the diagnose function when it
 * carries PAYPROBE_PROCESSORS (the names in lambdas/core/contract/env-names.ts), so the harness follows the
 * stack without knowing its logical IDs. `uncoveredReads` compares a function's references with its role's
 * grants: the emulator does not enforce IAM, so a reference the role cannot read would pass here and fail
 * in AWS; the harness refuses to run such a stack instead.
 */
import { configReferences } from '../../lambdas/core/config/references';
import { ENV_PROCESSOR, ENV_PROCESSORS, ENV_PROCESSORS_FILE } from '../../lambdas/core/contract/env-names';
import { type CfnTemplate, type IntrinsicContext, resolveIntrinsics } from './alarm-model';

export type FunctionRole = 'probe' | 'diagnose' | 'other';

export interface StackFunction {
  readonly logicalId: string;
  /** The function's name: its `Ref` in the context (the logical ID unless the context names it). */
  readonly name: string;
  readonly role: FunctionRole;
  /** The processor a probe function probes. */
  readonly processor?: string;
  readonly environment: Readonly<Record<string, string>>;
  readonly timeoutSeconds: number;
  readonly memoryMb: number;
  /** Schedule rules that invoke it, with their rate. */
  readonly schedules: readonly { readonly ruleId: string; readonly everyMs: number }[];
  /** Event rules that invoke it, with their event pattern. */
  readonly eventRules: readonly { readonly ruleId: string; readonly pattern: unknown }[];
  /**
   * The topics (resolved ARNs) that deliver to it: an AWS::SNS::Subscription with protocol lambda and an
   * AWS::Lambda::Permission letting sns.amazonaws.com invoke it from that topic (SNS cannot deliver without).
   */
  readonly topicSubscriptions: readonly string[];
  /** Its asynchronous invocation config (AWS::Lambda::EventInvokeConfig), when the template sets one. */
  readonly async?: AsyncInvokeConfig;
  /** What its role may read: secret names (without the 6-character ARN suffix) and parameter names (as in the ARN). */
  readonly grants: { readonly secrets: readonly string[]; readonly parameters: readonly string[] };
}

type Resource = NonNullable<CfnTemplate['Resources']>[string];

/** What Lambda does with an asynchronous invocation's event (AWS::Lambda::EventInvokeConfig). */
export interface AsyncInvokeConfig {
  /** MaximumRetryAttempts (Lambda's default: 2). */
  readonly retryAttempts: number;
  /** MaximumEventAgeInSeconds (Lambda's default: 6 hours). */
  readonly maxEventAgeSeconds: number;
  /** The on-failure destination's ARN (an SNS topic, an SQS queue, a function, an event bus), resolved. */
  readonly onFailure?: string;
}

/** A DynamoDB table of the template (the history table), as CreateTable needs it. */
export interface StackTable {
  readonly name: string;
  readonly keySchema: unknown;
  readonly attributeDefinitions: unknown;
}

/** Every AWS::DynamoDB::Table of the template, its name resolved by `ctx`. */
export function stackTables(template: CfnTemplate, ctx: IntrinsicContext): StackTable[] {
  return Object.entries(template.Resources ?? {})
    .filter(([, r]) => r.Type === 'AWS::DynamoDB::Table')
    .map(([id, r]) => ({
      name: String(resolveIntrinsics({ Ref: id }, ctx, id)),
      keySchema: r.Properties?.KeySchema,
      attributeDefinitions: r.Properties?.AttributeDefinitions,
    }));
}

/** An SSM parameter the stack itself creates (the live audit's state), with its initial value. */
export interface StackParameter {
  readonly name: string;
  readonly value: string;
}

/** Every AWS::SSM::Parameter of the template, its name resolved by `ctx`, as CloudFormation creates it. */
export function stackParameters(template: CfnTemplate, ctx: IntrinsicContext): StackParameter[] {
  return Object.entries(template.Resources ?? {})
    .filter(([, r]) => r.Type === 'AWS::SSM::Parameter')
    .map(([id, r]) => ({
      name: String(resolveIntrinsics({ Ref: id }, ctx, id)),
      value: String(r.Properties?.Value ?? ''),
    }));
}

/** Every AWS::Lambda::Function of the template, with its environment resolved by `ctx`. */
export function stackFunctions(template: CfnTemplate, ctx: IntrinsicContext): StackFunction[] {
  const resources = template.Resources ?? {};
  const out: StackFunction[] = [];
  for (const [id, r] of Object.entries(resources)) {
    if (r.Type !== 'AWS::Lambda::Function') continue;
    const p = r.Properties ?? {};
    const raw = ((p.Environment as { Variables?: unknown } | undefined)?.Variables ?? {}) as Record<
      string,
      unknown
    >;
    const environment: Record<string, string> = {};
    for (const [k, v] of Object.entries(raw)) {
      const value = resolveIntrinsics(v, ctx, `${id}.Environment.Variables.${k}`);
      if (typeof value !== 'string') throw new Error(`${id}: environment variable ${k} is not a string`);
      environment[k] = value;
    }
    const role: FunctionRole =
      ENV_PROCESSOR in environment
        ? 'probe'
        : ENV_PROCESSORS in environment || ENV_PROCESSORS_FILE in environment
          ? 'diagnose'
          : 'other';
    if (role === 'diagnose' && !(ENV_PROCESSORS in environment)) {
      throw new Error(
        `${id}: the diagnose function reads its processors from the bundled file ${ENV_PROCESSORS_FILE}, which a synth without bundling does not write; use fewer processors in the e2e config`,
      );
    }
    const processor =
      role === 'probe'
        ? (JSON.parse(environment[ENV_PROCESSOR] ?? '{}') as { name?: string }).name
        : undefined;
    const name = String(resolveIntrinsics({ Ref: id }, ctx, id));
    out.push({
      logicalId: id,
      name,
      role,
      ...(processor ? { processor } : {}),
      environment,
      timeoutSeconds: typeof p.Timeout === 'number' ? p.Timeout : 3,
      memoryMb: typeof p.MemorySize === 'number' ? p.MemorySize : 128,
      ...rulesFor(id, resources),
      topicSubscriptions: topicSubscriptionsOf(id, resources, ctx),
      ...asyncConfigOf(id, resources, ctx),
      grants: grantsOf(p.Role, resources, ctx, id),
    });
  }
  return out;
}

/** The function's AWS::Lambda::EventInvokeConfig ($LATEST), its destination resolved by `ctx`. */
function asyncConfigOf(
  fnId: string,
  resources: NonNullable<CfnTemplate['Resources']>,
  ctx: IntrinsicContext,
): { async?: AsyncInvokeConfig } {
  for (const [id, r] of Object.entries(resources)) {
    if (r.Type !== 'AWS::Lambda::EventInvokeConfig') continue;
    const p = r.Properties ?? {};
    if ((p.FunctionName as { Ref?: string } | undefined)?.Ref !== fnId) continue;
    const destination = (p.DestinationConfig as { OnFailure?: { Destination?: unknown } } | undefined)
      ?.OnFailure?.Destination;
    return {
      async: {
        retryAttempts: typeof p.MaximumRetryAttempts === 'number' ? p.MaximumRetryAttempts : 2,
        maxEventAgeSeconds:
          typeof p.MaximumEventAgeInSeconds === 'number' ? p.MaximumEventAgeInSeconds : 21600,
        ...(destination === undefined
          ? {}
          : { onFailure: String(resolveIntrinsics(destination, ctx, `${id}.DestinationConfig`)) }),
      },
    };
  }
  return {};
}

/** Milliseconds between runs of an EventBridge `rate(...)` expression; throws on anything else. */
export function rateMs(expression: string): number {
  const m = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/.exec(expression.trim());
  if (!m) throw new Error(`schedule "${expression}": only rate(N minutes|hours|days) is simulated`);
  const unit = { minute: 60_000, hour: 3_600_000, day: 86_400_000 }[m[2]?.replace(/s$/, '') as 'minute'];
  return Number(m[1]) * unit;
}

/**
 * The secret and parameter references a probe or the diagnose function makes that its role cannot read
 * ("secretsManager: NAME" or "ssm: NAME"), judged by the names in its policy's ARNs. Empty for others.
 */
export function uncoveredReads(fn: StackFunction): string[] {
  const processors: unknown[] =
    fn.role === 'probe'
      ? [JSON.parse(fn.environment[ENV_PROCESSOR] ?? '{}')]
      : fn.role === 'diagnose'
        ? Object.values(JSON.parse(fn.environment[ENV_PROCESSORS] ?? '{}') as Record<string, unknown>)
        : [];
  const out = new Set<string>();
  for (const processor of processors) {
    for (const { ref } of configReferences(processor as Parameters<typeof configReferences>[0])) {
      if ('secretsManager' in ref && !fn.grants.secrets.includes(ref.secretsManager)) {
        out.add(`secretsManager: ${ref.secretsManager}`);
      }
      if ('ssm' in ref && !fn.grants.parameters.includes(ref.ssm.replace(/^\//, '')))
        out.add(`ssm: ${ref.ssm}`);
    }
  }
  return [...out];
}

function targetsFunction(rule: Resource, fnId: string): boolean {
  const targets = (rule.Properties?.Targets ?? []) as { Arn?: unknown }[];
  return targets.some((t) => {
    const arn = t.Arn as { 'Fn::GetAtt'?: unknown } | undefined;
    const att = arn?.['Fn::GetAtt'];
    return Array.isArray(att) && att[0] === fnId && att[1] === 'Arn';
  });
}

/** Whether a value is `Fn::GetAtt: [fnId, Arn]` (or a Ref to the function). */
function refersToFunction(v: unknown, fnId: string): boolean {
  const o = v as { 'Fn::GetAtt'?: unknown; Ref?: unknown } | undefined;
  const att = o?.['Fn::GetAtt'];
  return (Array.isArray(att) && att[0] === fnId && att[1] === 'Arn') || o?.Ref === fnId;
}

function topicSubscriptionsOf(
  fnId: string,
  resources: NonNullable<CfnTemplate['Resources']>,
  ctx: IntrinsicContext,
): string[] {
  const all = Object.entries(resources);
  const permitted = new Set(
    all
      .filter(
        ([, r]) =>
          r.Type === 'AWS::Lambda::Permission' &&
          r.Properties?.Principal === 'sns.amazonaws.com' &&
          r.Properties?.Action === 'lambda:InvokeFunction' &&
          refersToFunction(r.Properties?.FunctionName, fnId),
      )
      .map(([id, r]) => String(resolveIntrinsics(r.Properties?.SourceArn, ctx, `${id}.SourceArn`))),
  );
  return all
    .filter(
      ([, r]) =>
        r.Type === 'AWS::SNS::Subscription' &&
        r.Properties?.Protocol === 'lambda' &&
        refersToFunction(r.Properties?.Endpoint, fnId),
    )
    .map(([id, r]) => String(resolveIntrinsics(r.Properties?.TopicArn, ctx, `${id}.TopicArn`)))
    .filter((arn) => permitted.has(arn));
}

function rulesFor(
  fnId: string,
  resources: NonNullable<CfnTemplate['Resources']>,
): Pick<StackFunction, 'schedules' | 'eventRules'> {
  const schedules: { ruleId: string; everyMs: number }[] = [];
  const eventRules: { ruleId: string; pattern: unknown }[] = [];
  for (const [id, r] of Object.entries(resources)) {
    // EventBridge Scheduler schedules (what the stack deploys now): one Target, invoked on the rate.
    if (r.Type === 'AWS::Scheduler::Schedule') {
      const target = r.Properties?.Target as { Arn?: unknown } | undefined;
      const att = (target?.Arn as { 'Fn::GetAtt'?: unknown } | undefined)?.['Fn::GetAtt'];
      const expression = r.Properties?.ScheduleExpression;
      const on = r.Properties?.State !== 'DISABLED';
      if (on && Array.isArray(att) && att[0] === fnId && typeof expression === 'string')
        schedules.push({ ruleId: id, everyMs: rateMs(expression) });
      continue;
    }
    if (r.Type !== 'AWS::Events::Rule' || !targetsFunction(r, fnId)) continue;
    if (r.Properties?.State === 'DISABLED') continue;
    const expression = r.Properties?.ScheduleExpression;
    if (typeof expression === 'string') schedules.push({ ruleId: id, everyMs: rateMs(expression) });
    if (r.Properties?.EventPattern !== undefined)
      eventRules.push({ ruleId: id, pattern: r.Properties.EventPattern });
  }
  return { schedules, eventRules };
}

/** Secret and parameter names in the ARNs of the role's secretsmanager:/ssm: read statements. */
function grantsOf(
  roleProp: unknown,
  resources: NonNullable<CfnTemplate['Resources']>,
  ctx: IntrinsicContext,
  fnId: string,
): StackFunction['grants'] {
  const att = (roleProp as { 'Fn::GetAtt'?: unknown } | undefined)?.['Fn::GetAtt'];
  const roleId = Array.isArray(att) ? String(att[0]) : undefined;
  const secrets: string[] = [];
  const parameters: string[] = [];
  if (!roleId) return { secrets, parameters };
  for (const [id, r] of Object.entries(resources)) {
    if (r.Type !== 'AWS::IAM::Policy') continue;
    const roles = (r.Properties?.Roles ?? []) as { Ref?: string }[];
    if (!roles.some((x) => x.Ref === roleId)) continue;
    const doc = r.Properties?.PolicyDocument as { Statement?: Record<string, unknown>[] } | undefined;
    for (const statement of doc?.Statement ?? []) {
      if (statement.Effect !== 'Allow') continue;
      const actions = ([] as unknown[]).concat(statement.Action ?? []).map(String);
      const readsSecrets = actions.includes('secretsmanager:GetSecretValue');
      const readsParameters = actions.some((a) => a === 'ssm:GetParameter' || a === 'ssm:GetParameters');
      if (!readsSecrets && !readsParameters) continue;
      // Only these statements are resolved: others name resources the context does not know (log groups).
      const resolved = resolveIntrinsics(statement.Resource ?? [], ctx, `${fnId} policy ${id}`);
      const arns = ([] as unknown[]).concat(resolved).map(String);
      for (const arn of arns) {
        const secret = readsSecrets ? /:secret:(.+?)(-\?{6})?$/.exec(arn) : null;
        if (secret?.[1]) secrets.push(secret[1]);
        const parameter = readsParameters ? /:parameter\/(.+)$/.exec(arn) : null;
        if (parameter?.[1]) parameters.push(parameter[1]);
      }
    }
  }
  return { secrets, parameters };
}
