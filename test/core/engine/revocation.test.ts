/**
 * Revocation (tls.revocation) against a real OCSP responder (`openssl ocsp` on loopback) and servers that
 * staple its answers: a revoked server certificate is CERT_REVOKED with time and reason, from the stapled
 * response (the default `stapled`) or from the responder named in the certificate (`ocsp`); a status that
 * cannot be established (responder unreachable, an unusable, foreign-signed or stale response, an unknown
 * certificate) is a REVOCATION_UNKNOWN warning on a passing probe.
 */
import { DAY_MS } from '../../../lambdas/core/checks/expiry';
import type { RevocationMode } from '../../../lambdas/core/config/schema';
import type { ProbeResult } from '../../../lambdas/core/contract/result';
import { probe } from '../../../lambdas/core/engine/probe';
import {
  fetchOcspResponse,
  type OcspResponder,
  reserveOcspPort,
  startOcspResponder,
} from '../../../testbed/ocsp';
import { createPki, type Issued } from '../../../testbed/pki';
import { type SimOptions, type SimulatedProcessor, Testbed } from '../../../testbed/servers';

const REVOKED_AT = new Date('2026-01-15T08:30:00Z');
const UNREACHABLE = 'http://127.0.0.1:1/';

let bed: Testbed;
const responders: OcspResponder[] = [];
let sims: Record<string, SimulatedProcessor>;

const issued = (name: string): Issued => sims[name]?.serverCert as Issued;

/** The response with its producedAt moved by a second: what the responder signed is no longer what is read. */
function tampered(response: Buffer): Buffer {
  const copy = Buffer.from(response);
  // The first GeneralizedTime (tag 0x18, 15 bytes: YYYYMMDDHHMMSSZ) of a basic response is its producedAt.
  const at = copy.indexOf(Buffer.from([0x18, 0x0f]));
  const second = at + 2 + 13;
  copy[second] = copy[second] === 0x30 ? 0x31 : 0x30;
  return copy;
}

beforeAll(async () => {
  bed = await Testbed.start();
  const ca = bed.pki.intermediate;
  const [main, deleg, imp, old] = await Promise.all([
    reserveOcspPort(),
    reserveOcspPort(),
    reserveOcspPort(),
    reserveOcspPort(),
  ]);
  const at = (ocspUrl: string, extra: SimOptions = {}) => ({
    kind: 'healthy' as const,
    options: { cert: { ocspUrl }, ...extra },
  });
  const staple = (responderUrl: string) => (cert: Issued) => fetchOcspResponse(responderUrl, cert, ca);
  sims = await bed.fleet({
    good: at(main.url),
    revoked: at(main.url),
    unknown: at(main.url),
    unreachable: at(UNREACHABLE),
    noAia: { kind: 'healthy' as const },
    staplesRevoked: at(main.url, { staple: staple(main.url) }),
    staplesGood: at(main.url, { staple: staple(main.url) }),
    staplesGarbage: at(main.url, { staple: () => Buffer.from('<html>not an OCSP response</html>') }),
    staplesTampered: at(main.url, { staple: async (cert) => tampered(await staple(main.url)(cert)) }),
    delegatedRevoked: at(deleg.url),
    impostorRevoked: at(imp.url),
    stale: at(old.url),
  });
  const revoked = (name: string, reason: string) => ({
    cert: issued(name),
    status: 'revoked' as const,
    revokedAt: REVOKED_AT,
    reason,
  });
  const impostorPki = await createPki({ name: 'impostor' });
  const [delegatedSigner, impostorSigner] = [await bed.pki.ocspSigner(), await impostorPki.ocspSigner()];
  const specs = [
    {
      port: main.port,
      ca,
      nextUpdateMinutes: 60,
      entries: [
        { cert: issued('good') },
        { cert: issued('staplesGood') },
        { cert: issued('staplesGarbage') },
        revoked('staplesTampered', 'keyCompromise'),
        revoked('revoked', 'keyCompromise'),
        revoked('staplesRevoked', 'cessationOfOperation'),
      ],
    },
    {
      port: deleg.port,
      ca,
      signer: delegatedSigner,
      entries: [revoked('delegatedRevoked', 'superseded')],
    },
    {
      port: imp.port,
      ca,
      signer: impostorSigner,
      entries: [revoked('impostorRevoked', 'keyCompromise')],
    },
    { port: old.port, ca, nextUpdateMinutes: 1, entries: [{ cert: issued('stale') }] },
  ];
  // Each kept as it starts, so afterAll stops them all even when another one failed to start.
  await Promise.all(specs.map((o) => startOcspResponder(o).then((r) => responders.push(r))));
}, 30_000);

afterAll(async () => {
  await Promise.all(responders.map((r) => r.close()));
  await bed?.close();
});

