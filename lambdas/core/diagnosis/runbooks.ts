/**
 * Runbooks: the one source of truth for what every failure and warning class means, why it usually happens in
 * a payment-gateway integration, how to confirm it, how to fix it and what to check first. The page (diagnose
 * Lambda), `payprobe explain CLASS` and docs/runbooks/<CLASS>.md (scripts/gen-runbooks.ts) all render from here,
 * so the three can never disagree.
 *
 * Commands carry placeholders that a page fills from the processor's config when it can:
 * {host} {port} {servername} {processor} {config} {path} {secretId}. The docs show them as HOST, 443, NAME, ...
 * Commands never print a secret value: credentials come from a file or an environment variable.
 */
import type { AlarmKindName } from '../contract/alarm-names';
import {
  FAILURE_CLASS_NAMES,
  FAILURE_CLASSES,
  type FailureClass,
  type Stage,
  WARNING_CLASSES,
  type WarningClass,
} from '../contract/classes';

export type RunbookClass = FailureClass | WarningClass;

export interface RunbookCommand {
  /** What the command shows and what to look for in its output. */
  readonly purpose: string;
  /** A shell command, with placeholders ({host}, {servername}, ...). */
  readonly command: string;
}

export interface Runbook {
  readonly class: RunbookClass;
  /** A failure fails the probe; a warning is raised on a probe that otherwise passed. */
  readonly kind: 'failure' | 'warning';
  readonly stage: Stage;
  /** One line: the headline of a page and of `payprobe explain`. */
  readonly summary: string;
  /** What the class means, precisely: what the probe saw. */
  readonly meaning: string;
  /** The usual causes in a payment-gateway integration, most likely first. */
  readonly causes: readonly string[];
  /** The single first thing to check, with the command or field to look at. */
  readonly firstCheck: string;
  /** Commands that confirm the diagnosis. */
  readonly confirm: readonly RunbookCommand[];
  /** How to fix it, in order. */
  readonly fix: readonly string[];
}

/** Values for the command placeholders. Anything unset renders as the documentation placeholder. */
export interface CommandContext {
  readonly host?: string;
  readonly port?: number;
  readonly servername?: string;
  readonly processor?: string;
  readonly config?: string;
  readonly path?: string;
  readonly secretId?: string;
}

/** How the placeholders read in the docs and in `payprobe explain`. */
export const PLACEHOLDERS: Readonly<Record<keyof CommandContext, string>> = {
  host: 'HOST',
  port: '443',
  servername: 'NAME',
  processor: 'PROCESSOR',
  config: 'payprobe.yaml',
  path: '/AUTH/PATH',
  secretId: 'SECRET_ID',
};

/** What the placeholders and the file names in the commands stand for (docs and explain print this). */
export const PLACEHOLDER_LEGEND: readonly string[] = [
  'HOST, 443: the host and port of the processor endpoint (tls.servername defaults to the host).',
  'NAME: the server name payprobe sends as SNI and checks the certificate against (tls.servername).',
  'PROCESSOR, payprobe.yaml: the processor name and the config file.',
  "/AUTH/PATH: the path of the authenticated request (auth.request.path, or the preset's).",
  'SECRET_ID: the Secrets Manager id or SSM name from the config (the reference, never the value).',
  'client.pem, client.key, ca.pem: the client certificate, its key and the CA bundle the config references.',
];

const SC = 'openssl s_client -connect {host}:{port} -servername {servername}';
const CHECK = 'npx payprobe check --config {config} --processor {processor}';

