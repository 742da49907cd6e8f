/**
 * The runbooks are the page's diagnosis: every failure and warning class must have a specific meaning, causes,
 * first check, commands and fix, never generic filler, and the commands must be runnable (placeholders filled
 * or documented, no secret on a command line).
 */
import { ALARM_KINDS } from '../../../lambdas/core/contract/alarm-names';
import {
  FAILURE_CLASS_NAMES,
  FAILURE_CLASSES,
  WARNING_CLASSES,
} from '../../../lambdas/core/contract/classes';
import {
  ALARM_KIND_GUIDES,
  isRunbookClass,
  PLACEHOLDERS,
  RUNBOOK_CLASSES,
  RUNBOOKS,
  type RunbookClass,
  renderCommand,
  renderProse,
  renderRunbookText,
  runbookFor,
  runbookLink,
} from '../../../lambdas/core/diagnosis/runbooks';

const ALL: readonly RunbookClass[] = [...FAILURE_CLASS_NAMES, ...WARNING_CLASSES];
const GENERIC = [
  /probe failed/i,
  /something went wrong/i,
  /unknown error/i,
  /an error occurred/i,
  /check the logs/i,
  /contact support\.?$/i,
  /\bTODO\b/,
  /\bTBD\b/,
  /lorem/i,
];

describe('runbook coverage', () => {
  test('every failure and warning class has exactly one runbook, in DESIGN order', () => {
    expect(RUNBOOK_CLASSES).toEqual(ALL);
    expect(Object.keys(RUNBOOKS).sort()).toEqual([...ALL].sort());
    for (const cls of ALL) expect(runbookFor(cls).class).toBe(cls);
  });

  test.each(FAILURE_CLASS_NAMES)('%s is a failure at the stage classes.ts gives it', (cls) => {
    expect(runbookFor(cls)).toMatchObject({ kind: 'failure', stage: FAILURE_CLASSES[cls] });
  });

  test.each(WARNING_CLASSES)('%s is a warning', (cls) => {
    expect(runbookFor(cls).kind).toBe('warning');
  });

  test('isRunbookClass accepts every class and nothing else', () => {
    for (const cls of ALL) expect(isRunbookClass(cls)).toBe(true);
    for (const other of ['OK', 'PROBE_FAILED', 'cert_untrusted', 'toString', '__proto__']) {
      expect(isRunbookClass(other)).toBe(false);
    }
  });
});

