/**
 * Every shell command the README shows works as written on a fresh clone. The commands are read from the
 * README's ```sh blocks (split at `&&`, comments dropped) and each must be listed below with how it is
 * checked, so a new README command cannot go unchecked:
 * - `run`: run verbatim by `sh -c`, in README order, in a copy of this checkout (a directory of symlinks to
 *   its top-level entries, with its own working files: ./payprobe.yaml, cdk.out), as a user in a fresh clone
 *   after `npm ci` would; with the exit status it must end with;
 * - `ci`: what CI itself runs (`.ci/run`: `npm ci`, `npm test`);
 * - `package`: the consumer test (test/package/consumer.e2e.test.ts) installs the packed package the same
 *   way, offline, from the tarball: payprobe is not on the registry here;
 * - `aws`: needs an AWS account and credentials; `scripts/integ-aws.ts` deploys and destroys for real (opt-in).
 * Part of the e2e run: `npm run demo` and `cdk synth` take a while.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import * as path from 'node:path';
import { REPO } from '../support/paths';

type How =
  | { readonly how: 'run'; readonly status: number; readonly verify?: (out: Run, dir: string) => void }
  | { readonly how: 'ci' | 'package' | 'aws' };

interface Run {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Exit 1 and not 2: the config loaded; a probe failed because no AWS secret can be read here. */
const noConfigError = (r: Run) =>
  expect(r.stderr).not.toMatch(/invalid config|cannot read .*payprobe\.yaml|no config/);

const COMMANDS: Readonly<Record<string, How>> = {
  'npm ci': { how: 'ci' },
  'npm test': { how: 'ci' },
  'npm run demo': {
    how: 'run',
    status: 0,
    verify: (r) => expect(r.stdout).toMatch(/healthy\s+PASS/),
  },
  'npm install payprobe aws-cdk-lib constructs': { how: 'package' },
  'npx payprobe init --preset stripe': {
    how: 'run',
    status: 0,
    verify: (_, dir) =>
      expect(readFileSync(path.join(dir, 'payprobe.yaml'), 'utf8')).toMatch(/preset: stripe/),
  },
  'npx payprobe check': { how: 'run', status: 1, verify: noConfigError },
  'npx payprobe audit': { how: 'run', status: 1, verify: noConfigError },
  'npx payprobe check --json': {
    how: 'run',
    status: 1,
    verify: (r) =>
      expect(JSON.parse(r.stdout)).toMatchObject({ command: 'check', results: [{ class: 'CONFIG_ERROR' }] }),
  },
  'npx payprobe check --junit payprobe.xml': {
    how: 'run',
    status: 1,
    verify: (_, dir) => expect(readFileSync(path.join(dir, 'payprobe.xml'), 'utf8')).toMatch(/<error /),
  },
  'npx payprobe check --processor stripe': { how: 'run', status: 1, verify: noConfigError },
  'npx payprobe explain CERT_UNTRUSTED': { how: 'run', status: 0 },
  'npx payprobe cost': { how: 'run', status: 0, verify: (r) => expect(r.stdout).toMatch(/^payprobe cost/) },
  'npx payprobe schema': {
    how: 'run',
    status: 0,
    verify: (r) => expect(JSON.parse(r.stdout)).toMatchObject({ title: 'payprobe config' }),
  },
  'npx cdk synth --no-notices': {
    how: 'run',
    status: 0,
    verify: (r, dir) => {
      expect(readdirSync(path.join(dir, 'cdk.out'))).toContain('PayProbe.template.json');
      // cdk.json sets the recommended flags: the CLI's warning (not a notice: --no-notices keeps it) is absent.
      expect(r.stdout + r.stderr).not.toMatch(/feature flags are not configured/);
    },
  },
  'npx cdk bootstrap aws://ACCOUNT/REGION': { how: 'aws' },
  'npx cdk diff': { how: 'aws' },
  'npx cdk deploy': { how: 'aws' },
  'npx cdk deploy --all': { how: 'aws' },
};

/** The README's shell commands, in order: each line of each ```sh block, split at `&&`, without comments. */
function readmeCommands(): string[] {
  const readme = readFileSync(path.join(REPO, 'README.md'), 'utf8');
  const blocks = [...readme.matchAll(/^```sh\n([\s\S]*?)^```/gm)].map((m) => m[1] as string);
  return blocks
    .flatMap((b) => b.split('\n'))
    .map((line) => line.replace(/\s+#.*$/, '').trim())
    .filter((line) => line !== '')
    .flatMap((line) => line.split('&&').map((c) => c.trim()));
}

const commands = readmeCommands();

/**
 * Where `npx payprobe` in `dir` links the project's own bin: npm's cache, `_npx/` and the first 16 hex
 * digits of the SHA-512 of the project's path (libnpmexec). Each run's copy of the checkout is a new path,
 * so its entry is removed afterwards.
 */
function npxCacheOf(dir: string): string {
  const cache = process.env.npm_config_cache ?? path.join(homedir(), '.npm');
  const hash = createHash('sha512').update(path.resolve(dir)).digest('hex').slice(0, 16);
  return path.join(cache, '_npx', hash);
}

test('every README command is listed with how it is checked, and nothing listed is gone from the README', () => {
  expect(commands.length).toBeGreaterThan(10);
  expect([...new Set(commands)].sort()).toEqual(Object.keys(COMMANDS).sort());
});

describe('the commands a fresh clone runs offline, verbatim, in README order', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'payprobe-readme-'));
  // A copy of the checkout: its entries as symlinks (Node resolves modules by their real paths), its own
  // working files. dist/ is what `npm ci` builds through `prepare` (here: the e2e run's global setup).
  for (const entry of readdirSync(REPO)) {
    if (['.git', 'payprobe.yaml', 'payprobe.xml', 'cdk.out'].includes(entry)) continue;
    symlinkSync(path.join(REPO, entry), path.join(dir, entry));
  }
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
    rmSync(npxCacheOf(dir), { recursive: true, force: true });
  });

  const env = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? dir,
    // The starter's secret is in Secrets Manager: an endpoint that refuses, so it fails fast as CONFIG_ERROR.
    AWS_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
    AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
    AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
    AWS_EC2_METADATA_DISABLED: 'true',
  };

  const runnable = commands.flatMap((c) => {
    const how = COMMANDS[c];
    return how?.how === 'run' ? [[c, how] as const] : [];
  });

  test.each(runnable)(
    '%s',
    (command, how) => {
      expect(existsSync(path.join(REPO, 'dist', 'cli', 'payprobe.mjs'))).toBe(true);
      const r = spawnSync('sh', ['-c', command], { cwd: dir, env, encoding: 'utf8', timeout: 5 * 60_000 });
      expect({ command, status: r.status, stderr: r.status === how.status ? '' : r.stderr }).toEqual({
        command,
        status: how.status,
        stderr: '',
      });
      how.verify?.(r, dir);
    },
    6 * 60_000,
  );
});