const RUNBOOK_LIST: readonly Runbook[] = [
  {
    class: 'DNS_FAILURE',
    kind: 'failure',
    stage: 'dns',
    summary: "The processor's host name does not resolve",
    meaning:
      'The resolver returned no address for the endpoint host (NXDOMAIN, SERVFAIL or no A/AAAA record), so no connection was attempted. The detail carries the resolver code: ENOTFOUND means the name does not exist for this resolver, EAI_AGAIN a temporary resolver failure.',
    causes: [
      "The endpoint host is wrong or stale: a typo, a retired legacy or sandbox host, or a per-merchant prefix that changed (Adyen's {PREFIX}-checkout-live, Checkout.com's {prefix}.api).",
      'The endpoint parameter (SSM) was changed to a wrong value.',
      "Your VPC's DNS shadows the processor's domain: a Route 53 private hosted zone, a resolver forwarding rule or a DNS Firewall rule.",
      "The processor's authoritative DNS or its CDN's DNS is failing (EAI_AGAIN / SERVFAIL everywhere).",
    ],
    firstCheck:
      "Resolve the host from inside and from outside your network (`dig +short HOST` and `dig @1.1.1.1 +short HOST`): if only the inside fails, your VPC DNS (private zone, resolver rule, DNS Firewall) is the cause; if both fail, the host name in the endpoint is wrong or the processor's DNS is down.",
    confirm: [
      { purpose: 'Resolve with the local resolver (the one the probe uses)', command: 'dig +short {host}' },
      {
        purpose: 'Resolve with a public resolver: an answer here but not above points at your DNS',
        command: 'dig @1.1.1.1 +short {host}',
      },
      {
        purpose: 'Show the full answer with its status (NXDOMAIN, SERVFAIL) and the CNAME chain',
        command: 'dig {host}',
      },
      { purpose: 'Re-run the probe with the same config', command: CHECK },
    ],
    fix: [
      "Correct the endpoint in the config (or the SSM parameter it references) to the processor's documented host.",
      "If your network shadows the name, fix or remove the private zone / resolver rule / DNS Firewall rule for the processor's domain.",
      "If the processor's DNS is failing, check its status page and open a ticket; there is nothing to change on your side.",
    ],
  },
  {
    class: 'CONNECT_REFUSED',
    kind: 'failure',
    stage: 'connect',
    summary: 'The TCP connection to the processor was refused',
    meaning:
      'The name resolved, but the connection attempt was answered with a reset (ECONNREFUSED): nothing listens on that address and port, or a firewall or proxy on the way actively rejects the connection.',
    causes: [
      'The endpoint has the wrong port (e.g. :8443 instead of :443) or points at a host that no longer serves the API.',
      "An egress firewall, proxy or network ACL rejects the destination with a reset (common after the processor's IP ranges change).",
      'DNS returns an address that belongs to a decommissioned endpoint (stale record or a stale override in /etc/hosts or a private zone).',
    ],
    firstCheck:
      "Check the port in the endpoint, then run `nc -vz -w 5 HOST 443` from the probe's network and from outside: refused everywhere means the endpoint or port is wrong or retired; refused only from your network means your egress firewall or proxy rejects it.",
    confirm: [
      { purpose: "Try the TCP connection from the probe's network", command: 'nc -vz -w 5 {host} {port}' },
      {
        purpose: "See which addresses the name resolves to (compare with the processor's documented ranges)",
        command: 'dig +short {host}',
      },
      { purpose: 'Re-run the probe with the same config', command: CHECK },
    ],
    fix: [
      "Correct the endpoint's host or port.",
      "Allow the processor's current addresses through the egress firewall / proxy (use the processor's published ranges or a DNS-based rule).",
      'Remove stale host overrides so the name resolves to the live endpoint.',
    ],
  },
  {
    class: 'CONNECT_TIMEOUT',
    kind: 'failure',
    stage: 'connect',
    summary: 'No TCP connection to the processor within the timeout',
    meaning:
      'The name resolved, but the connection attempt got no answer before timeoutMs: the SYN packets are silently dropped somewhere between the probe and the processor.',
    causes: [
      'The processor allowlists merchant IPs and your egress IP changed (a new NAT gateway or Elastic IP, a different region), so its edge drops your connections.',
      "Your egress firewall or security group allowlists the processor's IPs and the processor moved to new addresses.",
      'No route out: the Lambda runs in a VPC subnet without a NAT gateway, or a route table / network ACL changed.',
      'DNS returns an IPv6 address where the network has no IPv6 route.',
      "The processor's edge is down or overloaded (check its status page).",
    ],
    firstCheck:
      "Check whether either side's IP changed: compare `dig +short HOST` with the destinations your firewall or security group allows, and your NAT gateway's public IP with the IPs the processor has allowlisted for your account.",
    confirm: [
      { purpose: 'Try the TCP connection with a short timeout', command: 'nc -vz -w 5 {host} {port}' },
      { purpose: 'Find where packets stop on the path', command: 'traceroute -T -p {port} {host}' },
      {
        purpose: 'Show the public IP your traffic leaves from (compare with the processor allowlist)',
        command: 'curl -s https://checkip.amazonaws.com',
      },
      { purpose: 'Re-run the probe with the same config', command: CHECK },
    ],
    fix: [
      'Register your current egress IP with the processor, or give the egress a stable Elastic IP that stays registered.',
      "Update your firewall or security group to the processor's current address ranges.",
      'Restore the route out (NAT gateway, route table, network ACL).',
      "If the processor's edge is down, follow its status page; nothing to change on your side.",
    ],
  },
  {
    class: 'TLS_HANDSHAKE_TIMEOUT',
    kind: 'failure',
    stage: 'tls',
    summary: 'TCP connected, but the TLS handshake got no answer in time',
    meaning:
      'The TCP connection was established and the ClientHello was sent, but no ServerHello arrived before timeoutMs. Something accepts the connection but does not complete TLS.',
    causes: [
      'A middlebox (TLS-inspecting proxy, firewall with deep packet inspection) swallows the ClientHello.',
      'A path MTU problem drops the large ClientHello: newer TLS stacks send post-quantum key shares that push it above one packet, and broken middleboxes drop the fragments.',
      'The port accepts TCP but serves a protocol that waits for the client to speak first, or a load balancer listener has no healthy TLS target.',
      "The processor's TLS terminators are overloaded (incident).",
    ],
    firstCheck:
      "Run `openssl s_client -connect HOST:443 -servername NAME -msg` from the probe's network and from outside: if the ClientHello goes out and nothing comes back only from your network, a middlebox or an MTU problem in your egress is the cause.",
    confirm: [
      {
        purpose: 'Watch the handshake messages; a ClientHello with no ServerHello confirms the class',
        command: `${SC} -msg </dev/null`,
      },
      {
        purpose:
          'Retry with TLS 1.2 (smaller ClientHello): success here points at size / MTU or a 1.3-hostile middlebox',
        command: `${SC} -tls1_2 </dev/null`,
      },
      { purpose: 'Re-run the probe with the same config', command: CHECK },
    ],
    fix: [
      "Exempt the processor's host from TLS inspection on the egress proxy / firewall.",
      'Fix the path MTU (allow ICMP "fragmentation needed", or clamp the MSS on the egress device).',
      "If the processor's edge is slow everywhere, follow its status page.",
    ],
  },
  {
    class: 'TLS_CONNECTION_RESET',
    kind: 'failure',
    stage: 'tls',
    summary: 'The processor reset or closed the connection during the TLS handshake',
    meaning:
      'The TCP connection was established, then closed or reset (ECONNRESET, "socket disconnected before secure TLS connection was established") before the handshake finished, without a TLS alert saying why.',
    causes: [
      'The SNI is missing or wrong: CDNs and shared load balancers drop handshakes for server names they do not serve (check tls.servername and IP-literal endpoints).',
      "The processor's edge enforces an IP allowlist at the TLS terminator and resets connections from unregistered IPs.",
      'The server requires a client certificate and closes the connection instead of sending an alert when none is offered.',
      'An egress firewall or IPS resets the connection because of its TLS policy.',
      'The offered TLS versions are below the server minimum and the server resets instead of alerting.',
    ],
    firstCheck:
      'Check the SNI: run `openssl s_client -connect HOST:443 -servername NAME` with the exact servername the config uses, then with `-noservername`; if the result differs, tls.servername (or an IP-literal endpoint) is the cause.',
    confirm: [
      { purpose: 'Handshake with the configured server name', command: `${SC} </dev/null` },
      {
        purpose: 'Handshake without SNI: compare with the line above',
        command: 'openssl s_client -connect {host}:{port} -noservername </dev/null',
      },
      {
        purpose: 'Offer the client certificate: success here means the server requires mTLS',
        command: `${SC} -cert client.pem -key client.key </dev/null`,
      },
      { purpose: 'Re-run the probe with the same config', command: CHECK },
    ],
    fix: [
      "Set tls.servername to the processor's documented host (or use the host name, not an IP, in the endpoint).",
      'Register your egress IP with the processor if it enforces an allowlist.',
      'Configure tls.clientCert / tls.clientKey if the processor requires mutual TLS.',
      'Exempt the processor from TLS inspection on your egress firewall.',
    ],
  },
  {
    class: 'TLS_PROTOCOL_ERROR',
    kind: 'failure',
    stage: 'tls',
    summary: 'The processor endpoint does not speak TLS',
    meaning:
      'The bytes that came back were not a TLS record (OpenSSL "wrong version number", "packet length too long"): the port serves plaintext or another protocol, or something in between answered instead of the processor.',
    causes: [
      'The endpoint uses https:// with a plaintext port (e.g. :80, a health-check or admin port).',
      'An egress or corporate proxy answers in plaintext (an HTTP error page, a captive portal) instead of tunnelling.',
      'A load balancer listener in front of the API was changed from TLS to TCP or HTTP.',
    ],
    firstCheck:
      "See what the port really answers: `curl -sv http://HOST:443/ -o /dev/null`; if plaintext HTTP answers, the endpoint's scheme or port is wrong, or a proxy intercepts the connection.",
    confirm: [
      {
        purpose: 'Talk plaintext HTTP to the port: an HTTP response confirms the class',
        command: 'curl -sv http://{host}:{port}/ -o /dev/null',
      },
      { purpose: 'The TLS view: look for "wrong version number"', command: `${SC} </dev/null` },
      { purpose: 'Re-run the probe with the same config', command: CHECK },
    ],
    fix: [
      "Correct the endpoint's port (the processor's API port is 443 unless documented otherwise).",
      'Route the probe around the intercepting proxy, or configure the proxy to tunnel (CONNECT) the processor host.',
      'Restore the TLS listener on the load balancer.',
    ],
  },
  {
    class: 'TLS_VERSION_MISMATCH',
    kind: 'failure',
    stage: 'tls',
    summary: 'The probe and the processor share no TLS protocol version',
    meaning:
      'The handshake failed because no protocol version is allowed on both sides (alert protocol_version, ERR_SSL_UNSUPPORTED_PROTOCOL): the versions the integration offers (tls.minVersion..tls.maxVersion) and the versions the server accepts do not overlap.',
    causes: [
      'The processor retired an old version (PCI DSS 4.0 requirement 4.2.1 forbids SSL and early TLS; Stripe, PayPal, Braintree and Mollie require TLS 1.2 or later) while the integration caps tls.maxVersion below it.',
      'The processor moved an endpoint to TLS 1.3 only (Adyen and Square recommend 1.3) while the integration pins tls.maxVersion TLSv1.2.',
      'tls.minVersion is set above what a legacy or sandbox endpoint supports.',
      'A TLS-inspecting proxy in the path supports only old versions.',
    ],
    firstCheck:
      'Compare tls.minVersion / tls.maxVersion in the config with what the server accepts: run `openssl s_client -connect HOST:443 -servername NAME -tls1_2` and again with `-tls1_3`; the one that completes is what the server speaks.',
    confirm: [
      { purpose: 'Does the server accept TLS 1.2?', command: `${SC} -tls1_2 </dev/null` },
      { purpose: 'Does the server accept TLS 1.3?', command: `${SC} -tls1_3 </dev/null` },
      { purpose: 'Re-run the probe with the same config', command: CHECK },
    ],
    fix: [
      'Allow the version the processor now requires (raise tls.maxVersion or lower tls.minVersion) in the config and in the integration itself: the probe mirrors the integration, so both must change.',
      'Upgrade the TLS library of the integration if it cannot speak the required version.',
      'Exempt the processor from the TLS-inspecting proxy or upgrade the proxy.',
    ],
  },
  {
    class: 'TLS_HANDSHAKE_REJECTED',
    kind: 'failure',
    stage: 'tls',
    summary: 'The processor rejected the TLS handshake with an alert',
    meaning:
      'The server answered the ClientHello with a fatal TLS alert (the alert name and number are in the detail), most often handshake_failure (40) when there is no cipher suite, curve or signature algorithm both sides allow.',
    causes: [
      'The integration pins a tls.ciphers list that no longer overlaps with the server after the processor hardened its configuration (retired CBC or RSA key-exchange suites).',
      'The integration excludes every curve or signature algorithm the server now requires.',
      'The server applies a policy alert, e.g. access_denied (49) for clients outside its allowlist, or insufficient_security (71).',
      'The server requires SNI and rejects handshakes without it.',
    ],
    firstCheck:
      "Read the alert name in the detail, then compare tls.ciphers with what the server accepts: `openssl s_client -connect HOST:443 -servername NAME -tls1_2 -cipher 'YOUR_LIST'` fails with the same alert while the command without `-cipher` succeeds if the cipher list is the cause.",
    confirm: [
      {
        purpose: "Handshake with the integration's cipher list (TLS 1.2 suites)",
        command: `${SC} -tls1_2 -cipher 'YOUR_CIPHER_LIST' </dev/null`,
      },
      {
        purpose: 'Handshake with OpenSSL defaults: the negotiated cipher shows a suite the server accepts',
        command: `${SC} </dev/null`,
      },
      {
        purpose: 'List the suites the server offers',
        command: 'nmap --script ssl-enum-ciphers -p {port} {host}',
      },
      { purpose: 'Re-run the probe with the same config', command: CHECK },
    ],
    fix: [
      "Widen tls.ciphers (and the integration's cipher list) to include current ECDHE-AES-GCM / CHACHA20 suites, or remove the override to use the runtime defaults.",
      'For a policy alert (access_denied), register your egress IP or account with the processor.',
      'Make sure the integration sends SNI (tls.servername).',
    ],
  },
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
      'The chain could not be verified up to a trusted root: self-signed, unknown root, or incomplete chain. The OpenSSL code in the detail says which: UNABLE_TO_GET_ISSUER_CERT_LOCALLY (root not in the trust store or tls.ca), UNABLE_TO_VERIFY_LEAF_SIGNATURE (the server did not send its intermediate), SELF_SIGNED_CERT_IN_CHAIN or DEPTH_ZERO_SELF_SIGNED_CERT.',
    causes: [
      'The processor changed its CA or root, and your CA bundle (tls.ca), the runtime trust store or a CA pinned in an SDK only trusts the old one. Real examples: Braintree root changes (2020, 2024), Authorize.net from Entrust to DigiCert G2 (2024-25), Worldpay from DigiCert to Sectigo (2023), Stripe to DigiCert G5 (2025).',
      'The server stopped sending an intermediate certificate: browsers fetch it (AIA) and keep working, Node and most server-side clients do not.',
      'An egress proxy re-signs TLS with a corporate CA that the integration does not trust.',
      'A sandbox or private endpoint uses a private CA that is missing from tls.ca.',
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
      'Never turn verification off (tls.verify: false) in production: `payprobe audit` flags it.',
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
  {
    class: 'AUTH_REJECTED',
    kind: 'failure',
    stage: 'auth',
    summary: 'The processor rejected our API credentials',
    meaning:
      'TLS succeeded, but the authenticated request was refused: HTTP 401 or 403, or an OAuth token request answered invalid_client. The status is in the detail.',
    causes: [
      'The key or client secret was rolled or revoked at the processor (e.g. Stripe "roll key", a regenerated PayPal app secret) and the secret was not updated, or was updated in one place only.',
      'A test key against the production host or the reverse (sk_test_ vs sk_live_, PayPal sandbox vs live client id).',
      'The key lost a permission: a Stripe restricted key without balance read access (403), an Adyen API credential missing a role (403, errorCode 010).',
      'The processor enforces an API-level IP allowlist and your egress IP changed.',
      'The credential type or header does not match (Basic vs Bearer, wrong header name) after a config change.',
    ],
    firstCheck:
      "Check whether the credential changed on either side: `aws secretsmanager describe-secret --secret-id SECRET_ID` (LastChangedDate, version stages) against the API-key page of the processor dashboard (rolled or revoked keys), and check the key's environment matches the host (test vs live).",
    confirm: [
      { purpose: 'Re-run the probe and read http.status in the JSON', command: `${CHECK} --json` },
      {
        purpose: 'When the credential secret changed (metadata only, no value)',
        command: 'aws secretsmanager describe-secret --secret-id {secretId}',
      },
      {
        purpose:
          'The same request by hand; keep the credential in a header file so it stays out of shell history',
        command: "curl -s -o /dev/null -w '%{http_code}\\n' -H @auth-header.txt https://{host}:{port}{path}",
      },
    ],
    fix: [
      'Store the current key in the secret (and in the integration: they must read the same secret), then re-run `payprobe check`.',
      'Use the key that matches the environment of the host.',
      "Restore the key's permissions or role at the processor.",
      'Register your egress IP if the processor allowlists API clients.',
    ],
  },
  {
    class: 'HTTP_ERROR',
    kind: 'failure',
    stage: 'http',
    summary: 'The processor answered the authenticated request with an unexpected status',
    meaning:
      'TLS and authentication passed, but the status is not in auth.expectStatus and is not 401/403: a 5xx, 404, 405, 400, 429 or a redirect. The status is in the detail.',
    causes: [
      "5xx: the processor's API is failing (incident) or a proxy in between cannot reach it.",
      '429: rate limiting, often because the probe shares an API key (and its rate limit) with production traffic.',
      '404 / 405 / 400: the probe request no longer matches the API (a retired API version such as an old Adyen /vNN, a changed path, a body missing a required field such as merchantAccount).',
      '3xx: the endpoint moved; payprobe does not follow redirects with credentials.',
    ],
    firstCheck:
      "Read the status in the detail: 5xx means check the processor's status page now; 429 means rate limiting (give the probe its own key or a longer interval); any other 4xx or a 3xx means the probe request (path, method, API version, body) no longer matches the API.",
    confirm: [
      { purpose: 'Re-run the probe and read http.status and the detail', command: `${CHECK} --json` },
      {
        purpose: 'The same request by hand with headers shown (credential in a header file)',
        command: 'curl -sv -o /dev/null -H @auth-header.txt https://{host}:{port}{path}',
      },
    ],
    fix: [
      '5xx: follow the processor status page and incident; escalate to the processor with the timestamps from this page.',
      '429: use a dedicated, read-only key for the probe, or probe less often.',
      "4xx / 3xx: update auth.request (path, API version, body) to the processor's current API, and the integration if it calls the same route.",
    ],
  },
  {
    class: 'RESPONSE_TIMEOUT',
    kind: 'failure',
    stage: 'http',
    summary: 'The processor did not answer the request in time',
    meaning:
      'TLS succeeded and the request was sent, but no response arrived within timeoutMs (or the probe budget ran out while reading it).',
    causes: [
      "The processor's API is degraded (incident).",
      'A proxy or gateway in between buffers or stalls the request.',
      'The request waits for a body that never comes (a POST without the expected body or content type).',
      'timeoutMs is tighter than this endpoint normally needs (OAuth token endpoints can be slow).',
    ],
    firstCheck:
      "Time the same request by hand and check the processor's status page: `curl -s -o /dev/null -w 'tls %{time_appconnect} first byte %{time_starttransfer}\\n' https://HOST/AUTH/PATH`; slow everywhere means the processor is degraded, fast by hand means the probe's request or timeoutMs.",
    confirm: [
      {
        purpose: 'Phase times of the same request (credential in a header file)',
        command:
          "curl -s -o /dev/null -H @auth-header.txt -w 'connect %{time_connect} tls %{time_appconnect} first byte %{time_starttransfer} total %{time_total}\\n' https://{host}:{port}{path}",
      },
      { purpose: 'Re-run the probe and read timings.firstByteMs', command: `${CHECK} --json` },
    ],
    fix: [
      'If the processor is degraded, follow its status page and escalate with the timestamps from this page.',
      'Fix the request (method, body, content type) so the server does not wait for more input.',
      'Raise timeoutMs only if the endpoint is healthy but consistently slower than the current value.',
    ],
  },
  {
    class: 'CONFIG_ERROR',
    kind: 'failure',
    stage: 'config',
    summary: "payprobe could not build the probe from the processor's configuration",
    meaning:
      'The probe stopped before connecting: a secret or parameter could not be read, a PEM is invalid, or the client key does not match the client certificate. The detail names the reference (never its value) and the reason.',
    causes: [
      'A secret or parameter was deleted, renamed or scheduled for deletion, or exists only in another region or account.',
      "The probe's role lost read permission (AccessDeniedException), or the KMS key policy no longer allows decrypt.",
      'The value has the wrong form: JSON key/value instead of a PEM, a PKCS#12 blob, a PEM with a missing header or mangled line breaks.',
      'After a rotation, the certificate and key secrets are out of step (new certificate, old key), or the key passphrase is missing or wrong.',
    ],
    firstCheck:
      'Read the reference and reason in the detail, then check that the reference exists in this region and the probe role may read it: `aws secretsmanager describe-secret --secret-id SECRET_ID` (or `aws ssm get-parameter-history --name SECRET_ID` for SSM).',
    confirm: [
      {
        purpose: 'The secret exists, its versions and stages (metadata only, no value)',
        command: 'aws secretsmanager describe-secret --secret-id {secretId}',
      },
      {
        purpose: "An SSM parameter's versions (no value)",
        command:
          "aws ssm get-parameter-history --name {secretId} --query 'Parameters[].[Version,LastModifiedDate]'",
      },
      {
        purpose: 'Key and certificate match when the two hashes are equal',
        command:
          'openssl x509 -in client.pem -noout -pubkey | openssl sha256; openssl pkey -in client.key -pubout | openssl sha256',
      },
      { purpose: 'Reproduce locally with the same references', command: CHECK },
    ],
    fix: [
      'Restore or recreate the secret or parameter under the referenced name, or point the config at the right one and redeploy.',
      "Restore the probe role's read permission and the KMS key policy (redeploying the payprobe stack re-grants it).",
      'Store the value as a plain PEM (certificate first, then intermediates; the key unencrypted or with tls.clientKeyPassphrase).',
      'Rotate certificate and key together.',
    ],
  },
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
];

export const RUNBOOKS: Readonly<Record<RunbookClass, Runbook>> = Object.fromEntries(
  RUNBOOK_LIST.map((r) => [r.class, r]),
) as Record<RunbookClass, Runbook>;

/** Every class with a runbook: the failure classes then the warnings, in DESIGN order. */
export const RUNBOOK_CLASSES: readonly RunbookClass[] = [...FAILURE_CLASS_NAMES, ...WARNING_CLASSES];

export function isRunbookClass(value: string): value is RunbookClass {
  return Object.hasOwn(RUNBOOKS, value);
}

export function runbookFor(cls: RunbookClass): Runbook {
  return RUNBOOKS[cls];
}

/** Directory of the generated runbook pages, relative to the repository root. */
export const RUNBOOK_DOCS_DIR = 'docs/runbooks';

/** `docs/runbooks/CERT_UNTRUSTED.md`, or under `baseUrl` when given (a repository URL, a wiki). */
export function runbookLink(cls: RunbookClass, baseUrl?: string): string {
  const base = (baseUrl ?? RUNBOOK_DOCS_DIR).replace(/\/+$/, '');
  return `${base}/${cls}.md`;
}

/**
 * What each alarm watches and what to check first when the re-probe does not show a failure (the alarm was
 * raised by earlier runs). Also the runbooks an alarm's description can link to.
 */
export interface AlarmKindGuide {
  readonly watches: string;
  readonly whenReprobePasses: string;
  /** The classes this alarm usually means. */
  readonly classes: readonly RunbookClass[];
}

const TLS_FAILURES = (Object.keys(FAILURE_CLASSES) as FailureClass[]).filter(
  (c) => FAILURE_CLASSES[c] === 'tls',
);

/** The failure classes of the stages without an alarm of their own: AvailabilityLow pages for them. */
const OTHER_STAGE_FAILURES = (Object.keys(FAILURE_CLASSES) as FailureClass[]).filter(
  (c) => FAILURE_CLASSES[c] !== 'tls' && FAILURE_CLASSES[c] !== 'auth',
);

export const ALARM_KIND_GUIDES: Readonly<Record<AlarmKindName, AlarmKindGuide>> = {
  HandshakeFailing: {
    watches: 'probe runs that failed at the TLS stage (metric HandshakeFailure)',
    whenReprobePasses:
      "Earlier runs failed the TLS handshake but this one passed: the failure is intermittent (one bad node behind the processor's load balancer, a certificate rolled out to part of a fleet) or has just been fixed. Look at the Failure metric by Class for this processor to see which class the failing runs had.",
    classes: TLS_FAILURES,
  },
  AuthRejected: {
    watches: 'probe runs whose authenticated request was refused (metric AuthFailure)',
    whenReprobePasses:
      "Earlier runs were refused but this one was accepted: a key rotation in progress (some processor nodes know the new key, some the old), or the secret was just fixed. Compare the secret's LastChangedDate with the alarm time.",
    classes: ['AUTH_REJECTED'],
  },
  AvailabilityLow: {
    watches:
      'the share of probe runs that did not fail at DNS, connect, HTTP or config (metrics Success + HandshakeFailure + AuthFailure: TLS and auth failures page through their own alarms) falling below the availability threshold',
    whenReprobePasses:
      "Some runs fail at DNS, connect, HTTP or config and some pass: look at the Failure metric by Class for this processor to see which class the failing runs had, and at the processor's status page for a partial outage.",
    classes: OTHER_STAGE_FAILURES,
  },
  ProbeNotRunning: {
    watches: 'missing Success datapoints: the probe function itself is not reporting',
    whenReprobePasses:
      "The processor answers (this re-probe passed), so the problem is payprobe's own probe function: check its Errors and Throttles metrics, its log group, and whether its schedule is enabled. Payments may be fine.",
    classes: ['CONFIG_ERROR'],
  },
  LatencyHigh: {
    watches: 'probe total time above the latency budget (metric TotalTime)',
    whenReprobePasses:
      'This run was within budget: the slowness is intermittent. Compare the phase timing metrics (DnsTime, ConnectTime, TlsTime, FirstByteTime) around the alarm time to see which phase was slow.',
    classes: ['SLOW_RESPONSE', 'RESPONSE_TIMEOUT'],
  },
  CertExpiring: {
    watches: "days until the processor's server certificate expires (metric CertDaysToExpiry)",
    whenReprobePasses:
      'This run saw no expiring certificate: the processor has probably renewed it (or another node served a fresh one). Check the validity on this page.',
    classes: ['CERT_EXPIRING_SOON', 'CERT_EXPIRED'],
  },
  ClientCertExpiring: {
    watches: 'days until our client certificate expires (metric ClientCertDaysToExpiry)',
    whenReprobePasses:
      'This run saw no expiring client certificate: the secret was probably updated with a renewed certificate. Check the validity on this page.',
    classes: ['CLIENT_CERT_EXPIRING_SOON', 'CLIENT_CERT_EXPIRED'],
  },
};

/** Fills a command's placeholders from the context; anything unknown keeps its documentation placeholder. */
export function renderCommand(command: string, ctx: CommandContext = {}): string {
  return command.replace(
    /\{(host|port|servername|processor|config|path|secretId)\}/g,
    (_m, key: keyof CommandContext) => {
      const v = ctx[key];
      return v === undefined || v === '' ? PLACEHOLDERS[key] : String(v);
    },
  );
}

/** The placeholder names in prose (firstCheck) rendered with real values when the page knows them. */
export function renderProse(text: string, ctx: CommandContext = {}): string {
  let out = text;
  const pairs: [keyof CommandContext, string][] = [
    ['servername', 'NAME'],
    ['host', 'HOST'],
    ['path', '/AUTH/PATH'],
    ['secretId', 'SECRET_ID'],
  ];
  for (const [key, token] of pairs) {
    const v = ctx[key];
    if (v !== undefined && v !== '') out = out.split(token).join(String(v));
  }
  if (ctx.port !== undefined) out = out.replace(/(:|\s)443\b/g, `$1${ctx.port}`);
  return out;
}

const wrap = (text: string, width: number, indent: string, first = indent): string => {
  const words = text.split(/\s+/).filter(Boolean);
  const lines: string[] = [];
  let line = first;
  for (const w of words) {
    const cur = lines.length === 0 ? first : indent;
    if (line.length > cur.length && line.length + 1 + w.length > width) {
      lines.push(line);
      line = indent + w;
    } else {
      line = line.length > cur.length ? `${line} ${w}` : `${line}${w}`;
    }
  }
  lines.push(line);
  return lines.join('\n');
};

export interface RunbookTextOptions {
  readonly ctx?: CommandContext;
  /** Where the full runbook lives (a link printed at the end). */
  readonly link?: string;
  /** Print the placeholder legend (explain does; a page with real values does not). @default true */
  readonly legend?: boolean;
  /** Print the first check (a page prints it at the top instead). @default true */
  readonly firstCheck?: boolean;
  /** Line width for prose. @default 100 */
  readonly width?: number;
}

/** The runbook as plain text: `payprobe explain` prints it and the page embeds it. */
export function renderRunbookText(rb: Runbook, opts: RunbookTextOptions = {}): string {
  const width = opts.width ?? 100;
  const ctx = opts.ctx ?? {};
  const out: string[] = [];
  out.push(`${rb.class} (${rb.kind}, stage ${rb.stage}): ${rb.summary}`);
  out.push('');
  out.push('What it means');
  out.push(wrap(rb.meaning, width, '  '));
  out.push('');
  if (opts.firstCheck ?? true) {
    out.push('First check');
    out.push(wrap(renderProse(rb.firstCheck, ctx), width, '  '));
    out.push('');
  }
  out.push('Usual causes');
  for (const c of rb.causes) out.push(wrap(c, width, '    ', '  - '));
  out.push('');
  out.push('Confirm');
  for (const c of rb.confirm) {
    out.push(wrap(`${c.purpose}:`, width, '    ', '  - '));
    out.push(`      $ ${renderCommand(c.command, ctx)}`);
  }
  out.push('');
  out.push('Fix');
  rb.fix.forEach((f, i) => {
    out.push(wrap(f, width, '     ', `  ${i + 1}. `));
  });
  if (opts.legend ?? true) {
    out.push('');
    out.push('Placeholders');
    for (const l of PLACEHOLDER_LEGEND) out.push(wrap(l, width, '    ', '  - '));
  }
  if (opts.link) {
    out.push('');
    out.push(`Full runbook: ${opts.link}`);
  }
  return out.join('\n');
}

/** The runbook as a Markdown page (docs/runbooks/<CLASS>.md), generated by scripts/gen-runbooks.ts. */
export function renderRunbookMarkdown(rb: Runbook): string {
  const out: string[] = [];
  out.push(
    '<!-- Generated by scripts/gen-runbooks.ts from lambdas/core/runbooks.ts. Do not edit by hand. -->',
  );
  out.push(`# ${rb.class}: ${rb.summary}`);
  out.push('');
  out.push(`**${rb.kind === 'failure' ? 'Failure' : 'Warning'} class**, stage \`${rb.stage}\`.`);
  out.push('');
  out.push('## What it means');
  out.push('');
  out.push(rb.meaning);
  out.push('');
  out.push('## First check');
  out.push('');
  out.push(rb.firstCheck);
  out.push('');
  out.push('## Usual causes in a payment-gateway integration');
  out.push('');
  for (const c of rb.causes) out.push(`- ${c}`);
  out.push('');
  out.push('## Confirm');
  out.push('');
  for (const c of rb.confirm) {
    out.push(`${c.purpose}:`);
    out.push('');
    out.push('```sh');
    out.push(renderCommand(c.command));
    out.push('```');
    out.push('');
  }
  out.push('## Fix');
  out.push('');
  rb.fix.forEach((f, i) => {
    out.push(`${i + 1}. ${f}`);
  });
  out.push('');
  out.push('## Placeholders');
  out.push('');
  for (const l of PLACEHOLDER_LEGEND) out.push(`- ${l}`);
  out.push('');
  out.push(
    `Print this page in a terminal: \`npx payprobe explain ${rb.class}\`. All classes: [index](README.md).`,
  );
  out.push('');
  return out.join('\n');
}

/** docs/runbooks/README.md: the index of every class. */
export function renderRunbookIndex(): string {
  const out: string[] = [];
  out.push(
    '<!-- Generated by scripts/gen-runbooks.ts from lambdas/core/runbooks.ts. Do not edit by hand. -->',
  );
  out.push('# payprobe runbooks');
  out.push('');
  out.push(
    'One page per failure and warning class. A page (SNS notification) links to the page of its class, and `npx payprobe explain CLASS` prints the same text.',
  );
  out.push('');
  out.push('| class | kind | stage | what it means |');
  out.push('|---|---|---|---|');
  for (const cls of RUNBOOK_CLASSES) {
    const rb = RUNBOOKS[cls];
    out.push(`| [${cls}](${cls}.md) | ${rb.kind} | ${rb.stage} | ${rb.summary} |`);
  }
  out.push('');
  out.push('## Alarms');
  out.push('');
  out.push('| alarm | watches | usual classes |');
  out.push('|---|---|---|');
  for (const [kind, g] of Object.entries(ALARM_KIND_GUIDES)) {
    const classes =
      g.classes.length === FAILURE_CLASS_NAMES.length
        ? 'any failure class'
        : g.classes.map((c) => `[${c}](${c}.md)`).join(', ');
    out.push(`| \`PayProbe-PROCESSOR-${kind}\` | ${g.watches} | ${classes} |`);
  }
  out.push('');
  return out.join('\n');
}
