/**
 * Runbook data for certificates: the server's chain (dates, host name, trust, pins) and our own client
 * certificate (rejected, expired).
 * One entry per class, in the order of the class table (contract/classes.ts); ../render.ts renders them.
 */
import { CHECK, type Runbook, SC } from '../model';

export const CERTIFICATE_RUNBOOKS: readonly Runbook[] = [
  {
    class: 'CERT_EXPIRED',
    kind: 'failure',
    stage: 'tls',
    summary: "A certificate in the processor's chain has expired",
    meaning:
      'Certificate verification failed with CERT_HAS_EXPIRED: the leaf or an intermediate the server presented (or the trust path built from the configured CA bundle) is past its notAfter date.',
    causes: [
      'The processor, or your own TLS-terminating proxy or API gateway in front of it, missed a renewal.',
      'The server still sends an old intermediate or cross-signed certificate that has expired, although the leaf is current.',
      'Your CA bundle (tls.ca) contains an expired intermediate or root that the chain is built against instead of the current one.',
      'The clock of the probing host is ahead (rare on Lambda; common on badly synced VMs).',
    ],
    firstCheck:
      "Print the dates of every certificate the server sends: `openssl s_client -connect HOST:443 -servername NAME -showcerts </dev/null` and read the NotAfter of each: is the expired one the leaf or an intermediate, and is it the processor's certificate or your proxy's (look at the issuer)?",
    confirm: [
      {
        purpose:
          'The chain as presented, with the validity of each certificate (OpenSSL 3 prints v:NotBefore / NotAfter)',
        command: `${SC} -showcerts </dev/null`,
      },
      {
        purpose: "The leaf's dates and issuer only",
        command: `${SC} </dev/null 2>/dev/null | openssl x509 -noout -subject -issuer -dates`,
      },
      {
        purpose: 'The dates in your CA bundle',
        command:
          "openssl crl2pkcs7 -nocrl -certfile ca.pem | openssl pkcs7 -print_certs -noout -text | grep -E 'Subject:|Not After'",
      },
      { purpose: 'Re-run the probe with the same config', command: CHECK },
    ],
    fix: [
      "If the processor's certificate expired: contact the processor now (support and status page); do not disable verification.",
      'If it is your proxy or gateway: renew and deploy its certificate (and automate the renewal).',
      'If an expired certificate in tls.ca is the problem: replace the bundle with the current intermediate and root.',
    ],
  },
  {
    class: 'CERT_NOT_YET_VALID',
    kind: 'failure',
    stage: 'tls',
    summary: "The processor's certificate is not valid yet",
    meaning:
      "Certificate verification failed with CERT_NOT_YET_VALID: the current time at the probe is before a certificate's notBefore date.",
    causes: [
      "The probing host's clock is behind (broken NTP on a VM or container; not expected on Lambda).",
      'The processor deployed a freshly issued certificate whose notBefore is in the future (clock skew at the issuer or a backdating mistake).',
      'A TLS-inspecting proxy mints certificates with a skewed clock.',
    ],
    firstCheck:
      "Compare the certificate's NotBefore with the current UTC time where the probe runs: `date -u` and `openssl s_client -connect HOST:443 -servername NAME </dev/null | openssl x509 -noout -dates`.",
    confirm: [
      { purpose: 'Current UTC time on this host', command: 'date -u' },
      {
        purpose: "The certificate's validity window",
        command: `${SC} </dev/null 2>/dev/null | openssl x509 -noout -issuer -dates`,
      },
      { purpose: 'Clock synchronisation status (on a VM)', command: 'chronyc tracking' },
      { purpose: 'Re-run the probe with the same config', command: CHECK },
    ],
    fix: [
      "Fix the host's time synchronisation (NTP / chrony) if its clock is behind.",
      'If the certificate is really dated in the future, tell the processor; it resolves itself at notBefore.',
      "If the issuer is your inspecting proxy, fix the proxy's clock or exempt the processor host.",
    ],
  },
  {
    class: 'CERT_HOSTNAME_MISMATCH',
    kind: 'failure',
    stage: 'tls',
    summary: "The processor's certificate does not cover the server name",
    meaning:
      "The chain is trusted, but none of the certificate's subjectAltName entries matches the server name payprobe checks (tls.servername, default the endpoint host): ERR_TLS_CERT_ALTNAME_INVALID.",
    causes: [
      'The endpoint or tls.servername names a host the certificate does not cover: an IP address, an internal alias, or a CNAME target instead of the documented host.',
      'The SNI is wrong, so a CDN or shared load balancer serves its default certificate.',
      'The processor retired a legacy host name and its new certificate no longer lists it.',
      'A TLS-inspecting proxy issues certificates with the wrong names.',
    ],
    firstCheck:
      'List the names the certificate covers and compare with the configured server name: `openssl s_client -connect HOST:443 -servername NAME </dev/null | openssl x509 -noout -ext subjectAltName`.',
    confirm: [
      {
        purpose: 'The names the presented certificate covers',
        command: `${SC} </dev/null 2>/dev/null | openssl x509 -noout -subject -ext subjectAltName`,
      },
      {
        purpose: "OpenSSL's own host name check (look for 'Verification: OK' or the mismatch)",
        command: `${SC} -verify_hostname {servername} </dev/null`,
      },
      { purpose: 'Re-run the probe with the same config', command: CHECK },
    ],
    fix: [
      "Use the processor's documented host in the endpoint and tls.servername (never an IP or an internal alias).",
      'If the processor retired the host name, move the integration and the config to the new host.',
      'Never disable the host name check: a mismatch can be an interception.',
    ],
  },
  {
    class: 'CERT_UNTRUSTED',
    kind: 'failure',
    stage: 'tls',
    summary: "The processor's certificate chain is not trusted",
    meaning:
      'The chain could not be verified up to a trusted root: self-signed, unknown root, incomplete chain, or a certificate OpenSSL refuses at its default security level. The OpenSSL code in the detail says which: UNABLE_TO_GET_ISSUER_CERT_LOCALLY (root not in the trust store or tls.ca), UNABLE_TO_VERIFY_LEAF_SIGNATURE (the server did not send its intermediate), SELF_SIGNED_CERT_IN_CHAIN or DEPTH_ZERO_SELF_SIGNED_CERT; "weak signature algorithm" (MD5 or SHA-1) or "key size too small" (RSA under 1,024 bits) names the certificate OpenSSL only calls UNSPECIFIED.',
    causes: [
      'The processor changed its CA or root, and your CA bundle (tls.ca), the runtime trust store or a CA pinned in an SDK only trusts the old one. Real examples: Braintree root changes (2020, 2024), Authorize.net from Entrust to DigiCert G2 (2024-25), Worldpay from DigiCert to Sectigo (2023), Stripe to DigiCert G5 (2025).',
      'The server stopped sending an intermediate certificate: browsers fetch it (AIA) and keep working, Node and most server-side clients do not.',
      'An egress proxy re-signs TLS with a corporate CA that the integration does not trust.',
      'A sandbox or private endpoint uses a private CA that is missing from tls.ca.',
      'A legacy endpoint still presents a chain signed with SHA-1, or a certificate with a small RSA key, which current OpenSSL refuses.',
    ],
    firstCheck:
      'Read the OpenSSL code in the detail and the issuer of the top certificate: `openssl s_client -connect HOST:443 -servername NAME -showcerts </dev/null` ends with `Verify return code:`; code 20 with a new issuer means the processor changed CA and your trust (tls.ca) lacks the new root; code 21 means the server sends an incomplete chain.',
    confirm: [
      {
        purpose: 'The chain as presented and the verification result (Verify return code)',
        command: `${SC} -showcerts </dev/null`,
      },
      {
        purpose: 'Verify against the CA bundle in the config',
        command: `${SC} -showcerts -CAfile ca.pem </dev/null`,
      },
      {
        purpose: "Subjects and issuers only: spot a new CA or a proxy's CA",
        command: `${SC} -showcerts </dev/null 2>/dev/null | grep -E '^ *[0-9] s:|^ *i:'`,
      },
      { purpose: 'Re-run the probe with the same config', command: CHECK },
    ],
    fix: [
      "Add the processor's new root (from the processor's announcement or the CA's site, checked by fingerprint) to tls.ca and to the integration's trust store; keep the old root until the migration is over.",
      'If the chain is incomplete, tell the processor; meanwhile add the missing intermediate to tls.ca.',
      'If a proxy re-signs traffic, exempt the processor host from inspection.',
      'If the detail names a weak signature algorithm or key size: the processor must reissue the certificate (SHA-256, RSA 2048 or ECDSA); lowering the security level of the integration is not a fix.',
      'Never turn verification off (tls.verify: false) in production: `payprobe audit` flags it.',
    ],
  },
  {
    class: 'CERT_REVOKED',
    kind: 'failure',
    stage: 'tls',
    summary: "The processor's certificate has been revoked by its CA",
    meaning:
      "An OCSP response signed by the certificate's issuer (stapled by the server, or from the responder named in the certificate with tls.revocation: ocsp) says the server certificate is revoked. The detail gives the revocation time, the reason (keyCompromise, superseded, cessationOfOperation, ...), the serial and which response said so.",
    causes: [
      "The CA revoked certificates in bulk after a validation or issuance problem (CAs have mass-revoked on a day's notice), and the processor has not replaced its certificate yet.",
      "The processor's private key was compromised (reason keyCompromise) and the certificate was revoked before a new one was deployed on every edge.",
      'The processor replaced the certificate (reason superseded) but one load balancer or region still serves the old one.',
    ],
    firstCheck:
      "Ask the responder yourself: save the chain with `openssl s_client -connect HOST:443 -servername NAME -showcerts </dev/null`, then `openssl ocsp -issuer issuer.pem -cert leaf.pem -url URL` with the OCSP URL from the leaf (`openssl x509 -in leaf.pem -noout -ocsp_uri`): 'revoked' with the same time confirms it; compare the serial with the one in the detail.",
    confirm: [
      {
        purpose:
          'The stapled OCSP response, if the server sends one (Cert Status: revoked, Revocation Time, Reason)',
        command: `${SC} -status </dev/null 2>/dev/null | sed -n '/OCSP response:/,/^---/p'`,
      },
      {
        purpose:
          "The leaf's serial and its OCSP URL (save the leaf as leaf.pem and its issuer as issuer.pem first)",
        command: 'openssl x509 -in leaf.pem -noout -serial -ocsp_uri',
      },
      {
        purpose: 'Ask the responder named in the certificate',
        command:
          'openssl ocsp -issuer issuer.pem -cert leaf.pem -url "$(openssl x509 -in leaf.pem -noout -ocsp_uri)" -resp_text',
      },
      { purpose: 'Re-run the probe with the same config', command: CHECK },
    ],
    fix: [
      'Tell the processor now (support and status page): every client that checks revocation (browsers, hardened integrations) refuses this certificate; the fix is a new certificate on every edge.',
      'If only some probes see it, a load balancer or region still serves the revoked certificate: give the processor the serial and the time of the failing probes.',
      "Do not switch tls.revocation to off to silence it: a revoked certificate may be in an attacker's hands.",
    ],
  },
  {
    class: 'CERT_PIN_MISMATCH',
    kind: 'failure',
    stage: 'tls',
    summary: 'No certificate in the processor chain matches the configured pins',
    meaning:
      'The chain is trusted and covers the name, but none of its public keys matches an entry in tls.pins (sha256 of the SubjectPublicKeyInfo).',
    causes: [
      'The processor renewed its certificate with a new key (a routine renewal): leaf-only pins break on every renewal. Stripe, Worldpay, Razorpay and Authorize.net advise against pinning for this reason.',
      'The processor changed CA, so intermediate or root pins no longer match.',
      'There is no backup pin, so a planned rotation broke the integration.',
      'A TLS-inspecting proxy presents its own keys.',
    ],
    firstCheck:
      "Compute the pin of the key the server presents now and compare it with tls.pins: `openssl s_client -connect HOST:443 -servername NAME </dev/null | openssl x509 -pubkey -noout | openssl pkey -pubin -outform der | openssl dgst -sha256 -binary | openssl enc -base64`; then check the new certificate's issuer is the processor's expected CA.",
    confirm: [
      {
        purpose: "The leaf's pin (prefix it with sha256/ to compare with tls.pins)",
        command: `${SC} </dev/null 2>/dev/null | openssl x509 -pubkey -noout | openssl pkey -pubin -outform der | openssl dgst -sha256 -binary | openssl enc -base64`,
      },
      {
        purpose: 'Subject, issuer and dates of the new certificate: a fresh notBefore means a renewal',
        command: `${SC} </dev/null 2>/dev/null | openssl x509 -noout -subject -issuer -dates`,
      },
      { purpose: 'Re-run the probe with the same config', command: CHECK },
    ],
    fix: [
      "If the new chain is legitimate (expected issuer, correct names, matches any announcement), update tls.pins and the integration's pins together.",
      'Pin an intermediate or root key plus a backup pin rather than the leaf, or remove pinning where the processor advises against it.',
      "If the key is a proxy's, exempt the processor host from inspection.",
    ],
  },
  {
    class: 'CLIENT_CERT_REJECTED',
    kind: 'failure',
    stage: 'tls',
    summary: 'The processor refused our client certificate (mutual TLS)',
    meaning:
      'The server requires a client certificate and refused the one we sent, or we sent none: alert bad_certificate (42), unknown_ca (48), certificate_required (116) or access_denied (49). With TLS 1.3 the refusal arrives after the handshake, on the first read.',
    causes: [
      'Our client certificate was renewed or re-issued, but the new one was not registered with the processor (Adyen and Access Worldpay require it to be uploaded or signed by them).',
      "No certificate was sent: the clientCert / clientKey secret is empty or missing, or the CA names in the server's CertificateRequest do not match our issuer, so the TLS stack offered nothing.",
      'The processor rotated the CA it trusts for client certificates (unknown_ca).',
      'The clientCert PEM lacks the intermediate the server needs to build a chain to the CA it trusts.',
      'A sandbox certificate is used against production (or the reverse), or the certificate was revoked.',
    ],
    firstCheck:
      "Check that the certificate in the clientCert secret is the one registered with the processor: compare `openssl x509 -in client.pem -noout -subject -issuer -dates -fingerprint -sha256` with the certificate in the processor's dashboard, and look at when the secret last changed (`aws secretsmanager describe-secret --secret-id SECRET_ID`).",
    confirm: [
      {
        purpose:
          'Handshake with our certificate and look for the alert (bad certificate, unknown ca, certificate required); with TLS 1.3 it arrives just after the handshake',
        command: `${SC} -cert client.pem -key client.key </dev/null`,
      },
      {
        purpose: 'If the server allows TLS 1.2: the same over 1.2, where the refusal is a handshake alert',
        command: `${SC} -tls1_2 -cert client.pem -key client.key </dev/null`,
      },
      {
        purpose:
          'The CAs the server accepts client certificates from (TLS 1.2; over 1.3 servers may omit the list)',
        command: `${SC} -tls1_2 </dev/null 2>/dev/null | sed -n '/Acceptable client certificate CA names/,/Requested/p'`,
      },
      {
        purpose: 'Our certificate: subject, issuer, dates and fingerprint',
        command: 'openssl x509 -in client.pem -noout -subject -issuer -dates -fingerprint -sha256',
      },
      {
        purpose: 'When the client-certificate secret changed (metadata only, no value)',
        command: 'aws secretsmanager describe-secret --secret-id {secretId}',
      },
      { purpose: 'Re-run the probe with the same config', command: CHECK },
    ],
    fix: [
      'Register (upload) the current client certificate with the processor, or restore the registered one in the clientCert / clientKey secrets (both together).',
      'Include the intermediate certificate in the clientCert PEM (leaf first).',
      'If the processor changed its client CA, get a certificate issued under the new CA.',
      'Use the certificate issued for this environment (sandbox vs production).',
    ],
  },
  {
    class: 'CLIENT_CERT_EXPIRED',
    kind: 'failure',
    stage: 'tls',
    summary: 'Our own client certificate has expired',
    meaning:
      'The client certificate configured in tls.clientCert is past its notAfter date. payprobe found this before connecting; the processor will reject it (CLIENT_CERT_REJECTED) as soon as it is sent.',
    causes: [
      'The renewal was missed: client certificates for mTLS are often issued by hand through a processor portal, for one or two years, with no automation.',
      'A renewed certificate exists but was never stored in the secret (or only in one region or account).',
      'The secret was updated, but the new version was not promoted to AWSCURRENT, or the config references a pinned old version.',
    ],
    firstCheck:
      "Read the end date of the certificate in the clientCert secret (`openssl x509 -in client.pem -noout -subject -enddate`) and look for a newer certificate among the secret's versions (`aws secretsmanager describe-secret --secret-id SECRET_ID`) that was never promoted to AWSCURRENT.",
    confirm: [
      {
        purpose: 'Our certificate: subject and end date',
        command: 'openssl x509 -in client.pem -noout -subject -enddate',
      },
      {
        purpose: "The secret's versions and stages (metadata only, no value)",
        command: 'aws secretsmanager describe-secret --secret-id {secretId}',
      },
      { purpose: 'Re-run the probe with the same config', command: CHECK },
    ],
    fix: [
      'Issue a new client certificate (a CSR through the processor portal or your CA), register it with the processor, then store certificate and key in the secrets together.',
      'If a renewed certificate exists, promote its secret version to AWSCURRENT.',
      'Automate: payprobe warns (CLIENT_CERT_EXPIRING_SOON) tls.clientCertExpiryWarningDays before expiry; route that warning to the team that owns the certificate.',
    ],
  },
];
