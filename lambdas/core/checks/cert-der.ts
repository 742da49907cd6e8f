/**
 * Certificate fields Node 20's crypto.X509Certificate does not expose, read from the DER: the signature
 * algorithm (for the weak-signature verdict), the issuer and subject names and the public key bits as
 * encoded (for OCSP certificate IDs, RFC 6960 4.1.1), and the serial number's bytes. Plus the one rule for a
 * weak certificate: what OpenSSL refuses at its default security level (level 1: MD5 or SHA-1 signatures,
 * RSA/DSA keys under 1,024 bits, EC keys under 160 bits), so payprobe names the cause the integration's
 * OpenSSL only calls "unspecified".
 */
import type { X509Certificate } from 'node:crypto';
import { bits, type Der, expect, items, oid, parse, TAG } from './der';

export interface CertDer {
  /** tbsCertificate, as encoded. */
  readonly tbs: Der;
  /** The OID of the certificate's signatureAlgorithm. */
  readonly signatureOid: string;
  /** The serial number's contents octets. */
  readonly serial: Buffer;
  /** The issuer Name, as encoded (tag and length included). */
  readonly issuer: Buffer;
  /** The subject Name, as encoded. */
  readonly subject: Buffer;
  /** The subjectPublicKey BIT STRING's key bits (what OCSP's issuerKeyHash hashes). */
  readonly publicKeyBits: Buffer;
}

/** The fields of a DER certificate; DerError when it is not one. */
export function certDer(raw: Buffer): CertDer {
  const [tbs, sigAlg] = items(parse(raw), TAG.SEQUENCE, 'certificate');
  const t = items(tbs, TAG.SEQUENCE, 'tbsCertificate');
  // version [0] EXPLICIT is present in every v3 certificate; a v1 certificate starts with the serial.
  const at = t[0]?.tag === 0xa0 ? 1 : 0;
  const spki = items(t[at + 5], TAG.SEQUENCE, 'subjectPublicKeyInfo');
  return {
    tbs: tbs as Der,
    signatureOid: oid(items(sigAlg, TAG.SEQUENCE, 'signatureAlgorithm')[0] as Der),
    serial: expect(t[at], TAG.INTEGER, 'serialNumber').value,
    issuer: expect(t[at + 2], TAG.SEQUENCE, 'issuer').raw,
    subject: expect(t[at + 4], TAG.SEQUENCE, 'subject').raw,
    publicKeyBits: bits(spki[1] as Der),
  };
}

/** Signature algorithms OpenSSL refuses at security level 1 and above, by OID. */
const WEAK_SIGNATURES: Readonly<Record<string, string>> = {
  '1.2.840.113549.1.1.2': 'md2WithRSAEncryption',
  '1.2.840.113549.1.1.3': 'md4WithRSAEncryption',
  '1.2.840.113549.1.1.4': 'md5WithRSAEncryption',
  '1.2.840.113549.1.1.5': 'sha1WithRSAEncryption',
  '1.2.840.10045.4.1': 'ecdsa-with-SHA1',
  '1.2.840.10040.4.3': 'dsa-with-SHA1',
  '1.3.14.3.2.29': 'sha1WithRSASignature',
};

/** Smallest key sizes OpenSSL accepts at security level 1. */
const MIN_RSA_DSA_BITS = 1024;
const MIN_EC_BITS = 160;

const CURVE_BITS: Readonly<Record<string, number>> = {
  prime256v1: 256,
  secp384r1: 384,
  secp521r1: 521,
  secp224r1: 224,
  secp192r1: 192,
  prime192v1: 192,
  secp160r1: 160,
  secp112r1: 112,
  secp128r1: 128,
};

/**
 * Why OpenSSL refuses this certificate at its default security level, or undefined: "weak signature
 * algorithm sha1WithRSAEncryption" or "RSA key of 512 bits, below 1024". The signature of a self-signed
 * certificate is not judged (OpenSSL does not check a trust anchor's own signature).
 */
export function weakness(x509: X509Certificate): string | undefined {
  let sigOid: string | undefined;
  try {
    sigOid = certDer(x509.raw).signatureOid;
  } catch {
    return undefined;
  }
  const selfSigned = x509.issuer === x509.subject;
  const weakSig = sigOid !== undefined ? WEAK_SIGNATURES[sigOid] : undefined;
  if (weakSig && !selfSigned) return `weak signature algorithm ${weakSig}`;
  const key = x509.publicKey;
  const d = key.asymmetricKeyDetails;
  if ((key.asymmetricKeyType === 'rsa' || key.asymmetricKeyType === 'dsa') && d?.modulusLength) {
    if (d.modulusLength < MIN_RSA_DSA_BITS)
      return `${key.asymmetricKeyType.toUpperCase()} key of ${d.modulusLength} bits, below ${MIN_RSA_DSA_BITS} (key size too small)`;
  }
  if (key.asymmetricKeyType === 'ec' && d?.namedCurve) {
    const size = CURVE_BITS[d.namedCurve];
    if (size !== undefined && size < MIN_EC_BITS)
      return `EC key on ${d.namedCurve} (${size} bits), below ${MIN_EC_BITS} (key size too small)`;
  }
  return undefined;
}
