/**
 * The testbed itself: every simulated processor kind starts on 127.0.0.1, the TLS kinds present the
 * certificate their fault needs (checked with Node's own X509 parser), and close() stops every listener.
 * The engine tests rely on these faults; this pins them down where they are built.
 */
import { X509Certificate } from 'node:crypto';
import * as net from 'node:net';
import { DAY_MS } from '../../lambdas/core/checks/expiry';
import {
  LOOPBACK,
  REFUSED_PORT,
  SIM_KINDS,
  type SimKind,
  type SimulatedProcessor,
  Testbed,
} from '../../testbed/servers';

let bed: Testbed;
let sims: Record<SimKind, SimulatedProcessor>;

beforeAll(async () => {
  bed = await Testbed.start();
  sims = await bed.fleet(Object.fromEntries(SIM_KINDS.map((k) => [k, k])) as Record<SimKind, SimKind>);
});

afterAll(() => bed.close());

/** Resolves with 'connected' or the error code of a TCP connect to the port. */
function dial(port: number): Promise<string> {
  return new Promise((resolve) => {
    const s = net.connect(port, LOOPBACK);
    s.once('connect', () => {
      s.destroy();
      resolve('connected');
    });
    s.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
  });
}

const cert = (kind: SimKind) => {
  const c = sims[kind].serverCert;
  if (!c) throw new Error(`${kind} has no server certificate`);
  return new X509Certificate(c.cert);
};

describe('simulated processors', () => {
  it('start on the loopback address with an https URL; only refused has nothing listening', async () => {
    for (const kind of SIM_KINDS) {
      const s = sims[kind];
      expect(s.url).toBe(`https://${LOOPBACK}:${s.port}`);
      if (kind === 'syn-dropped') continue; // its connects only time out
      expect(await dial(s.port)).toBe(kind === 'refused' ? 'ECONNREFUSED' : 'connected');
    }
    expect(sims.refused.port).toBe(REFUSED_PORT);
  });

  it('present the certificate each fault needs', () => {
    const now = Date.now();
    expect(new Date(cert('expired').validTo).getTime()).toBeLessThan(now);
    expect(new Date(cert('not-yet-valid').validFrom).getTime()).toBeGreaterThan(now);
    const soon = (new Date(cert('expiring-soon').validTo).getTime() - now) / DAY_MS;
    expect(soon).toBeGreaterThan(4);
    expect(soon).toBeLessThan(6);
    expect(cert('wrong-host').subjectAltName).toBe('DNS:api.wrong-host.example');
    expect(cert('self-signed').checkIssued(cert('self-signed'))).toBe(true);
    expect(cert('untrusted-root').issuer).toContain('unknown-ca');
    expect(cert('healthy').subjectAltName).toContain('IP Address:127.0.0.1');
    expect(sims['client-cert-tls13'].requiresClientCert).toBe(true);
    expect(sims.oauth.oauth?.path).toBe('/oauth/token');
  });

  it('stop listening on close()', async () => {
    const extra = await Testbed.start({ pki: bed.pki });
    const s = await extra.start('healthy');
    expect(await dial(s.port)).toBe('connected');
    await extra.close();
    expect(await dial(s.port)).toBe('ECONNREFUSED');
  });
});
