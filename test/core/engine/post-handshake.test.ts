/**
 * After the handshake of a handshake-only probe (no request configured): a server that closes or resets
 * right after a completed handshake fails the probe (TLS 1.2 and 1.3), and the wait for it is its own
 * figure (timings.settleMs), kept out of totalMs and ended by the server's post-handshake flight rather
 * than the grace period.
 */
import { probe } from '../../../lambdas/core/engine/probe';
import { type ProcessorOptions, type SimulatedProcessor, Testbed } from '../../../testbed/servers';

let bed: Testbed;
let closes: SimulatedProcessor;
let resets: SimulatedProcessor;
let healthy: SimulatedProcessor;
let mtls: SimulatedProcessor;

const HANDSHAKE_ONLY: ProcessorOptions = { request: null, credentials: 'none', timeoutMs: 2000 };

beforeAll(async () => {
  bed = await Testbed.start();
  ({ closes, resets, healthy, mtls } = await bed.fleet({
    closes: 'closes-after-handshake',
    resets: 'resets-after-handshake',
    healthy: 'healthy',
    mtls: { kind: 'client-cert-tls13', options: { delayMs: 400 } },
  }));
});

afterAll(async () => {
  await bed.close();
});

describe('a server that hangs up right after the handshake', () => {
  it.each([
    ['closes', 'TLSv1.2'],
    ['closes', 'TLSv1.3'],
    ['resets', 'TLSv1.2'],
    ['resets', 'TLSv1.3'],
  ] as const)('%s on %s: TLS_CONNECTION_RESET, not ok', async (how, version) => {
    const sim = how === 'closes' ? closes : resets;
    const config = await bed.processor(`hangs-up-${how}`, sim, {
      ...HANDSHAKE_ONLY,
      tls: { minVersion: version, maxVersion: version },
    });
    const r = await probe(config, bed.deps());
    expect({ ok: r.ok, stage: r.stage, class: r.class }).toEqual({
      ok: false,
      stage: 'tls',
      class: 'TLS_CONNECTION_RESET',
    });
    expect(r.detail).toMatch(
      how === 'closes'
        ? `the server closed the connection right after the ${version} handshake, without an alert`
        : `the server reset the connection right after the ${version} handshake`,
    );
    expect(r.tls?.protocol).toBe(version);
    expect(r.timings.settleMs).toEqual(expect.any(Number));
  });
});

describe('the post-handshake wait', () => {
  it.each(['TLSv1.2', 'TLSv1.3'] as const)(
    'ends with the server’s post-handshake flight on %s, long before the grace period',
    async (version) => {
      const config = await bed.processor('healthy-handshake', healthy, {
        ...HANDSHAKE_ONLY,
        tls: { minVersion: version, maxVersion: version },
      });
      const r = await probe(config, bed.deps({ postHandshakeGraceMs: 1500 }));
      expect(r.ok).toBe(true);
      expect(r.http).toBeNull();
      // The grace period is a bound: reaching it would take 1.5 s.
      expect(r.timings.settleMs).toBeLessThan(750);
    },
  );

  it('is kept out of totalMs: a slow answer to the mTLS minimal request counts in settleMs only', async () => {
    // The client-certificate check sends one minimal request; this server answers it after 400 ms.
    const config = await bed.processor('mtls-handshake', mtls, HANDSHAKE_ONLY);
    const r = await probe(config, bed.deps());
    expect(r.ok).toBe(true);
    expect(r.timings.settleMs).toBeGreaterThanOrEqual(390);
    expect(r.timings.totalMs).toBeLessThan(r.timings.settleMs ?? 0);
    expect(r.timings.firstByteMs).toBeNull();
    expect(r.http).toBeNull();
    expect(mtls.requests.map((q) => [q.method, q.path, q.headers.authorization])).toEqual([
      ['GET', '/', undefined],
    ]);
  });

  it('is null when a request is configured, and totalMs then covers the whole probe', async () => {
    const config = await bed.processor('healthy-request', healthy, { timeoutMs: 2000 });
    const r = await probe(config, bed.deps());
    expect(r.ok).toBe(true);
    expect(r.timings.settleMs).toBeNull();
    expect(r.timings.firstByteMs).toEqual(expect.any(Number));
  });
});
