/** The repository root and well-known files, for tests at any depth of test/. */
import * as path from 'node:path';

export const REPO = path.resolve(__dirname, '..', '..');
export const EXAMPLE_CONFIG = path.join(REPO, 'payprobe.example.yaml');
