/**
 * What every payprobe Lambda has in common: the probe (lib/processor-monitor.ts), diagnose
 * (lib/diagnosis.ts) and preflight (lib/preflight.ts) functions. One place for the runtime, the local
 * esbuild bundling with the processors' public files copied in, the log group and the role that may write
 * only to it, read access to exactly the processors' own secrets and parameters, and the cdk-nag
 * acknowledgements these need.
 *
 * lambdas/probe/bundling.json holds the same esbuild options for the bundle tests and the benchmarks
 * (which build without CDK); test/lib/payprobe-function.test.ts keeps the two in step.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { ArnFormat, type Duration, Stack, Token, Validations } from 'aws-cdk-lib';
import { type IRole, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime } from 'aws-cdk-lib/aws-lambda';
import { type BundlingOptions, NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { type ILogGroup, LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { DEFAULT_FUNCTION_MEMORY_MB } from '../../lambdas/core/policy/deployment';
import type { BundledFile } from '../deploy/deployed-processor';

/** The runtime every payprobe function is built and tested for (esbuild target node22). */
export const PAYPROBE_RUNTIME = Runtime.NODEJS_22_X;

/** Graviton: the same Node.js code, cheaper per GB-second. */
export const PAYPROBE_ARCHITECTURE = Architecture.ARM_64;

/** The esbuild options of every payprobe function, mirrored by lambdas/probe/bundling.json. */
export const PAYPROBE_BUNDLING: Readonly<Omit<BundlingOptions, 'commandHooks'>> = {
  // Local esbuild (a dev dependency): no Docker needed to synthesize.
  forceDockerBundling: false,
  minify: true,
  sourceMap: true,
  // Keep the map small: file and line numbers are what a stack trace needs.
  sourcesContent: false,
  target: 'node22',
  format: OutputFormat.CJS,
  mainFields: ['module', 'main'],
  // Bundle the AWS SDK: the versions tested here are the versions that run (see docs/deploy.md).
  bundleAwsSDK: true,
};

/** Environment every payprobe function gets: stack traces point into the TypeScript sources. */
export const PAYPROBE_FUNCTION_ENVIRONMENT: Readonly<Record<string, string>> = {
  NODE_OPTIONS: '--enable-source-maps',
};

/** Props shared by the constructs that own a payprobe function. */
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
}

/** A file written at bundling time and copied into the bundle. */
export interface GeneratedFile {
  /** Path inside the bundle (relative, forward slashes). */
  readonly bundlePath: string;
  /** The file's content. */
  readonly content: string;
}

export interface PayProbeFunctionProps {
  /** The handler's source file (a module exporting `handler`). */
  readonly entry: string;

  /** The function's description. */
  readonly description: string;

  /** Its execution role (see `functionRole`). */
  readonly role: IRole;

  /** Its log group (see `functionLogGroup`). */
  readonly logGroup: ILogGroup;

  /** How long one invocation may run. */
  readonly timeout: Duration;

  /**
   * Memory in MB.
   *
   * @default 256
   */
  readonly memorySize?: number;

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
  readonly files?: readonly BundledFile[];

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
}

/** A payprobe Lambda: Node.js 22 on arm64, bundled locally with esbuild, with its files in the bundle. */
export class PayProbeFunction extends NodejsFunction {
  constructor(scope: Construct, id: string, props: PayProbeFunctionProps) {
    const files = props.files ?? [];
    const generated = props.generatedFiles ?? [];
    super(scope, id, {
      entry: props.entry,
      handler: 'handler',
      runtime: PAYPROBE_RUNTIME,
      architecture: PAYPROBE_ARCHITECTURE,
      memorySize: props.memorySize ?? DEFAULT_FUNCTION_MEMORY_MB,
      timeout: props.timeout,
      description: props.description,
      role: props.role,
      logGroup: props.logGroup,
      retryAttempts: props.retryAttempts,
      maxEventAge: props.maxEventAge,
      environment: { ...props.environment, ...PAYPROBE_FUNCTION_ENVIRONMENT },
      bundling: {
        ...PAYPROBE_BUNDLING,
        commandHooks: {
          beforeBundling: () => [],
          beforeInstall: () => [],
          afterBundling: (_inputDir: string, outputDir: string) => [
            ...files.map((f) => copyCommand(f.source, bundleFile(outputDir, f.bundlePath))),
            ...generated.map((g) => copyCommand(writeTemp(g), bundleFile(outputDir, g.bundlePath))),
          ],
        },
      },
    });
    Validations.of(this).acknowledge({
      id: 'AwsSolutions-L1',
      reason:
        'Built and tested for Node.js 22 (esbuild target node22), a supported Lambda runtime. Moving to a newer runtime is a tested change, not a lint fix.',
    });
  }
}

