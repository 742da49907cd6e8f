/**
 * The page for a processor reached through the gateway's forward proxy, or probed from a VPC: it names the
 * route and the placement, shows the proxy's time among the phases, fills the proxy runbook commands with
 * the real proxy, and says what a DNS or connect failure from inside a VPC usually means.
 */
import { type ProcessorConfig, parseConfig } from '../../../lambdas/core/config/load';
import type { ProbeResult } from '../../../lambdas/core/contract/result';
import { buildDiagnosisNotification } from '../../../lambdas/core/diagnosis/notification';
import { parseAlarmEvent } from '../../../lambdas/diagnose/alarm-event';
import { alarmEvent } from '../../support/diagnose';
import { FAILING, passing } from '../../support/probe';

const config = (extra: string): ProcessorConfig =>
  parseConfig(
    [
      'processors:',
      '  - name: stripe',
      '    preset: stripe',
      '    auth: { credentials: { type: bearer, token: { secretsManager: payprobe/stripe/api-key } } }',
      extra,
    ].join('\n'),
    '/etc/payprobe/payprobe.yaml',
  ).processors[0] as ProcessorConfig;

const PROXIED = config(
  '    proxy: { url: http://proxy.internal:3128, credentials: { username: gw, password: { secretsManager: gw/proxy-pass } } }',
);
const IN_VPC = config(
  '    network: { vpc: { vpcId: vpc-0abc12345, subnetIds: [subnet-0123abcd, subnet-0456abcd], securityGroupIds: [sg-01234567] } }',
);

function page(result: ProbeResult, cfg: ProcessorConfig): string {
  const alarm = parseAlarmEvent(alarmEvent('PayProbe-stripe-HandshakeFailing', 'ALARM', 'OK'));
  if (!alarm) throw new Error('event');
  return buildDiagnosisNotification({
    alarm,
    kind: 'HandshakeFailing',
    processor: 'stripe',
    result,
    config: cfg,
  }).text;
}

describe('a page through a forward proxy', () => {
  it('names the route, leaves the chain unread, and points the runbook at the real proxy and its secret', () => {
    const text = page(FAILING.proxy as ProbeResult, PROXIED);
    expect(text).toMatch(/^\[CRITICAL\] stripe: TLS handshake failing - PROXY_AUTH_REQUIRED/);
    expect(text).toContain('  Route:     through the forward proxy http://proxy.internal:3128');
    expect(text).toContain('  Stage:     proxy');
    expect(text).toContain('not reached: the probe stopped at stage proxy');
    expect(text).toContain('dns 1 ms | connect 2 ms | proxy - | tls - |');
    expect(text).toContain('-x http://proxy.internal:3128 https://api.stripe.com:443/');
    expect(text).toContain('aws secretsmanager describe-secret --secret-id gw/proxy-pass');
    expect(text).not.toMatch(/\bPROXY:3128\b/);
  });

  it("shows the proxy's time among the phases of a run that went through", () => {
    const result = passing({
      ok: false,
      stage: 'tls',
      class: 'CERT_UNTRUSTED',
      detail:
        'UNABLE_TO_GET_ISSUER_CERT_LOCALLY (through proxy http://proxy.internal:3128 to api.stripe.com:443)',
      timings: { dnsMs: 1, connectMs: 2, proxyMs: 40, tlsMs: 24, firstByteMs: null, totalMs: 70 },
      proxy: { url: 'http://proxy.internal:3128' },
      http: null,
    });
    const text = page(result, PROXIED);
    expect(text).toContain('dns 1 ms | connect 2 ms | proxy 40 ms | tls 24 ms | first byte - | total 70 ms');
    expect(text).toContain('(through proxy http://proxy.internal:3128 to api.stripe.com:443)');
  });

  it('has no proxy line or timing for a direct processor', () => {
    const text = page(FAILING.tls as ProbeResult, config(''));
    expect(text).not.toContain('Route:');
    expect(text).not.toContain('| proxy');
  });
});

describe('a page from a VPC', () => {
  it('names the placement, and for a DNS failure the VPC egress to check first', () => {
    const text = page(FAILING.dns as ProbeResult, IN_VPC);
    expect(text).toContain(
      '  Network:   re-probed from VPC vpc-0abc12345 (subnets subnet-0123abcd, subnet-0456abcd; security groups sg-01234567)',
    );
    expect(text).toMatch(/Egress: {4}a DNS or connect failure from inside a VPC .*no NAT gateway/);
  });

  it('does not blame the VPC egress for a failure past the connection', () => {
    const text = page(FAILING.tls as ProbeResult, IN_VPC);
    expect(text).toContain('Network:   re-probed from VPC vpc-0abc12345');
    expect(text).not.toContain('Egress:');
  });
});
