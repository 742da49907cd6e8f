/**
 * `payprobe check` end to end against real HTTPS servers on 127.0.0.1: exit statuses, --json shape,
 * --processor selection, JUnit parsed back, progressive table, and no secret value in any output.
 * Most cases run the CLI in-process (run(args, io)); a few spawn the real executable (cli/payprobe.ts).
 */
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import type { CliIo } from '../../cli/io';
import { run } from '../../cli/main';
import { createPki } from '../../testbed/pki';
import { CLI_NODE_ARGS } from '../support/cli';
import { ENV_TOKEN, ENV_TOKEN_VAR, type Fleet, startFleet, TOKEN } from '../support/fleet';

const SLOW_MS = 1200;

interface Captured {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** Each stdout write with the time it happened (ms since start). */
  readonly writes: { at: number; text: string }[];
}

let fleet: Fleet;

beforeAll(async () => {
  fleet = await startFleet({ slowMs: SLOW_MS });
});
afterAll(async () => {
  await fleet.close();
});

async function cli(
  args: string[],
  opts: { tty?: boolean; cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<Captured> {
  const start = Date.now();
  const out: string[] = [];
  const err: string[] = [];
  const writes: { at: number; text: string }[] = [];
  const io: CliIo = {
    stdout: {
      isTTY: opts.tty ?? false,
      write: (s: string) => {
        out.push(s);
        writes.push({ at: Date.now() - start, text: s });
      },
    },
    stderr: { write: (s: string) => err.push(s) },
    cwd: opts.cwd ?? fleet.dir,
    env: opts.env ?? fleet.env,
  };
  const code = await run(args, io);
  return { code, stdout: out.join(''), stderr: err.join(''), writes };
}

function spawnCli(
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [...CLI_NODE_ARGS, ...args],
      { env, cwd: fleet.dir },
      (error, stdout, stderr) => {
        resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
      },
    );
  });
}

function expectNoSecrets(...texts: string[]): void {
  for (const t of texts) {
    expect(t).not.toContain(TOKEN);
    expect(t).not.toContain(ENV_TOKEN);
  }
}

interface JsonResult {
  processor: string;
  ok: boolean;
  stage: string | null;
  class: string | null;
  detail: string | null;
  warnings: unknown[];
  timings: Record<string, number | null>;
  tls: { protocol: string; cipher: string; serverCert: Record<string, unknown> } | null;
  http: { status: number | null } | null;
}

describe('exit status', () => {
  it('is 0 when every selected probe passed', async () => {
    const r = await cli([
      'check',
      '--config',
      fleet.configFile,
      '--processor',
      'healthy',
      '--processor',
      'env-auth',
    ]);
    expect(r.stderr).toBe('2 passed, 0 failed\n');
    expect(r.code).toBe(0);
  });

  it('is 1 when a probe failed', async () => {
    const r = await cli(['check', '--config', fleet.configFile, '-p', 'healthy', '-p', 'rejecting']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^processor=rejecting result=FAIL stage=auth class=AUTH_REJECTED /m);
  });

  it('is 2 for an invalid config, listing every issue with file and field path', async () => {
    const bad = path.join(fleet.dir, 'bad.yaml');
    writeFileSync(
      bad,
      'processors:\n  - name: a\n    endpoint: https://a.example\n    timeoutMS: 1\n    tls: { minVersion: TLSv9 }\n',
    );
    const r = await cli(['check', '--config', bad]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('payprobe: invalid config (2 problems):');
    expect(r.stderr).toContain(
      `${bad}: processors[0].timeoutMS: unknown field "timeoutMS": did you mean "timeoutMs"?`,
    );
    expect(r.stderr).toContain(`${bad}: processors[0].tls.minVersion: `);
  });

  it('is 2 for a config file that does not exist', async () => {
    const r = await cli(['check', '--config', 'nope.yaml']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      `payprobe: cannot read ${path.join(fleet.dir, 'nope.yaml')}: no such file (ENOENT)\n`,
    );
  });

  it('is 2 for an unknown --processor, listing the known names', async () => {
    const r = await cli(['check', '--config', fleet.configFile, '--processor', 'stripe']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('unknown processor "stripe"');
    expect(r.stderr).toContain('known: healthy, env-auth, rejecting, slow');
  });

  it('is 2 for an unknown option', async () => {
    const r = await cli(['check', '--config', fleet.configFile, '--jsn']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("unknown option '--jsn'");
  });

  it('is 2 with no --config and no payprobe.yaml in the working directory', async () => {
    const empty = path.join(fleet.dir, 'empty-dir');
    mkdirSync(empty, { recursive: true });
    const r = await cli(['check'], { cwd: empty });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      `payprobe: no config file: pass --config FILE (or - for stdin), or create payprobe.yaml in ${empty} with \`npx payprobe init\`\n`,
    );
  });

  it('uses payprobe.yaml in the working directory by default', async () => {
    const r = await cli(['check', '-p', 'healthy'], { cwd: fleet.dir });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^processor=healthy result=PASS/);
  });
});

describe('--json', () => {
  it('prints one document with every result in config order, in the documented shape (docs/cli.md)', async () => {
    const r = await cli(['check', '--config', fleet.configFile, '--json']);
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.stdout) as { results: JsonResult[] };
    // The envelope every --json document has, then the results (docs/contracts.md).
    expect(Object.keys(doc)).toEqual(['schemaVersion', 'tool', 'command', 'summary', 'results']);
    expect(doc.results.map((x) => [x.processor, x.ok, x.stage, x.class])).toEqual([
      ['healthy', true, null, null],
      ['env-auth', true, null, null],
      ['rejecting', false, 'auth', 'AUTH_REJECTED'],
      ['slow', true, null, null],
    ]);
    const healthy = doc.results[0] as JsonResult;
    expect(Object.keys(healthy.timings).sort()).toEqual([
      'connectMs',
      'dnsMs',
      'firstByteMs',
      'settleMs',
      'tlsMs',
      'totalMs',
    ]);
    expect(healthy.timings.totalMs).toBeGreaterThan(0);
    expect(healthy.http).toEqual({ status: 200 });
    expect(healthy.tls).toMatchObject({
      protocol: expect.stringMatching(/^TLSv1\.[23]$/),
      cipher: expect.any(String),
    });
    expect(healthy.tls?.serverCert).toEqual(
      expect.objectContaining({
        subject: expect.stringContaining('localhost'),
        issuer: expect.any(String),
        validTo: expect.any(String),
        daysToExpiry: expect.any(Number),
        fingerprint256: expect.stringMatching(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/),
      }),
    );
    expect(doc.results[2]?.http).toEqual({ status: 401 });
    expect(doc.results[2]?.detail).toEqual(expect.any(String));
    expect(doc.results[3]?.timings.totalMs).toBeGreaterThanOrEqual(SLOW_MS);
  });
});

