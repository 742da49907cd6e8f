/**
 * A throwaway PKI for the loopback testbed (tests, `payprobe demo`, benchmarks): a root CA, an intermediate,
 * and server and client certificates with the faults real processors show (expired, not yet valid, wrong
 * host, self-signed, unknown root, incomplete chain). Built with @peculiar/x509 on Node's WebCrypto;
 * ECDSA P-256 keys, so a whole PKI takes milliseconds. Nothing here is ever written to disk.
 */
import 'reflect-metadata';
import { createPrivateKey, X509Certificate as NodeX509, webcrypto } from 'node:crypto';
import { isIP } from 'node:net';
import * as x509 from '@peculiar/x509';
import { spkiPin } from '../lambdas/core/checks/certificates';
import { DAY_MS } from '../lambdas/core/checks/expiry';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

/** A certificate with its private key, as PEM text. */
export interface Issued {
  /** This certificate alone (PEM). */
  readonly cert: string;
  /** The private key, unencrypted PKCS#8 PEM. */
  readonly key: string;
  /** This certificate followed by its intermediates (PEM): what a server or a client presents. */
  readonly chain: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** SHA-256 fingerprint, colon-separated upper-case hex (as Node prints it). */
  readonly fingerprint256: string;
  /** Public-key pin: "sha256/" + base64 SHA-256 of the SubjectPublicKeyInfo (the config's `tls.pins` form). */
  readonly pin: string;
  /** The private key encrypted with a passphrase (PKCS#8, AES-256-CBC), for `clientKeyPassphrase` tests. */
  encryptedKey(passphrase: string): string;
}

export interface CertificateAuthority extends Issued {
  readonly name: string;
  /** @internal */
  readonly keys: webcrypto.CryptoKeyPair;
}

export interface CertOptions {
  /** DNS names and IP addresses in subjectAltName. @default ['localhost', '127.0.0.1', '::1'] (server), [] (client) */
  readonly hosts?: readonly string[];
  /** Subject common name. @default the first host, or 'payprobe-client' for client certificates */
  readonly commonName?: string;
  /** @default now - 1 day (now + 1 day with notYetValid) */
  readonly notBefore?: Date;
  /** @default notBefore + validDays */
  readonly notAfter?: Date;
  /** Validity in days from notBefore. @default 90 */
  readonly validDays?: number;
  /** Valid from 31 days ago to 1 day ago. */
  readonly expired?: boolean;
  /** Valid from tomorrow. */
  readonly notYetValid?: boolean;
  /**
   * A certificate OpenSSL refuses at its default security level: `sha1` signed by its issuer with
   * ECDSA-with-SHA1, `rsa512` with a 512-bit RSA key (the server must run at SECLEVEL=0 to present either).
   */
  readonly weak?: 'sha1' | 'rsa512';
  /** An OCSP responder URL for the Authority Information Access extension. */
  readonly ocspUrl?: string;
}

export interface TestPki {
  readonly root: CertificateAuthority;
  readonly intermediate: CertificateAuthority;
  /** The root certificate (PEM): what a client adds as its extra trust (`tls.ca`). */
  readonly caPem: string;
  /** A server certificate issued by the intermediate; `chain` = leaf + intermediate. */
  serverCert(options?: CertOptions): Promise<Issued>;
  /** A client certificate (extendedKeyUsage clientAuth) issued by the intermediate; `chain` = leaf + intermediate. */
  clientCert(options?: CertOptions): Promise<Issued>;
  /** A delegated OCSP responder certificate (extendedKeyUsage OCSPSigning) issued by the intermediate. */
  ocspSigner(options?: CertOptions): Promise<Issued>;
}

export interface PkiOptions {
  /** Distinguishes several PKIs in subjects (e.g. "other" for an untrusted root). @default 'payprobe-testbed' */
  readonly name?: string;
  /** "Now" for validity windows. @default new Date() */
  readonly now?: Date;
}

async function newKeys(): Promise<webcrypto.CryptoKeyPair> {
  return webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify']) as Promise<webcrypto.CryptoKeyPair>;
}

/** A 512-bit RSA key: far below what OpenSSL accepts at its default security level. */
async function rsa512Keys(): Promise<webcrypto.CryptoKeyPair> {
  return webcrypto.subtle.generateKey(
    {
      name: 'RSASSA-PKCS1-v1_5',
      modulusLength: 512,
      publicExponent: new Uint8Array([1, 0, 1]),
      hash: 'SHA-256',
    },
    true,
    ['sign', 'verify'],
  ) as Promise<webcrypto.CryptoKeyPair>;
}

async function keyPem(keys: webcrypto.CryptoKeyPair): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey as webcrypto.CryptoKey));
  return x509.PemConverter.encode(der, 'PRIVATE KEY');
}

function window(options: CertOptions, now: Date): { notBefore: Date; notAfter: Date } {
  const t = now.getTime();
  if (options.expired) return { notBefore: new Date(t - 31 * DAY_MS), notAfter: new Date(t - DAY_MS) };
  const notBefore = options.notBefore ?? new Date(options.notYetValid ? t + DAY_MS : t - DAY_MS);
  const notAfter = options.notAfter ?? new Date(notBefore.getTime() + (options.validDays ?? 90) * DAY_MS);
  return { notBefore, notAfter };
}

function sanExtension(hosts: readonly string[]): x509.Extension[] {
  if (hosts.length === 0) return [];
  return [
    new x509.SubjectAlternativeNameExtension(hosts.map((h) => ({ type: isIP(h) ? 'ip' : 'dns', value: h }))),
  ];
}

