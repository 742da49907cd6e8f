/**
 * The one walker over a processor's references ({ secretsManager }, { ssm }, { env }, { file }): every field
 * that holds one, with its path and whether it is a credential. The deployment rules, the audit, the CLI's
 * client and redaction set-up, the cost model and the diagnosis all ask "which references does this
 * processor have", and must agree on the answer.
 *
 * The walk follows the config schema (./schema.ts) along the data: a field holds a reference exactly where
 * the schema accepts one there, so a request header called `file` is text, and a field that starts to accept
 * references in the schema is found without touching this file. Fields come in the order of the data
 * (endpoint, tls, auth for a loaded config).
 */
import { defOf, unwrap } from './issues';
import type { ProcessorConfig } from './model';
import { ProcessorSchema, type SecretRef, SecretRefSchema } from './schema';

/** One reference in a processor config. */
export interface ConfigReference {
  /** Field path relative to the processor, e.g. `auth.credentials.token`, `tls.ca`. */
  readonly field: string;
  readonly ref: SecretRef;
  /** Whether the field holds a credential or key (CREDENTIAL_FIELDS): never bundled, always redacted. */
  readonly credential: boolean;
}

/** Fields whose value is a credential or key material; every other referenced value is public. */
export const CREDENTIAL_FIELDS: ReadonlySet<string> = new Set([
  'tls.clientKey',
  'tls.clientKeyPassphrase',
  'auth.credentials.token',
  'auth.credentials.password',
  'auth.credentials.value',
  'auth.credentials.clientSecret',
  'proxy.credentials.password',
]);

const REFERENCE_KINDS = ['secretsManager', 'ssm', 'env', 'file'] as const;

/** A reference as the schema accepts it: an object with exactly one of the four source keys, a string. */
export function isSecretRef(value: unknown): value is SecretRef {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  const [key] = keys;
  return (
    keys.length === 1 &&
    (REFERENCE_KINDS as readonly string[]).includes(key as string) &&
    typeof (value as Record<string, unknown>)[key as string] === 'string'
  );
}

/** Every reference in a (validated) processor config, in the order of the data. */
export function configReferences(processor: ProcessorConfig): ConfigReference[] {
  const out: ConfigReference[] = [];
  walk(ProcessorSchema, processor, '', out);
  return out;
}

function walk(schema: unknown, value: unknown, field: string, out: ConfigReference[]): void {
  if (value === undefined || value === null) return;
  const s = unwrap(schema);
  if (acceptsReference(s)) {
    if (isSecretRef(value)) out.push({ field, ref: value, credential: CREDENTIAL_FIELDS.has(field) });
    return;
  }
  const def = defOf(s);
  if (def?.type === 'object' && isPlainObject(value)) {
    const shape = def.shape as Record<string, unknown>;
    for (const [key, child] of Object.entries(value)) {
      // Fields the schema does not know (baseDir of a loaded config) hold no reference.
      if (key in shape) walk(shape[key], child, field ? `${field}.${key}` : key, out);
    }
  } else if (def?.type === 'union' && typeof def.discriminator === 'string' && isPlainObject(value)) {
    const option = (def.options as unknown[]).find((o) =>
      matchesDiscriminator(o, def.discriminator as string, value),
    );
    if (option) walk(option, value, field, out);
  } else if (def?.type === 'union' && isPlainObject(value)) {
    // A union with an object shape among plain values (proxy: env | none | { url, ... }): the object option
    // whose fields hold all of the value's.
    const option = (def.options as unknown[]).find((o) => {
      const shape = defOf(unwrap(o))?.shape as Record<string, unknown> | undefined;
      return shape !== undefined && Object.keys(value).every((k) => k in shape);
    });
    if (option) walk(option, value, field, out);
  } else if (def?.type === 'array' && Array.isArray(value)) {
    value.forEach((item, i) => {
      walk(def.element, item, `${field}[${i}]`, out);
    });
  } else if (def?.type === 'record' && isPlainObject(value)) {
    for (const [key, child] of Object.entries(value)) walk(def.valueType, child, `${field}.${key}`, out);
  }
}

/** The reference schema itself, or a value-or-reference union that has it as an option. */
function acceptsReference(schema: unknown): boolean {
  if (schema === SecretRefSchema) return true;
  const def = defOf(schema);
  return def?.type === 'union' && (def.options as unknown[]).some((o) => unwrap(o) === SecretRefSchema);
}

function matchesDiscriminator(
  option: unknown,
  discriminator: string,
  value: Record<string, unknown>,
): boolean {
  const shape = defOf(unwrap(option))?.shape as Record<string, unknown> | undefined;
  const literal = defOf(unwrap(shape?.[discriminator]));
  return literal?.type === 'literal' && (literal.values as unknown[]).includes(value[discriminator]);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