describe.each(ALL)('runbook %s', (cls) => {
  const rb = RUNBOOKS[cls];
  const prose = [
    rb.summary,
    rb.meaning,
    rb.firstCheck,
    ...rb.causes,
    ...rb.fix,
    ...rb.confirm.map((c) => c.purpose),
  ];

  test('has a summary, meaning, first check, at least two causes, a confirming command and a fix', () => {
    expect(rb.summary.trim().length).toBeGreaterThan(15);
    expect(rb.meaning.trim().length).toBeGreaterThan(60);
    expect(rb.firstCheck.trim().length).toBeGreaterThan(60);
    expect(rb.causes.length).toBeGreaterThanOrEqual(2);
    expect(rb.confirm.length).toBeGreaterThanOrEqual(2);
    expect(rb.fix.length).toBeGreaterThanOrEqual(2);
    for (const s of [...rb.causes, ...rb.fix]) expect(s.trim().length).toBeGreaterThan(20);
    for (const c of rb.confirm) {
      expect(c.purpose.trim().length).toBeGreaterThan(10);
      expect(c.command.trim().length).toBeGreaterThan(5);
    }
  });

  test('has no generic filler text', () => {
    for (const text of prose) for (const bad of GENERIC) expect(text).not.toMatch(bad);
  });

  test('the first check names a command or a config field to look at', () => {
    expect(rb.firstCheck).toMatch(/`[^`]+`|tls\.|auth\.|timeoutMs|phase timings|status/);
  });

  test("offers a way to re-run the probe with the processor's config", () => {
    expect(
      rb.confirm.some((c) => c.command.includes('payprobe check --config {config} --processor {processor}')),
    ).toBe(true);
  });

  test('commands use only known placeholders and never put a credential on the command line', () => {
    for (const c of rb.confirm) {
      const unknown = [...c.command.matchAll(/\{([a-zA-Z]+)\}/g)]
        .map((m) => m[1])
        .filter((k) => k === undefined || !(k in PLACEHOLDERS));
      expect(unknown).toEqual([]);
      expect(c.command).not.toMatch(/Authorization:|Bearer\s|--with-decryption|get-secret-value|-u\s+\S+:/i);
    }
  });
});

describe('runbooks are specific to their class', () => {
  test('no two classes share a summary, a meaning or a first check', () => {
    for (const field of ['summary', 'meaning', 'firstCheck'] as const) {
      const values = ALL.map((c) => RUNBOOKS[c][field]);
      expect(new Set(values).size).toBe(values.length);
    }
  });

  test.each([
    ['TLS_VERSION_MISMATCH', /-tls1_2/],
    ['TLS_VERSION_MISMATCH', /-tls1_3/],
    ['CLIENT_CERT_REJECTED', /-cert client\.pem -key client\.key/],
    ['CERT_UNTRUSTED', /-CAfile ca\.pem/],
    ['CERT_UNTRUSTED', /-showcerts/],
    ['CERT_EXPIRED', /-showcerts/],
    ['CERT_HOSTNAME_MISMATCH', /subjectAltName/],
    ['CERT_PIN_MISMATCH', /openssl dgst -sha256 -binary/],
    ['DNS_FAILURE', /dig /],
    ['PROXY_CONNECT_FAILED', /curl .*-x \{proxy\}/],
    ['PROXY_AUTH_REQUIRED', /Proxy-Authenticate/],
    ['PROXY_REFUSED', /X-Squid-Error/],
    ['PROXY_TIMEOUT', /time_appconnect/],
    ['CONFIG_ERROR', /describe-secret/],
  ] as const)('%s confirms with %s', (cls, pattern) => {
    expect(
      runbookFor(cls)
        .confirm.map((c) => c.command)
        .join('\n'),
    ).toMatch(pattern);
  });

  test('the s_client commands always send SNI with -servername (or test without it on purpose)', () => {
    for (const cls of ALL) {
      for (const c of runbookFor(cls).confirm) {
        if (c.command.includes('openssl s_client'))
          expect(c.command).toMatch(/-servername \{servername\}|-noservername/);
      }
    }
  });
});

describe('rendering', () => {
  test('renderCommand fills known values and keeps documentation placeholders for the rest', () => {
    const cmd =
      'openssl s_client -connect {host}:{port} -servername {servername} ; payprobe check --processor {processor}';
    expect(renderCommand(cmd)).toBe(
      'openssl s_client -connect HOST:443 -servername NAME ; payprobe check --processor PROCESSOR',
    );
    expect(renderCommand(cmd, { host: 'api.stripe.com', port: 8443, processor: 'stripe' })).toBe(
      'openssl s_client -connect api.stripe.com:8443 -servername NAME ; payprobe check --processor stripe',
    );
  });

  test('renderProse puts the real host and server name into the first check', () => {
    const text = renderProse(runbookFor('CERT_HOSTNAME_MISMATCH').firstCheck, {
      host: 'api.example.com',
      servername: 'pay.example.com',
      port: 443,
    });
    expect(text).toContain('-connect api.example.com:443 -servername pay.example.com');
    expect(text).not.toMatch(/\bHOST\b|\bNAME\b/);
  });

  test('the text form carries every part of the runbook', () => {
    const rb = runbookFor('AUTH_REJECTED');
    const text = renderRunbookText(rb, { link: runbookLink('AUTH_REJECTED') });
    for (const heading of [
      'What it means',
      'First check',
      'Usual causes',
      'Confirm',
      'Fix',
      'Placeholders',
    ]) {
      expect(text).toContain(`\n${heading}\n`);
    }
    expect(text.split('\n')[0]).toBe(
      'AUTH_REJECTED (failure, stage auth): The processor rejected our API credentials',
    );
    for (const c of rb.causes) expect(text.replace(/\s+/g, ' ')).toContain(c);
    expect(text).toContain('Full runbook: docs/runbooks/AUTH_REJECTED.md');
  });

  test('runbookLink joins a base URL without doubling the slash', () => {
    expect(runbookLink('CERT_EXPIRED', 'https://github.com/acme/payprobe/blob/main/docs/runbooks/')).toBe(
      'https://github.com/acme/payprobe/blob/main/docs/runbooks/CERT_EXPIRED.md',
    );
  });
});

describe('alarm guides', () => {
  test('every alarm kind has a guide for a re-probe that passes, naming only known classes', () => {
    expect(Object.keys(ALARM_KIND_GUIDES).sort()).toEqual(Object.keys(ALARM_KINDS).sort());
    for (const g of Object.values(ALARM_KIND_GUIDES)) {
      expect(g.watches.length).toBeGreaterThan(20);
      expect(g.whenReprobePasses.length).toBeGreaterThan(60);
      expect(g.classes.length).toBeGreaterThan(0);
      for (const c of g.classes) expect(isRunbookClass(c)).toBe(true);
      for (const bad of GENERIC) expect(g.whenReprobePasses).not.toMatch(bad);
    }
  });

  test('the handshake alarm maps to exactly the proxy- and tls-stage failure classes', () => {
    expect([...ALARM_KIND_GUIDES.HandshakeFailing.classes].sort()).toEqual(
      FAILURE_CLASS_NAMES.filter(
        (c) => FAILURE_CLASSES[c] === 'tls' || FAILURE_CLASSES[c] === 'proxy',
      ).sort(),
    );
  });
});
