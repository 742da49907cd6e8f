/**
 * The verification phase, separate from reading: the chain the handshake captured is judged in a fixed
 * order, dates on our own clock first (an expired certificate is always reported as expired, with its dates),
 * then OpenSSL's verdict, the host name, and the pins. `tls.verify: false` skips the first three; pins are
 * checked whenever they are set (docs/engine.md "How a probe runs", step 6). A later revocation check
 * (OCSP) belongs after verifyChain, as its own module.
 */
import * as tls from 'node:tls';
import { weakness } from '../checks/cert-der';
import { formatName } from '../checks/certificates';
import { dayCount, daysSince, daysUntil, expiryStatus, isExpired, isNotYetValid } from '../checks/expiry';
import { type ChainCert, summarize } from './chain';
import type { FailFor } from './connect';
import type { RunState } from './run-state';
import type { Target } from './target';
import { untrustedHint } from './tls-errors';

/**
 * What the main connection's handshake showed, into the result: protocol, cipher, the chain summarised, and
 * a CERT_EXPIRING_SOON warning when the leaf is inside tls.certExpiryWarningDays.
 */
export function recordHandshake(run: RunState, socket: tls.TLSSocket, chain: readonly ChainCert[]): void {
  run.tls = {
    protocol: socket.getProtocol(),
    cipher: socket.getCipher()?.name ?? null,
    chain: chain.map((c) => summarize(c, run.now)),
    clientCert: run.tls?.clientCert ?? null,
  };
  const leaf = chain[0];
  if (!leaf) return;
  const days = daysUntil(leaf.validTo, run.now);
  if (expiryStatus(days, run.p.tls.certExpiryWarningDays) === 'expiring') {
    run.warn(
      'CERT_EXPIRING_SOON',
      `server certificate ${leaf.subject} expires in ${days} days (${leaf.validTo.toISOString()})`,
    );
  }
}

/** Dates, trust, host name, pins; throws the first failure. Pins apply to the main endpoint only. */
export function verifyChain(
  run: RunState,
  socket: tls.TLSSocket,
  chain: readonly ChainCert[],
  peer: tls.PeerCertificate | undefined,
  target: Target,
  pins: readonly string[] | undefined,
  fail: FailFor,
): void {
  const leaf = chain[0];
  if (!leaf) throw fail({ class: 'TLS_PROTOCOL_ERROR', detail: 'the server presented no certificate' });
  if (run.p.tls.verify) {
    const authCode = authorizationCode(socket);
    checkDates(chain, run.now, authCode, fail);
    if (authCode === 'CERT_HAS_EXPIRED') {
      throw fail({ class: 'CERT_EXPIRED', detail: `a certificate in the chain has expired [${authCode}]` });
    }
    if (authCode === 'CERT_NOT_YET_VALID') {
      throw fail({
        class: 'CERT_NOT_YET_VALID',
        detail: `a certificate in the chain is not yet valid [${authCode}]`,
      });
    }
    if (authCode) {
      const weak = weakLink(chain);
      throw fail({
        class: 'CERT_UNTRUSTED',
        detail: weak
          ? `${weak}, which OpenSSL refuses at its default security level [${authCode}]`
          : `${authCode}: ${untrustedHint(authCode)}; leaf ${formatName(leaf.x509.subject)} issued by ${formatName(leaf.x509.issuer)}`,
      });
    }
    const idErr = tls.checkServerIdentity(target.identity, peer ?? socket.getPeerCertificate());
    if (idErr) {
      const names = leaf.x509.subjectAltName ?? `CN ${formatName(leaf.x509.subject)}`;
      throw fail({
        class: 'CERT_HOSTNAME_MISMATCH',
        detail: `the certificate does not cover ${target.identity} (${(idErr as Error & { code?: string }).code ?? 'ERR_TLS_CERT_ALTNAME_INVALID'}); it covers ${names}`,
      });
    }
  }
  if (target.main && pins && pins.length > 0) {
    const presented = chain.map((c) => c.pin);
    if (!presented.some((pin) => pins.includes(pin))) {
      throw fail({
        class: 'CERT_PIN_MISMATCH',
        detail: `no certificate in the chain matches tls.pins${run.from('tls.pins')}; the chain's pins are ${presented.join(', ')} (leaf first)`,
      });
    }
  }
}

/**
 * The first certificate of the chain OpenSSL refuses for a weak signature or key ("weak signature algorithm
 * sha1WithRSAEncryption"), named; OpenSSL itself reports it only as UNSPECIFIED (or CA_MD_TOO_WEAK).
 */
function weakLink(chain: readonly ChainCert[]): string | undefined {
  for (const [i, c] of chain.entries()) {
    const why = weakness(c.x509);
    if (why) return `${why}: ${i === 0 ? 'server certificate' : `chain certificate #${i}`} ${c.subject}`;
  }
  return undefined;
}

/**
 * OpenSSL's verdict on the chain (socket.authorizationError) as a code, or null when it verified. Node's own
 * host name check reports here too; it is dropped, ours runs with the configured server name.
 */
function authorizationCode(socket: tls.TLSSocket): string | null {
  const authErr = socket.authorizationError as unknown as string | Error | null;
  const code = authErr
    ? typeof authErr === 'string'
      ? authErr
      : ((authErr as { code?: string }).code ?? authErr.message)
    : null;
  return code?.startsWith('ERR_TLS_CERT_ALTNAME') ? null : code;
}

/** Every certificate presented, on our own clock: CERT_EXPIRED or CERT_NOT_YET_VALID with its dates. */
function checkDates(chain: readonly ChainCert[], now: Date, authCode: string | null, fail: FailFor): void {
  const code = authCode ? ` [${authCode}]` : '';
  for (const [i, c] of chain.entries()) {
    const which = i === 0 ? 'server certificate' : `chain certificate #${i}`;
    if (isExpired(c.validTo, now)) {
      throw fail({
        class: 'CERT_EXPIRED',
        detail: `${which} ${c.subject} expired on ${c.validTo.toISOString()} (${dayCount(daysSince(c.validTo, now))} ago; valid from ${c.validFrom.toISOString()})${code}`,
      });
    }
    if (isNotYetValid(c.validFrom, now)) {
      throw fail({
        class: 'CERT_NOT_YET_VALID',
        detail: `${which} ${c.subject} is not valid until ${c.validFrom.toISOString()} (check the server's clock or a too-early certificate rollout)${code}`,
      });
    }
  }
}
