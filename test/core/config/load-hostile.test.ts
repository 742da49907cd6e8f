/**
 * The config loader on hostile or careless files, read from real files: alias bombs and undefined aliases,
 * invalid UTF-8, YAML syntax errors and nesting too deep to walk are config errors with the file and the
 * line and column; values longer than any config needs (a 5 MB host name, 64-character labels, long paths,
 * header names and values) are config errors naming the field and the limit.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import {
  ConfigError,
  type ConfigIssue,
  firstInvalidUtf8,
  formatIssue,
  loadConfigFile,
  MAX_ALIAS_COUNT,
} from '../../../lambdas/core/config/load';
import { LIMITS } from '../../../lambdas/core/config/schema';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'payprobe-load-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

let n = 0;
/** Writes `content` to a file and loads it: the issues, or [] when the config is valid. */
function load(content: string | Buffer): { file: string; issues: ConfigIssue[] } {
  const file = path.join(dir, `c${++n}.yaml`);
  writeFileSync(file, content);
  try {
    loadConfigFile(file);
    return { file, issues: [] };
  } catch (err) {
    if (err instanceof ConfigError) return { file, issues: [...err.issues] };
    throw err;
  }
}

const PROCESSOR = 'processors:\n  - name: a\n    endpoint: https://a.example\n';

describe('aliases', () => {
  it('reports an alias bomb (aliases of aliases) with the first alias position, not an internal error', () => {
    const lines = ['a: &a [x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 9; i++)
      lines.push(
        `a${i}: &a${i} [${Array(9)
          .fill(i === 1 ? '*a' : `*a${i - 1}`)
          .join(', ')}]`,
      );
    lines.push('processors: [*a8]');
    const { file, issues } = load(`${lines.join('\n')}\n`);
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ file, path: '', line: 2, col: 10 });
    expect(issues[0]?.message).toMatch(new RegExp(`aliases expand to more than ${MAX_ALIAS_COUNT} nodes`));
    expect(formatIssue(issues[0] as ConfigIssue)).toMatch(
      new RegExp(`^${file.replace(/[.\\]/g, '\\$&')}:2:10: `),
    );
  });

  it('reports an alias that names no anchor, with its line and column', () => {
    const { file, issues } = load('processors:\n  - name: a\n    endpoint: *nowhere\n');
    expect(issues).toEqual([
      { file, path: '', line: 3, col: 15, message: 'alias *nowhere names no anchor &nowhere before it' },
    ]);
  });

  it('still reads a file that shares a value through an anchor and an alias', () => {
    const { issues } = load(
      'processors:\n  - name: a\n    endpoint: &url https://a.example\n  - name: b\n    endpoint: *url\n',
    );
    expect(issues).toEqual([]);
  });
});

describe('bytes and syntax', () => {
  it('reports invalid UTF-8 with its line, column and offset', () => {
    const content = Buffer.concat([
      Buffer.from('processors:\n  - name: a\n    endpoint: https://a.ex'),
      Buffer.from([0xff]),
      Buffer.from('ample\n'),
    ]);
    const { file, issues } = load(content);
    expect(issues).toEqual([
      {
        file,
        path: '',
        line: 3,
        col: 27,
        message: 'not UTF-8: byte 0xFF (offset 50) is not valid UTF-8; save the file as UTF-8',
      },
    ]);
  });

  it('counts columns in characters on a line with multi-byte characters before the bad byte', () => {
    const { issues } = load(Buffer.concat([Buffer.from('# Zürich €\n# ü'), Buffer.from([0xc3, 0x28])]));
    expect(issues[0]).toMatchObject({ line: 2, col: 4 });
  });

  it.each([
    ['a lone continuation byte', [0x61, 0x80], 1],
    ['an overlong encoding', [0x61, 0xc0, 0xaf], 1],
    ['a UTF-16 surrogate', [0x61, 0xed, 0xa0, 0x80], 1],
    ['a code point above U+10FFFF', [0xf4, 0x90, 0x80, 0x80], 0],
    ['a sequence cut short at the end', [0x61, 0x62, 0xe2, 0x82], 2],
  ])('finds %s', (_name, bytes, at) => {
    expect(firstInvalidUtf8(Uint8Array.from(bytes))).toBe(at);
    expect(() => new TextDecoder('utf-8', { fatal: true }).decode(Uint8Array.from(bytes))).toThrow();
  });

  it('accepts valid UTF-8 of every length', () => {
    const text = 'a é € 𝄞';
    expect(firstInvalidUtf8(Buffer.from(text))).toBe(Buffer.byteLength(text));
  });

  it('reports a YAML syntax error with its line and column', () => {
    const { file, issues } = load('processors:\n  - name: a\n   endpoint: x\n');
    expect(issues[0]).toMatchObject({ file, path: '', line: 3, col: 1 });
    expect(issues[0]?.message).toMatch(/^not valid YAML\/JSON: /);
  });

  it('reports nesting too deep to walk as a config error', () => {
    const { file, issues } = load(`processors: ${'['.repeat(50_000)}${']'.repeat(50_000)}\n`);
    expect(issues[0]).toMatchObject({ file, path: '' });
    expect(issues[0]?.message).toMatch(/nested too deeply/);
  });
});

