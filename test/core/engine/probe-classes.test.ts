/**
 * The probe engine against a fleet of real TLS servers on 127.0.0.1 with generated certificates: one
 * simulated processor per failure class that can be produced on one machine, each asserting stage, class
 * and the key detail.
 */

import type { ProbeResult } from '../../../lambdas/core/contract/result';
import { probe } from '../../../lambdas/core/engine/probe';
import {
  type ProcessorOptions,
  type SimKind,
  type SimulatedProcessor,
  Testbed,
} from '../../../testbed/servers';
import { fixedLookup, hangingLookup, notFoundLookup } from '../../support/secrets';

const TOKEN = 'sk_test_classes_0123456789';
let bed: Testbed;
let fleet: Record<SimKind, SimulatedProcessor>;

beforeAll(async () => {
  bed = await Testbed.start();
  const bearer = { credentials: { type: 'bearer' as const, token: TOKEN } };
  fleet = await bed.fleet({
    healthy: {
      kind: 'healthy',
      options: { ...bearer, cert: { hosts: ['localhost', '127.0.0.1', 'api.payprobe.test'] } },
    },
    'expiring-soon': 'expiring-soon',
    expired: 'expired',
    'not-yet-valid': 'not-yet-valid',
    'wrong-host': 'wrong-host',
    'self-signed': 'self-signed',
    'untrusted-root': 'untrusted-root',
    'incomplete-chain': 'incomplete-chain',
    'weak-signature': 'weak-signature',
    'client-cert-tls12': { kind: 'client-cert-tls12', options: bearer },
    'client-cert-tls13': { kind: 'client-cert-tls13', options: bearer },
    'legacy-tls': 'legacy-tls',
    'cipher-alert': 'cipher-alert',
    oauth: 'oauth',
    redirect: 'redirect',
    slow: { kind: 'slow', options: { delayMs: 400 } },
    error: 'error',
    plaintext: 'plaintext',
    silent: 'silent',
    reset: 'reset',
    'closes-after-handshake': 'closes-after-handshake',
    'resets-after-handshake': 'resets-after-handshake',
    refused: 'refused',
    'syn-dropped': 'syn-dropped',
  });
});

afterAll(async () => {
  await bed.close();
});

async function run(kind: SimKind, options: ProcessorOptions = {}, deps = {}): Promise<ProbeResult> {
  const config = await bed.processor(kind, fleet[kind], { timeoutMs: 800, ...options });
  return probe(config, bed.deps(deps));
}

function expectFailure(r: ProbeResult, stage: string, cls: string, detail: RegExp | string): void {
  expect({ ok: r.ok, stage: r.stage, class: r.class }).toEqual({ ok: false, stage, class: cls });
  expect(r.detail).toMatch(detail);
}

