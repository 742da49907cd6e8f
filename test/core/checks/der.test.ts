/**
 * The DER reader reads what a hostile server or responder may send: malformed encodings are DerErrors
 * (never another exception, never a read past the buffer), and what it writes reads back. Real certificate
 * fields are checked against Node's own parse.
 */
import { X509Certificate } from 'node:crypto';
import { certDer, weakness } from '../../../lambdas/core/checks/cert-der';
import {
  children,
  DerError,
  encodeOid,
  encodeUnsigned,
  oid,
  parse,
  seq,
  small,
  TAG,
  time,
  tlv,
} from '../../../lambdas/core/checks/der';
import { createPki } from '../../../testbed/pki';

describe('reading', () => {
  it.each([
    ['empty', ''],
    ['a tag without a length', '30'],
    ['contents past the end', '3005020101'],
    ['an indefinite length', '308002010100 00'],
    ['a length of 5 bytes', '3085ffffffffff'],
    ['a multi-byte tag', '1f8101 00'],
    ['trailing bytes', '020101 00'],
  ])('%s is a DerError', (_what, hex) => {
    expect(() => parse(Buffer.from(hex.replace(/ /g, ''), 'hex'))).toThrow(DerError);
  });

  it('a child running past its parent is a DerError', () => {
    expect(() => children(parse(Buffer.from('3003020501', 'hex')))).toThrow(DerError);
  });

  it('reads back what it writes: lengths of every size, object identifiers, integers, times', () => {
    for (const n of [0, 127, 128, 255, 256, 70_000]) {
      const d = parse(tlv(TAG.OCTET_STRING, Buffer.alloc(n, 7)));
      expect(d.value.length).toBe(n);
    }
    expect(oid(parse(encodeOid('1.3.6.1.5.5.7.48.1.1')))).toBe('1.3.6.1.5.5.7.48.1.1');
    expect(oid(parse(encodeOid('2.16.840.1.101.3.4.2.1')))).toBe('2.16.840.1.101.3.4.2.1');
    expect(parse(encodeUnsigned(Buffer.from([0x00, 0x80]))).value).toEqual(Buffer.from([0x00, 0x80]));
    expect(small(parse(encodeUnsigned(Buffer.from([0x01, 0x02]))))).toBe(258);
    expect(time(parse(tlv(TAG.GENERALIZED_TIME, Buffer.from('20260115083000Z'))))).toEqual(
      new Date('2026-01-15T08:30:00Z'),
    );
    expect(time(parse(tlv(TAG.UTC_TIME, Buffer.from('491231235959Z'))))).toEqual(
      new Date('2049-12-31T23:59:59Z'),
    );
    const s = parse(seq(encodeOid('1.2.3'), tlv(TAG.NULL)));
    expect(children(s).map((c) => c.tag)).toEqual([TAG.OID, TAG.NULL]);
  });
});

describe('certificate fields', () => {
  it('reads the serial, names and key of a real certificate, and judges weak ones as OpenSSL does', async () => {
    const pki = await createPki();
    const leaf = new X509Certificate((await pki.serverCert()).cert);
    const f = certDer(leaf.raw);
    expect(f.serial.toString('hex').toUpperCase().replace(/^00/, '')).toBe(leaf.serialNumber);
    expect(f.signatureOid).toBe('1.2.840.10045.4.3.2');
    expect(weakness(leaf)).toBeUndefined();
    expect(weakness(new X509Certificate((await pki.serverCert({ weak: 'sha1' })).cert))).toBe(
      'weak signature algorithm ecdsa-with-SHA1',
    );
    // A self-signed root's own signature is not judged.
    expect(weakness(new X509Certificate(pki.root.cert))).toBeUndefined();
  });
});