describe('length limits', () => {
  const expectIssue = (content: string, field: string, message: RegExp) => {
    const { issues } = load(content);
    const found = issues.find((i) => i.path === field && message.test(i.message));
    if (!found)
      throw new Error(`no issue at ${field} matching ${message}: ${JSON.stringify(issues).slice(0, 1000)}`);
    for (const i of issues) expect(i.message.length).toBeLessThan(300);
  };

  it('refuses a 5 MB host name without probing it', () => {
    expectIssue(
      `processors:\n  - name: a\n    endpoint: https://${'a'.repeat(5_000_000)}.example.com/\n`,
      'processors[0].endpoint',
      /too long: at most 2,048 characters/,
    );
  });

  it(`refuses a host name over ${LIMITS.hostname} characters and a label over ${LIMITS.label}`, () => {
    const long = `${Array(4).fill('a'.repeat(62)).join('.')}.example`;
    expectIssue(
      `processors:\n  - name: a\n    endpoint: https://${long}/\n`,
      'processors[0].endpoint',
      /host name of 259 characters: a DNS name has at most 253/,
    );
    expectIssue(
      `processors:\n  - name: a\n    endpoint: https://${'a'.repeat(64)}.example/\n`,
      'processors[0].endpoint',
      /host name label of 64 characters: a DNS label has at most 63/,
    );
    expectIssue(
      `${PROCESSOR}    tls: { servername: ${'b'.repeat(64)}.example }\n`,
      'processors[0].tls.servername',
      /DNS label has at most 63/,
    );
  });

  it('refuses long paths, header names and values, too many headers, a huge body', () => {
    expectIssue(
      `${PROCESSOR}    auth: { request: { path: /${'p'.repeat(3000)} } }\n`,
      'processors[0].auth.request.path',
      /at most 2,048 characters \(a request path\)/,
    );
    expectIssue(
      `${PROCESSOR}    auth: { request: { path: /, headers: { x-a: ${'v'.repeat(10_000)} } } }\n`,
      'processors[0].auth.request.headers.x-a',
      /at most 8,192 characters \(an HTTP header value\)/,
    );
    expectIssue(
      `${PROCESSOR}    auth: { request: { path: /, headers: { ${'h'.repeat(300)}: v } } }\n`,
      `processors[0].auth.request.headers.${'h'.repeat(300)}`,
      /at most 256 characters \(an HTTP header name\)/,
    );
    expectIssue(
      `${PROCESSOR}    auth: { request: { path: /, headers: { "x-a": "one\\ntwo" } } }\n`,
      'processors[0].auth.request.headers.x-a',
      /one line, no control characters/,
    );
    expectIssue(
      `${PROCESSOR}    auth: { request: { path: /, headers: { "a b": v } } }\n`,
      'processors[0].auth.request.headers.a b',
      /an HTTP header name/,
    );
    const headers = Array.from({ length: 51 }, (_, i) => `x-${i}: v`).join(', ');
    expectIssue(
      `${PROCESSOR}    auth: { request: { path: /, headers: { ${headers} } } }\n`,
      'processors[0].auth.request.headers',
      /too many headers: at most 50/,
    );
    expectIssue(
      `${PROCESSOR}    auth: { request: { path: /, body: ${'b'.repeat(70_000)} } }\n`,
      'processors[0].auth.request.body',
      /at most 65,536 characters/,
    );
  });

  it('refuses long names and free text', () => {
    const creds = (c: string) => `${PROCESSOR}    auth: { credentials: ${c} }\n`;
    expectIssue(
      creds(
        `{ type: oauth2-client-credentials, tokenUrl: /t, clientId: ${'c'.repeat(2000)}, clientSecret: { env: S } }`,
      ),
      'processors[0].auth.credentials.clientId',
      /at most 1,024 characters \(an OAuth client id\)/,
    );
    expectIssue(
      creds(`{ type: bearer, token: { secretsManager: ${'s'.repeat(3000)} } }`),
      'processors[0].auth.credentials.token.secretsManager',
      /at most 2,048 characters/,
    );
    expectIssue(
      creds(`{ type: bearer, token: { env: ${'E'.repeat(300)} } }`),
      'processors[0].auth.credentials.token.env',
      /at most 256 characters/,
    );
    expectIssue(
      `${PROCESSOR}    preset: ${'p'.repeat(2000)}\n`,
      'processors[0].preset',
      /at most 1,024 characters \(a preset name\)/,
    );
  });

  it('accepts values at the limits', () => {
    const host = `${Array(3).fill('a'.repeat(63)).join('.')}.${'b'.repeat(61)}`;
    expect(host.length).toBe(LIMITS.hostname);
    const { issues } = load(
      `processors:\n  - name: a\n    endpoint: https://${host}/\n    auth: { request: { path: /${'p'.repeat(2047)} } }\n`,
    );
    expect(issues).toEqual([]);
  });
});