describe('a healthy processor', () => {
  it('passes, with phase timings, the captured chain and the HTTP status', async () => {
    const r = await run('healthy');
    expect(r).toMatchObject({
      ok: true,
      stage: null,
      class: null,
      detail: null,
      warnings: [],
      http: { status: 200 },
    });
    const t = r.timings;
    for (const ms of [t.dnsMs, t.connectMs, t.tlsMs, t.firstByteMs]) expect(ms).toEqual(expect.any(Number));
    expect((t.dnsMs ?? 0) + (t.connectMs ?? 0) + (t.tlsMs ?? 0) + (t.firstByteMs ?? 0)).toBeLessThanOrEqual(
      t.totalMs + 0.5,
    );
    expect(r.tls?.protocol).toBe('TLSv1.3');
    expect(r.tls?.cipher).toMatch(/^TLS_/);
    expect(r.tls?.serverCert?.fingerprint256).toBe(fleet.healthy.serverCert?.fingerprint256);
    expect(r.tls?.serverCert?.validTo).toBe(fleet.healthy.serverCert?.notAfter.toISOString());
    expect(r.tls?.serverCert?.daysToExpiry).toBeGreaterThanOrEqual(87);
    expect(r.tls?.chain.map((c) => c.subject)).toEqual([
      'CN=localhost, O=payprobe testbed',
      'CN=payprobe-testbed Issuing CA, O=payprobe testbed',
      'CN=payprobe-testbed Root CA, O=payprobe testbed',
    ]);
    const last = fleet.healthy.requests.at(-1);
    expect(last?.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(last?.path).toBe('/v1/balance');
  });

  it('resolves a host name, sends it as SNI and checks the certificate against it', async () => {
    const lookup = fixedLookup('127.0.0.1');
    const url = `https://api.payprobe.test:${fleet.healthy.port}`;
    const r = await probe(
      await bed.processor('by-name', url, { timeoutMs: 800, request: null }),
      bed.deps({ lookup }),
    );
    expect(r.ok).toBe(true);
    expect(lookup.calls).toEqual(['api.payprobe.test']);
    expect(r.timings.dnsMs).toEqual(expect.any(Number));
  });

  it('uses tls.servername for SNI, the Host header and the host name check', async () => {
    const r = await run('healthy', { tls: { servername: 'api.payprobe.test' } });
    expect(r.ok).toBe(true);
    const last = fleet.healthy.requests.at(-1);
    expect(last?.servername).toBe('api.payprobe.test');
    expect(last?.headers.host).toBe(`api.payprobe.test:${fleet.healthy.port}`);
  });

  it('accepts a pin on any certificate of the chain', async () => {
    const r = await run('healthy', { tls: { pins: [bed.pki.intermediate.pin] } });
    expect(r.ok).toBe(true);
  });

  it('accepts a pin on the trusted root, which the server does not send (the chain is completed from tls.ca)', async () => {
    const r = await run('healthy', { tls: { pins: [bed.pki.root.pin] } });
    expect(r.ok).toBe(true);
    expect(r.tls?.chain.at(-1)?.fingerprint256).toBe(bed.pki.root.fingerprint256);
  });

  it('warns when the server certificate expires within certExpiryWarningDays', async () => {
    const r = await run('expiring-soon');
    expect(r.ok).toBe(true);
    expect(r.warnings).toEqual([
      { class: 'CERT_EXPIRING_SOON', detail: expect.stringMatching(/expires in 4 days/) },
    ]);
    expect(r.tls?.serverCert?.daysToExpiry).toBe(4);
  });

  it('warns SLOW_RESPONSE when the total time exceeds slowResponseMs', async () => {
    const r = await run('slow', { timeoutMs: 2000, slowResponseMs: 200 });
    expect(r.ok).toBe(true);
    expect(r.warnings.map((w) => w.class)).toEqual(['SLOW_RESPONSE']);
    expect(r.timings.firstByteMs).toBeGreaterThanOrEqual(390);
  });
});

describe('server certificate failures (chain captured even when it does not verify)', () => {
  it('CERT_EXPIRED, reported with the certificate dates', async () => {
    const r = await run('expired');
    const notAfter = fleet.expired.serverCert?.notAfter.toISOString() as string;
    expectFailure(r, 'tls', 'CERT_EXPIRED', notAfter);
    expect(r.detail).toMatch(/expired on .* \(1 day ago; valid from /);
    expect(r.tls?.serverCert).toMatchObject({
      validTo: notAfter,
      fingerprint256: fleet.expired.serverCert?.fingerprint256,
    });
    // Expired one day ago: the metric and the detail agree on the number of days.
    expect(r.tls?.serverCert?.daysToExpiry).toBe(-1);
    expect(r.http).toBeNull();
  });

  it('CERT_NOT_YET_VALID', async () => {
    const r = await run('not-yet-valid');
    expectFailure(
      r,
      'tls',
      'CERT_NOT_YET_VALID',
      `not valid until ${fleet['not-yet-valid'].serverCert?.notBefore.toISOString()}`,
    );
  });

  it('CERT_HOSTNAME_MISMATCH names the host and what the certificate covers', async () => {
    const r = await run('wrong-host');
    expectFailure(
      r,
      'tls',
      'CERT_HOSTNAME_MISMATCH',
      /does not cover 127\.0\.0\.1 .*DNS:api\.wrong-host\.example/,
    );
  });

  it('CERT_HOSTNAME_MISMATCH against a configured server name', async () => {
    const r = await run('healthy', { tls: { servername: 'api.other.example' } });
    expectFailure(r, 'tls', 'CERT_HOSTNAME_MISMATCH', /does not cover api\.other\.example/);
  });

  it('CERT_UNTRUSTED for a self-signed certificate', async () => {
    const r = await run('self-signed');
    expectFailure(r, 'tls', 'CERT_UNTRUSTED', /^DEPTH_ZERO_SELF_SIGNED_CERT: .*self-signed/);
  });

  it('CERT_UNTRUSTED for an unknown root, with the issuer captured', async () => {
    const r = await run('untrusted-root');
    expectFailure(r, 'tls', 'CERT_UNTRUSTED', /^UNABLE_TO_GET_ISSUER_CERT_LOCALLY: /);
    expect(r.tls?.serverCert?.issuer).toBe('CN=unknown-ca Issuing CA, O=payprobe testbed');
  });

  it('CERT_UNTRUSTED for an incomplete chain (leaf without its intermediate)', async () => {
    const r = await run('incomplete-chain');
    expectFailure(r, 'tls', 'CERT_UNTRUSTED', /^UNABLE_TO_VERIFY_LEAF_SIGNATURE: .*intermediate/);
    expect(r.tls?.chain).toHaveLength(1);
  });

  it.each(['TLSv1.2', 'TLSv1.3'] as const)(
    'CERT_UNTRUSTED naming the weak signature algorithm of a SHA-1-signed chain (%s), not a handshake failure',
    async (maxVersion) => {
      const r = await run('weak-signature', { tls: { maxVersion } });
      expectFailure(
        r,
        'tls',
        'CERT_UNTRUSTED',
        /weak signature algorithm ecdsa-with-SHA1: server certificate CN=localhost/,
      );
      expect(r.tls?.serverCert?.subject).toMatch(/CN=localhost/);
    },
  );

  it('CERT_UNTRUSTED naming the key size of a 512-bit RSA server key', async () => {
    const sim = await bed.start('weak-signature', { cert: { weak: 'rsa512' } });
    const r = await probe(await bed.processor('weak-key', sim, { timeoutMs: 800 }), bed.deps());
    expectFailure(r, 'tls', 'CERT_UNTRUSTED', /RSA key of 512 bits, below 1024 \(key size too small\)/);
  });

  it('CERT_UNTRUSTED when the private CA is not configured as tls.ca', async () => {
    const r = await run('healthy', { trustTestbedCa: false });
    expectFailure(r, 'tls', 'CERT_UNTRUSTED', /^UNABLE_TO_GET_ISSUER_CERT_LOCALLY: /);
  });

  it('CERT_PIN_MISMATCH lists the pins the chain does have', async () => {
    const other = (await bed.clientCert('other-ca')).pin;
    const r = await run('healthy', { tls: { pins: [other] } });
    expectFailure(r, 'tls', 'CERT_PIN_MISMATCH', fleet.healthy.serverCert?.pin as string);
  });

  it('verify: false skips verification but still reports the certificate', async () => {
    const r = await run('expired', { tls: { verify: false }, request: null });
    expect(r.ok).toBe(true);
    expect(r.tls?.serverCert?.daysToExpiry).toBeLessThan(0);
  });
});

describe('handshake failures', () => {
  it('TLS_VERSION_MISMATCH against a TLS 1.0/1.1-only server with a TLS 1.2 minimum', async () => {
    const r = await run('legacy-tls');
    expectFailure(r, 'tls', 'TLS_VERSION_MISMATCH', /ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION.*alert 70/);
    expect(r.timings.tlsMs).toBeNull();
    expect(r.timings.connectMs).toEqual(expect.any(Number));
  });

  it('TLS_HANDSHAKE_REJECTED with the alert when no cipher is shared', async () => {
    const r = await run('cipher-alert');
    expectFailure(r, 'tls', 'TLS_HANDSHAKE_REJECTED', /ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE.*alert 40/);
  });

  it('TLS_PROTOCOL_ERROR when the port speaks plaintext HTTP', async () => {
    const r = await run('plaintext');
    expectFailure(r, 'tls', 'TLS_PROTOCOL_ERROR', /ERR_SSL_WRONG_VERSION_NUMBER/);
  });

  it('TLS_HANDSHAKE_TIMEOUT when the server accepts TCP and never answers', async () => {
    const r = await run('silent', { timeoutMs: 300 });
    expectFailure(r, 'tls', 'TLS_HANDSHAKE_TIMEOUT', /no TLS handshake answer within timeoutMs \(300 ms\)/);
    expect(r.timings.totalMs).toBeGreaterThanOrEqual(295);
    expect(r.timings.totalMs).toBeLessThan(800);
  });

  it('the whole probe is bounded by budgetMs', async () => {
    const r = await run('silent', { timeoutMs: 2000, budgetMs: 300 });
    expectFailure(r, 'tls', 'TLS_HANDSHAKE_TIMEOUT', /probe budget \(300 ms\)/);
    expect(r.timings.totalMs).toBeLessThan(800);
  });

  it('TLS_CONNECTION_RESET when the peer resets during the handshake', async () => {
    const r = await run('reset');
    expectFailure(r, 'tls', 'TLS_CONNECTION_RESET', /ECONNRESET/);
  });

  it('CONNECT_TIMEOUT when SYNs go unanswered (a port whose accept queue is full drops them)', async () => {
    const r = await run('syn-dropped', { timeoutMs: 400 });
    expectFailure(r, 'connect', 'CONNECT_TIMEOUT', /400 ms/);
    expect(r.timings.connectMs).toBeNull();
    expect(r.tls).toBeNull();
  });

  it('CONNECT_REFUSED when nothing listens', async () => {
    const r = await run('refused');
    expectFailure(r, 'connect', 'CONNECT_REFUSED', /ECONNREFUSED/);
    expect(r.timings.connectMs).toBeNull();
    expect(r.tls).toBeNull();
  });
});

describe('DNS', () => {
  it('DNS_FAILURE when getaddrinfo says ENOTFOUND', async () => {
    const r = await probe(
      await bed.processor('nx', 'https://api.nowhere.example'),
      bed.deps({ lookup: notFoundLookup() }),
    );
    expectFailure(r, 'dns', 'DNS_FAILURE', /api\.nowhere\.example does not resolve: getaddrinfo ENOTFOUND/);
    expect(r.timings.dnsMs).toBeNull();
  });

  it('DNS_FAILURE for a real name under .invalid', async () => {
    const r = await probe(await bed.processor('nx', 'https://payprobe-test.invalid'), bed.deps());
    expectFailure(
      r,
      'dns',
      'DNS_FAILURE',
      /payprobe-test\.invalid does not resolve: .*(ENOTFOUND|EAI_AGAIN)/,
    );
  });

  it('DNS_FAILURE when the resolver does not answer in time', async () => {
    const r = await probe(
      await bed.processor('nx', 'https://slow.dns.example', { timeoutMs: 200 }),
      bed.deps({ lookup: hangingLookup() }),
    );
    expectFailure(
      r,
      'dns',
      'DNS_FAILURE',
      /no answer resolving slow\.dns\.example within timeoutMs \(200 ms\)/,
    );
  });
});

describe('client certificates', () => {
  it.each(['client-cert-tls12', 'client-cert-tls13'] as const)(
    '%s: passes with our certificate',
    async (kind) => {
      const r = await run(kind);
      expect(r.ok).toBe(true);
      expect(r.tls?.protocol).toBe(kind === 'client-cert-tls12' ? 'TLSv1.2' : 'TLSv1.3');
      expect(r.tls?.clientCert?.daysToExpiry).toBeGreaterThanOrEqual(88);
    },
  );

  it('TLS 1.2: CLIENT_CERT_REJECTED when the server requires a certificate we do not send (alert during the handshake)', async () => {
    const r = await run('client-cert-tls12', { clientCert: 'none' });
    expectFailure(
      r,
      'tls',
      'CLIENT_CERT_REJECTED',
      /none is configured .*ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE/,
    );
  });

  it('TLS 1.3: CLIENT_CERT_REJECTED from the alert that arrives after secureConnect, on first read', async () => {
    const r = await run('client-cert-tls13', { clientCert: 'none' });
    expectFailure(
      r,
      'tls',
      'CLIENT_CERT_REJECTED',
      /on first read.*ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED.*alert 116/,
    );
    expect(r.tls?.protocol).toBe('TLSv1.3');
    expect(r.timings.tlsMs).toEqual(expect.any(Number));
  });

  it('TLS 1.3 without any request configured still catches the post-handshake rejection', async () => {
    const r = await run('client-cert-tls13', { clientCert: 'none', request: null, credentials: 'none' });
    expectFailure(r, 'tls', 'CLIENT_CERT_REJECTED', /ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED/);
    expect(r.http).toBeNull();
  });

  it.each(['client-cert-tls12', 'client-cert-tls13'] as const)(
    '%s: CLIENT_CERT_REJECTED for a certificate from a CA the server does not trust',
    async (kind) => {
      const r = await run(kind, { clientCert: 'other-ca' });
      expectFailure(r, 'tls', 'CLIENT_CERT_REJECTED', /refused it/);
    },
  );

  it('CLIENT_CERT_EXPIRED is found before connecting', async () => {
    const r = await run('client-cert-tls13', { clientCert: 'expired' });
    expectFailure(r, 'tls', 'CLIENT_CERT_EXPIRED', /our client certificate CN=payprobe-client.* expired on /);
    expect(r.timings.connectMs).toBeNull();
    expect(r.tls?.clientCert?.daysToExpiry).toBeLessThan(0);
  });

  it('CONFIG_ERROR when the CA bundle holds no certificate (not a misleading CERT_UNTRUSTED)', async () => {
    const config = await bed.processor('healthy', fleet.healthy, { timeoutMs: 800 });
    const ca = bed.secrets.put('testbed/broken-ca', 'this is not a PEM bundle\n');
    const r = await probe({ ...config, tls: { ...config.tls, ca } }, bed.deps());
    expectFailure(
      r,
      'config',
      'CONFIG_ERROR',
      /tls\.ca: secretsManager testbed\/broken-ca holds no PEM certificate/,
    );
    expect(r.timings.connectMs).toBeNull();
  });

  it('CONFIG_ERROR when the key does not match the certificate', async () => {
    const r = await run('client-cert-tls13', { clientCert: 'wrong-key' });
    expectFailure(r, 'config', 'CONFIG_ERROR', /tls\.clientKey does not match tls\.clientCert/);
    expect(r.timings.connectMs).toBeNull();
  });

  it('warns CLIENT_CERT_EXPIRING_SOON within clientCertExpiryWarningDays', async () => {
    const r = await run('client-cert-tls13', { clientCert: 'expiring-soon' });
    expect(r.ok).toBe(true);
    expect(r.warnings.map((w) => w.class)).toEqual(['CLIENT_CERT_EXPIRING_SOON']);
  });
});

describe('HTTP failures', () => {
  it('AUTH_REJECTED on 401', async () => {
    const r = await run('healthy', { credentials: 'wrong' });
    expectFailure(r, 'auth', 'AUTH_REJECTED', /GET \/v1\/balance answered 401 Unauthorized/);
    expect(r.http).toEqual({ status: 401 });
  });

  it('AUTH_REJECTED when the OAuth token endpoint rejects the client', async () => {
    const r = await run('oauth', { credentials: 'wrong' });
    expectFailure(r, 'auth', 'AUTH_REJECTED', /token endpoint \/oauth\/token answered 401 invalid_client/);
  });

  it('RESPONSE_TIMEOUT when the response does not come in time', async () => {
    const r = await run('slow', { timeoutMs: 200 });
    expectFailure(r, 'http', 'RESPONSE_TIMEOUT', /no response within timeoutMs \(200 ms\)/);
    expect(r.timings.tlsMs).toEqual(expect.any(Number));
  });

  it('HTTP_ERROR on an unexpected status', async () => {
    const r = await run('error');
    expectFailure(r, 'http', 'HTTP_ERROR', /answered 500, expected 200/);
  });

  it('HTTP_ERROR on a redirect, which is never followed', async () => {
    const r = await run('redirect');
    expectFailure(
      r,
      'http',
      'HTTP_ERROR',
      /302 \(redirect to https:\/\/login\.elsewhere\.example\/v1\/balance, not followed/,
    );
  });
});
