/**
 * Hostile and careless config files, through the real CLI entry: 200 deterministic mutations of
 * payprobe.example.yaml (truncations, byte flips, stray YAML tokens, deep nesting, huge strings, alias bombs,
 * undefined and recursive aliases, invalid UTF-8). Every one ends in a valid config (exit 0) or a config
 * error naming the file (exit 2): never an internal error, never a stack trace. `payprobe cost` loads and
 * validates the config without touching the network. A few also run through the spawned binary.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { CliIo } from '../../cli/io';
import { run } from '../../cli/main';
import { CLI_NODE_ARGS } from '../support/cli';
import { EXAMPLE_CONFIG } from '../support/paths';

const EXAMPLE = readFileSync(EXAMPLE_CONFIG);

/** A small deterministic PRNG (mulberry32), so every run tests the same 200 files. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const TOKENS = [
  '&a ',
  '*a',
  '*nope',
  '[',
  ']',
  '{',
  '}',
  ': ',
  '- ',
  '!!binary ',
  '<<: ',
  '\t',
  '%YAML 1.1\n',
  '---\n',
  '? ',
  '|\n',
  '"',
  "'",
  '#',
  '\u0000',
  '\ufeff',
  '\r\n',
  '!!js/function ',
  '@',
];

/** The example with `text` put in place of the value of the first line starting with `key:`. */
function replaceValue(key: string, value: string): Buffer {
  const text = EXAMPLE.toString('utf8');
  const re = new RegExp(`(^\\s*(?:- )?${key}: )[^\\n]*`, 'm');
  return Buffer.from(
    text.replace(re, (_m, head: string) => `${head}${value}`),
    'utf8',
  );
}

function aliasBomb(levels: number, width: number): string {
  const lines = ['a0: &a0 [x, x, x, x, x, x, x, x, x]'];
  for (let i = 1; i < levels; i++)
    lines.push(
      `a${i}: &a${i} [${Array(width)
        .fill(`*a${i - 1}`)
        .join(', ')}]`,
    );
  lines.push(`processors: [*a${levels - 1}]`);
  return `${lines.join('\n')}\n`;
}

