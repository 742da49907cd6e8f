/** Hand-built ProbeResult values for rendering tests (the engine's real results are tested end to end). */
import type { ProbeResult } from '../../lambdas/core/contract/result';

const cert = (days: number) => ({
  subject: 'CN=api.example.test',
  issuer: 'CN=Test CA',
  validFrom: '2025-01-01T00:00:00.000Z',
  validTo: '2026-01-01T00:00:00.000Z',
  daysToExpiry: days,
  fingerprint256: 'AA:BB:CC',
});

export function passed(processor: string, overrides: Partial<ProbeResult> = {}): ProbeResult {
  return {
    processor,
    ok: true,
    stage: null,
    class: null,
    detail: null,
    warnings: [],
    timings: { dnsMs: 1.2, connectMs: 0.8, tlsMs: 12.4, firstByteMs: 20.1, totalMs: 35.6 },
    tls: {
      protocol: 'TLSv1.3',
      cipher: 'TLS_AES_256_GCM_SHA384',
      serverCert: cert(88),
      chain: [cert(88)],
      clientCert: null,
    },
    http: { status: 200 },
    startedAt: '2025-06-01T12:00:00.000Z',
    inputs: {},
    ...overrides,
  };
}

export function failed(processor: string, overrides: Partial<ProbeResult> = {}): ProbeResult {
  return {
    ...passed(processor),
    ok: false,
    stage: 'tls',
    class: 'CERT_EXPIRED',
    detail: 'certificate has expired (CERT_HAS_EXPIRED), notAfter 2025-01-01',
    timings: { dnsMs: 1, connectMs: 1, tlsMs: 5, firstByteMs: null, totalMs: 7.4 },
    tls: { protocol: null, cipher: null, serverCert: cert(-3), chain: [cert(-3)], clientCert: null },
    http: null,
    ...overrides,
  };
}
