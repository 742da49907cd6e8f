/**
 * The config file's JSON Schema, generated from the one zod schema (schema.ts) with zod's own
 * z.toJSONSchema: for editors (`# yaml-language-server: $schema=...`) and CI validators. The package ships it
 * at schema/payprobe.schema.json (scripts/gen-schema.ts writes it; a test keeps it equal to this and checks
 * that it accepts and rejects what the loader does). What JSON Schema cannot say is left to the loader:
 * problems of meaning (a timeout above the interval, an unknown preset, duplicate names).
 */
import * as z from 'zod/mini';
import { ConfigSchema, INTERVALS, SecretRefSchema } from './schema';

/** Where the schema says what it is for. */
export const CONFIG_SCHEMA_TITLE = 'payprobe config';

type Json = { [key: string]: unknown };

/** The JSON Schema (draft 2020-12) of a payprobe config file. */
export function configJsonSchema(): Json {
  // A reference (`{ secretsManager | ssm | env | file }`) appears in some thirty places: it is one $defs
  // entry. Other descriptions stay those of the schema (zod's global registry, read in `override`).
  const metadata = z.registry<{ id?: string; description?: string }>();
  metadata.add(SecretRefSchema, {
    id: 'Reference',
    description:
      'Where a value is read from at probe time, exactly one key: secretsManager (secret id or ARN), ssm (parameter name), env (variable; payprobe check only), file (path relative to the config file)',
  });
  const generated = z.toJSONSchema(ConfigSchema, {
    target: 'draft-2020-12',
    io: 'input',
    metadata,
    override: ({ zodSchema, jsonSchema }) => {
      const description = z.globalRegistry.get(zodSchema)?.description;
      if (description !== undefined && jsonSchema.description === undefined)
        jsonSchema.description = description;
      const def = zodSchema._zod.def as { format?: string; protocol?: RegExp };
      // z.url({ protocol }) says only `format: uri`: the protocol becomes a pattern (http is no https).
      if (def.format === 'url' && def.protocol) {
        jsonSchema.pattern = `^(?:${def.protocol.source.replace(/^\^|\$$/g, '')}):`;
      }
      // zod names its string checks as formats; `starts_with` is not one of JSON Schema's (the pattern
      // it comes with says the same).
      if (jsonSchema.format === 'starts_with') delete jsonSchema.format;
      // A removed field (schema.ts keeps it only to say so: any value fails its check) accepts nothing here
      // either, and its description is the loader's message.
      const removed = removedFieldMessage(zodSchema);
      if (removed !== undefined) {
        jsonSchema.not = {};
        jsonSchema.description = removed;
      }
    },
  }) as Json;
  const { $schema, ...rest } = generated;
  return withIntervals({
    $schema,
    title: CONFIG_SCHEMA_TITLE,
    description:
      'A payprobe config file (YAML or JSON): processors to probe, probe settings, alerting. Every field: docs/contracts.md "Configuration".',
    ...rest,
  }) as Json;
}

/** The message of a field that accepts no value at all (an `unknown` whose check always fails), else undefined. */
function removedFieldMessage(schema: z.core.$ZodType): string | undefined {
  const def = schema._zod.def as { type: string; checks?: unknown[] };
  if (def.type !== 'unknown' || !def.checks?.length) return undefined;
  const results = [null, 0, 'x', {}, []].map((value) => z.safeParse(schema, value));
  if (results.some((r) => r.success)) return undefined;
  return results[0]?.error?.issues[0]?.message;
}

/**
 * `intervalSeconds` is a number refined to INTERVALS in zod (a refinement JSON Schema cannot carry): here
 * it is the enum it means, wherever it appears.
 */
function withIntervals(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withIntervals);
  if (node === null || typeof node !== 'object') return node;
  const out: Json = {};
  for (const [key, value] of Object.entries(node as Json)) {
    if (key === 'properties' && value && typeof value === 'object' && 'intervalSeconds' in value) {
      out[key] = Object.fromEntries(
        Object.entries(value as Json).map(([k, v]) =>
          k === 'intervalSeconds' ? [k, { type: 'number', enum: [...INTERVALS] }] : [k, withIntervals(v)],
        ),
      );
    } else {
      out[key] = withIntervals(value);
    }
  }
  return out;
}