/** 200 mutated config files, [name, bytes]. */
function mutations(): [string, Buffer][] {
  const rnd = prng(16);
  const int = (n: number) => Math.floor(rnd() * n);
  const out: [string, Buffer][] = [];
  for (let i = 0; i < 40; i++) {
    const at = int(EXAMPLE.length);
    out.push([`truncated at ${at}`, EXAMPLE.subarray(0, at)]);
  }
  for (let i = 0; i < 50; i++) {
    const b = Buffer.from(EXAMPLE);
    const flips = 1 + int(5);
    for (let k = 0; k < flips; k++) b[int(b.length)] = int(256);
    out.push([`${flips} random bytes (${i})`, b]);
  }
  for (let i = 0; i < 40; i++) {
    const at = int(EXAMPLE.length);
    const token = TOKENS[int(TOKENS.length)] as string;
    out.push([
      `${JSON.stringify(token)} inserted at ${at}`,
      Buffer.concat([EXAMPLE.subarray(0, at), Buffer.from(token), EXAMPLE.subarray(at)]),
    ]);
  }
  for (const depth of [10, 100, 1000, 5000]) {
    out.push([
      `flow nesting ${depth} deep`,
      Buffer.from(`processors: ${'['.repeat(depth)}${']'.repeat(depth)}\n`),
    ]);
    out.push([
      `mapping nesting ${depth} deep`,
      Buffer.from(`processors:\n  - name: a\n    auth: ${'{a: '.repeat(depth)}1${'}'.repeat(depth)}\n`),
    ]);
  }
  const huge = (n: number) => 'a'.repeat(n);
  for (const [key, value] of [
    ['name', huge(1_000_000)],
    ['preset', huge(100_000)],
    ['clientId', huge(100_000)],
    ['secretsManager', `{ secretsManager: ${huge(100_000)} }`],
    ['intervalSeconds', '9'.repeat(100_000)],
    ['email', `${huge(300)}@example.com`],
    ['minVersion', huge(1_000_000)],
  ] as const) {
    out.push([`huge ${key}`, replaceValue(key, value)]);
  }
  const endpoint = (host: string) =>
    Buffer.from(
      `processors:\n  - name: a\n    endpoint: https://${host}/\n    auth: { request: { path: /v1 } }\n`,
    );
  out.push(['a 5 MB host name', endpoint(`${huge(5_000_000)}.example.com`)]);
  out.push(['a 64-character label', endpoint(`${huge(64)}.example.com`)]);
  out.push(['a 254-character host name', endpoint(`${Array(4).fill(huge(62)).join('.')}.example`)]);
  out.push([
    'a 3000-character path',
    Buffer.from(
      `processors:\n  - name: a\n    endpoint: https://a.example\n    auth: { request: { path: /${huge(3000)} } }\n`,
    ),
  ]);
  out.push([
    'a 10 KB header value',
    Buffer.from(
      `processors:\n  - name: a\n    endpoint: https://a.example\n    auth: { request: { path: /, headers: { x-a: ${huge(10_000)} } } }\n`,
    ),
  ]);
  for (const [levels, width] of [
    [3, 3],
    [5, 9],
    [9, 9],
    [20, 2],
    [4, 50],
  ] as const) {
    out.push([`alias bomb ${levels}x${width}`, Buffer.from(aliasBomb(levels, width))]);
  }
  out.push(['an undefined alias', Buffer.from('processors:\n  - name: a\n    endpoint: *nowhere\n')]);
  out.push(['an alias before its anchor', Buffer.from('processors: [*a]\nx: &a { name: a }\n')]);
  out.push(['a recursive alias', Buffer.from('a: &a [*a]\nprocessors: *a\n')]);
  out.push([
    'an anchor and an alias, used well',
    Buffer.from(
      'processors:\n  - &p { name: a, endpoint: "https://a.example" }\n  - { name: b, endpoint: "https://b.example" }\nx: *p\n',
    ),
  ]);
  out.push([
    'Latin-1 bytes',
    Buffer.from(EXAMPLE.toString('utf8').replace('oncall', 'on\u00e7all'), 'latin1'),
  ]);
  out.push([
    'a lone continuation byte',
    Buffer.concat([EXAMPLE.subarray(0, 200), Buffer.from([0x80]), EXAMPLE.subarray(200)]),
  ]);
  out.push([
    'an overlong encoding',
    Buffer.concat([EXAMPLE.subarray(0, 100), Buffer.from([0xc0, 0xaf]), EXAMPLE.subarray(100)]),
  ]);
  out.push([
    'a UTF-16 surrogate in UTF-8',
    Buffer.concat([EXAMPLE.subarray(0, 50), Buffer.from([0xed, 0xa0, 0x80]), EXAMPLE.subarray(50)]),
  ]);
  out.push(['UTF-16', Buffer.from(`\ufeff${EXAMPLE.toString('utf8')}`, 'utf16le')]);
  out.push(['an empty file', Buffer.alloc(0)]);
  out.push(['a BOM and CRLF', Buffer.from(`\ufeff${EXAMPLE.toString('utf8').replace(/\n/g, '\r\n')}`)]);
  for (const p of ['constructor', 'toString', '__proto__', 'hasOwnProperty', 'valueOf']) {
    out.push([`preset ${p}`, replaceValue('preset', p)]);
  }
  out.push([
    'a __proto__ key',
    Buffer.from(
      'processors:\n  - name: a\n    endpoint: https://a.example\n    __proto__: { polluted: true }\n',
    ),
  ]);
  while (out.length < 200) {
    const b = Buffer.from(EXAMPLE);
    const at = int(b.length);
    out.push([
      `byte 0x${(b[at] ?? 0).toString(16)} at ${at} set to 0xff`,
      Buffer.concat([b.subarray(0, at), Buffer.from([0xff]), b.subarray(at + 1)]),
    ]);
  }
  return out.slice(0, 200);
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'payprobe-fuzz-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const FILES = mutations();

test('there are 200 distinct mutations', () => {
  expect(FILES).toHaveLength(200);
  expect(new Set(FILES.map(([, b]) => b.toString('base64'))).size).toBeGreaterThan(190);
});

test.each(FILES.map(([name, bytes], i) => [i, name, bytes] as const))(
  'mutation %i (%s) ends in a valid config or a config error with the file, never a crash',
  async (i, _name, bytes) => {
    const file = path.join(dir, `m${i}.yaml`);
    writeFileSync(file, bytes);
    const out: string[] = [];
    const err: string[] = [];
    const io: CliIo = {
      stdout: { write: (s: string) => out.push(s) },
      stderr: { write: (s: string) => err.push(s) },
      cwd: dir,
      env: {},
    };
    const code = await run(['cost', '--config', file], io);
    const stderr = err.join('');
    expect(stderr).not.toMatch(/internal error|\n\s+at /);
    if (code === 0) {
      expect(stderr).toBe('');
    } else {
      expect({ code, stderr: stderr.split('\n')[0] }).toEqual({
        code: 2,
        stderr: expect.stringMatching(/^payprobe: invalid config/),
      });
      expect(stderr).toContain(file);
      // Every line of the message is short: nothing huge from the file is echoed back.
      for (const line of stderr.split('\n')) expect(line.length).toBeLessThan(600);
    }
  },
);

test('the payprobe binary exits 2 without a stack trace on an alias bomb and on invalid UTF-8', async () => {
  const cases = [
    ['alias-bomb', aliasBomb(9, 9)],
    ['invalid-utf8', 'processors:\n  - name: a\n    endpoint: https://a.example/\xff\n'],
  ] as const;
  const results = await Promise.all(
    cases.map(async ([name, text]) => {
      const file = path.join(dir, `spawned-${name}.yaml`);
      writeFileSync(file, Buffer.from(text, 'latin1'));
      const r = await new Promise<{ code: number; stderr: string }>((resolve) => {
        execFile(
          process.execPath,
          [...CLI_NODE_ARGS, 'cost', '--config', file],
          { cwd: dir },
          (error, _stdout, err) => resolve({ code: error ? Number(error.code ?? 1) : 0, stderr: err }),
        );
      });
      return { file, ...r };
    }),
  );
  for (const { file, code, stderr } of results) {
    expect(code).toBe(2);
    expect(stderr).toMatch(/^payprobe: invalid config/);
    expect(stderr).toContain(file);
    expect(stderr).not.toMatch(/internal error|\n\s+at /);
  }
});
