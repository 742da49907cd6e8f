/**
 * What the benchmark's figure modules share: the shape of a figure and where the repository and its example
 * config are. Its own module so run.ts imports the figure modules and they import nothing back (no cycle),
 * and the repository root is defined once.
 */
import * as path from 'node:path';

/** The repository root: bundles build, children run and the CLI starts from here. */
export const REPO = path.resolve(__dirname, '..');

/** The example config the template and cost figures synthesize. */
export const EXAMPLE_CONFIG = path.join(REPO, 'payprobe.example.yaml');

/** One measured figure: a line of the report (and an entry of --json). */
export interface Figure {
  readonly id: string;
  readonly title: string;
  /** The measured value in words. */
  readonly value: string;
  readonly target: string;
  readonly pass: boolean;
  readonly data?: unknown;
}
