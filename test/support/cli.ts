/**
 * The real `payprobe` executable from the sources, for the tests that spawn it as a process: Node with tsx
 * running cli/payprobe.ts (the package runs the same module bundled, dist/cli/payprobe.mjs).
 */
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { REPO } from './paths';

/**
 * Node arguments that run the CLI; append the CLI's own arguments. tsx's loader (CommonJS and ESM: the
 * commands are imported when they run) by absolute URL, so the command runs from any working directory.
 */
export const CLI_NODE_ARGS: readonly string[] = [
  '--import',
  pathToFileURL(require.resolve('tsx')).href,
  path.join(REPO, 'cli', 'payprobe.ts'),
];
