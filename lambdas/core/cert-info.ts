/**
 * Certificate reading for the probe engine: the server chain as presented (captured even when it does not
 * verify), summaries for the result, public-key pins, and the pre-flight check of our own client
 * certificate. Uses Node's crypto.X509Certificate only, so the Lambda bundle needs no extra library.
 */
import { createHash, createPrivateKey, type KeyObject, X509Certificate } from 'node:crypto';
import type { PeerCertificate, TLSSocket } from 'node:tls';
import type { CertSummary } from './result';

const DAY_MS = 86_400_000;

/** A certificate as read from the wire, with the dates parsed. */
export interface ChainCert {
  readonly x509: X509Certificate;
  readonly validFrom: Date;
  readonly validTo: Date;
  /** "sha256/BASE64" of the SubjectPublicKeyInfo. */
  readonly pin: string;
}

/** "CN=a\nO=b" (Node's form) as "CN=a, O=b". */
export function formatName(name: string): string {
  return name.split('\n').filter(Boolean).join(', ');
}

export function spkiPinOf(cert: X509Certificate): string {
  const spki = cert.publicKey.export({ type: 'spki', format: 'der' });
  return `sha256/${createHash('sha256').update(spki).digest('base64')}`;
}

export function toChainCert(x509: X509Certificate): ChainCert {
  return { x509, validFrom: new Date(x509.validFrom), validTo: new Date(x509.validTo), pin: spkiPinOf(x509) };
}

/** Whole days from now to `validTo`, negative once expired. */
export function daysUntil(validTo: Date, now: Date): number {
  // Toward zero, so a certificate that expired 1.2 days ago reads -1, as "expired 1 day ago" says.
  return Math.trunc((validTo.getTime() - now.getTime()) / DAY_MS);
}

/** "1 day", "3 days". */
export function dayCount(n: number): string {
  return `${n} day${Math.abs(n) === 1 ? '' : 's'}`;
}

/** Whole days since `date` (for "expired N days ago"). */
export function daysSince(date: Date, now: Date): number {
  return Math.floor((now.getTime() - date.getTime()) / DAY_MS);
}

export function summarize(cert: ChainCert, now: Date): CertSummary {
  return {
    subject: formatName(cert.x509.subject),
    issuer: formatName(cert.x509.issuer),
    validFrom: cert.validFrom.toISOString(),
    validTo: cert.validTo.toISOString(),
    daysToExpiry: daysUntil(cert.validTo, now),
    fingerprint256: cert.x509.fingerprint256,
  };
}

/**
 * The server's chain, leaf first: what the server sent, completed by Node with the issuers it found in the
 * trust store (so a trusted root shows up at the end). Works whether or not verification passed.
 */
export function peerChain(socket: TLSSocket): ChainCert[] {
  const out: ChainCert[] = [];
  const seen = new Set<string>();
  let cur: PeerCertificate | undefined = socket.getPeerCertificate(true) as PeerCertificate | undefined;
  while (cur?.raw && cur.raw.length > 0 && !seen.has(cur.fingerprint256)) {
    seen.add(cur.fingerprint256);
    out.push(toChainCert(new X509Certificate(cur.raw)));
    const next = (cur as PeerCertificate & { issuerCertificate?: PeerCertificate }).issuerCertificate;
    cur = next;
  }
  return out;
}

/** The PEM blocks of a bundle, in order. */
export function pemBlocks(pem: string, label = 'CERTIFICATE'): string[] {
  const re = new RegExp(`-----BEGIN ${label}-----[\\s\\S]+?-----END ${label}-----`, 'g');
  return pem.match(re) ?? [];
}

export type ClientCertCheck =
  | { readonly ok: true; readonly cert: ChainCert; readonly key: KeyObject }
  | {
      readonly ok: false;
      readonly class: 'CONFIG_ERROR' | 'CLIENT_CERT_EXPIRED';
      readonly detail: string;
      readonly cert?: ChainCert;
    };

/**
 * Our own client certificate, checked before connecting: readable PEM, a key that opens (with the
 * passphrase) and matches the certificate, and not expired. Details name fields, never key material.
 */
export function checkClientCert(
  certPem: string,
  keyPem: string,
  passphrase: string | undefined,
  now: Date,
): ClientCertCheck {
  const first = pemBlocks(certPem)[0];
  if (!first) {
    return {
      ok: false,
      class: 'CONFIG_ERROR',
      detail: 'tls.clientCert holds no PEM certificate (expected -----BEGIN CERTIFICATE-----)',
    };
  }
  let cert: ChainCert;
  try {
    cert = toChainCert(new X509Certificate(first));
  } catch (err) {
    return {
      ok: false,
      class: 'CONFIG_ERROR',
      detail: `tls.clientCert is not a readable certificate (${codeOf(err)})`,
    };
  }
  let key: KeyObject;
  try {
    key = createPrivateKey(passphrase === undefined ? { key: keyPem } : { key: keyPem, passphrase });
  } catch (err) {
    const code = codeOf(err);
    const encrypted = /ENCRYPTED/.test(keyPem);
    const hint =
      code === 'ERR_MISSING_PASSPHRASE' || (encrypted && passphrase === undefined)
        ? 'the key is encrypted: set tls.clientKeyPassphrase'
        : encrypted || /DECRYPT/i.test(code)
          ? 'wrong tls.clientKeyPassphrase'
          : 'not a readable PEM private key';
    return {
      ok: false,
      class: 'CONFIG_ERROR',
      detail: `tls.clientKey cannot be read: ${hint} (${code})`,
      cert,
    };
  }
  if (!cert.x509.checkPrivateKey(key)) {
    return {
      ok: false,
      class: 'CONFIG_ERROR',
      detail: `tls.clientKey does not match tls.clientCert (${formatName(cert.x509.subject)}, fingerprint ${cert.x509.fingerprint256}): deploy the key that belongs to this certificate`,
      cert,
    };
  }
  if (now.getTime() > cert.validTo.getTime()) {
    return {
      ok: false,
      class: 'CLIENT_CERT_EXPIRED',
      detail: `our client certificate ${formatName(cert.x509.subject)} expired on ${cert.validTo.toISOString()} (${dayCount(daysSince(cert.validTo, now))} ago); renew it with the processor and update tls.clientCert/tls.clientKey`,
      cert,
    };
  }
  return { ok: true, cert, key };
}

function codeOf(err: unknown): string {
  const e = err as { code?: unknown; message?: unknown };
  if (typeof e.code === 'string') return e.code;
  return typeof e.message === 'string' ? (e.message.split('\n')[0]?.slice(0, 120) ?? 'error') : 'error';
}
