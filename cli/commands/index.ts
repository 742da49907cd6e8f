/**
 * The CLI's commands: each one's name, arguments, options and help, in one light module. A command's
 * implementation (./check.ts, ./audit.ts, ...) is imported only when that command runs, so `payprobe
 * --version` and `--help` load commander and this file, never the engine, the AWS SDK, zod or the YAML
 * parser (bench figure 9 measures it).
 *
 * To add a command (docs/cli.md "Writing a command"):
 * - put the implementation in ./<name>.ts, exporting a function `(opts, io) => Promise<number>` (the exit
 *   status: 0 ok, 1 failed or findings); throw UsageError or ConfigError for exit status 2;
 * - add a `register` below that defines the options and calls it through `runs(...)`, or through
 *   `runsWithJson(...)` when the command has `--json`: an exit-2 error then still prints a JSON error
 *   document (../voice.ts jsonErrorDocument);
 * - use ../voice.ts for colours, `-` (stdout/stdin), comma-separated lists and the JSON envelope;
 * - write to io.stdout / io.stderr (never console.*), so tests can run the CLI in-process.
 */
import type { Command } from 'commander';
import { FAILURE_CLASSES, WARNING_CLASSES } from '../../lambdas/core/contract/classes';
import { DEFAULT_STACK_NAME } from '../../lambdas/core/contract/stack';
import { type CliIo, UsageError } from '../io';
import {
  DEFAULT_CONFIG_FILE,
  type ErrorKind,
  jsonErrorDocument,
  listOption,
  targetOf,
  writeDocument,
} from '../voice';

export interface CommandModule {
  register(program: Command, io: CliIo): void;
}

const CONFIG_HELP = `config file (YAML or JSON; - reads stdin); default: ${DEFAULT_CONFIG_FILE} in the current directory`;
const JSON_HELP = 'print one JSON document instead of the report; with FILE, write it there (- is stdout)';

/** Runs a command's implementation and records its exit status. */
function runs(io: CliIo, action: () => Promise<number>): Promise<void> {
  return action().then((code) => {
    io.exitCode = code;
  });
}

/**
 * Like runs(), for a command with `--json [FILE]`: when it stops with exit status 2 (bad usage, a config it
 * cannot read or that is invalid), the JSON error document goes where the document would have gone, then
 * the error propagates (main.ts prints it on stderr and exits 2). `junit` does the same for `--junit`.
 */
async function runsWithJson(
  io: CliIo,
  command: string,
  documents: { readonly json?: string | boolean; readonly junit?: string },
  action: () => Promise<number>,
): Promise<void> {
  try {
    await runs(io, action);
  } catch (err) {
    const stopped = await describeStop(err);
    if (!stopped) throw err;
    const json = targetOf(documents.json, io.cwd);
    const junit = targetOf(documents.junit, io.cwd);
    // Never two documents on stdout: the JSON one wins.
    if (json)
      writeDocument(
        json,
        jsonErrorDocument(command, stopped.kind, stopped.message, stopped.issues),
        io.stdout,
        '--json',
      );
    if (junit && !(json?.kind === 'stdout' && junit.kind === 'stdout')) {
      const { junitErrorXml } = await import('../output');
      writeDocument(junit, junitErrorXml(stopped.message, stopped.issues), io.stdout, '--junit');
    }
    throw err;
  }
}

/** What an exit-2 error says, for the error documents; undefined for anything else (an internal error). */
async function describeStop(
  err: unknown,
): Promise<
  | { kind: ErrorKind; message: string; issues: { file?: string; path?: string; message: string }[] }
  | undefined
> {
  if (err instanceof UsageError)
    return { kind: 'usage', message: err.message, issues: [{ message: err.message }] };
  const { ConfigError, ConfigReadError } = await import('../../lambdas/core/config/model');
  if (err instanceof ConfigReadError)
    return { kind: 'cannot-read', message: err.message, issues: [...err.issues] };
  if (err instanceof ConfigError)
    return { kind: 'invalid-config', message: err.message, issues: [...err.issues] };
  return undefined;
}

const check: CommandModule = {
  register(program, io) {
    program
      .command('check')
      .description('probe the configured processors now and report each result')
      .option('-c, --config <file>', CONFIG_HELP)
      .option(
        '-p, --processor <names>',
        'probe only these processors (comma-separated, repeatable)',
        listOption,
        [],
      )
      .option('--json [file]', JSON_HELP)
      .option('--junit <file>', 'also write JUnit XML, one test case per processor (- is stdout)')
      .addHelpText(
        'after',
        '\nExit status: 0 every probe passed, 1 some probe failed, 2 bad usage or invalid config.\nWarnings (e.g. CERT_EXPIRING_SOON) do not fail a probe.',
      )
      .action((opts: import('./check').CheckOptions) =>
        runsWithJson(io, 'check', opts, async () => (await import('./check')).check(opts, io)),
      );
  },
};