async function finish(
  cert: x509.X509Certificate,
  keys: webcrypto.CryptoKeyPair,
  parents: readonly x509.X509Certificate[],
): Promise<Issued> {
  const pem = cert.toString('pem');
  const key = await keyPem(keys);
  const node = new NodeX509(pem);
  return {
    cert: `${pem}\n`,
    key,
    chain: `${[pem, ...parents.map((p) => p.toString('pem'))].join('\n')}\n`,
    notBefore: cert.notBefore,
    notAfter: cert.notAfter,
    fingerprint256: node.fingerprint256,
    pin: spkiPin(node),
    encryptedKey: (passphrase) =>
      createPrivateKey(key)
        .export({ format: 'pem', type: 'pkcs8', cipher: 'aes-256-cbc', passphrase })
        .toString(),
  };
}

async function selfSignedCa(
  name: string,
  now: Date,
): Promise<CertificateAuthority & { x: x509.X509Certificate }> {
  const keys = await newKeys();
  const x = await x509.X509CertificateGenerator.createSelfSigned({
    name: `CN=${name} Root CA, O=payprobe testbed`,
    keys,
    signingAlgorithm: ALG,
    notBefore: new Date(now.getTime() - 2 * DAY_MS),
    notAfter: new Date(now.getTime() + 3650 * DAY_MS),
    extensions: [
      new x509.BasicConstraintsExtension(true, 1, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { ...(await finish(x, keys, [])), name: `${name} Root CA`, keys, x };
}

interface SignArgs {
  /** @default ECDSA with SHA-256 */
  readonly signingAlgorithm?: typeof ALG | { readonly name: 'ECDSA'; readonly hash: 'SHA-1' };
  readonly subject: string;
  readonly issuer: CertificateAuthority & { x: x509.X509Certificate };
  readonly keys: webcrypto.CryptoKeyPair;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly extensions: x509.Extension[];
}

async function sign(args: SignArgs): Promise<x509.X509Certificate> {
  return x509.X509CertificateGenerator.create({
    subject: args.subject,
    issuer: args.issuer.x.subject,
    publicKey: args.keys.publicKey,
    signingKey: args.issuer.keys.privateKey,
    signingAlgorithm: args.signingAlgorithm ?? ALG,
    notBefore: args.notBefore,
    notAfter: args.notAfter,
    extensions: [
      ...args.extensions,
      await x509.SubjectKeyIdentifierExtension.create(args.keys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(args.issuer.keys.publicKey),
    ],
  });
}

const SERVER_HOSTS = ['localhost', '127.0.0.1', '::1'];

/** Creates a root CA and an intermediate; issue server and client certificates from it. */
export async function createPki(options: PkiOptions = {}): Promise<TestPki> {
  const name = options.name ?? 'payprobe-testbed';
  const now = options.now ?? new Date();
  const root = await selfSignedCa(name, now);
  const interKeys = await newKeys();
  const interX = await sign({
    subject: `CN=${name} Issuing CA, O=payprobe testbed`,
    issuer: root,
    keys: interKeys,
    notBefore: new Date(now.getTime() - 2 * DAY_MS),
    notAfter: new Date(now.getTime() + 1825 * DAY_MS),
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
    ],
  });
  const intermediate = {
    ...(await finish(interX, interKeys, [])),
    name: `${name} Issuing CA`,
    keys: interKeys,
    x: interX,
  };

  const leaf = async (o: CertOptions, client: boolean | 'ocsp'): Promise<Issued> => {
    const hosts = o.hosts ?? (client ? [] : SERVER_HOSTS);
    const keys = o.weak === 'rsa512' ? await rsa512Keys() : await newKeys();
    const cn = o.commonName ?? (client === true ? 'payprobe-client' : (hosts[0] ?? 'payprobe-server'));
    const cert = await sign({
      ...(o.weak === 'sha1' ? { signingAlgorithm: { name: 'ECDSA', hash: 'SHA-1' } as const } : {}),
      subject: `CN=${cn}, O=payprobe testbed`,
      issuer: intermediate,
      keys,
      ...window(o, now),
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(
          o.weak === 'rsa512'
            ? x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment
            : x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyAgreement,
          true,
        ),
        new x509.ExtendedKeyUsageExtension([
          client === 'ocsp'
            ? x509.ExtendedKeyUsage.ocspSigning
            : client
              ? x509.ExtendedKeyUsage.clientAuth
              : x509.ExtendedKeyUsage.serverAuth,
        ]),
        ...sanExtension(hosts),
        ...(o.ocspUrl
          ? [new x509.AuthorityInfoAccessExtension({ ocsp: [new x509.GeneralName('url', o.ocspUrl)] })]
          : []),
      ],
    });
    return finish(cert, keys, [interX]);
  };

  return {
    root,
    intermediate,
    caPem: root.cert,
    serverCert: (o = {}) => leaf(o, false),
    clientCert: (o = {}) => leaf(o, true),
    ocspSigner: (o = {}) => leaf({ commonName: `${name} OCSP Responder`, ...o }, 'ocsp'),
  };
}

/** A self-signed server certificate (no CA behind it): the CERT_UNTRUSTED "self-signed" case. */
export async function selfSignedCert(options: CertOptions = {}): Promise<Issued> {
  const hosts = options.hosts ?? SERVER_HOSTS;
  const keys = await newKeys();
  const x = await x509.X509CertificateGenerator.createSelfSigned({
    name: `CN=${options.commonName ?? hosts[0] ?? 'self-signed'}, O=payprobe testbed self-signed`,
    keys,
    signingAlgorithm: ALG,
    ...window(options, new Date()),
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      ...sanExtension(hosts),
    ],
  });
  return finish(x, keys, []);
}
