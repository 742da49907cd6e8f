/**
 * Runbook data for the TLS handshake itself: timeouts, resets, peers that do not speak TLS, version
 * and cipher mismatches.
 * One entry per class, in the order of the class table (contract/classes.ts); ../render.ts renders them.
 */
import { CHECK, type Runbook, SC } from '../model';

export const HANDSHAKE_RUNBOOKS: readonly Runbook[] = [
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
];
