/**
 * Secret and parameter resolution. The config holds references ({ secretsManager }, { ssm }, { env },
 * { file }); a SecretResolver turns them into values at probe time. The CLI reads all four sources; the
 * Lambda uses Secrets Manager and SSM through a cache with a short TTL. Values never reach logs or output.
 */
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import type { SecretRef, ValueOrRef } from '../config/schema';

export { isSecretRef } from '../config/references';

export interface ResolvedValue {
  readonly value: string;
  /** Version of the source when it has one (Secrets Manager VersionId, SSM Version): for change detection. */
  readonly version?: string;
  /**
   * When this version was created at its source, ISO 8601 (SSM LastModifiedDate, Secrets Manager version
   * CreatedDate), when the source says: "what changed" dates a setting's change with it.
   */
  readonly updatedAt?: string;
}

export interface SecretResolver {
  /** Resolves one reference. Throws SecretError (with the reference, never a value) when it cannot. */
  resolve(ref: SecretRef, baseDir: string): Promise<ResolvedValue>;
}

/** `{ updatedAt }` from a date an AWS response carries, or nothing. */
export function isoDate(d: Date | undefined): { updatedAt?: string } {
  return d instanceof Date && !Number.isNaN(d.getTime()) ? { updatedAt: d.toISOString() } : {};
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
  return typeof v === 'string' ? { value: v } : resolver.resolve(v, baseDir);
}

/** How a resolver words a file it cannot read: what a missing file means, and a hint for every problem. */
export interface FileWording {
  /** @example 'no such file in the function bundle' */
  readonly missing: string;
  /** Appended to every message. @default none */
  readonly hint?: string;
}

/**
 * Reads a `{ file }` reference relative to `baseDir`. A final newline (editors and `echo` add one) is not
 * part of the value; an empty file is an error. Errors name the path, never the content.
 */
export async function readFileRef(
  ref: { file: string },
  baseDir: string,
  wording: FileWording,
): Promise<ResolvedValue> {
  const abs = path.resolve(baseDir, ref.file);
  const hint = wording.hint ? ` ${wording.hint}` : '';
  let text: string;
  try {
    text = await readFile(abs, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT' ? wording.missing : code === 'EACCES' ? 'permission denied' : (code ?? 'unreadable');
    throw new SecretError(ref, `${why}: ${abs}${hint}`);
  }
  const value = text.replace(/(\r?\n)+$/, '');
  if (value === '') throw new SecretError(ref, `the file is empty: ${abs}`);
  return { value };
}

/**
 * Why Secrets Manager or SSM refused a read, in words that say what to check: the AWS error's name and
 * message (they name the resource, never the value). Powertools wraps the SDK's error as its cause.
 */
export function awsReason(err: unknown, notFoundHint: string): string {
  const cause = err instanceof Error && err.cause instanceof Error ? err.cause : err;
  if (!(cause instanceof Error)) return String(cause);
  if (cause.name === 'ResourceNotFoundException' || cause.name === 'ParameterNotFound') {
    return `not found (${cause.name}); ${notFoundHint}`;
  }
  if (cause.message === 'Region is missing')
    return 'no AWS region: set AWS_REGION (or a region in your AWS profile)';
  if (cause.name === 'CredentialsProviderError') {
    return `no AWS credentials (${cause.message}): set AWS_PROFILE or the standard AWS credential variables`;
  }
  return `${cause.name}: ${cause.message}`;
}
