/**
 * Secret and parameter resolution. The config holds references ({ secretsManager }, { ssm }, { env },
 * { file }); a SecretResolver turns them into values at probe time. The CLI reads all four sources; the
 * Lambda uses Secrets Manager and SSM through a cache with a short TTL. Values never reach logs or output.
 */
import type { SecretRef, ValueOrRef } from '../config/schema';

export interface ResolvedValue {
  readonly value: string;
  /** Version of the source when it has one (Secrets Manager VersionId, SSM Version): for change detection. */
  readonly version?: string;
}

export interface SecretResolver {
  /** Resolves one reference. Throws SecretError (with the reference, never a value) when it cannot. */
  resolve(ref: SecretRef, baseDir: string): Promise<ResolvedValue>;
}

/** A reference that could not be read. Becomes class CONFIG_ERROR in a probe result. */
export class SecretError extends Error {
  constructor(
    readonly ref: SecretRef,
    reason: string,
  ) {
    super(`cannot read ${describeRef(ref)}: ${reason}`);
    this.name = 'SecretError';
  }
}

export function isSecretRef(value: unknown): value is SecretRef {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** "secretsManager payprobe/stripe/api-key": safe to print (names the source, not the value). */
export function describeRef(ref: SecretRef): string {
  const [kind, id] = Object.entries(ref)[0] ?? ['?', '?'];
  return `${kind} ${id}`;
}

/** Resolves a field that may be a plain value or a reference. */
export async function resolveValue(
  v: ValueOrRef<string>,
  resolver: SecretResolver,
  baseDir: string,
): Promise<ResolvedValue> {
  return isSecretRef(v) ? resolver.resolve(v, baseDir) : { value: v };
}
