/** Rendering of results: table, plain lines, JSON document, JUnit XML (parsed back), redaction. */
import { XMLParser } from 'fast-xml-parser';
import {
  checkJsonDocument,
  junitErrorXml,
  junitXml,
  plainLine,
  redactingStream,
  summaryLine,
  TableWriter,
  verdict,
} from '../../cli/output';
import { palette } from '../../cli/voice';
import { xmlEscape } from '../../lambdas/core/text/escape';
import { makeRedactor, REDACTED } from '../../lambdas/core/text/redact';
import { failed, passed } from '../support/results';

function sink(isTTY = true) {
  const chunks: string[] = [];
  return { chunks, isTTY, write: (s: string) => chunks.push(s), text: () => chunks.join('') };
}

const warned = passed('paypal', {
  warnings: [{ class: 'CERT_EXPIRING_SOON', detail: 'server certificate expires in 9 days' }],
});

describe('table', () => {
  it('prints a header, then one aligned row per result with detail lines for failures and warnings', () => {
    const out = sink();
    const table = new TableWriter(out, ['stripe', 'paypal', 'expired-cert']);
    table.header();
    table.row(passed('stripe'));
    table.row(failed('expired-cert'));
    table.row(warned);
    table.summary([passed('stripe'), failed('expired-cert'), warned]);
    const lines = out.text().split('\n');
    expect(lines[0]).toMatch(/^PROCESSOR\s+RESULT\s+STAGE\/CLASS\s+TOTAL MS\s+CERT DAYS$/);
    expect(lines[1]).toMatch(/^stripe\s+PASS\s+-\s+36\s+88$/);
    expect(lines[2]).toMatch(/^expired-cert\s+FAIL\s+tls CERT_EXPIRED\s+7\s+-3$/);
    expect(lines[3]).toMatch(/^\s+↳ certificate has expired \(CERT_HAS_EXPIRED\)/);
    expect(lines[4]).toMatch(/^paypal\s+WARN\s+CERT_EXPIRING_SOON\s+36\s+88$/);
    expect(lines[5]).toMatch(/↳ CERT_EXPIRING_SOON: server certificate expires in 9 days/);
    expect(out.text()).toContain('2 passed (1 with warnings), 1 failed');
    // columns line up: RESULT starts at the same offset in every row
    const at = (l: string | undefined, word: string) => l?.indexOf(word);
    expect(at(lines[1], 'PASS')).toBe(at(lines[0], 'RESULT'));
    expect(at(lines[2], 'FAIL')).toBe(at(lines[0], 'RESULT'));
  });

  it('colours results only when asked', () => {
    const plain = sink();
    new TableWriter(plain, ['a']).row(failed('a'));
    expect(plain.text()).not.toContain('\x1b[');
    const coloured = sink();
    new TableWriter(coloured, ['a'], { palette: palette(true) }).row(failed('a'));
    expect(coloured.text()).toContain('\x1b[31mFAIL');
  });

  it('shows a dash where no certificate was seen', () => {
    const out = sink();
    new TableWriter(out, ['refused']).row(
      failed('refused', {
        stage: 'connect',
        class: 'CONNECT_REFUSED',
        detail: 'connect ECONNREFUSED 127.0.0.1:1',
        tls: null,
      }),
    );
    expect(out.text().split('\n')[0]).toMatch(/^refused\s+FAIL\s+connect CONNECT_REFUSED\s+7\s+-$/);
  });
});

describe('plain lines', () => {
  it('prints one logfmt line per processor, quoting values with spaces', () => {
    expect(plainLine(passed('stripe'))).toBe(
      'processor=stripe result=PASS total_ms=36 cert_days=88 status=200',
    );
    expect(plainLine(failed('old'))).toBe(
      'processor=old result=FAIL stage=tls class=CERT_EXPIRED total_ms=7 cert_days=-3 detail="certificate has expired (CERT_HAS_EXPIRED), notAfter 2025-01-01"',
    );
    expect(plainLine(warned)).toContain('result=WARN');
    expect(plainLine(warned)).toContain('warnings=CERT_EXPIRING_SOON');
  });

  it('summarises passes, warnings and failures', () => {
    expect(summaryLine([passed('a'), warned, failed('c')])).toBe('2 passed (1 with warnings), 1 failed');
    expect(verdict(warned)).toBe('WARN');
  });
});

describe('JSON document', () => {
  it('has the documented shape (docs/cli.md): the envelope, then the results', () => {
    const doc = JSON.parse(checkJsonDocument([passed('stripe'), warned, failed('old')])) as {
      results: Record<string, unknown>[];
    };
    expect(Object.keys(doc)).toEqual(['schemaVersion', 'tool', 'command', 'summary', 'results']);
    expect(doc).toMatchObject({
      schemaVersion: 1,
      tool: { name: 'payprobe', version: (require('../../package.json') as { version: string }).version },
      command: 'check',
      summary: { ok: false, total: 3, passed: 2, warned: 1, failed: 1 },
    });
    doc.results.splice(1, 1);
    expect(doc.results).toHaveLength(2);
    for (const r of doc.results) {
      expect(r).toEqual(
        expect.objectContaining({
          processor: expect.any(String),
          ok: expect.any(Boolean),
          warnings: expect.any(Array),
          timings: expect.objectContaining({ dnsMs: expect.anything(), totalMs: expect.any(Number) }),
        }),
      );
      expect(Object.keys(r)).toEqual(expect.arrayContaining(['stage', 'class', 'detail', 'tls', 'http']));
    }
    expect(doc.results[0]).toMatchObject({ ok: true, stage: null, class: null, http: { status: 200 } });
    expect(doc.results[1]).toMatchObject({
      ok: false,
      stage: 'tls',
      class: 'CERT_EXPIRED',
      tls: { serverCert: { daysToExpiry: -3 } },
    });
  });
});