const audit: CommandModule = {
  register(program, io) {
    program
      .command('audit')
      .description(
        'check a config for misconfiguration: insecure TLS, sandbox/production mix-ups, secrets, client certificates, alerting',
      )
      .option('-c, --config <file>', CONFIG_HELP)
      .option('--json [file]', JSON_HELP)
      .option(
        '--local',
        'the config is used only by `payprobe check` on this machine: credentials from { env } / { file } are fine',
      )
      .addHelpText(
        'after',
        '\nExit status: 0 no error-level finding (warnings and infos do not fail), 1 some error, 2 bad usage or invalid config.\nRule ids, why they matter and how to fix: docs/audit.md.',
      )
      .action((opts: import('./audit').AuditCliOptions) =>
        runsWithJson(io, 'audit', opts, async () => (await import('./audit')).runAudit(opts, io)),
      );
  },
};

const demo: CommandModule = {
  register(program, io) {
    program
      .command('demo')
      .description('probe a fleet of simulated processors on 127.0.0.1 (no AWS account needed)')
      .action(() => runs(io, async () => (await import('./demo')).demo(io)));
  },
};

const drill: CommandModule = {
  register(program, io) {
    program
      .command('drill')
      .description(
        'practise an incident on 127.0.0.1: the real pages, your call (ours or theirs), the runbook, the fix',
      )
      .argument('[scenario]', 'which incident to play (see --list)')
      .option('--list', 'list the scenarios')
      .option('--answer <side>', 'answer without asking: ours or theirs (for scripts)')
      .addHelpText('after', '\nExit status: 0 the right answer, 1 a wrong one, 2 bad usage.')
      .action((scenario: string | undefined, opts: import('./drill').DrillOptions) =>
        runs(io, async () => (await import('./drill')).runDrill(scenario, opts, io)),
      );
  },
};

const cost: CommandModule = {
  register(program, io) {
    program
      .command('cost')
      .description(
        'estimate the monthly AWS cost of monitoring the configured processors (us-east-1 list prices)',
      )
      .option('-c, --config <file>', CONFIG_HELP)
      .option(
        '--json [file]',
        'print one JSON document with every cost line, the usage behind it and the assumptions (- is stdout)',
      )
      .option(
        '--no-group-dashboards',
        'price the deployment with groupDashboards: false (the fleet overview is the one dashboard)',
      )
      .action((opts: import('./cost').CostCliOptions) =>
        runsWithJson(io, 'cost', opts, async () => (await import('./cost')).runCost(opts, io)),
      );
  },
};

const explain: CommandModule = {
  register(program, io) {
    program
      .command('explain')
      .argument('[class]', 'a failure or warning class, e.g. CERT_UNTRUSTED (case and - vs _ do not matter)')
      .description(
        'print the runbook of a failure or warning class: meaning, causes, first check, commands, fix',
      )
      .option('-c, --config <file>', "fill the commands with this config file's values (with --processor)")
      .option('-p, --processor <name>', 'the processor whose host, server name and references to use')
      .addHelpText(
        'after',
        `\nClasses: ${[...Object.keys(FAILURE_CLASSES), ...WARNING_CLASSES].join(', ')}.\nExit status: 0, or 2 for an unknown class.`,
      )
      .action((cls: string | undefined, opts: import('./explain').ExplainOptions) =>
        runs(io, async () => (await import('./explain')).explain(cls, opts, io)),
      );
  },
};

const init: CommandModule = {
  register(program, io) {
    program
      .command('init')
      .description('write a commented starter config that validates as written')
      .option(
        '--preset <names>',
        'a processor for each of these presets (comma-separated, repeatable)',
        listOption,
        [],
      )
      .option('-o, --output <file>', `where to write it (- is stdout); default: ${DEFAULT_CONFIG_FILE}`)
      .option('--force', 'overwrite the file if it exists')
      .addHelpText(
        'after',
        '\nThe file starts with a `# yaml-language-server: $schema=...` line: editors with the YAML language server complete and check every field.\nExit status: 0 written, 2 bad usage (unknown preset, the file exists without --force).',
      )
      .action((opts: import('./init').InitOptions) =>
        runs(io, async () => (await import('./init')).init(opts, io)),
      );
  },
};

const schema: CommandModule = {
  register(program, io) {
    program
      .command('schema')
      .description("print the config file's JSON Schema (for editors and CI validators)")
      .action(() => runs(io, async () => (await import('./schema')).printSchema(io)));
  },
};

const pageTest: CommandModule = {
  register(program, io) {
    program
      .command('page-test')
      .description(
        'publish a clearly marked test page through the deployed alert topic, to check the subscribers',
      )
      .option('-c, --config <file>', CONFIG_HELP)
      .option('--severity <severity>', 'which topic: critical (the pager) or warning', 'critical')
      .option(
        '--region <region>',
        "the stack's region; default: every region in the config, else the SDK's region",
      )
      .option('--stack-name <name>', `base name of the deployed stacks (default ${DEFAULT_STACK_NAME})`)
      .addHelpText(
        'after',
        '\nThe topics are found from the stack outputs (CloudFormation DescribeStacks); AWS_ENDPOINT_URL and the usual credential chain apply.\nExit status: 0 every test page published, 1 a stack or topic not found or a publish failed, 2 bad usage or invalid config.',
      )
      .action((opts: import('./page-test').PageTestOptions) =>
        runs(io, async () => (await import('./page-test')).pageTest(opts, io)),
      );
  },
};

export const COMMANDS: readonly CommandModule[] = [
  check,
  audit,
  demo,
  drill,
  cost,
  explain,
  pageTest,
  init,
  schema,
];
