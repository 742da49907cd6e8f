/**
 * Config validation: bad files produce ConfigError issues naming the file, the field path and what to do,
 * every problem at once.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import {
  ConfigError,
  type ConfigIssue,
  ConfigReadError,
  formatConfigError,
  loadConfigFile,
  parseConfig,
} from '../../../lambdas/core/config/load';

const FILE = '/etc/payprobe/payprobe.yaml';

function issuesOf(text: string, file = FILE): ConfigIssue[] {
  try {
    parseConfig(text, file);
  } catch (err) {
    if (err instanceof ConfigError) return [...err.issues];
    throw err;
  }
  throw new Error('expected a ConfigError, but the config was accepted');
}

const ok = (extra = '') => `processors:\n  - name: a\n    endpoint: https://a.example\n${extra}`;

interface Case {
  readonly name: string;
  readonly text: string;
  readonly path: string;
  readonly message: RegExp;
}

const CASES: Case[] = [
  {
    name: 'an unknown field with a did-you-mean from the schema',
    text: ok('    timeoutMS: 3000\n'),
    path: 'processors[0].timeoutMS',
    message: /unknown field "timeoutMS": did you mean "timeoutMs"\?/,
  },
  {
    name: 'an unknown field without a close match by listing the allowed fields',
    text: ok('    tls: { wibble: true }\n'),
    path: 'processors[0].tls.wibble',
    message: /unknown field "wibble": allowed here: servername, ca, clientCert, clientKey/,
  },
  {
    name: 'an unknown top-level field',
    text: `${ok()}alarting: {}\n`,
    path: 'alarting',
    message: /did you mean "alerting"/,
  },
  {
    name: 'a bad enum value with the allowed values',
    text: ok('    tls: { minVersion: TLSv1.4 }\n'),
    path: 'processors[0].tls.minVersion',
    message: /^expected one of TLSv1, TLSv1\.1, TLSv1\.2, TLSv1\.3; found a string \("TLSv1\.4"\)$/,
  },
  {
    name: 'a tls.maxVersion below tls.minVersion (no version left to negotiate)',
    text: ok('    tls: { minVersion: TLSv1.3, maxVersion: TLSv1.2 }\n'),
    path: 'processors[0].tls.maxVersion',
    message:
      /TLSv1.2 is below tls.minVersion TLSv1.3: .*raise tls.maxVersion to at least TLSv1.3 or lower tls.minVersion/,
  },
  {
    name: 'a tls.maxVersion below the default minVersion',
    text: ok('    tls: { maxVersion: TLSv1.1 }\n'),
    path: 'processors[0].tls.maxVersion',
    message: /TLSv1.1 is below tls.minVersion TLSv1.2 \(the default\)/,
  },
  {
    name: 'a malformed plain pin, with the form a pin takes',
    text: ok('    tls: { pins: [sha256/abc] }\n'),
    path: 'processors[0].tls.pins[0]',
    message: /a pin of the form sha256\/BASE64SPKI=/,
  },
  {
    name: 'pins written as one string, with the accepted shapes (a list or a reference)',
    text: ok('    tls: { pins: "sha256/abc" }\n'),
    path: 'processors[0].tls.pins',
    message: /expected a list \| \{ secretsManager: \.\.\. \} \| \{ ssm: \.\.\. \}/,
  },
  {
    name: 'a plain auth.request.path without the leading slash',
    text: ok('    auth: { request: { path: v1/balance } }\n'),
    path: 'processors[0].auth.request.path',
    message: /a path starting with \//,
  },
  {
    name: 'a misspelt reference in tls.ciphers',
    text: ok('    tls: { ciphers: { smm: /payments/ciphers } }\n'),
    path: 'processors[0].tls.ciphers',
    message: /did you mean "smm" -> "ssm"\?/,
  },
  {
    name: 'an unknown credential type',
    text: ok('    auth: { credentials: { type: digest, token: { env: X } } }\n'),
    path: 'processors[0].auth.credentials.type',
    message: /expected one of bearer, basic, header, oauth2-client-credentials; found a string \("digest"\)/,
  },
  {
    name: 'a secret written inline instead of a reference',
    text: ok('    auth: { credentials: { type: bearer, token: "tok_inline" } }\n'),
    path: 'processors[0].auth.credentials.token',
    message:
      /expected a reference: \{ secretsManager: \.\.\. \} \| \{ ssm: \.\.\. \} \| \{ env: \.\.\. \} \| \{ file: \.\.\. \}; found a string .*secrets are never written into the config/,
  },
  {
    name: 'a reference with an unknown source with a did-you-mean',
    text: ok('    tls: { ca: { fiel: certs/ca.pem } }\n'),
    path: 'processors[0].tls.ca',
    message: /expected a reference: .*found field "fiel" \(did you mean "fiel" -> "file"\?\)/,
  },
  {
    name: 'a reference naming two sources',
    text: ok('    auth: { credentials: { type: bearer, token: { env: X, file: y } } }\n'),
    path: 'processors[0].auth.credentials.token',
    message: /a reference names exactly one source, found env and file/,
  },
  {
    name: 'an env reference that is not a variable name',
    text: ok('    auth: { credentials: { type: bearer, token: { env: "1-bad" } } }\n'),
    path: 'processors[0].auth.credentials.token.env',
    message: /an environment variable name/,
  },
  {
    name: 'a missing required secret',
    text: ok('    auth: { credentials: { type: basic, username: u } }\n'),
    path: 'processors[0].auth.credentials.password',
    message: /required: expected a reference/,
  },
  {
    name: 'missing processors',
    text: 'defaults: { timeoutMs: 1000 }\n',
    path: 'processors',
    message: /^required: expected a list$/,
  },
  {
    name: 'an empty processors list',
    text: 'processors: []\n',
    path: 'processors',
    message: /at least one processor/,
  },
  {
    name: 'an empty file',
    text: '',
    path: '',
    message: /the file is empty/,
  },
  {
    name: 'a list where the config mapping belongs',
    text: '- a\n- b\n',
    path: '',
    message: /^expected an object, found a list$/,
  },
  {
    name: 'duplicate processor names',
    text: 'processors:\n  - { name: a, endpoint: https://a.example }\n  - { name: a, endpoint: https://b.example }\n',
    path: 'processors[1].name',
    message: /duplicate processor name "a" \(also processors\[0\]\)/,
  },
  {
    name: 'a processor name that cannot be a metric dimension',
    text: 'processors:\n  - { name: Stripe_EU, endpoint: https://a.example }\n',
    path: 'processors[0].name',
    message: /lower-case letters, digits and "-"/,
  },
  {
    name: 'a timeout not below the interval',
    text: ok('    intervalSeconds: 10\n    timeoutMs: 10000\n'),
    path: 'processors[0].timeoutMs',
    message: /10000 ms must be below the interval \(10 s\)/,
  },
  {
    name: 'an interval that is not supported',
    text: ok('    intervalSeconds: 15\n'),
    path: 'processors[0].intervalSeconds',
    message: /one of 10, 20, 30 or 60/,
  },
  {
    name: 'the metrics mode, which no longer exists',
    text: ok('    metrics: full\n'),
    path: 'processors[0].metrics',
    message: /removed: .*delete this field/,
  },
  {
    name: 'an unknown preset with a did-you-mean and the known ones',
    text: 'processors:\n  - { name: a, preset: strip }\n',
    path: 'processors[0].preset',
    message: /unknown preset "strip": expected one of .*stripe.* \(did you mean "stripe"\?\)/,
  },
  {
    name: 'a number out of range in words, with what was found',
    text: ok('    timeoutMs: 50\n'),
    path: 'processors[0].timeoutMs',
    message: /^expected a number of at least 100; found a number \(50\)$/,
  },
  {
    name: 'a fraction where a whole number belongs',
    text: ok('    maxBodyBytes: 1.5\n'),
    path: 'processors[0].maxBodyBytes',
    message: /^expected a whole number, found a number \(1\.5\)$/,
  },
  {
    name: 'an empty list that needs an item',
    text: ok('    auth: { expectStatus: [] }\n'),
    path: 'processors[0].auth.expectStatus',
    message: /^expected at least 1 item; found none$/,
  },
  {
    name: 'an empty processor list in the schema’s own words',
    text: 'processors: []\n',
    path: 'processors',
    message: /^expected at least one processor; found none$/,
  },
  {
    name: 'a PEM written inline where the CA bundle belongs, without calling it a secret',
    text: ok('    tls: { ca: "-----BEGIN CERTIFICATE-----" }\n'),
    path: 'processors[0].tls.ca',
    message:
      /^expected a reference: .*; found a string \(a CA bundle is public, but it is read from a file or a store \(e\.g\. \{ file: certs\/ca\.pem \}\), not written inline\)$/,
  },
  {
    name: 'a preset without a production host and no endpoint',
    text: 'processors:\n  - name: a\n    preset: adyen\n    auth: { credentials: { type: header, name: X-API-Key, value: { env: K } } }\n',
    path: 'processors[0].endpoint',
    message: /preset "adyen" has no production host .*set endpoint/,
  },
  {
    name: 'a non-HTTP endpoint',
    text: 'processors:\n  - { name: a, endpoint: "ftp://a.example" }\n',
    path: 'processors[0].endpoint',
    message: /expected a URL \(https:\/\/host\[:port\]\), found a string \("ftp:\/\/a.example"\)/,
  },
  {
    name: 'mTLS with a certificate but no key',
    text: ok('    tls: { clientCert: { file: client.pem } }\n'),
    path: 'processors[0].tls.clientKey',
    message: /mTLS needs both tls.clientCert and tls.clientKey/,
  },
  {
    name: 'an alert subscription written as a bare string',
    text: `${ok()}alerting: { critical: ["oncall@example.com"] }\n`,
    path: 'alerting.critical[0]',
    message: /expected \{ email: \.\.\. \} \| \{ https: \.\.\. \} \| \{ sms: \.\.\. \}; found a string/,
  },
  {
    name: 'invalid YAML',
    text: 'processors:\n  - name: a\n   endpoint: x\n',
    path: '',
    message: /^not valid YAML\/JSON: Sequence item without - indicator$/,
  },
  {
    name: 'invalid JSON',
    text: '{"processors": [',
    path: '',
    message: /^not valid YAML\/JSON: /,
  },
  {
    name: 'a duplicate key in YAML',
    text: `${ok()}processors: []\n`,
    path: '',
    message: /not valid YAML\/JSON: Map keys must be unique/,
  },
];

describe('config validation', () => {
  it.each(CASES)('reports $name, with file and field path', ({ text, path: fieldPath, message }) => {
    const issues = issuesOf(text);
    const match = issues.find((i) => i.path === fieldPath && message.test(i.message));
    if (!match)
      throw new Error(
        `no issue at "${fieldPath}" matching ${message}; got:\n${JSON.stringify(issues, null, 2)}`,
      );
    expect(match.file).toBe(FILE);
  });

  it('reports every problem in a file at once', () => {
    const issues = issuesOf(
      [
        'processors:',
        '  - name: a',
        '    endpoint: https://a.example',
        '    tls: { minVersion: TLSv9 }',
        '  - name: b',
        '    endpoint: https://b.example',
        '    retries: 3',
        '    auth: { credentials: { type: bearer, token: "inline" } }',
        '',
      ].join('\n'),
    );
    expect(issues.map((i) => i.path).sort()).toEqual(
      [
        'processors[0].tls.minVersion',
        'processors[1].auth.credentials.token',
        'processors[1].retries',
      ].sort(),
    );
  });

  it('reports semantic problems of several processors at once', () => {
    const issues = issuesOf(
      'processors:\n  - { name: a, preset: nope }\n  - { name: a, endpoint: https://a.example, intervalSeconds: 10, timeoutMs: 20000 }\n',
    );
    expect(issues.map((i) => i.path).sort()).toEqual([
      'processors[0].preset',
      'processors[1].name',
      'processors[1].timeoutMs',
    ]);
  });

  it('reports schema problems and problems of meaning in one pass, in document order', () => {
    const issues = issuesOf(
      [
        'processors:',
        '  - { name: a, preset: strpe }',
        '  - { name: b, endpoint: https://b.example, timeoutMs: fast }',
        '  - { name: a, endpoint: https://c.example, intervalSeconds: 10, timeoutMs: 20000 }',
        '',
      ].join('\n'),
    );
    expect(issues.map((i) => `${i.path}: ${i.message.split(':')[0]}`)).toEqual([
      'processors[0].preset: unknown preset "strpe"',
      'processors[1].timeoutMs: expected a number, found a string ("fast")',
      'processors[2].name: duplicate processor name "a" (also processors[0])',
      'processors[2].timeoutMs: 20000 ms must be below the interval (10 s)',
    ]);
  });

  it('words every schema problem itself: nothing of the schema library’s own English', () => {
    const issues = issuesOf(
      [
        'regions: []',
        'defaults: { metrics: minimal, timeoutMs: 99999999, slowResponseMs: 0 }',
        'alerting: { critical: [{ sms: "123" }] }',
        'processors:',
        '  - { name: A, endpoint: https://a.example, environment: staging, maxBodyBytes: -1 }',
        '  - name: b',
        '    endpoint: https://b.example',
        '    tls: { minVersion: TLSv9, pins: [abc], certExpiryWarningDays: 1.5 }',
        '    auth: { expectStatus: [99], request: { path: v1, headers: { a: 1 } } }',
        '',
      ].join('\n'),
    );
    expect(issues.length).toBeGreaterThanOrEqual(12);
    // zod's English locale: "Too small: expected number to be >=100", "Invalid option: ...", "Invalid input".
    expect(
      issues.filter((i) => /Too (small|big)|Invalid (option|input|string)|received|>=|<=/.test(i.message)),
    ).toEqual([]);
    for (const i of issues) expect(i.message).toMatch(/^(expected|required|unknown|duplicate|removed)/);
  });

  it.each(['sk_live_short', 'sk_live_0123456789abcdefghijklmnopqrstuvwxyz'])(
    'never echoes a secret written inline (%s)',
    (secret) => {
      const issues = issuesOf(ok(`    auth: { credentials: { type: bearer, token: "${secret}" } }\n`));
      expect(JSON.stringify(issues)).not.toContain(secret);
    },
  );

  it('accepts references for the TLS versions, ciphers, pins, token URL, scope and request path, and leaves their checks to probe time', () => {
    const cfg = parseConfig(
      ok(
        [
          '    tls:',
          '      minVersion: { ssm: /payments/acme/tls-min }',
          '      maxVersion: TLSv1',
          '      ciphers: { ssm: /payments/acme/ciphers }',
          '      pins: { secretsManager: payments/acme/pins }',
          '    auth:',
          '      request: { path: { ssm: /payments/acme/health-path } }',
          '      credentials:',
          '        type: oauth2-client-credentials',
          '        tokenUrl: { ssm: /payments/acme/token-url }',
          '        scope: { env: ACME_SCOPE }',
          '        clientId: acme',
          '        clientSecret: { secretsManager: acme/secret }',
          '',
        ].join('\n'),
      ),
      FILE,
    );
    // maxVersion TLSv1 is below a referenced minVersion only if the parameter says so: checked when read.
    expect(cfg.processors[0]?.tls).toMatchObject({
      minVersion: { ssm: '/payments/acme/tls-min' },
      maxVersion: 'TLSv1',
      ciphers: { ssm: '/payments/acme/ciphers' },
      pins: { secretsManager: 'payments/acme/pins' },
    });
    expect(cfg.processors[0]?.auth?.request?.path).toEqual({ ssm: '/payments/acme/health-path' });
    expect(cfg.processors[0]?.auth?.credentials).toMatchObject({
      tokenUrl: { ssm: '/payments/acme/token-url' },
      scope: { env: 'ACME_SCOPE' },
    });
  });

  it('accepts a JSON config and fills defaults', () => {
    const cfg = parseConfig('{"processors":[{"name":"a","endpoint":"https://a.example"}]}', FILE);
    expect(cfg.processors[0]).toMatchObject({
      name: 'a',
      intervalSeconds: 60,
      timeoutMs: 5000,
      tls: { minVersion: 'TLSv1.2', verify: true, certExpiryWarningDays: 21 },
      baseDir: '/etc/payprobe',
    });
  });

  describe('reading the file', () => {
    let dir: string;
    beforeEach(() => {
      dir = mkdtempSync(path.join(tmpdir(), 'payprobe-config-'));
    });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    it('names a missing file', () => {
      const file = path.join(dir, 'missing.yaml');
      expect(() => loadConfigFile(file)).toThrow(ConfigError);
      try {
        loadConfigFile(file);
      } catch (err) {
        expect(err).toBeInstanceOf(ConfigReadError);
        expect((err as ConfigError).issues).toEqual([
          { file, path: '', message: 'cannot read the file: no such file (ENOENT)' },
        ]);
        // Not an invalid config: the message the CLI and the CDK app print says it could not be read.
        expect(formatConfigError(err as ConfigError)).toBe(
          `payprobe: cannot read ${file}: no such file (ENOENT)\n`,
        );
      }
    });

    it('names a directory given as the config file', () => {
      try {
        loadConfigFile(dir);
        throw new Error('accepted a directory');
      } catch (err) {
        expect((err as ConfigError).issues[0]).toMatchObject({
          file: dir,
          message: 'cannot read the file: it is a directory (EISDIR)',
        });
      }
    });

    it('resolves processors relative to the config file directory', () => {
      const file = path.join(dir, 'payprobe.yaml');
      writeFileSync(file, ok());
      expect(loadConfigFile(file).processors[0]?.baseDir).toBe(dir);
    });
  });
});
