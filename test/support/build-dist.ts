/**
 * Global setup of the e2e run (jest.e2e.config.js): builds dist/ once from the sources before any e2e test
 * runs. The package test packs it and links to it, the README test runs `npx payprobe` from it; neither may
 * rely on `prepare` having run at `npm ci` (install scripts can be off: `--ignore-scripts`, npm config) nor
 * on a dist/ left from older sources.
 */
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { REPO } from './paths';

export default function buildDist(): void {
  execFileSync(process.execPath, ['--import', 'tsx', path.join(REPO, 'scripts', 'build.ts')], {
    cwd: REPO,
    stdio: ['ignore', 'inherit', 'inherit'],
    timeout: 10 * 60_000,
  });
}