describe('JUnit XML', () => {
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '',
    isArray: (name) => name === 'testcase',
  });

  it('has one test case per processor; a failure carries class and detail', () => {
    const xml = junitXml([passed('stripe'), failed('old'), warned], {
      timestamp: new Date('2025-06-01T12:00:00Z'),
    });
    const doc = parser.parse(xml);
    const suite = doc.testsuites.testsuite;
    expect(doc.testsuites).toMatchObject({ tests: '3', failures: '1', errors: '0' });
    expect(suite).toMatchObject({
      name: 'payprobe check',
      tests: '3',
      failures: '1',
      timestamp: '2025-06-01T12:00:00',
    });
    const cases = suite.testcase as Record<string, unknown>[];
    expect(cases.map((c) => c.name)).toEqual(['stripe', 'old', 'paypal']);
    expect(cases[0]).not.toHaveProperty('failure');
    expect(cases[1]).toMatchObject({
      time: '0.007',
      failure: {
        type: 'CERT_EXPIRED',
        message: 'CERT_EXPIRED: certificate has expired (CERT_HAS_EXPIRED), notAfter 2025-01-01',
      },
    });
    expect((cases[1] as { failure: { '#text': string } }).failure['#text']).toContain('stage: tls');
    expect(cases[2]).not.toHaveProperty('failure');
    expect(cases[2]?.['system-out']).toContain(
      'warning CERT_EXPIRING_SOON: server certificate expires in 9 days',
    );
  });

  it('a probe that could not run as configured (CONFIG_ERROR) is an <error>, a failed probe a <failure>', () => {
    const unreadable = failed('vault', {
      stage: 'config',
      class: 'CONFIG_ERROR',
      detail: '{ env: TOKEN } is not set',
    });
    const doc = parser.parse(junitXml([failed('old'), unreadable, passed('stripe')]));
    expect(doc.testsuites).toMatchObject({ tests: '3', failures: '1', errors: '1' });
    expect(doc.testsuites.testsuite).toMatchObject({ failures: '1', errors: '1' });
    const [old, vault] = doc.testsuites.testsuite.testcase as Record<string, unknown>[];
    expect(old).toHaveProperty('failure');
    expect(old).not.toHaveProperty('error');
    expect(vault).toMatchObject({
      error: { type: 'CONFIG_ERROR', message: 'CONFIG_ERROR: { env: TOKEN } is not set' },
    });
    expect(vault).not.toHaveProperty('failure');
  });

  it('a run stopped by its config is one <error> test case listing every problem', () => {
    const doc = parser.parse(
      junitErrorXml('invalid config (2 problems)', [
        { file: '/srv/payprobe.yaml', path: 'processors[0].timeoutMS', message: 'unknown field "timeoutMS"' },
        { file: '/srv/payprobe.yaml', path: 'processors[1].name', message: 'duplicate processor name "a"' },
      ]),
    );
    expect(doc.testsuites).toMatchObject({ tests: '1', failures: '0', errors: '1' });
    const [config] = doc.testsuites.testsuite.testcase as { name: string; error: Record<string, string> }[];
    expect(config?.name).toBe('config');
    expect(config?.error.message).toBe('invalid config (2 problems)');
    expect(config?.error['#text']).toBe(
      '/srv/payprobe.yaml: processors[0].timeoutMS: unknown field "timeoutMS"\n/srv/payprobe.yaml: processors[1].name: duplicate processor name "a"',
    );
  });

  it('escapes markup, shows control characters as visible escapes, drops what XML cannot carry', () => {
    const nasty = failed('x', {
      class: 'HTTP_ERROR',
      stage: 'http',
      detail: 'got <html> & "quotes" \'apos\' \u0000\u001b end',
    });
    const doc = parser.parse(junitXml([nasty]));
    expect(doc.testsuites.testsuite.testcase[0].failure.message).toBe(
      'HTTP_ERROR: got <html> & "quotes" \'apos\' \\u0000\\u001b end',
    );
    expect(xmlEscape('a<b>&"\'')).toBe('a&lt;b&gt;&amp;&quot;&apos;');
    expect(xmlEscape('a\u0000b')).toBe('ab');
  });
});

describe('redaction', () => {
  it('redacts through a stream, keeping its TTY flag', () => {
    const out = sink(true);
    const stream = redactingStream(out, () => makeRedactor(['hunter22']));
    stream.write('password hunter22\n');
    expect(out.text()).toBe(`password ${REDACTED}\n`);
    expect(stream.isTTY).toBe(true);
  });
});
