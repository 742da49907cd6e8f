#!/usr/bin/env node
// The `payprobe` command. Runs the TypeScript sources directly through tsx, so the checkout needs no build.
require('tsx/cjs');
require('./main.ts');
