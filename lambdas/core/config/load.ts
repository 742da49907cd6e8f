/**
 * Loads a payprobe config file (YAML, or JSON, which is YAML too) and validates it with model.ts.
 * Re-exports the model, so CLI and CDK code import everything config from here; Lambda code imports
 * model.ts directly to keep the YAML parser out of its bundle.
 */
import { readFileSync } from 'node:fs';
import YAML from 'yaml';
import { ConfigError, type LoadedConfig, validateConfig } from './model';

export * from './model';

/** Reads and validates a YAML or JSON config file. Throws ConfigError listing every problem. */
export function loadConfigFile(file: string): LoadedConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError([
      {
        file,
        path: '',
        message: `cannot read the file (${(err as NodeJS.ErrnoException).code ?? String(err)})`,
      },
    ]);
  }
  return parseConfig(text, file);
}

/** Validates config text (YAML; JSON is YAML too). `file` names the source in messages. */
export function parseConfig(text: string, file: string): LoadedConfig {
  const doc = YAML.parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      doc.errors.map((e) => ({
        file,
        path: '',
        message: `not valid YAML/JSON: ${(e.message.split('\n')[0] ?? '').replace(/:$/, '')}`,
      })),
    );
  }
  return validateConfig(doc.toJS(), file);
}