describe('the verdict across processors', () => {
  /** Three processors that share a CA bundle that signs none of them, and one that fails alone at auth. */
  async function sharedUntrustedCa(): Promise<string> {
    const other = await createPki({ name: 'payprobe-cli-other-ca' });
    writeFileSync(path.join(fleet.dir, 'other-ca.pem'), other.caPem);
    const p = (name: string, ca: string, token: string) =>
      [
        `  - name: ${name}`,
        `    endpoint: https://localhost:${fleet.ports[name]}`,
        '    timeoutMs: 3000',
        `    tls: { ca: { file: ${ca} } }`,
        '    auth:',
        '      request: { path: /v1/ping }',
        `      credentials: { type: bearer, token: ${token} }`,
      ].join('\n');
    const file = path.join(fleet.dir, 'shared-ca.yaml');
    writeFileSync(
      file,
      [
        'processors:',
        p('healthy', 'other-ca.pem', '{ file: token.txt }'),
        p('env-auth', 'other-ca.pem', `{ env: ${ENV_TOKEN_VAR} }`),
        p('rejecting', 'ca.pem', '{ file: token.txt }'),
        p('slow', 'other-ca.pem', '{ file: token.txt }'),
        '',
      ].join('\n'),
    );
    return file;
  }

  it('--json carries the verdict object: the three that fail alike, their stage and classes, the CA bundle they share', async () => {
    const r = await cli(['check', '--config', await sharedUntrustedCa(), '--json']);
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.stdout) as { results: JsonResult[]; verdict: unknown };
    expect(Object.keys(doc)).toEqual(['schemaVersion', 'tool', 'command', 'summary', 'results', 'verdict']);
    expect(doc.verdict).toEqual({
      scope: 'ours',
      processors: ['healthy', 'env-auth', 'slow'],
      stage: 'tls',
      classes: ['CERT_UNTRUSTED'],
      commonFactors: ['tls.ca: file other-ca.pem'],
      weakFactors: [],
      otherGroups: [],
    });
  });

  it('prints the common-factor line under the table on a terminal, and on stderr for a pipe', async () => {
    const file = await sharedUntrustedCa();
    const line =
      'verdict: 3 of 4 processors fail alike at stage tls (CERT_UNTRUSTED): the cause is most likely on our side; common factor: tls.ca: file other-ca.pem';
    const tty = await cli(['check', '--config', file], { tty: true });
    expect(tty.stdout.trimEnd().split('\n').at(-1)).toBe(line);
    const pipe = await cli(['check', '--config', file]);
    expect(pipe.stdout).not.toContain('verdict');
    expect(pipe.stderr).toContain(line);
  });

  it('has no verdict when only one processor fails', async () => {
    const r = await cli(['check', '--config', fleet.configFile, '--json']);
    expect(Object.keys(JSON.parse(r.stdout) as object)).toEqual([
      'schemaVersion',
      'tool',
      'command',
      'summary',
      'results',
    ]);
    const t = await cli(['check', '--config', fleet.configFile], { tty: true });
    expect(t.stdout).not.toContain('verdict:');
  });
});

