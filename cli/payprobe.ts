#!/usr/bin/env node
/**
 * The `payprobe` executable. The package ships it bundled (dist/cli/payprobe.mjs, built by scripts/build.ts
 * with esbuild: ES-module chunks, each command's code loaded only when it runs); in this repository
 * `npx tsx cli/payprobe.ts` runs the sources.
 */
import { EXIT } from './io';
import { exitWhenDrained, run } from './main';

// The AWS SDK warns on every run that its releases after January 2027 need Node 22: that is for our
// dependency updates, not for someone running a check, and it would bury the results on stderr.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
run(process.argv.slice(2)).then(
  (code) => exitWhenDrained(code),
  (err: unknown) => {
    process.stderr.write(`payprobe: ${String(err)}\n`);
    exitWhenDrained(EXIT.usage);
  },
);
