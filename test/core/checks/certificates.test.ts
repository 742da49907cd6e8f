/**
 * Reading certificates and keys, as the engine, the audit and the testbed all do: the first PEM block of a
 * bundle, an OpenSSL code (never the input) when it does not parse, a key opened with or without its
 * passphrase and the reason when it cannot be, and the key-matches-certificate check. Real certificates
 * from the testbed PKI.
 */
import { execSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import {
  countCertificates,
  formatName,
  keyMatchesCert,
  openPrivateKey,
  parseCertificate,
  pemBlocks,
  spkiPin,
} from '../../../lambdas/core/checks/certificates';
import { errorSummary } from '../../../lambdas/core/checks/errors';
import { createPki, type Issued, type TestPki } from '../../../testbed/pki';

let pki: TestPki;
let a: Issued;
let b: Issued;

beforeAll(async () => {
  pki = await createPki();
  [a, b] = await Promise.all([pki.clientCert(), pki.clientCert()]);
});

describe('pemBlocks and parseCertificate', () => {
  it('splits a chain into its blocks and reads the first as the certificate', () => {
    expect(pemBlocks(a.chain)).toHaveLength(2);
    const parsed = parseCertificate(`some preamble\n${a.chain}`);
    expect(parsed.ok && parsed.x509.fingerprint256).toBe(a.fingerprint256);
  });

  it('names a text with no PEM block, with OpenSSL’s code and without quoting the text', () => {
    const parsed = parseCertificate('sk_live_not_a_certificate');
    expect(parsed).toEqual({ ok: false, noPem: true, code: 'ERR_OSSL_PEM_NO_START_LINE' });
  });

  it('reports a PEM block that does not parse with its code', () => {
    const parsed = parseCertificate('-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
    expect(parsed).toMatchObject({ ok: false, noPem: false });
    expect(parsed.ok ? '' : parsed.code).toMatch(/^ERR_OSSL_/);
  });

  it('counts the blocks of a CA bundle and those that parse', () => {
    expect(countCertificates(`${pki.caPem}${pki.intermediate.cert}`)).toEqual({ blocks: 2, valid: 2 });
    expect(
      countCertificates(`${pki.caPem}-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n`),
    ).toEqual({ blocks: 2, valid: 1 });
    expect(countCertificates('corporate root goes here')).toEqual({ blocks: 0, valid: 0 });
  });

  it('formats names as the result shows them, and pins as openssl computes them', () => {
    const x509 = new X509Certificate(a.cert);
    expect(formatName(x509.subject)).toBe('CN=payprobe-client, O=payprobe testbed');
    const openssl = execSync(
      'openssl x509 -pubkey -noout | openssl pkey -pubin -outform der | openssl dgst -sha256 -binary | base64',
      { input: a.cert },
    );
    expect(spkiPin(x509)).toBe(`sha256/${openssl.toString().trim()}`);
  });
});

describe('openPrivateKey and keyMatchesCert', () => {
  it('opens a plain key and an encrypted one with its passphrase; the key matches its own certificate only', () => {
    const cert = new X509Certificate(a.cert);
    const plain = openPrivateKey(a.key, undefined);
    const encrypted = openPrivateKey(a.encryptedKey('right horse'), 'right horse');
    const other = openPrivateKey(b.key, undefined);
    if (!plain.ok || !encrypted.ok || !other.ok) throw new Error('keys should open');
    expect(keyMatchesCert(cert, plain.key)).toBe(true);
    expect(keyMatchesCert(cert, encrypted.key)).toBe(true);
    expect(keyMatchesCert(cert, other.key)).toBe(false);
  });

  const encrypted = () => a.encryptedKey('right horse');
  it.each([
    {
      name: 'an encrypted key without a passphrase',
      key: encrypted,
      passphrase: undefined,
      reason: 'passphrase-missing',
    },
    {
      name: 'an encrypted key with the wrong passphrase',
      key: encrypted,
      passphrase: 'wrong',
      reason: 'passphrase-wrong',
    },
    { name: 'a text that is no key', key: () => 'not a key', passphrase: undefined, reason: 'unreadable' },
  ])('$name: $reason', ({ key, passphrase, reason }) => {
    const opened = openPrivateKey(key(), passphrase);
    expect(opened).toMatchObject({ ok: false, reason });
    expect(opened.ok ? '' : opened.code).not.toContain('right horse');
  });
});

describe('errorSummary', () => {
  it('is the code when there is one, else the first line of the message, at most 120 characters', () => {
    expect(errorSummary(Object.assign(new Error('x'), { code: 'ERR_MISSING_PASSPHRASE' }))).toBe(
      'ERR_MISSING_PASSPHRASE',
    );
    expect(errorSummary(new Error(`first line\nsecond line`))).toBe('first line');
    expect(errorSummary(new Error('y'.repeat(300)))).toHaveLength(120);
    expect(errorSummary('thrown string')).toBe('error');
  });
});
