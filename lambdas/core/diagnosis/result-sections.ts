/**
 * The re-probe's own sections of a processor's page (./notification.ts): the server certificate chain as
 * presented, our client certificate, the phase timings. Certificate names come from the server: shown
 * bounded and escaped (lambdas/core/text/escape.ts showUntrusted).
 */
import type { ProcessorConfig } from '../config/model';
import type { SecretRef } from '../config/schema';
import type { CertSummary, ProbeResult } from '../contract/result';
import { SHOWN_MAX_BYTES, showUntrusted } from '../text/escape';
import { CHAIN_SHOWN } from './page-size';
import { timingsLine } from './route';

/** The id of a reference (`/gw/ca` of `{ ssm: /gw/ca }`). */
export const refId = (ref: SecretRef): string => Object.values(ref)[0] ?? '';

function certLines(c: CertSummary, i: number): string[] {
  const days =
    c.daysToExpiry < 0
      ? `EXPIRED ${-c.daysToExpiry} day${c.daysToExpiry === -1 ? '' : 's'} ago`
      : `${c.daysToExpiry} days left`;
  return [
    `  [${i}] subject ${showUntrusted(c.subject, SHOWN_MAX_BYTES.name)}`,
    `      issuer  ${showUntrusted(c.issuer, SHOWN_MAX_BYTES.name)}`,
    `      valid   ${c.validFrom} to ${c.validTo} (${days})`,
    `      sha256  ${c.fingerprint256}`,
  ];
}

/** `presented`: how many certificates the server sent (the result's chain may be bounded). */
export function chainSection(result: ProbeResult, presented: number): string[] {
  const out = ['SERVER CERTIFICATE CHAIN (as presented, leaf first)'];
  const tls = result.tls;
  const chain = tls?.chain.length ? tls.chain : tls?.serverCert ? [tls.serverCert] : [];
  if (chain.length === 0) {
    const why =
      result.stage === 'dns' ||
      result.stage === 'connect' ||
      result.stage === 'config' ||
      result.stage === 'proxy'
        ? `not reached: the probe stopped at stage ${result.stage}`
        : 'not captured: the handshake ended before the server certificate could be read';
    out.push(`  ${why}`);
  } else {
    chain.slice(0, CHAIN_SHOWN).forEach((c, i) => {
      out.push(...certLines(c, i));
    });
    if (presented > CHAIN_SHOWN) out.push(`  ... and ${presented - CHAIN_SHOWN} more (not shown)`);
  }
  if (tls?.protocol || tls?.cipher) out.push(`  negotiated: ${tls.protocol ?? '-'}, ${tls.cipher ?? '-'}`);
  return out;
}

export function clientCertSection(result: ProbeResult, cfg: ProcessorConfig | undefined): string[] {
  const out = ['OUR CLIENT CERTIFICATE'];
  const cc = result.tls?.clientCert;
  if (cc) {
    const state =
      cc.daysToExpiry < 0 ? `EXPIRED ${-cc.daysToExpiry} days ago` : `${cc.daysToExpiry} days left`;
    out.push(`  valid to ${cc.validTo} (${state})`);
  } else if (cfg?.tls.clientCert) {
    out.push(
      `  configured (${Object.keys(cfg.tls.clientCert)[0]} ${refId(cfg.tls.clientCert)}) but not read: the probe stopped at stage ${result.stage ?? '-'}`,
    );
  } else {
    out.push('  none configured (no mutual TLS)');
  }
  return out;
}

export function timingsSection(result: ProbeResult): string[] {
  return [
    'PHASE TIMINGS',
    `  ${timingsLine(result.timings)}`,
    ...(result.http?.status != null ? [`  http status ${result.http.status}`] : []),
  ];
}