async function check(name: string, revocation: RevocationMode, now?: Date): Promise<ProbeResult> {
  const config = await bed.processor(name, sims[name] as SimulatedProcessor, {
    timeoutMs: 2000,
    tls: { revocation },
  });
  return probe(config, bed.deps(now ? { now: () => now } : {}));
}

const warnings = (r: ProbeResult) => r.warnings.map((w) => w.class);

function expectRevoked(r: ProbeResult, reason: string, source: RegExp): void {
  expect({ ok: r.ok, stage: r.stage, class: r.class }).toEqual({
    ok: false,
    stage: 'tls',
    class: 'CERT_REVOKED',
  });
  expect(r.detail).toMatch(`was revoked on ${REVOKED_AT.toISOString()}, reason ${reason}`);
  expect(r.detail).toMatch(source);
  // The chain is still reported.
  expect(r.tls?.serverCert?.subject).toMatch(/CN=localhost/);
}

describe('stapled (the default)', () => {
  it('CERT_REVOKED from a stapled response, with the revocation time and reason', async () => {
    expectRevoked(
      await check('staplesRevoked', 'stapled'),
      'cessationOfOperation',
      /according to the stapled OCSP response \(signed by the issuer, produced /,
    );
  });

  it('passes on a stapled good response, without a warning', async () => {
    const r = await check('staplesGood', 'stapled');
    expect([r.ok, warnings(r)]).toEqual([true, []]);
  });

  it('warns, and passes, when the staple is not an OCSP response', async () => {
    const r = await check('staplesGarbage', 'stapled');
    expect([r.ok, warnings(r)]).toEqual([true, ['REVOCATION_UNKNOWN']]);
    expect(r.warnings[0]?.detail).toMatch(/the stapled OCSP response is unusable: not a DER OCSP response/);
  });

  it('warns when the stapled response does not verify (it says revoked, but its signature is broken)', async () => {
    const r = await check('staplesTampered', 'stapled');
    expect([r.ok, warnings(r)]).toEqual([true, ['REVOCATION_UNKNOWN']]);
    expect(r.warnings[0]?.detail).toMatch(/unusable: the signature does not verify against the issuer/);
  });

  it('asks no responder when nothing is stapled', async () => {
    const r = await check('revoked', 'stapled');
    expect([r.ok, warnings(r)]).toEqual([true, []]);
  });
});

describe('ocsp (ask the responder)', () => {
  it('CERT_REVOKED from the responder named in the certificate', async () => {
    expectRevoked(
      await check('revoked', 'ocsp'),
      'keyCompromise',
      /according to the OCSP responder http:\/\/127\.0\.0\.1:\d+\//,
    );
  });

  it('CERT_REVOKED from a delegated responder the issuer authorised for OCSP signing', async () => {
    expectRevoked(
      await check('delegatedRevoked', 'ocsp'),
      'superseded',
      /signed by responder certificate CN=payprobe-testbed OCSP Responder/,
    );
  });

  it('passes on a good answer, without a warning', async () => {
    const r = await check('good', 'ocsp');
    expect([r.ok, warnings(r)]).toEqual([true, []]);
  });

  it('a good staple settles it without asking the responder', async () => {
    const r = await check('staplesGood', 'ocsp');
    expect([r.ok, warnings(r)]).toEqual([true, []]);
  });

  it.each([
    ['unreachable', /OCSP responder http:\/\/127\.0\.0\.1:1\/ could not be asked: .*ECONNREFUSED|refused/],
    ['unknown', /says it does not know this certificate \(status unknown\)/],
    [
      'impostorRevoked',
      /unusable: signed by responder certificate .*impostor.*which the certificate's issuer did not issue/,
    ],
    ['noAia', /names no OCSP responder/],
  ])('%s: a REVOCATION_UNKNOWN warning, never a failure', async (name, detail) => {
    const r = await check(name, 'ocsp');
    expect([r.ok, r.class, warnings(r)]).toEqual([true, null, ['REVOCATION_UNKNOWN']]);
    expect(r.warnings[0]?.detail).toMatch(detail);
  });

  it('a response past its nextUpdate is stale: a warning', async () => {
    const r = await check('stale', 'ocsp', new Date(Date.now() + DAY_MS));
    expect([r.ok, warnings(r)]).toEqual([true, ['REVOCATION_UNKNOWN']]);
    expect(r.warnings[0]?.detail).toMatch(/unusable: stale: nextUpdate .* has passed/);
  });
});

describe('off', () => {
  it('checks nothing, not even a stapled revocation', async () => {
    const r = await check('staplesRevoked', 'off');
    expect([r.ok, warnings(r)]).toEqual([true, []]);
  });
});
