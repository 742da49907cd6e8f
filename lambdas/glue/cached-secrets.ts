/**
 * The probe Lambda's SecretResolver: Secrets Manager and SSM values through Powertools for AWS Lambda
 * Parameters providers, cached in module scope for a short TTL across warm invocations, so a rotated
 * credential or a changed CA bundle is picked up within the TTL without a redeploy, and a sub-minute probe
 * does not call Secrets Manager six times a minute.
 *
 * The providers extend Powertools' BaseProvider (its cache and expiry) rather than using getSecret/getParameter,
 * because those return only the value and the probe also needs the version (Secrets Manager VersionId, SSM
 * Version) for input-change detection.
 *
 * A failed probe that a rotation could explain is confirmed through fresh(): the same cache, but each value is
 * read from its source once more (and the cache refreshed), so a stale cached value cannot confirm it.
 *
 * `{ file }` references are read from the function bundle (baseDir); `{ env }` references are refused
 * (env.ts already rejects them as broken configuration; this is the second line).
 */
import { BaseProvider } from '@aws-lambda-powertools/parameters/base';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import type { SecretRef } from '../core/config/schema';
import {
  awsReason,
  isoDate,
  type ResolvedValue,
  readFileRef,
  SecretError,
  type SecretResolver,
} from '../core/secrets/resolver';

/** A value as cached: the value, its version and whether it is a secret (for log redaction). */
interface CachedValue {
  readonly value: string;
  readonly version?: string;
  /** When the version was created at the source (ISO 8601). */
  readonly updatedAt?: string;
  /** Secrets Manager values and SSM SecureStrings. */
  readonly sensitive: boolean;
}

class VersionedSecretsProvider extends BaseProvider {
  constructor(private readonly sm: SecretsManagerClient) {
    super({ awsSdkV3Client: sm, awsSdkV3ClientPrototype: SecretsManagerClient as never });
  }

  protected async _get(name: string): Promise<CachedValue> {
    const out = await this.sm.send(new GetSecretValueCommand({ SecretId: name }));
    const value =
      out.SecretString ?? (out.SecretBinary ? Buffer.from(out.SecretBinary).toString('utf8') : '');
    return {
      value,
      ...(out.VersionId ? { version: out.VersionId } : {}),
      ...isoDate(out.CreatedDate),
      sensitive: true,
    };
  }

  protected async _getMultiple(): Promise<Record<string, unknown>> {
    throw new Error('not supported');
  }
}

class VersionedSsmProvider extends BaseProvider {
  constructor(private readonly ssm: SSMClient) {
    super({ awsSdkV3Client: ssm, awsSdkV3ClientPrototype: SSMClient as never });
  }

  protected async _get(name: string): Promise<CachedValue> {
    const out = await this.ssm.send(new GetParameterCommand({ Name: name, WithDecryption: true }));
    const p = out.Parameter;
    return {
      value: p?.Value ?? '',
      ...(p?.Version !== undefined ? { version: String(p.Version) } : {}),
      ...isoDate(p?.LastModifiedDate),
      sensitive: p?.Type === 'SecureString',
    };
  }

  protected async _getMultiple(): Promise<Record<string, unknown>> {
    throw new Error('not supported');
  }
}

export interface CachedSecretResolverOptions {
  readonly secretsManager: SecretsManagerClient;
  readonly ssm: SSMClient;
  /** Cache lifetime in seconds; 0 reads on every resolve. */
  readonly ttlSeconds: number;
}

/**
 * Resolves `{ secretsManager }`, `{ ssm }` and `{ file }` references with a TTL cache. One instance lives
 * in module scope for the life of the execution environment.
 */
export class CachedSecretResolver implements SecretResolver {
  private readonly secrets: VersionedSecretsProvider;
  private readonly params: VersionedSsmProvider;
  private readonly ttlSeconds: number;
  /** Reads in flight, so concurrent resolves of one reference make one call. */
  private readonly inFlight = new Map<string, Promise<CachedValue>>();
  /** Every sensitive value read by this resolver, for redacting logs. Never logged itself. */
  private readonly sensitive = new Set<string>();

  constructor(options: CachedSecretResolverOptions) {
    this.secrets = new VersionedSecretsProvider(options.secretsManager);
    this.params = new VersionedSsmProvider(options.ssm);
    this.ttlSeconds = options.ttlSeconds;
  }

  async resolve(ref: SecretRef, baseDir: string): Promise<ResolvedValue> {
    return this.read(ref, baseDir, false);
  }

  /**
   * A resolver over the same cache that reads each Secrets Manager/SSM reference from its source the first
   * time it is asked for it (Powertools forceFetch: the cache is bypassed, then refreshed with what was
   * read), and from the refreshed cache after that. For the re-probe that confirms a failure a rotated
   * secret could explain: a value cached before the rotation must not confirm the failure it caused.
   */
  fresh(): SecretResolver & { sensitiveValues(): readonly string[] } {
    const refetched = new Set<string>();
    return {
      resolve: (ref, baseDir) => {
        const key = refKey(ref);
        const force = key !== null && !refetched.has(key);
        if (key !== null) refetched.add(key);
        return this.read(ref, baseDir, force);
      },
      sensitiveValues: () => this.sensitiveValues(),
    };
  }

  private async read(ref: SecretRef, baseDir: string, forceFetch: boolean): Promise<ResolvedValue> {
    if ('env' in ref) {
      throw new SecretError(
        ref,
        'environment references are not available to the deployed probe; use { secretsManager } or { ssm }',
      );
    }
    if ('file' in ref) return readFileRef(ref, baseDir, { missing: 'no such file in the function bundle' });
    const [kind, provider, id] =
      'secretsManager' in ref
        ? (['secretsManager', this.secrets, ref.secretsManager] as const)
        : (['ssm', this.params, ref.ssm] as const);
    // A forced read never joins a cached read in flight: that one may return the value being replaced.
    const key = `${forceFetch ? 'fresh:' : ''}${kind}:${id}`;
    let pending = this.inFlight.get(key);
    if (!pending) {
      pending = (provider.get(id, { maxAge: this.ttlSeconds, forceFetch }) as Promise<CachedValue>).finally(
        () => this.inFlight.delete(key),
      );
      this.inFlight.set(key, pending);
    }
    let got: CachedValue;
    try {
      got = await pending;
    } catch (err) {
      throw new SecretError(ref, awsReason(err, "check the name, the region and the function's permissions"));
    }
    if (got.value === '')
      throw new SecretError(ref, kind === 'ssm' ? 'the parameter has no value' : 'the secret has no value');
    if (got.sensitive) this.sensitive.add(got.value);
    return {
      value: got.value,
      ...(got.version !== undefined ? { version: got.version } : {}),
      ...(got.updatedAt !== undefined ? { updatedAt: got.updatedAt } : {}),
    };
  }

  /** Secret values read so far (Secrets Manager, SecureString): for redaction only, never print this. */
  sensitiveValues(): readonly string[] {
    return [...this.sensitive];
  }
}

/** The cache key of a Secrets Manager or SSM reference; null for the others (never cached). */
function refKey(ref: SecretRef): string | null {
  if ('secretsManager' in ref) return `secretsManager:${ref.secretsManager}`;
  if ('ssm' in ref) return `ssm:${ref.ssm}`;
  return null;
}
