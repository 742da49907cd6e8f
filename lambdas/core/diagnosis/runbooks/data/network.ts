/**
 * Runbook data for the dns and connect stages: the name does not resolve, or no TCP connection.
 * One entry per class, in the order of the class table (contract/classes.ts); ../render.ts renders them.
 */
import { CHECK, type Runbook } from '../model';

export const NETWORK_RUNBOOKS: readonly Runbook[] = [
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
];
