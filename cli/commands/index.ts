/**
 * The CLI's commands. Each module exports `register(program, io)` and adds its subcommand to the commander
 * program. To add a command, add one import and one entry below.
 *
 * Conventions for a command's action (see ../io.ts):
 * - write to io.stdout / io.stderr (not console.*), so tests can run the CLI in-process;
 * - set io.exitCode (0 ok, 1 failed/findings); throw UsageError or ConfigError for exit status 2
 *   (main.ts prints them: ConfigError lists every issue with file, field path and message).
 * A module may declare `register(program: Command): void` and ignore io.
 */
import type { Command } from 'commander';
import type { CliIo } from '../io';
import * as audit from './audit';
import * as check from './check';
import * as cost from './cost';
import * as demo from './demo';
import * as explain from './explain';
import * as pageTest from './page-test';

export interface CommandModule {
  register(program: Command, io: CliIo): void;
}

export const COMMANDS: readonly CommandModule[] = [check, audit, demo, cost, explain, pageTest];
