/**
 * Our own client certificate, checked before any packet is sent: readable PEM, a key that opens (with the
 * passphrase) and matches the certificate, not expired, and a CLIENT_CERT_EXPIRING_SOON warning inside the
 * window. Reading uses the checks the audit uses (checks/certificates.ts), dates the one expiry rule
 * (checks/expiry.ts); parsing and opening the key happen once per material (docs/engine.md step 2).
 */
import { keyMatchesCert, openPrivateKey, parseCertificate } from '../checks/certificates';
import { dayCount, daysSince, daysUntil, expiryStatus, isExpired } from '../checks/expiry';
import { ChainCert } from './chain';
import type { Inputs } from './inputs';
import { Fail, type RunState } from './run-state';
import { materialId } from './tls-context';

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
 * The client-certificate step of a run. Returns whether a certificate will be presented; records its expiry
 * for the result (ClientCertDaysToExpiry) even when the check fails.
 */
export function checkOwnClientCert(run: RunState, inputs: Inputs): boolean {
  if (inputs.clientCert === undefined && inputs.clientKey === undefined) return false;
  if (inputs.clientCert === undefined || inputs.clientKey === undefined) {
    throw new Fail('CONFIG_ERROR', 'mTLS needs both tls.clientCert and tls.clientKey');
  }
  const check = checkClientCert(inputs.clientCert, inputs.clientKey, inputs.passphrase, run.now);
  const cert = check.cert;
  if (cert) {
    run.tls = {
      protocol: null,
      cipher: null,
      chain: [],
      clientCert: { validTo: cert.validTo.toISOString(), daysToExpiry: daysUntil(cert.validTo, run.now) },
    };
  }
  if (!check.ok) throw new Fail(check.class, check.detail);
  const days = daysUntil(check.cert.validTo, run.now);
  if (expiryStatus(days, run.p.tls.clientCertExpiryWarningDays) === 'expiring') {
    run.warn(
      'CLIENT_CERT_EXPIRING_SOON',
      `our client certificate ${check.cert.subject} expires in ${days} days (${check.cert.validTo.toISOString()})`,
    );
  }
  return true;
}

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
  if (isExpired(cert.validTo, now)) {
    return {
      ok: false,
      class: 'CLIENT_CERT_EXPIRED',
      detail: `our client certificate ${cert.subject} expired on ${cert.validTo.toISOString()} (${dayCount(daysSince(cert.validTo, now))} ago); renew it with the processor and update tls.clientCert/tls.clientKey`,
      cert,
    };
  }
  return read;
}

const KEY_HINTS = {
  'passphrase-missing': 'the key is encrypted: set tls.clientKeyPassphrase',
  'passphrase-wrong': 'wrong tls.clientKeyPassphrase',
  unreadable: 'not a readable PEM private key',
} as const;

function readClientCert(certPem: string, keyPem: string, passphrase: string | undefined): ClientCertRead {
  const parsed = parseCertificate(certPem);
  if (!parsed.ok) {
    return {
      ok: false,
      class: 'CONFIG_ERROR',
      detail: parsed.noPem
        ? 'tls.clientCert holds no PEM certificate (expected -----BEGIN CERTIFICATE-----)'
        : `tls.clientCert is not a readable certificate (${parsed.code})`,
    };
  }
  const cert = new ChainCert(parsed.x509);
  const key = openPrivateKey(keyPem, passphrase);
  if (!key.ok) {
    return {
      ok: false,
      class: 'CONFIG_ERROR',
      detail: `tls.clientKey cannot be read: ${KEY_HINTS[key.reason]} (${key.code})`,
      cert,
    };
  }
  if (!keyMatchesCert(cert.x509, key.key)) {
    return {
      ok: false,
      class: 'CONFIG_ERROR',
      detail: `tls.clientKey does not match tls.clientCert (${cert.subject}, fingerprint ${cert.x509.fingerprint256}): deploy the key that belongs to this certificate`,
      cert,
    };
  }
  return { ok: true, cert };
}
