/**
 * An in-memory SecretResolver for the testbed (tests, `payprobe demo`, benchmarks): values live in a map
 * keyed by Secrets Manager id, so configs built on it look like deployed ones ({ secretsManager: ID }).
 */
import type { SecretRef } from '../lambdas/core/config/schema';
import {
  describeRef,
  type ResolvedValue,
  SecretError,
  type SecretResolver,
} from '../lambdas/core/secrets/resolver';

export class MemorySecrets implements SecretResolver {
  private readonly values = new Map<string, ResolvedValue>();
  /** How many times each reference was resolved (for "read once per run" assertions). */
  readonly reads = new Map<string, number>();

  /** Stores a value and returns the reference to put in a config. */
  put(id: string, value: string, version?: string): SecretRef {
    this.values.set(id, version !== undefined ? { value, version } : { value });
    return { secretsManager: id };
  }

  delete(id: string): void {
    this.values.delete(id);
  }

  async resolve(ref: SecretRef): Promise<ResolvedValue> {
    const key = 'secretsManager' in ref ? ref.secretsManager : describeRef(ref);
    this.reads.set(key, (this.reads.get(key) ?? 0) + 1);
    const v = this.values.get(key);
    if (!v) throw new SecretError(ref, 'no such secret (ResourceNotFoundException)');
    return v;
  }
}
