/**
 * The CLI's SecretResolver: reads all four reference kinds ({ env }, { file }, { secretsManager }, { ssm }).
 * Each reference is read once per run (the promise is memoized, so concurrent probes share one read) and
 * errors name the reference, never a value. AWS clients are passed in, as values or lazy factories, so the
 * CLI creates them only when a config holds an AWS reference and tests pass mocked ones.
 */
import * as path from 'node:path';
// Types only: the SDK's command modules load on the first read of such a reference (a config without one
// never loads the AWS SDK).
import type { GetSecretValueCommandOutput, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { GetParameterCommandOutput, SSMClient } from '@aws-sdk/client-ssm';
import type { ProcessorConfig } from '../config/model';
import { configReferences } from '../config/references';
import type { SecretRef } from '../config/schema';
import {
  awsReason,
  isoDate,
  type ResolvedValue,
  readFileRef,
  SecretError,
  type SecretResolver,
} from './resolver';

/** A client, or a function that creates it on first use. */
export type ClientSource<T> = T | (() => T | Promise<T>);

export interface SecretSourcesOptions {
  /** Environment for `{ env }` references. @default process.env */
  readonly env?: NodeJS.ProcessEnv;
  /** Client for `{ secretsManager }` references. @default none: such references fail with SecretError */
  readonly secretsManager?: ClientSource<SecretsManagerClient>;
  /** Client for `{ ssm }` references (read WithDecryption). @default none: such references fail with SecretError */
  readonly ssm?: ClientSource<SSMClient>;
}

/** `{ file }` references name files next to the config file. */
const CONFIG_FILES = { missing: 'no such file', hint: "(paths are relative to the config file's directory)" };
const NOT_FOUND_HINT = 'check the name and the region';

/** Resolves references from all four sources, each once per instance (one instance = one run). */
export class SecretSources implements SecretResolver {
  private readonly cache = new Map<string, Promise<ResolvedValue>>();
  private readonly values = new Map<string, string>();
  private readonly env: NodeJS.ProcessEnv;
  private smClient?: Promise<SecretsManagerClient>;
  private ssmClient?: Promise<SSMClient>;
  /** Aborts the AWS calls still pending (and their retries) when the run is over. */
  private readonly pending = new AbortController();

  constructor(private readonly options: SecretSourcesOptions = {}) {
    this.env = options.env ?? process.env;
  }

  resolve(ref: SecretRef, baseDir: string): Promise<ResolvedValue> {
    const key = cacheKey(ref, baseDir);
    let pending = this.cache.get(key);
    if (!pending) {
      pending = this.read(ref, baseDir).then((resolved) => {
        this.values.set(key, resolved.value);
        return resolved;
      });
      this.cache.set(key, pending);
    }
    return pending;
  }

  /**
   * Aborts the AWS calls still pending (no retry follows) and destroys the AWS clients created so far, so a
   * stalled Secrets Manager or SSM call cannot keep the process alive once the run is over. Only clients this
   * instance created (from factories) are destroyed; clients passed in as values belong to the caller.
   */
  async destroy(): Promise<void> {
    this.pending.abort();
    const owned = [
      typeof this.options.secretsManager === 'function' ? this.smClient : undefined,
      typeof this.options.ssm === 'function' ? this.ssmClient : undefined,
    ];
    for (const c of await Promise.allSettled(owned)) if (c.status === 'fulfilled') c.value?.destroy();
  }

  /**
   * The value already read for `ref`, if it was read successfully; never triggers a read. The CLI uses it to
   * redact credentials from its output as a last line of defence: never print what it returns.
   */
  peek(ref: SecretRef, baseDir: string): string | undefined {
    return this.values.get(cacheKey(ref, baseDir));
  }

  private async read(ref: SecretRef, baseDir: string): Promise<ResolvedValue> {
    if ('env' in ref) return this.readEnv(ref);
    if ('file' in ref) return readFileRef(ref, baseDir, CONFIG_FILES);
    if ('secretsManager' in ref) return this.readSecretsManager(ref);
    return this.readSsm(ref);
  }

  private readEnv(ref: { env: string }): ResolvedValue {
    const value = this.env[ref.env];
    if (value === undefined) throw new SecretError(ref, `environment variable ${ref.env} is not set`);
    if (value === '') throw new SecretError(ref, `environment variable ${ref.env} is empty`);
    return { value };
  }

  private async readSecretsManager(ref: { secretsManager: string }): Promise<ResolvedValue> {
    const source = this.options.secretsManager;
    if (!source) throw new SecretError(ref, 'no Secrets Manager client configured');
    let out: GetSecretValueCommandOutput;
    try {
      this.smClient ??= Promise.resolve(typeof source === 'function' ? source() : source);
      const client = await this.smClient;
      const { GetSecretValueCommand } = await import('@aws-sdk/client-secrets-manager');
      out = await client.send(new GetSecretValueCommand({ SecretId: ref.secretsManager }), {
        abortSignal: this.pending.signal,
      });
    } catch (err) {
      throw new SecretError(ref, awsReason(err, NOT_FOUND_HINT));
    }
    const value =
      out.SecretString ?? (out.SecretBinary ? Buffer.from(out.SecretBinary).toString('utf8') : undefined);
    if (value === undefined || value === '') throw new SecretError(ref, 'the secret has no value');
    return {
      value,
      ...(out.VersionId ? { version: out.VersionId } : {}),
      ...isoDate(out.CreatedDate),
    };
  }

  private async readSsm(ref: { ssm: string }): Promise<ResolvedValue> {
    const source = this.options.ssm;
    if (!source) throw new SecretError(ref, 'no SSM client configured');
    let out: GetParameterCommandOutput;
    try {
      this.ssmClient ??= Promise.resolve(typeof source === 'function' ? source() : source);
      const client = await this.ssmClient;
      const { GetParameterCommand } = await import('@aws-sdk/client-ssm');
      out = await client.send(new GetParameterCommand({ Name: ref.ssm, WithDecryption: true }), {
        abortSignal: this.pending.signal,
      });
    } catch (err) {
      throw new SecretError(ref, awsReason(err, NOT_FOUND_HINT));
    }
    const value = out.Parameter?.Value;
    if (value === undefined || value === '') throw new SecretError(ref, 'the parameter has no value');
    const version = out.Parameter?.Version;
    return {
      value,
      ...(version !== undefined ? { version: String(version) } : {}),
      ...isoDate(out.Parameter?.LastModifiedDate),
    };
  }
}

function cacheKey(ref: SecretRef, baseDir: string): string {
  if ('file' in ref) return `file:${path.resolve(baseDir, ref.file)}`;
  const [kind, id] = Object.entries(ref)[0] ?? ['?', '?'];
  return `${kind}:${id}`;
}

/** Which AWS sources the processors' references use, so the CLI creates only the clients it needs. */
export function awsSourcesUsed(processors: readonly ProcessorConfig[]): {
  secretsManager: boolean;
  ssm: boolean;
} {
  const refs = processors.flatMap((p) => configReferences(p).map((r) => r.ref));
  return { secretsManager: refs.some((r) => 'secretsManager' in r), ssm: refs.some((r) => 'ssm' in r) };
}

/** Every reference whose value is a credential (tokens, passwords, client secrets, client key material). */
export function credentialRefs(p: ProcessorConfig): SecretRef[] {
  return configReferences(p)
    .filter((r) => r.credential)
    .map((r) => r.ref);
}
