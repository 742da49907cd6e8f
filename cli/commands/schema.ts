/**
 * `payprobe schema`: prints the config file's JSON Schema, the file the package ships at
 * schema/payprobe.schema.json (generated from the one zod schema by scripts/gen-schema.ts; a test keeps
 * them equal). For editors (`# yaml-language-server: $schema=...`, which `payprobe init` writes) and CI
 * validators. The command is defined in ./index.ts.
 */
import { readFileSync } from 'node:fs';
import { type CliIo, EXIT } from '../io';
import { schemaFile } from '../package';

export async function printSchema(io: CliIo): Promise<number> {
  io.stdout.write(readFileSync(schemaFile(), 'utf8'));
  return EXIT.ok;
}
