/**
 * Runbook data for the warnings on a probe that passed: certificates expiring soon, slow responses.
 * One entry per class, in the order of the class table (contract/classes.ts); ../render.ts renders them.
 */
import { CHECK, type Runbook, SC } from '../model';

export const WARNING_RUNBOOKS: readonly Runbook[] = [
  {
    class: 'CERT_EXPIRING_SOON',
    kind: 'warning',
    stage: 'tls',
    summary: "The processor's certificate expires soon",
    meaning:
      'The probe passed, but a certificate the server presents expires within tls.certExpiryWarningDays. When it expires every call fails with CERT_EXPIRED; when it is renewed, the new chain may fail CERT_UNTRUSTED or CERT_PIN_MISMATCH if your trust or pins are narrow.',
    causes: [
      "The processor's renewal is simply due (usually automated; publicly trusted certificates now live 398 days or less).",
      'The certificate belongs to your own TLS-terminating proxy or gateway in front of the processor, whose renewal is not automated.',
      'An intermediate in the chain is close to its end date.',
    ],
    firstCheck:
      "Find which certificate expires and who owns it (`openssl s_client -connect HOST:443 -servername NAME -showcerts </dev/null`, NotAfter of each): if it is the processor's, check their announcements for the renewal and whether the new chain is accepted by your tls.ca and tls.pins.",
    confirm: [
      { purpose: 'The chain with the validity of each certificate', command: `${SC} -showcerts </dev/null` },
      {
        purpose: "The leaf's end date and issuer",
        command: `${SC} </dev/null 2>/dev/null | openssl x509 -noout -issuer -enddate`,
      },
      { purpose: 'Re-run the probe and read tls.serverCert.daysToExpiry', command: `${CHECK} --json` },
    ],
    fix: [
      'Your own proxy or gateway: renew and deploy now, then automate renewal.',
      "The processor's certificate: confirm the renewal with the processor, and that its new CA is in tls.ca and the integration's trust store; update pins ahead of time.",
    ],
  },
  {
    class: 'CLIENT_CERT_EXPIRING_SOON',
    kind: 'warning',
    stage: 'tls',
    summary: 'Our own client certificate expires soon',
    meaning:
      'The probe passed, but the client certificate configured in tls.clientCert expires within tls.clientCertExpiryWarningDays. When it expires, mTLS fails (CLIENT_CERT_EXPIRED, then CLIENT_CERT_REJECTED) and payments stop.',
    causes: [
      'The certificate reaches the end of its term and its renewal is manual (processor portal, CSR by hand).',
      'A renewed certificate exists but was not stored in the secret yet.',
    ],
    firstCheck:
      'Start the renewal now: check the end date (`openssl x509 -in client.pem -noout -subject -enddate`), find who can issue the new certificate through the processor portal or your CA, and plan registration with the processor before the old one expires.',
    confirm: [
      {
        purpose: 'Our certificate: subject and end date',
        command: 'openssl x509 -in client.pem -noout -subject -enddate',
      },
      { purpose: 'Re-run the probe and read tls.clientCert.daysToExpiry', command: `${CHECK} --json` },
    ],
    fix: [
      'Create a new key and CSR, get the certificate issued, and register it with the processor (many accept two certificates during a migration).',
      'Store certificate and key in the clientCert / clientKey secrets together, then run `payprobe check` to confirm the processor accepts it.',
    ],
  },
  {
    class: 'SLOW_RESPONSE',
    kind: 'warning',
    stage: 'http',
    summary: 'The processor answered, but slower than slowResponseMs',
    meaning:
      'The probe passed, but its total time exceeded slowResponseMs. The phase timings show where the time went: dns, connect, tls or first byte.',
    causes: [
      "The processor's API is slow (degradation, often before an incident); shows in first-byte time.",
      'The network path is slow or lossy; shows in connect and TLS time.',
      'The resolver is slow; shows in DNS time.',
      'The probe runs in a region far from the processor endpoint.',
    ],
    firstCheck:
      "Look at the phase timings on this page: a slow first byte points at the processor's API (check its status page), slow connect or TLS at the network path, slow DNS at the resolver.",
    confirm: [
      {
        purpose: 'Phase times by hand (credential in a header file)',
        command:
          "curl -s -o /dev/null -H @auth-header.txt -w 'dns %{time_namelookup} connect %{time_connect} tls %{time_appconnect} first byte %{time_starttransfer} total %{time_total}\\n' https://{host}:{port}{path}",
      },
      { purpose: 'Re-run the probe and read the timings', command: `${CHECK} --json` },
    ],
    fix: [
      'Processor slow: follow its status page; tell your payments team that authorisations may time out.',
      'Network slow: check NAT gateway and egress proxy health; probe from a region closer to the processor.',
      'If the endpoint is healthy but consistently slower, raise slowResponseMs to a realistic budget.',
    ],
  },
  {
    class: 'REVOCATION_UNKNOWN',
    kind: 'warning',
    stage: 'tls',
    summary: "The server certificate's revocation status could not be established",
    meaning:
      'The probe passed, but tls.revocation could not tell whether the server certificate is revoked: the OCSP responder named in the certificate could not be reached in time, its answer (or the stapled one) was unusable (not OCSP, badly signed, about another certificate, stale), the responder does not know the certificate, or the certificate names no responder. A revoked certificate is CERT_REVOKED; this is never a failure.',
    causes: [
      "The OCSP responder is down or slow, or the egress path (security groups, proxy allow-list) does not reach the responder's host on port 80.",
      'The server staples a stale or broken OCSP response (its stapling cache stopped refreshing).',
      'A private CA without an OCSP responder (no OCSP URL in the certificate) while tls.revocation is ocsp.',
    ],
    firstCheck:
      "Read the warning's detail: it names the responder URL and why its answer did not count. Then ask it by hand: `openssl ocsp -issuer issuer.pem -cert leaf.pem -url URL -resp_text` from the same network as the probe (the chain from `openssl s_client -connect HOST:443 -servername NAME -showcerts </dev/null`).",
    confirm: [
      {
        purpose: 'What the server staples (OCSP Response Status, This Update, Next Update)',
        command: `${SC} -status </dev/null 2>/dev/null | sed -n '/OCSP response:/,/^---/p'`,
      },
      {
        purpose: 'The responder named in the leaf (save the leaf as leaf.pem first)',
        command: 'openssl x509 -in leaf.pem -noout -ocsp_uri',
      },
      {
        purpose: 'Ask it, with its full answer',
        command:
          'openssl ocsp -issuer issuer.pem -cert leaf.pem -url "$(openssl x509 -in leaf.pem -noout -ocsp_uri)" -resp_text',
      },
      { purpose: 'Re-run the probe with the same config', command: CHECK },
    ],
    fix: [
      "Responder unreachable from the probe: allow the responder's host (port 80) through the egress path, as the integration's own OCSP checks need it too.",
      'Stale or broken staple: tell the processor (its stapling cache is not refreshing); meanwhile tls.revocation: ocsp asks the responder directly.',
      'No responder at all (a private CA): set tls.revocation: stapled, or off for that processor, and record why.',
    ],
  },
];