describe('--processor', () => {
  it('probes only the named processors', async () => {
    const r = await cli([
      'check',
      '--config',
      fleet.configFile,
      '--json',
      '--processor',
      'rejecting',
      '--processor',
      'healthy',
    ]);
    const doc = JSON.parse(r.stdout) as { results: JsonResult[] };
    expect(doc.results.map((x) => x.processor)).toEqual(['healthy', 'rejecting']);
  });
});

describe('--junit', () => {
  it('writes one test case per processor; failures carry class and detail', async () => {
    const file = path.join(fleet.dir, 'reports/junit.xml');
    mkdirSync(path.dirname(file), { recursive: true });
    const r = await cli([
      'check',
      '--config',
      fleet.configFile,
      '-p',
      'healthy',
      '-p',
      'rejecting',
      '--junit',
      'reports/junit.xml',
    ]);
    expect(r.code).toBe(1);
    const xml = readFileSync(file, 'utf8');
    const doc = new XMLParser({
      ignoreAttributes: false,
      attributeNamePrefix: '',
      isArray: (n) => n === 'testcase',
    }).parse(xml);
    const cases = doc.testsuites.testsuite.testcase as {
      name: string;
      failure?: { message: string; type: string };
    }[];
    expect(cases.map((c) => c.name)).toEqual(['healthy', 'rejecting']);
    expect(cases[0]?.failure).toBeUndefined();
    expect(cases[1]?.failure?.type).toBe('AUTH_REJECTED');
    expect(cases[1]?.failure?.message).toMatch(/^AUTH_REJECTED: \S/);
    expectNoSecrets(xml);
  });

  it('is 2 when the JUnit file cannot be written', async () => {
    const r = await cli([
      'check',
      '--config',
      fleet.configFile,
      '-p',
      'healthy',
      '--junit',
      'no/such/dir/junit.xml',
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('cannot write --junit');
  });
});

describe('table on a terminal', () => {
  it('prints the header first and each row as its probe finishes', async () => {
    const r = await cli(['check', '--config', fleet.configFile, '-p', 'slow', '-p', 'healthy'], {
      tty: true,
    });
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toMatch(/^PROCESSOR\s+RESULT\s+STAGE\/CLASS\s+TOTAL MS\s+CERT DAYS$/);
    expect(lines[1]).toMatch(/^healthy\s+PASS\s+-\s+\d+\s+\d+$/);
    expect(lines[2]).toMatch(/^slow\s+PASS\s+-\s+\d+\s+\d+$/);
    expect(r.stdout).toContain('2 passed, 0 failed');
    // the fast row was written well before the slow server answered
    const healthyWrite = r.writes.find((w) => w.text.startsWith('healthy'));
    const slowWrite = r.writes.find((w) => w.text.startsWith('slow'));
    expect(healthyWrite && slowWrite && slowWrite.at - healthyWrite.at).toBeGreaterThan(SLOW_MS / 2);
  });
});

describe('secrets', () => {
  it('never prints a secret value in the table, plain lines, JSON or JUnit', async () => {
    const junit = path.join(fleet.dir, 'secrets-junit.xml');
    const runs = [
      await cli(['check', '--config', fleet.configFile], { tty: true }),
      await cli(['check', '--config', fleet.configFile]),
      await cli(['check', '--config', fleet.configFile, '--json', '--junit', junit]),
    ];
    for (const r of runs) {
      expect(r.code).toBe(1);
      expectNoSecrets(r.stdout, r.stderr);
    }
    expectNoSecrets(readFileSync(junit, 'utf8'));
  });

  it('reports an unreadable secret as CONFIG_ERROR naming the reference', async () => {
    const env = { ...fleet.env };
    delete env[ENV_TOKEN_VAR];
    const r = await cli(['check', '--config', fleet.configFile, '-p', 'env-auth', '--json'], { env });
    expect(r.code).toBe(1);
    const [result] = (JSON.parse(r.stdout) as { results: JsonResult[] }).results;
    expect(result).toMatchObject({ ok: false, stage: 'config', class: 'CONFIG_ERROR' });
    expect(result?.detail).toContain(ENV_TOKEN_VAR);
  });
});

describe('the payprobe binary', () => {
  it('exits 1 with plain lines on a pipe and never prints secrets', async () => {
    const r = await spawnCli(
      ['check', '--config', fleet.configFile, '-p', 'healthy', '-p', 'rejecting'],
      fleet.env,
    );
    expect(r.code).toBe(1);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines.some((l) => l.startsWith('processor=healthy result=PASS'))).toBe(true);
    expect(
      lines.some((l) => l.startsWith('processor=rejecting result=FAIL stage=auth class=AUTH_REJECTED')),
    ).toBe(true);
    expectNoSecrets(r.stdout, r.stderr);
  });

  it('exits 0 when all pass and 2 on bad usage', async () => {
    expect((await spawnCli(['check', '--config', fleet.configFile, '-p', 'healthy'], fleet.env)).code).toBe(
      0,
    );
    const bad = await spawnCli(['check', '--config', fleet.configFile, '-p', 'nope'], fleet.env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('known: healthy, env-auth, rejecting, slow');
  });
});
