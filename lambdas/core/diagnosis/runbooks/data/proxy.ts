/**
 * Runbook data for the proxy stage: the gateway's forward proxy (HTTP CONNECT) gives no tunnel to the
 * processor. One entry per class, in the order of the class table (contract/classes.ts); ../render.ts
 * renders them. Commands test the same path the probe takes with curl's -x (CONNECT through the proxy).
 */
import { CHECK, type Runbook } from '../model';

/** curl through the proxy to the processor, showing the CONNECT exchange. */
const CURL_X = 'curl -sv -o /dev/null --connect-timeout 5 -x {proxy} https://{host}:{port}/';

export const PROXY_RUNBOOKS: readonly Runbook[] = [
  {
    class: 'PROXY_CONNECT_FAILED',
    kind: 'failure',
    stage: 'proxy',
    summary: "The gateway's forward proxy cannot be reached",
    meaning:
      'The probe goes through the configured forward proxy (proxy.url, or HTTPS_PROXY with `proxy: env`) and could not open a connection to the proxy itself: its name does not resolve, the connection is refused or times out, or TLS to an https:// proxy fails. Nothing reached the processor. The integration, which uses the same proxy, is cut off from every processor behind it.',
    causes: [
      'The proxy is down, restarting, or out of capacity (all its listeners busy): every processor behind it fails at once.',
      "The proxy's host name or port in proxy.url (or HTTPS_PROXY) is wrong or retired, e.g. after a proxy migration.",
      'The network path to the proxy changed: a security group, network ACL or route between the probe (its VPC subnets) and the proxy.',
      'An https:// proxy whose certificate the probe does not trust (add its CA as proxy.ca) or which does not speak TLS on that port (use http://).',
    ],
    firstCheck:
      'Connect to the proxy itself from the same network: `curl -sv -o /dev/null -x PROXY:3128 https://HOST/` shows whether it fails before CONNECT (could not resolve proxy, connection refused or timed out) or after; then compare proxy.url with the proxy the gateway is actually configured to use.',
    confirm: [
      { purpose: "Resolve the proxy's name as the probe does", command: 'getent hosts {proxyHost}' },
      {
        purpose: 'Go through the proxy as the probe does: "Failed to connect to ... proxy" confirms it',
        command: CURL_X,
      },
      { purpose: 'Re-run the probe with the same config', command: CHECK },
    ],
    fix: [
      'Restore the proxy (restart it, scale it, fail over) or point proxy.url at the proxy the gateway really uses.',
      "Allow the probe's subnets and security group to reach the proxy port (security group egress, proxy ingress, network ACLs).",
      "For an https:// proxy, add the proxy's CA as proxy.ca, or use http:// when the proxy port is plaintext.",
    ],
  },
  {
    class: 'PROXY_AUTH_REQUIRED',
    kind: 'failure',
    stage: 'proxy',
    summary: 'The forward proxy demands authentication (407) and did not accept ours',
    meaning:
      "The proxy answered the probe's CONNECT with 407 Proxy Authentication Required: either no proxy credentials are configured, or the ones sent (Basic, in Proxy-Authorization on the CONNECT only) were refused. The detail carries the proxy's challenge (Proxy-Authenticate) and where the credentials came from, never their values.",
    causes: [
      "The proxy account's password was rotated in the directory but not in the secret proxy.credentials.password references (or in HTTPS_PROXY).",
      'The proxy started requiring authentication (a new policy) and the gateway has credentials that payprobe was not given.',
      'The account is locked or expired, or the proxy only offers a scheme payprobe does not speak (Negotiate/NTLM instead of Basic: the challenge in the detail says which).',
    ],
    firstCheck:
      "Read the challenge in the detail (Basic realm=...), then check when the secret behind proxy.credentials.password last changed against the proxy account's last password change: `aws secretsmanager describe-secret --secret-id SECRET_ID` shows LastChangedDate.",
    confirm: [
      {
        purpose: 'See the 407 and the challenge without credentials',
        command: `${CURL_X} 2>&1 | grep -Ei '^< (HTTP|Proxy-Authenticate)'`,
      },
      {
        purpose:
          'Try the account (PROXY_USER and PROXY_PASS exported in your shell from the secret, never typed): a 200 "Connection established" means the credentials work',
        command: `curl -sv -o /dev/null --connect-timeout 5 -x {proxy} --proxy-user "$PROXY_USER:$PROXY_PASS" https://{host}:{port}/`,
      },
      {
        purpose: 'When the secret last changed',
        command: 'aws secretsmanager describe-secret --secret-id {secretId}',
      },
      { purpose: 'Re-run the probe with the same config', command: CHECK },
    ],
    fix: [
      'Put the current proxy password in the secret proxy.credentials.password references (the next run reads it; nothing to redeploy).',
      "Configure proxy.credentials when the proxy requires them (the gateway's own proxy account, or one for payprobe with the same rights).",
      'If the proxy offers only Negotiate/NTLM, ask for a Basic-capable account or listener for the probe.',
    ],
  },
  {
    class: 'PROXY_REFUSED',
    kind: 'failure',
    stage: 'proxy',
    summary: 'The forward proxy refused to open a tunnel to the processor',
    meaning:
      "The proxy accepted the connection but answered CONNECT with an error status other than 407 (403 from its ACL, 502/503/504 when it could not reach the processor itself, 401 from some proxies for wrong credentials), or closed the connection, or answered with something that is not HTTP. The detail carries the status line and the proxy's own words (Squid's X-Squid-Error, the error page's text).",
    causes: [
      "The proxy's ACL does not allow the processor's host or port for the gateway (a new processor host, a non-443 port, a changed allow-list): 403.",
      "The proxy cannot reach or resolve the processor itself (its own DNS, its egress, or the processor's outage): 502/503/504 or Squid's ERR_DNS_FAIL / ERR_CONNECT_FAIL.",
      'The proxy port speaks TLS and proxy.url says http:// (the detail shows a TLS record instead of HTTP), or the port is not a proxy at all.',
      'The proxy drops CONNECT requests it does not allow by closing the connection.',
    ],
    firstCheck:
      "Read the status and the proxy's text in the detail: 403 or ERR_ACCESS_DENIED means the proxy's allow-list (ask its owners to allow HOST:443 for the gateway); 5xx or ERR_DNS_FAIL/ERR_CONNECT_FAIL means the proxy cannot reach the processor; then reproduce with `curl -sv -x PROXY:3128 https://HOST/`.",
    confirm: [
      {
        purpose: "Reproduce the CONNECT and read the proxy's answer (status line, X-Squid-Error)",
        command: `${CURL_X} 2>&1 | grep -Ei '^< (HTTP|X-Squid-Error)'`,
      },
      {
        purpose: 'Check whether the proxy host itself resolves the processor',
        command: 'ssh {proxyHost} getent hosts {host}',
      },
      { purpose: 'Re-run the probe with the same config', command: CHECK },
    ],
    fix: [
      "Have the proxy's ACL allow CONNECT to the processor's host and port for the gateway (Squid: an acl with dstdomain and the port in SSL_ports).",
      "Restore the proxy's own path to the processor (its DNS resolvers, its egress firewall, its NAT) or wait for the processor's outage to end.",
      'Fix the scheme in proxy.url (https:// for a TLS proxy port) or point it at the real proxy port.',
    ],
  },
  {
    class: 'PROXY_TIMEOUT',
    kind: 'failure',
    stage: 'proxy',
    summary: 'The forward proxy accepted the connection but never answered CONNECT',
    meaning:
      'TCP to the proxy is up (and TLS, for an https:// proxy), the probe sent CONNECT, and no answer came within timeoutMs. A proxy answers CONNECT once it has connected to the processor, so a hanging proxy is either overloaded or stuck connecting onward: its own connection to the processor times out. proxyMs stays empty; connectMs shows the TCP connection to the proxy.',
    causes: [
      "The proxy's own connection to the processor hangs: the processor allow-lists the proxy's egress IPs and they changed, or the proxy's egress firewall drops the traffic.",
      'The proxy is overloaded (worker or file descriptor limits) and queues new CONNECTs.',
      'Something on the port accepts connections but is not a proxy (a load balancer with no healthy proxy behind it).',
    ],
    firstCheck:
      'Time a CONNECT through the proxy (`curl -sv -o /dev/null -x PROXY:3128 https://HOST/`): a hang after "CONNECT HOST:443" is the proxy waiting on the processor; then check that the proxy\'s egress IPs are the ones registered with the processor.',
    confirm: [
      {
        purpose: 'Time the CONNECT: a hang after the request line is the proxy waiting onward',
        command: `curl -sv -o /dev/null -m 10 -w 'connect %{time_connect}s, tunnel %{time_appconnect}s\\n' -x {proxy} https://{host}:{port}/`,
      },
      {
        purpose:
          "Show the proxy's public egress IP (compare with the processor's allow-list for your account)",
        command: 'curl -s -x {proxy} https://checkip.amazonaws.com',
      },
      { purpose: 'Re-run the probe with the same config', command: CHECK },
    ],
    fix: [
      "Register the proxy's current egress IPs with the processor, or restore the proxy's stable egress (NAT with Elastic IPs).",
      'Relieve the proxy (scale out, raise its connection limits) or fail over to a healthy one.',
      'Point proxy.url at the real proxy listener if the port fronts something else.',
    ],
  },
];
