/**
 * What a processor's config becomes when it is deployed: the JSON the probe Lambda reads from
 * PAYPROBE_PROCESSOR (lambdas/probe/env.ts), the files bundled next to the handler, and the secrets and
 * parameters its role may read. Pure (no CDK): the rules live here so the stack, bin/ and the tests agree.
 *
 * Deployment rules (the CLI accepts all four reference kinds; a Lambda cannot):
 * - `{ env }` cannot be deployed anywhere: the function's environment is in the template, never a secret.
 * - `{ file }` is bundled into the function only for public values (a CA bundle, our client certificate, an
 *   endpoint or user name). For credentials and keys it is refused: they would sit in the code package.
 * - `{ secretsManager }` and `{ ssm }` are read at run time; the function's role may read exactly these.
 * - An ARN in `{ secretsManager }` or `{ ssm }` must be in the function's region (when the stack's region is
 *   known at synth): the function reads Secrets Manager and SSM in its own region only.
 * - `proxy: env` cannot be deployed: it reads HTTPS_PROXY from the environment of the process that probes
 *   (the CLI on the gateway host), and a deployed function has none; the proxy URL must be in the config.
 */
import { existsSync, statSync } from 'node:fs';
import * as path from 'node:path';
import type { ConfigIssue, ProcessorConfig } from '../../lambdas/core/config/load';
import { configReferences, CREDENTIAL_FIELDS as SECRET_FIELDS } from '../../lambdas/core/config/references';
import type { SecretRef } from '../../lambdas/core/config/schema';
import { LAMBDA_TASK_ROOT } from '../../lambdas/core/policy/deployment';

/** The function code directory in the Lambda runtime: `{ file }` references resolve against it. */
export { LAMBDA_TASK_ROOT };

/** Lambda's limit on the total size of a function's environment variables (keys and values). */
export const LAMBDA_ENVIRONMENT_LIMIT_BYTES = 4096;

/** Where each reference sits in the processor config, e.g. `auth.credentials.token`. */
export interface LocatedRef {
  /** The dotted field path, e.g. `auth.credentials.token`. */
  readonly field: string;
  /** The reference found there. */
  readonly ref: SecretRef;
}

/** A public file copied into the function bundle. */
export interface BundledFile {
  /** Absolute path on the machine running `cdk synth`. */
  readonly source: string;
  /** Path inside the bundle (relative, forward slashes); the deployed `{ file }` reference. */
  readonly bundlePath: string;
}

export interface DeployedProcessor {
  /** JSON for PAYPROBE_PROCESSOR: the processor config with baseDir /var/task and file refs rewritten. */
  readonly environmentJson: string;
  /** Files to copy into the bundle. */
  readonly files: readonly BundledFile[];
  /** Secrets Manager ids (names or ARNs) the function reads, deduplicated, in config order. */
  readonly secretIds: readonly string[];
  /** SSM parameter names (or ARNs) the function reads, deduplicated, in config order. */
  readonly parameterNames: readonly string[];
}

/** Where a processor sits in its config file, for field-level messages. */
export interface ConfigLocation {
  /** The config file, as the user named it. */
  readonly file: string;
  /** Path of the processor in the file, e.g. `processors[1]`. */
  readonly path: string;
}

/**
 * Every reference in a processor config with its field path (the one walker of
 * lambdas/core/config/references.ts: request headers and bodies are text, the request path may be a
 * reference).
 */
export function secretRefs(processor: ProcessorConfig): LocatedRef[] {
  return configReferences(processor);
}

/** Replaces the value at a dotted field path (as produced by secretRefs) in a deep copy. */
function withValueAt(obj: unknown, field: string, value: unknown): unknown {
  const [head, ...rest] = field.split('.');
  if (head === undefined || typeof obj !== 'object' || obj === null) return obj;
  const copy: Record<string, unknown> = { ...(obj as Record<string, unknown>) };
  copy[head] = rest.length === 0 ? value : withValueAt(copy[head], rest.join('.'), value);
  return copy;
}

function toPosix(p: string): string {
  return p.split(path.sep).join('/');
}

export interface DeployOptions {
  /**
   * Whether the deployed config must fit a function environment (PAYPROBE_PROCESSOR). Off where the
   * config travels another way, e.g. as a custom resource property.
   *
   * @default true
   */
  readonly checkEnvironmentSize?: boolean;

  /**
   * The region the function runs in (its stack's). A Secrets Manager or SSM ARN in another region is refused:
   * the function's clients call the services of its own region, and its kms:ViaService condition names
   * that region too, so such a secret can never be read.
   *
   * @default - not checked (an environment-agnostic stack, whose region is only known at deploy time)
   */
  readonly region?: string;
}

/** The region in a Secrets Manager or SSM ARN (`arn:PARTITION:SERVICE:REGION:ACCOUNT:...`); undefined for a name. */
export function arnRegion(id: string): string | undefined {
  if (!id.startsWith('arn:')) return undefined;
  const region = id.split(':')[3];
  return region === '' ? undefined : region;
}

/**
 * Checks a processor against the deployment rules and computes what its function needs. Returns every
 * problem at once (as ConfigIssues naming the file and field), or the deployed form when there are none.
 */
