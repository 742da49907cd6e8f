/**
 * One CLI voice across commands (cli/voice.ts): colours from one place (NO_COLOR, FORCE_COLOR, a terminal or
 * not), `-` for stdin and stdout, comma-separated lists, `-v`, the JSON envelope on every `--json` document and
 * the JSON (and JUnit) error document when a command stops with exit status 2. Runs the CLI in-process
 * against loopback processors with no secrets from AWS.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { colorEnabled, listOption, targetOf } from '../../cli/voice';
import { runCli } from '../support/cli-capture';

const VERSION = (
  JSON.parse(readFileSync(path.join(__dirname, '../../package.json'), 'utf8')) as { version: string }
).version;

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'payprobe-voice-'));
  // Nothing listens on port 9: every probe fails fast, with no network beyond loopback.
  writeFileSync(
    path.join(dir, 'payprobe.yaml'),
    [
      'defaults: { timeoutMs: 1000 }',
      'processors:',
      '  - { name: refused, endpoint: "https://127.0.0.1:9" }',
      '  - { name: also-refused, endpoint: "https://127.0.0.1:9" }',
      '  - name: no-token',
      '    endpoint: https://127.0.0.1:9',
      '    auth: { credentials: { type: bearer, token: { env: PAYPROBE_VOICE_UNSET } } }',
      '',
    ].join('\n'),
  );
  writeFileSync(
    path.join(dir, 'invalid.yaml'),
    'processors:\n  - { name: a, endpoint: https://a.example, timeoutMS: 5 }\n',
  );
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Options {
  readonly env?: NodeJS.ProcessEnv;
  readonly tty?: boolean;
  readonly stdin?: string;
}

const cli = (args: string[], options: Options = {}) =>
  runCli(args, { cwd: dir, env: options.env, tty: options.tty ?? false, stdin: options.stdin });

describe('colours', () => {
  const tty = { isTTY: true, write: () => true };
  const pipe = { isTTY: false, write: () => true };

  test('on a terminal only; NO_COLOR and TERM=dumb turn them off; FORCE_COLOR wins, FORCE_COLOR=0 forbids', () => {
    expect(colorEnabled(tty, {})).toBe(true);
    expect(colorEnabled(pipe, {})).toBe(false);
    expect(colorEnabled(tty, { NO_COLOR: '1' })).toBe(false);
    expect(colorEnabled(tty, { NO_COLOR: '' })).toBe(true);
    expect(colorEnabled(tty, { TERM: 'dumb' })).toBe(false);
    expect(colorEnabled(pipe, { FORCE_COLOR: '1' })).toBe(true);
    expect(colorEnabled(tty, { FORCE_COLOR: '1', NO_COLOR: '1' })).toBe(true);
    expect(colorEnabled(tty, { FORCE_COLOR: '0' })).toBe(false);
  });

  test('audit and check paint only when allowed: NO_COLOR is honoured by both, FORCE_COLOR by the report', async () => {
    const esc = '\x1b[';
    for (const command of [['audit', '--local'], ['check']]) {
      expect((await cli(command, { tty: true })).stdout).toContain(esc);
      expect((await cli(command, { tty: true, env: { NO_COLOR: '1' } })).stdout).not.toContain(esc);
      expect((await cli(command, { tty: false })).stdout).not.toContain(esc);
    }
    // FORCE_COLOR colours the audit report in a pipe; check prints logfmt lines there, which have no colours.
    expect((await cli(['audit', '--local'], { env: { FORCE_COLOR: '1' } })).stdout).toContain(esc);
    expect((await cli(['check'], { env: { FORCE_COLOR: '1' } })).stdout).not.toContain(esc);
  });
});

describe('arguments', () => {
  test('-v and --version print the version', async () => {
    for (const flag of ['-v', '--version']) expect((await cli([flag])).stdout).toBe(`${VERSION}\n`);
  });

  test('--processor takes a comma-separated list, repeated or not; an unknown name gets a did-you-mean', async () => {
    expect(listOption('a, b,,c', ['x'])).toEqual(['x', 'a', 'b', 'c']);
    const r = await cli(['check', '--json', '-', '--processor', 'refused,also-refused']);
    expect(
      (JSON.parse(r.stdout) as { results: { processor: string }[] }).results.map((x) => x.processor),
    ).toEqual(['refused', 'also-refused']);
    const typo = await cli(['check', '-p', 'refusd']);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toMatch(
      /unknown processor "refusd" in .*: did you mean "refused"\?; known: refused, also-refused, no-token/,
    );
  });

  test('--config - reads the config from stdin; its { file } references are relative to the working directory', async () => {
    const text = readFileSync(path.join(dir, 'payprobe.yaml'), 'utf8');
    const r = await cli(['check', '--config', '-', '--json'], { stdin: text });
    expect(r.code).toBe(1);
    expect((JSON.parse(r.stdout) as { results: unknown[] }).results).toHaveLength(3);
    const bad = await cli(['check', '--config', '-'], { stdin: 'processors: []\n' });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe(
      'payprobe: invalid config (1 problem):\n  <stdin>: processors: expected at least one processor; found none\n',
    );
  });
});

describe('documents', () => {
  test('every --json document starts with schemaVersion, tool, command and a summary', async () => {
    for (const [command, extra] of [
      ['check', []],
      ['audit', ['--local']],
      ['cost', []],
    ] as const) {
      const r = await cli([command, ...extra, '--json']);
      const doc = JSON.parse(r.stdout) as Record<string, unknown>;
      expect(Object.keys(doc).slice(0, 4)).toEqual(['schemaVersion', 'tool', 'command', 'summary']);
      expect(doc).toMatchObject({
        schemaVersion: 1,
        tool: { name: 'payprobe', version: VERSION },
        command,
        summary: { ok: expect.any(Boolean) },
      });
    }
  });

  test('--json FILE writes the document there and keeps the report on stdout; - is stdout', async () => {
    const file = path.join(dir, 'out.json');
    const r = await cli(['check', '--json', 'out.json']);
    expect(r.stdout).toMatch(/^processor=refused result=FAIL/m);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({
      command: 'check',
      summary: { failed: 3 },
    });
    const dash = await cli(['check', '--json', '-']);
    expect(JSON.parse(dash.stdout)).toMatchObject({ summary: { total: 3 } });
    // The summary line and the verdict (two of the three fail alike) are for the human watching: stderr.
    expect(dash.stderr).toMatch(
      /^0 passed, 3 failed\nverdict: 2 of 3 processors fail alike at stage connect .*\n$/,
    );
  });

  test('--junit - is stdout; two documents cannot both go there', async () => {
    const r = await cli(['check', '--junit', '-']);
    expect(r.stdout).toMatch(/^<\?xml/);
    const both = await cli(['check', '--json', '-', '--junit', '-']);
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/--json and --junit both write to stdout/);
  });

  test('a secret that cannot be read is a JUnit <error>; a failed probe a <failure>', async () => {
    const r = await cli(['check', '--junit', '-']);
    const parser = new XMLParser({
      ignoreAttributes: false,
      attributeNamePrefix: '',
      isArray: (n) => n === 'testcase',
    });
    const suite = parser.parse(r.stdout).testsuites.testsuite;
    expect(suite).toMatchObject({ tests: '3', failures: '2', errors: '1' });
    const cases = suite.testcase as Record<string, unknown>[];
    expect(cases.map((c) => Object.keys(c).filter((k) => k === 'failure' || k === 'error'))).toEqual([
      ['failure'],
      ['failure'],
      ['error'],
    ]);
  });

  test('an invalid config with --json: the error document on stdout, the message on stderr, exit 2', async () => {
    const r = await cli(['check', '--config', 'invalid.yaml', '--json']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^payprobe: invalid config \(1 problem\):\n/);
    expect(JSON.parse(r.stdout)).toEqual({
      schemaVersion: 1,
      tool: { name: 'payprobe', version: VERSION },
      command: 'check',
      summary: { ok: false, error: 'invalid-config', problems: 1 },
      error: {
        kind: 'invalid-config',
        message: expect.stringMatching(/^invalid config \(1 problem\)/),
        issues: [
          {
            file: path.join(dir, 'invalid.yaml'),
            path: 'processors[0].timeoutMS',
            message: expect.stringMatching(/^unknown field "timeoutMS": did you mean "timeoutMs"\?/),
          },
        ],
      },
    });
    // audit and cost say it the same way.
    for (const command of ['audit', 'cost']) {
      const other = await cli([command, '--config', 'invalid.yaml', '--json']);
      expect(other.code).toBe(2);
      expect(JSON.parse(other.stdout)).toMatchObject({
        command,
        summary: { ok: false, error: 'invalid-config' },
      });
    }
  });

  test('a missing config file says "cannot read", in the message and in the error documents', async () => {
    const r = await cli(['check', '--config', 'nope.yaml', '--json', '-', '--junit', 'nope.xml']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`payprobe: cannot read ${path.join(dir, 'nope.yaml')}: no such file (ENOENT)\n`);
    expect(JSON.parse(r.stdout)).toMatchObject({
      summary: { error: 'cannot-read' },
      error: { kind: 'cannot-read' },
    });
    expect(readFileSync(path.join(dir, 'nope.xml'), 'utf8')).toMatch(
      /<testcase name="config"[^>]*>\n\s+<error message="cannot read [^"]*nope\.yaml: no such file \(ENOENT\)" type="CONFIG">/,
    );
  });

  test('bad usage with --json is an error document too', async () => {
    const r = await cli(['check', '--json', '-p', 'nobody']);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout)).toMatchObject({
      summary: { ok: false, error: 'usage' },
      error: { kind: 'usage' },
    });
  });

  test('targets: the flag alone and - are stdout, a path is a file relative to the working directory', () => {
    expect(targetOf(true, '/w')).toEqual({ kind: 'stdout' });
    expect(targetOf('-', '/w')).toEqual({ kind: 'stdout' });
    expect(targetOf('r.json', '/w')).toEqual({ kind: 'file', file: '/w/r.json' });
    expect(targetOf(undefined, '/w')).toBeUndefined();
  });
});
