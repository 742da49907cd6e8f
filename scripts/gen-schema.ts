/**
 * Writes schema/payprobe.schema.json, the config file's JSON Schema that the package ships (stable path,
 * printed by `payprobe schema`, named by `payprobe init`'s `$schema` line), from the one zod schema
 * (lambdas/core/config/json-schema.ts). test/core/config/json-schema.test.ts fails when the committed file
 * differs from what this writes.
 *
 *   npx tsx scripts/gen-schema.ts          # write the file
 *   npx tsx scripts/gen-schema.ts --check  # exit 1 when the committed file is stale, write nothing
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { SCHEMA_PATH } from '../cli/package';
import { configJsonSchema } from '../lambdas/core/config/json-schema';

const ROOT = path.join(__dirname, '..');

/** The file's content: the schema, two-space indented, with a final newline. */
export function schemaText(): string {
  return `${JSON.stringify(configJsonSchema(), null, 2)}\n`;
}

if (require.main === module) {
  const file = path.join(ROOT, ...SCHEMA_PATH.split('/'));
  const text = schemaText();
  if (process.argv.includes('--check')) {
    let committed = '';
    try {
      committed = readFileSync(file, 'utf8');
    } catch {}
    if (committed !== text) {
      process.stderr.write(`${SCHEMA_PATH} is stale: run npx tsx scripts/gen-schema.ts\n`);
      process.exit(1);
    }
  } else {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, text);
    process.stdout.write(`wrote ${SCHEMA_PATH}\n`);
  }
}
