/**
 * The server's certificate chain as the probe engine reads it: captured from the socket even when it does not
 * verify, parsed once per process and certificate, summarised for the result with public-key pins on demand.
 * Uses Node's crypto.X509Certificate only, so the Lambda bundle needs no extra library (docs/engine.md
 * "Secure contexts and what is computed once").
 */
import { X509Certificate } from 'node:crypto';
import type { PeerCertificate, TLSSocket } from 'node:tls';
import { formatName, spkiPin } from '../checks/certificates';
import { daysUntil } from '../checks/expiry';
import type { CertSummary } from '../contract/result';

/**
 * A certificate as read from the wire, with the dates parsed. Its names, summary and public-key pin are
 * computed on first use and kept: chain certificates are shared by every probe that sees them (peerChain).
 */
export class ChainCert {
  readonly validFrom: Date;
  readonly validTo: Date;
  private pinValue: string | undefined;
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
    this.pinValue ??= spkiPin(this.x509);
    return this.pinValue;
  }
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
  const cert = new ChainCert(new X509Certificate(raw));
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
 * handshake for its host name check (the engine captures it there, see tls.ts), and each call converts the
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

/**
 * A certificate this process parsed from a server's chain, by its SHA-256 fingerprint (as a result's chain
 * names it), for the live audit's pins; undefined when it is no longer kept.
 */
export function chainCertByFingerprint(fingerprint256: string): ChainCert | undefined {
  return parsed.get(fingerprint256);
}
