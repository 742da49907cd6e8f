/**
 * Reading certificates and private keys from PEM text, one way for the probe engine (our client certificate
 * before connecting, the CA bundle), the audit (client-cert-invalid, client-key-mismatch, ca-invalid) and the
 * testbed PKI. Node's crypto.X509Certificate and createPrivateKey only: no library in the Lambda bundle.
 * Results carry an error code, never the text that failed to parse (docs/engine.md, docs/audit.md).
 */
import { createHash, createPrivateKey, type KeyObject, X509Certificate } from 'node:crypto';
import { errorSummary } from './errors';

/** The PEM blocks of a bundle, in order. */
export function pemBlocks(pem: string, label = 'CERTIFICATE'): string[] {
  const re = new RegExp(`-----BEGIN ${label}-----[\\s\\S]+?-----END ${label}-----`, 'g');
  return pem.match(re) ?? [];
}

/** "CN=a\nO=b" (Node's form of a distinguished name) as "CN=a, O=b". */
export function formatName(name: string): string {
  return name.split('\n').filter(Boolean).join(', ');
}

/** "sha256/BASE64" of the certificate's SubjectPublicKeyInfo: the form of `tls.pins`. */
export function spkiPin(cert: X509Certificate): string {
  const spki = cert.publicKey.export({ type: 'spki', format: 'der' });
  return `sha256/${createHash('sha256').update(spki).digest('base64')}`;
}

export type ParsedCertificate =
  | { readonly ok: true; readonly x509: X509Certificate }
  | {
      readonly ok: false;
      /** No "-----BEGIN CERTIFICATE-----" block at all. */
      readonly noPem: boolean;
      /** OpenSSL's code (ERR_OSSL_PEM_NO_START_LINE, ERR_OSSL_ASN1_...) or a short reason. */
      readonly code: string;
    };

/** The first certificate of a PEM bundle (a leaf followed by its intermediates reads as the leaf). */
export function parseCertificate(pem: string): ParsedCertificate {
  const first = pemBlocks(pem)[0];
  try {
    const x509 = new X509Certificate(first ?? pem);
    return first === undefined
      ? { ok: false, noPem: true, code: 'no -----BEGIN CERTIFICATE----- block' }
      : { ok: true, x509 };
  } catch (err) {
    return { ok: false, noPem: first === undefined, code: errorSummary(err) };
  }
}

/** How many certificate blocks a CA bundle holds, and how many of them parse. */
export function countCertificates(pem: string): { readonly blocks: number; readonly valid: number } {
  const blocks = pemBlocks(pem);
  return { blocks: blocks.length, valid: blocks.filter((b) => parseCertificate(b).ok).length };
}

export type OpenedKey =
  | { readonly ok: true; readonly key: KeyObject }
  | {
      readonly ok: false;
      /**
       * `passphrase-missing`: the key is encrypted and no passphrase was given; `passphrase-wrong`: the
       * passphrase does not decrypt it; `unreadable`: not a PEM private key.
       */
      readonly reason: 'passphrase-missing' | 'passphrase-wrong' | 'unreadable';
      readonly code: string;
    };

/** Opens a PEM private key, with its passphrase when it is encrypted. */
export function openPrivateKey(keyPem: string, passphrase: string | undefined): OpenedKey {
  try {
    return {
      ok: true,
      key: createPrivateKey(passphrase === undefined ? { key: keyPem } : { key: keyPem, passphrase }),
    };
  } catch (err) {
    const code = errorSummary(err);
    const encrypted = /ENCRYPTED/.test(keyPem);
    const reason =
      code === 'ERR_MISSING_PASSPHRASE' || (encrypted && passphrase === undefined)
        ? 'passphrase-missing'
        : encrypted || /DECRYPT/i.test(code)
          ? 'passphrase-wrong'
          : 'unreadable';
    return { ok: false, reason, code };
  }
}

/** The key is the private key of the certificate. */
export function keyMatchesCert(cert: X509Certificate, key: KeyObject): boolean {
  return cert.checkPrivateKey(key);
}
