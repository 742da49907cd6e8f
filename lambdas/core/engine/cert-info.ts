/**
 * Certificate reading for the probe engine: the server chain as presented (captured even when it does not
 * verify), summaries for the result, public-key pins, and the pre-flight check of our own client
 * certificate. Uses Node's crypto.X509Certificate only, so the Lambda bundle needs no extra library.
 */
import { createHash, createPrivateKey, type KeyObject, X509Certificate } from 'node:crypto';
import type { PeerCertificate, TLSSocket } from 'node:tls';
import type { CertSummary } from '../contract/result';
import { materialId } from './tls-context';

const DAY_MS = 86_400_000;

/**
 * A certificate as read from the wire, with the dates parsed. Its names, summary and public-key pin are
 * computed on first use and kept: chain certificates are shared by every probe that sees them (peerChain).
 */
export class ChainCert {
  readonly validFrom: Date;
  readonly validTo: Date;
  private spkiPin: string | undefined;
  private fixed: Omit<CertSummary, 'daysToExpiry'> | undefined;

  constructor(readonly x509: X509Certificate) {
    this.validFrom = new Date(x509.validFrom);
    this.validTo = new Date(x509.validTo);
  }

  /** The summary fields that do not depend on the time of the probe. */
  get described(): Omit<CertSummary, 'daysToExpiry'> {
    this.fixed ??= {
      subject: formatName(this.x509.subject),
      issuer: formatName(this.x509.issuer),
      validFrom: this.validFrom.toISOString(),
      validTo: this.validTo.toISOString(),
      fingerprint256: this.x509.fingerprint256,
    };
    return this.fixed;
  }

  /** "CN=a, O=b". */
  get subject(): string {
    return this.described.subject;
  }

  /** "sha256/BASE64" of the SubjectPublicKeyInfo (exporting the key costs ~0.1 ms: only when pins are set). */
  get pin(): string {
    this.spkiPin ??= spkiPinOf(this.x509);
    return this.spkiPin;
  }
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
  return new ChainCert(x509);
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
  const d = cert.described;
  return {
    subject: d.subject,
    issuer: d.issuer,
    validFrom: d.validFrom,
    validTo: d.validTo,
    daysToExpiry: daysUntil(cert.validTo, now),
    fingerprint256: d.fingerprint256,
  };
}

/**
 * Parsed chain certificates by SHA-256 fingerprint, so a server that presents the same chain on every probe
 * is parsed once (an X509 parse costs ~0.1 ms with OpenSSL 3). Bounded: least recently used dropped first.
 */
const parsed = new Map<string, ChainCert>();
const MAX_PARSED = 1024;

function chainCertOf(raw: Buffer, fingerprint256: string): ChainCert {
  const hit = parsed.get(fingerprint256);
  if (hit) {
    parsed.delete(fingerprint256);
    parsed.set(fingerprint256, hit);
    return hit;
  }
  const cert = toChainCert(new X509Certificate(raw));
  // Key by the digest of what was parsed, so a wrong fingerprint can never map to another certificate.
  parsed.set(cert.x509.fingerprint256, cert);
  if (parsed.size > MAX_PARSED) {
    const oldest = parsed.keys().next().value;
    if (oldest !== undefined) parsed.delete(oldest);
  }
  return cert;
}

/**
 * The server's chain, leaf first: what the server sent, completed by Node with the issuers it found in the
 * trust store (so a trusted root shows up at the end). Works whether or not verification passed.
 *
 * `detailed` is `getPeerCertificate(true)` when the caller already has it: Node computes it during the
 * handshake for its host name check (the engine captures it there, see probe.ts), and each call converts the
 * whole chain again (~0.35 ms). Not `getPeerX509Certificate()`: in Node 20-26 it removes the certificates
 * from the connection's peer chain (later calls see none) and never frees the intermediates it copies.
 */
export function peerChain(socket: TLSSocket, detailed?: PeerCertificate): ChainCert[] {
  const out: ChainCert[] = [];
  const seen = new Set<string>();
  let cur: PeerCertificate | undefined =
    detailed ?? (socket.getPeerCertificate(true) as PeerCertificate | undefined);
  while (cur?.raw && cur.raw.length > 0 && !seen.has(cur.fingerprint256)) {
    seen.add(cur.fingerprint256);
    out.push(chainCertOf(cur.raw, cur.fingerprint256));
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
  | { readonly ok: true; readonly cert: ChainCert }
  | {
      readonly ok: false;
      readonly class: 'CONFIG_ERROR' | 'CLIENT_CERT_EXPIRED';
      readonly detail: string;
      readonly cert?: ChainCert;
    };

/** What readClientCert found: the certificate and whether the key opens and matches it (no dates involved). */
type ClientCertRead =
  | { readonly ok: true; readonly cert: ChainCert }
  | {
      readonly ok: false;
      readonly class: 'CONFIG_ERROR';
      readonly detail: string;
      readonly cert?: ChainCert;
    };

/**
 * Reads of our client certificate and key by the HMAC of (certificate, key, passphrase): parsing them and
 * opening the key costs ~0.5 ms (more for an encrypted key) and they rarely change between probes. Holds
 * the certificate and the verdict, never the key. Bounded: least recently used dropped first.
 */
const clientReads = new Map<string, ClientCertRead>();
const MAX_CLIENT_READS = 64;

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
  const id = materialId({
    cert: certPem,
    key: keyPem,
    ...(passphrase !== undefined ? { passphrase } : {}),
  });
  let read = clientReads.get(id);
  if (read) {
    clientReads.delete(id);
  } else {
    read = readClientCert(certPem, keyPem, passphrase);
  }
  clientReads.set(id, read);
  if (clientReads.size > MAX_CLIENT_READS) {
    const oldest = clientReads.keys().next().value;
    if (oldest !== undefined) clientReads.delete(oldest);
  }
  if (!read.ok) return read;
  const cert = read.cert;
  if (now.getTime() > cert.validTo.getTime()) {
    return {
      ok: false,
      class: 'CLIENT_CERT_EXPIRED',
      detail: `our client certificate ${cert.subject} expired on ${cert.validTo.toISOString()} (${dayCount(daysSince(cert.validTo, now))} ago); renew it with the processor and update tls.clientCert/tls.clientKey`,
      cert,
    };
  }
  return read;
}

function readClientCert(certPem: string, keyPem: string, passphrase: string | undefined): ClientCertRead {
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
  return { ok: true, cert };
}

function codeOf(err: unknown): string {
  const e = err as { code?: unknown; message?: unknown };
  if (typeof e.code === 'string') return e.code;
  return typeof e.message === 'string' ? (e.message.split('\n')[0]?.slice(0, 120) ?? 'error') : 'error';
}
