/**
 * Server certificates a hostile or careless processor might present, issued by a testbed PKI (its
 * intermediate signs, so the chain is complete): a subject of any size or content (control, bidi and
 * invisible characters included, written as UTF8String exactly as given) and any number of SANs. The
 * testbed's own leaf() builds subjects from a string, which cannot carry every character.
 */
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import type { Issued, TestPki } from '../../testbed/pki';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const DAY_MS = 86_400_000;

export interface HostileCertOptions {
  /** The subject, attribute by attribute (e.g. [{ CN: ['...'] }, { O: ['...'] }]). */
  readonly subject: x509.JsonName;
  /** DNS names in subjectAltName. @default ['localhost'] plus the IP 127.0.0.1 */
  readonly dnsNames?: readonly string[];
  /** Add 127.0.0.1 as an IP SAN. @default true */
  readonly loopbackIp?: boolean;
}

/** A leaf certificate from `pki`'s intermediate with exactly the given subject and SANs. */
export async function hostileCert(pki: TestPki, o: HostileCertOptions): Promise<Issued & { cert: string }> {
  const keys = (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const issuer = new x509.X509Certificate(pki.intermediate.cert);
  const names = [
    ...(o.dnsNames ?? ['localhost']).map((value) => ({ type: 'dns' as const, value })),
    ...((o.loopbackIp ?? true) ? [{ type: 'ip' as const, value: '127.0.0.1' }] : []),
  ];
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.create({
    subject: o.subject,
    issuer: issuer.subject,
    publicKey: keys.publicKey,
    signingKey: pki.intermediate.keys.privateKey,
    signingAlgorithm: ALG,
    notBefore: new Date(now - DAY_MS),
    notAfter: new Date(now + 90 * DAY_MS),
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(names),
    ],
  });
  const pem = cert.toString('pem');
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey as webcrypto.CryptoKey));
  const key = x509.PemConverter.encode(der, 'PRIVATE KEY');
  return {
    cert: `${pem}\n`,
    key,
    chain: `${pem}\n${pki.intermediate.cert}`,
    notBefore: cert.notBefore,
    notAfter: cert.notAfter,
    fingerprint256: '',
    pin: '',
    encryptedKey: () => {
      throw new Error('not needed');
    },
  };
}