/** A function's log group, kept `retention` (default one month). */
export function functionLogGroup(scope: Construct, id: string, retention?: RetentionDays): LogGroup {
  return new LogGroup(scope, id, { retention: retention ?? RetentionDays.ONE_MONTH });
}

/** A role for a Lambda function that may write to its log group, and nothing else yet. */
export function functionRole(scope: Construct, id: string, description: string, logGroup: ILogGroup): Role {
  const role = new Role(scope, id, { assumedBy: new ServicePrincipal('lambda.amazonaws.com'), description });
  logGroup.grantWrite(role);
  return role;
}

/**
 * `{ region }` of the scope's stack when it is concrete, for deployProcessor's region check; `{}` for an
 * environment-agnostic stack (its region is a token until deploy time).
 */
export function concreteRegion(scope: Construct): { region?: string } {
  const { region } = Stack.of(scope);
  return Token.isUnresolved(region) ? {} : { region };
}

/** The secret references a function reads at run time (see DeployedProcessor). */
export interface SecretReferences {
  /** Secrets Manager ids: names or ARNs. */
  readonly secretIds: readonly string[];
  /** SSM parameter names or ARNs. */
  readonly parameterNames: readonly string[];
}

export interface ReadSecretsOptions {
  /** Names the statements: `Read<sid>Secrets`, `Decrypt<sid>Secrets`, `Read<sid>Parameters`, `Decrypt<sid>Parameters`. */
  readonly sid: string;

  /** Whose secrets, in the cdk-nag acknowledgement: "this processor's", "the probed processors'". */
  readonly owner: string;

  /**
   * The role's other `*` resources, explained first in the same AwsSolutions-IAM5 acknowledgement (cdk-nag
   * takes one reason per rule and construct).
   *
   * @default - none: the rule is acknowledged only when there is something to read
   */
  readonly otherWildcards?: string;
}

/**
 * secretsmanager:GetSecretValue and ssm:GetParameter on exactly these secrets and parameters, and
 * kms:Decrypt (customer managed keys) only through those services, for them. A secret name matches its
 * ARN with Secrets Manager's random suffix (`-??????`); a full ARN is granted as given and with a suffix.
 */
export function grantReadProcessorSecrets(
  role: IRole,
  refs: SecretReferences,
  options: ReadSecretsOptions,
): void {
  const stack = Stack.of(role);
  const secretArns = refs.secretIds.flatMap((id) =>
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
  const parameterArns = refs.parameterNames.map((name) =>
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
    role.addToPrincipalPolicy(
      new PolicyStatement({
        sid: `Read${options.sid}Secrets`,
        actions: ['secretsmanager:GetSecretValue'],
        resources: secretArns,
      }),
    );
    role.addToPrincipalPolicy(
      new PolicyStatement({
        sid: `Decrypt${options.sid}Secrets`,
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
    role.addToPrincipalPolicy(
      new PolicyStatement({
        sid: `Read${options.sid}Parameters`,
        actions: ['ssm:GetParameter'],
        resources: parameterArns,
      }),
    );
    role.addToPrincipalPolicy(
      new PolicyStatement({
        sid: `Decrypt${options.sid}Parameters`,
        actions: ['kms:Decrypt'],
        resources: ['*'],
        conditions: {
          StringEquals: { 'kms:ViaService': `ssm.${stack.region}.amazonaws.com` },
          StringLike: { 'kms:EncryptionContext:PARAMETER_ARN': parameterArns },
        },
      }),
    );
  }
  const reads = secretArns.length > 0 || parameterArns.length > 0;
  const reasons = [
    ...(options.otherWildcards ? [options.otherWildcards] : []),
    ...(reads
      ? [
          `kms:Decrypt on customer managed keys is limited by kms:ViaService and the encryption context to ${options.owner} own secrets and parameters; secret ARNs end in -?????? (Secrets Manager's random suffix).`,
        ]
      : []),
  ];
  if (reasons.length > 0) {
    Validations.of(role).acknowledge({ id: 'AwsSolutions-IAM5[Resource::*]', reason: reasons.join(' ') });
  }
}

/** Shell-quotes one argument for the bash that runs local bundling commands. */
function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

function bundleFile(outputDir: string, bundlePath: string): string {
  return path.join(outputDir, ...bundlePath.split('/'));
}

function copyCommand(source: string, dest: string): string {
  return `mkdir -p ${shellQuote(path.dirname(dest))} && cp ${shellQuote(source)} ${shellQuote(dest)}`;
}

/** A generated file on disk for the bundling commands to copy (bundling runs locally, at synth). */
function writeTemp(file: GeneratedFile): string {
  const target = path.join(
    mkdtempSync(path.join(tmpdir(), 'payprobe-bundle-')),
    path.basename(file.bundlePath),
  );
  writeFileSync(target, file.content);
  return target;
}
