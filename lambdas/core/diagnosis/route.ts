/**
 * The page's lines about where the probe ran and which way it went (docs/diagnosis.md "The page"): the
 * forward proxy it went through (both hops), the VPC placement of the function that re-probed, and, for a
 * failure before the processor's TLS, what that placement means for it (a VPC without a route out fails at
 * DNS or connect, not at the processor). Also the phase-timing line with the proxy's time when there is one,
 * and the runbook placeholders of the proxy. Pure text from the result and the processor's config.
 */
import type { ProcessorConfig } from '../config/model';
import type { ProbeResult, Timings } from '../contract/result';
import type { CommandContext, RunbookClass } from './runbooks';

const ms = (v: number | null | undefined) => (v === null || v === undefined ? '-' : `${Math.round(v)} ms`);

/** `dns 3 ms | connect 11 ms | proxy 40 ms | tls 24 ms | first byte 87 ms | total 131 ms`. */
export function timingsLine(t: Timings): string {
  const proxy = 'proxyMs' in t ? ` | proxy ${ms(t.proxyMs)}` : '';
  return `dns ${ms(t.dnsMs)} | connect ${ms(t.connectMs)}${proxy} | tls ${ms(t.tlsMs)} | first byte ${ms(t.firstByteMs)} | total ${ms(t.totalMs)}`;
}

/** The proxy this run went through, or the configured one (a plain URL), as the page names it. */
function proxyOf(result: ProbeResult, cfg: ProcessorConfig | undefined): string | undefined {
  if (result.proxy) return result.proxy.url;
  const p = cfg?.proxy;
  if (p === undefined) return undefined;
  if (p === 'env') return 'HTTPS_PROXY (proxy: env)';
  return typeof p.url === 'string'
    ? p.url
    : `the proxy in ${Object.keys(p.url)[0]} ${Object.values(p.url)[0]}`;
}

/** SUMMARY lines after the processor: the route through a proxy and the function's VPC placement. */
export function routeLines(result: ProbeResult, cfg: ProcessorConfig | undefined): string[] {
  const out: string[] = [];
  const proxy = proxyOf(result, cfg);
  if (proxy) out.push(`  Route:     through the forward proxy ${proxy}, which connects to the processor`);
  const vpc = cfg?.network?.vpc;
  if (vpc) {
    out.push(
      `  Network:   re-probed from VPC ${vpc.vpcId} (subnets ${vpc.subnetIds.join(', ')}; security groups ${vpc.securityGroupIds.join(', ')}), where the probe runs`,
    );
    const before =
      result.stage === 'dns' || result.stage === 'connect' || result.class === 'PROXY_CONNECT_FAILED';
    if (!result.ok && before) {
      out.push(
        "  Egress:    a DNS or connect failure from inside a VPC is often the VPC's own way out: no NAT gateway or route to it, a security group or NACL without outbound HTTPS, or the VPC resolver; check those before the processor",
      );
    }
  }
  return out;
}

/** The proxy placeholders of the runbook commands, and the secret a PROXY_AUTH_REQUIRED page points at. */
export function proxyCommandContext(
  result: ProbeResult,
  cfg: ProcessorConfig | undefined,
  cls: RunbookClass | null,
): Partial<CommandContext> {
  const p = cfg?.proxy;
  const url =
    result.proxy?.url ?? (p !== undefined && p !== 'env' && typeof p.url === 'string' ? p.url : undefined);
  const out: { -readonly [K in keyof CommandContext]?: CommandContext[K] } = {};
  if (url) {
    try {
      const u = new URL(url);
      out.proxy = u.origin;
      out.proxyHost = u.hostname;
    } catch {
      // Not a URL: keep the placeholders.
    }
  }
  if (cls === 'PROXY_AUTH_REQUIRED' && p !== undefined && p !== 'env' && p.credentials) {
    out.secretId = Object.values(p.credentials.password)[0];
  }
  return out;
}