export function deployProcessor(
  processor: ProcessorConfig,
  at: ConfigLocation,
  options: DeployOptions = {},
): { issues: ConfigIssue[]; deployed?: DeployedProcessor } {
  const issues: ConfigIssue[] = [];
  const issue = (field: string, message: string) =>
    issues.push({ file: at.file, path: `${at.path}${field ? `.${field}` : ''}`, message });
  const files: BundledFile[] = [];
  const secretIds: string[] = [];
  const parameterNames: string[] = [];
  let deployed: unknown = { ...processor, baseDir: LAMBDA_TASK_ROOT };
  if (processor.proxy === 'env') {
    issue(
      'proxy',
      'proxy: env cannot be deployed: it reads HTTPS_PROXY/NO_PROXY from the environment of the process that probes (the CLI on the gateway host), and a deployed probe function has none. ' +
        "Set proxy.url to the gateway's proxy (a { ssm: ... } reference reads the integration's own setting) and proxy.credentials if it needs them",
    );
  }

  for (const { field, ref } of secretRefs(processor)) {
    if ('env' in ref) {
      issue(
        field,
        `{ env: ${ref.env} } cannot be deployed: a Lambda function has no access to your shell's environment. ` +
          `Store the value in Secrets Manager or SSM Parameter Store and use { secretsManager: ... } or { ssm: ... }`,
      );
    } else if ('file' in ref) {
      if (SECRET_FIELDS.has(field)) {
        issue(
          field,
          `{ file: ${ref.file} } holds a credential or key and would be shipped inside the function's code package. ` +
            `Store it in Secrets Manager or SSM Parameter Store (SecureString) and use { secretsManager: ... } or { ssm: ... }`,
        );
        continue;
      }
      const source = path.resolve(processor.baseDir, ref.file);
      if (!existsSync(source) || !statSync(source).isFile()) {
        issue(
          field,
          `{ file: ${ref.file} } not found (looked for ${source}): the file is bundled into the function`,
        );
        continue;
      }
      const relative = path.relative(processor.baseDir, source);
      const inside = relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative);
      // Files outside the config directory get a stable place of their own inside the bundle.
      let bundlePath = inside ? toPosix(relative) : `payprobe-files/${path.basename(source)}`;
      const clash = files.find((f) => f.bundlePath === bundlePath && f.source !== source);
      if (clash) bundlePath = `payprobe-files/${files.length}-${path.basename(source)}`;
      if (!files.some((f) => f.source === source && f.bundlePath === bundlePath))
        files.push({ source, bundlePath });
      deployed = withValueAt(deployed, field, { file: bundlePath });
    } else {
      const [kind, id] =
        'secretsManager' in ref
          ? (['secretsManager', ref.secretsManager] as const)
          : (['ssm', ref.ssm] as const);
      const region = arnRegion(id);
      if (options.region !== undefined && region !== undefined && region !== options.region) {
        issue(
          field,
          `{ ${kind}: ${id} } is in region ${region}, but this stack deploys to ${options.region}: the function ` +
            `reads Secrets Manager and SSM in its own region only. ` +
            (kind === 'secretsManager'
              ? `Replicate the secret into ${options.region} and reference it by name`
              : `Create the parameter in ${options.region} and reference it by name`),
        );
        continue;
      }
      if (kind === 'secretsManager') {
        if (!secretIds.includes(id)) secretIds.push(id);
      } else if (!parameterNames.includes(id)) {
        parameterNames.push(id);
      }
    }
  }

  const environmentJson = JSON.stringify(deployed);
  // PAYPROBE_PROCESSOR plus the few small variables the monitor adds must fit Lambda's 4 KB.
  const budget = LAMBDA_ENVIRONMENT_LIMIT_BYTES - 512;
  if (options.checkEnvironmentSize !== false && Buffer.byteLength(environmentJson) > budget) {
    issue(
      '',
      `the deployed processor config is ${Buffer.byteLength(environmentJson)} bytes; a Lambda function's environment ` +
        `allows ${LAMBDA_ENVIRONMENT_LIMIT_BYTES} bytes in all (at most ${budget} for the config). ` +
        'Shorten auth.request.headers or auth.request.body, or move long values to SSM and use { ssm: ... }',
    );
  }
  if (issues.length > 0) return { issues };
  return { issues, deployed: { environmentJson, files, secretIds, parameterNames } };
}

/** Several processors deployed into one function (the diagnose and preflight functions). */
export interface DeployedProcessors {
  /**
   * Each processor's deployed config by name, with baseDir `/var/task/processors/<name>`: every processor's
   * files live in a directory of their own, so two processors' `certs/ca.pem` cannot collide.
   */
  readonly configs: Record<string, unknown>;
  /** Files to copy into the bundle (bundle paths under `processors/<name>/`). */
  readonly files: readonly BundledFile[];
  /** Secrets Manager ids (names or ARNs) of all the processors, deduplicated, in config order. */
  readonly secretIds: readonly string[];
  /** SSM parameter names (or ARNs) of all the processors, deduplicated, in config order. */
  readonly parameterNames: readonly string[];
}

/**
 * `deployProcessor` for each of several processors that share one function. Returns every processor's
 * problems at once, or the combined deployed form when there are none.
 *
 * @param configFile the config file, for messages (`processors[<index>]`); without it, messages name the
 *   processor (`processors[name=<name>]`) in 'the payprobe config'
 */
export function deployProcessors(
  processors: readonly ProcessorConfig[],
  configFile: string | undefined,
  options: DeployOptions = {},
): { issues: ConfigIssue[]; deployed?: DeployedProcessors } {
  const issues: ConfigIssue[] = [];
  const configs: Record<string, unknown> = {};
  const files: BundledFile[] = [];
  const secretIds: string[] = [];
  const parameterNames: string[] = [];
  processors.forEach((p, index) => {
    const at = {
      file: configFile ?? 'the payprobe config',
      path: configFile ? `processors[${index}]` : `processors[name=${p.name}]`,
    };
    const { issues: found, deployed } = deployProcessor(p, at, options);
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
  if (issues.length > 0) return { issues };
  return { issues, deployed: { configs, files, secretIds, parameterNames } };
}
