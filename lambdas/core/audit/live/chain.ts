/**
 * The chain a probe result saw, as the live audit's chain rules need it: each certificate's names and its
 * public-key pin, looked up among the certificates this process parsed from the server (engine/chain.ts), since
 * a result carries fingerprints, not keys. Undefined when any of them is no longer kept (the rules then skip).
 */

import type { ProbeResult } from '../../contract/result';
import { chainCertByFingerprint } from '../../engine/chain';
import type { PresentedCert } from '../catalog';

export function presentedChain(result: ProbeResult | undefined): PresentedCert[] | undefined {
  const chain = result?.tls?.chain;
  if (!chain || chain.length === 0) return undefined;
  const out: PresentedCert[] = [];
  for (const c of chain) {
    const cert = chainCertByFingerprint(c.fingerprint256);
    if (!cert) return undefined;
    out.push({ subject: c.subject, issuer: c.issuer, pin: cert.pin });
  }
  return out;
}
