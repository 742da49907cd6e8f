/**
 * Secure contexts are built once per distinct TLS material and reused: the same CA bundle or client
 * certificate is not parsed again on the next probe, a rotated one is used from the next probe on, and
 * material OpenSSL refuses is a CONFIG_ERROR every time, never a cached context.
 */

import { DAY_MS } from '../../../lambdas/core/checks/expiry';
import type { ProcessorConfig } from '../../../lambdas/core/config/load';
import { probe } from '../../../lambdas/core/engine/probe';
import { materialId, TlsContextCache } from '../../../lambdas/core/engine/tls-context';
import type { SimulatedProcessor } from '../../../testbed/servers';
import { Testbed } from '../../../testbed/servers';

const TOKEN = 'sk_test_contexts_0123456789';
const bearer = { credentials: { type: 'bearer' as const, token: TOKEN } };
let bed: Testbed;
/** A second testbed: its own PKI, so its servers verify only against its own root. */
let other: Testbed;
let apiA: SimulatedProcessor;
let apiB: SimulatedProcessor;
let mtls: SimulatedProcessor;

beforeAll(async () => {
  [bed, other] = await Promise.all([Testbed.start(), Testbed.start()]);
  [apiA, apiB, mtls] = await Promise.all([
    bed.start('healthy', bearer),
    other.start('healthy', bearer),
    bed.start('client-cert-tls12', bearer),
  ]);
});

afterAll(async () => {
  await Promise.all([bed.close(), other.close()]);
});

/** A config for `sim` whose tls.ca is the secret `caId` of the testbed's store. */
async function withCa(name: string, sim: SimulatedProcessor, caId: string): Promise<ProcessorConfig> {
  const config = await bed.processor(name, sim, { timeoutMs: 2000 });
  return { ...config, tls: { ...config.tls, ca: { secretsManager: caId } } };
}

describe('secure contexts', () => {
  it('reuses one context for every probe with the same material, and reads the whole chain each time', async () => {
    const cache = new TlsContextCache();
    const deps = bed.deps({ tlsContexts: cache });
    // Three configs, each with its own secret holding the same CA bundle: the material is the same.
    const configs = await Promise.all(
      ['a', 'b', 'c'].map((n) => bed.processor(n, apiA, { timeoutMs: 2000 })),
    );
    const results = [];
    for (const c of [...configs, ...configs]) results.push(await probe(c, deps));
    expect(results.map((r) => r.class)).toEqual([null, null, null, null, null, null]);
    expect(cache.built).toBe(1);
    expect(cache.size).toBe(1);
    // A reused context still does a full handshake: the chain (leaf, intermediate, root) is read every time.
    for (const r of results) expect(r.tls?.chain).toHaveLength(3);
  });

  it('verifies against the rotated CA bundle from the next probe on, and reuses the old context when it comes back', async () => {
    const cache = new TlsContextCache();
    const deps = bed.deps({ tlsContexts: cache });
    bed.secrets.put('rotation/ca', bed.pki.caPem, 'v1');
    const toA = await withCa('to-a', apiA, 'rotation/ca');
    const toB = await withCa('to-b', apiB, 'rotation/ca');

    expect((await probe(toA, deps)).ok).toBe(true);
    expect((await probe(toB, deps)).class).toBe('CERT_UNTRUSTED');

    // Rotate the bundle to the other PKI's root: A is no longer trusted, B is.
    bed.secrets.put('rotation/ca', other.pki.caPem, 'v2');
    const a2 = await probe(toA, deps);
    expect(a2).toMatchObject({ ok: false, class: 'CERT_UNTRUSTED' });
    expect(a2.detail).toMatch(/^UNABLE_TO_GET_ISSUER_CERT_LOCALLY: /);
    const b2 = await probe(toB, deps);
    expect(b2.ok).toBe(true);
    // The root at the end of the chain is the one from the rotated bundle.
    expect(b2.tls?.chain.at(-1)?.fingerprint256).toBe(other.pki.root.fingerprint256);
    expect(cache.built).toBe(2);

    // Back to the first root: its context is still cached.
    bed.secrets.put('rotation/ca', bed.pki.caPem, 'v3');
    expect((await probe(toA, deps)).ok).toBe(true);
    expect((await probe(toB, deps)).class).toBe('CERT_UNTRUSTED');
    expect(cache.built).toBe(2);
  });

  it('presents the rotated client certificate from the next probe on', async () => {
    const cache = new TlsContextCache();
    const deps = bed.deps({ tlsContexts: cache });
    const valid = await bed.clientCert('valid');
    const foreign = await bed.clientCert('other-ca');
    const base = await bed.processor('mtls', mtls, { timeoutMs: 2000, clientCert: 'none' });
    const config: ProcessorConfig = {
      ...base,
      tls: {
        ...base.tls,
        clientCert: bed.secrets.put('rotation/client-cert', valid.chain, 'v1'),
        clientKey: bed.secrets.put('rotation/client-key', valid.key, 'v1'),
      },
    };
    expect((await probe(config, deps)).ok).toBe(true);

    // The processor only accepts certificates from the testbed's CA: the foreign one must be refused.
    bed.secrets.put('rotation/client-cert', foreign.chain, 'v2');
    bed.secrets.put('rotation/client-key', foreign.key, 'v2');
    const refused = await probe(config, deps);
    expect(refused).toMatchObject({ ok: false, stage: 'tls', class: 'CLIENT_CERT_REJECTED' });
    expect(cache.built).toBe(2);

    bed.secrets.put('rotation/client-cert', valid.chain, 'v3');
    bed.secrets.put('rotation/client-key', valid.key, 'v3');
    expect((await probe(config, deps)).ok).toBe(true);
    expect(cache.built).toBe(2);
  });

  it('reads a client certificate once, but checks its expiry and its key at every probe', async () => {
    const valid = await bed.clientCert('valid');
    const base = await bed.processor('mtls-reads', mtls, { timeoutMs: 2000, clientCert: 'none' });
    const config: ProcessorConfig = {
      ...base,
      tls: {
        ...base.tls,
        clientCert: bed.secrets.put('reads/client-cert', valid.chain, 'v1'),
        clientKey: bed.secrets.put('reads/client-key', valid.key, 'v1'),
      },
    };
    expect((await probe(config, bed.deps())).ok).toBe(true);
    // The same certificate, a year later: expired, although it was read (and passed) before.
    const later = new Date(valid.notAfter.getTime() + 365 * DAY_MS);
    const expired = await probe(config, bed.deps({ now: () => later }));
    expect(expired).toMatchObject({ ok: false, stage: 'tls', class: 'CLIENT_CERT_EXPIRED' });
    expect(expired.timings.connectMs).toBeNull();
    // A key that does not belong to the certificate, then the right one again.
    bed.secrets.put('reads/client-key', (await bed.clientCert('other-ca')).key, 'v2');
    const mismatch = await probe(config, bed.deps());
    expect(mismatch).toMatchObject({ ok: false, class: 'CONFIG_ERROR' });
    expect(mismatch.detail).toMatch(/^tls\.clientKey does not match tls\.clientCert/);
    bed.secrets.put('reads/client-key', valid.key, 'v3');
    expect((await probe(config, bed.deps())).ok).toBe(true);
  });

  it('keeps at most maxEntries contexts, dropping the least recently used', async () => {
    const cache = new TlsContextCache({ maxEntries: 2 });
    const deps = bed.deps({ tlsContexts: cache });
    // Three materials that all verify A: the root alone, root + intermediate, and the root with a comment.
    const bundles = [
      bed.pki.caPem,
      `${bed.pki.caPem}${bed.pki.intermediate.cert}`,
      `# the testbed root\n${bed.pki.caPem}`,
    ];
    const configs = await Promise.all(
      bundles.map(async (pem, i) => {
        bed.secrets.put(`bounded/ca-${i}`, pem);
        return withCa(`bounded-${i}`, apiA, `bounded/ca-${i}`);
      }),
    );
    for (const c of configs) expect((await probe(c, deps)).ok).toBe(true);
    expect(cache.size).toBe(2);
    expect(cache.built).toBe(3);
    // The most recent two are reused; the first was dropped and is built again.
    expect((await probe(configs[2] as ProcessorConfig, deps)).ok).toBe(true);
    expect(cache.built).toBe(3);
    expect((await probe(configs[0] as ProcessorConfig, deps)).ok).toBe(true);
    expect(cache.built).toBe(4);
    expect(cache.size).toBe(2);
  });

  it('reports material OpenSSL refuses as CONFIG_ERROR on every probe without dialling, and caches nothing for it', async () => {
    const cache = new TlsContextCache();
    const deps = bed.deps({ tlsContexts: cache });
    const config = await bed.processor('bad-ciphers', apiA, {
      timeoutMs: 2000,
      tls: { ciphers: 'NOT-A-CIPHER' },
    });
    for (let i = 0; i < 2; i++) {
      const r = await probe(config, deps);
      expect(r).toMatchObject({ ok: false, stage: 'config', class: 'CONFIG_ERROR' });
      expect(r.detail).toBe(
        'OpenSSL rejected the TLS settings (tls.ca, tls.ciphers, min/maxVersion): ERR_SSL_NO_CIPHER_MATCH: error:0A0000B9:SSL routines::no cipher match',
      );
      // Nothing is dialled for material that cannot make a context.
      expect(r.timings.connectMs).toBeNull();
      expect(r.timings.tlsMs).toBeNull();
    }
    expect(cache.size).toBe(0);
    expect(cache.built).toBe(0);
  });

  it('reports an unreadable client certificate as CONFIG_ERROR before connecting', async () => {
    const cache = new TlsContextCache();
    const base = await bed.processor('bad-pem', mtls, { timeoutMs: 2000, clientCert: 'none' });
    const config: ProcessorConfig = {
      ...base,
      tls: {
        ...base.tls,
        clientCert: bed.secrets.put('bad-pem/cert', 'not a certificate'),
        clientKey: bed.secrets.put('bad-pem/key', (await bed.clientCert('valid')).key),
      },
    };
    const r = await probe(config, bed.deps({ tlsContexts: cache }));
    expect(r).toMatchObject({ ok: false, stage: 'config', class: 'CONFIG_ERROR' });
    expect(r.detail).toBe('tls.clientCert holds no PEM certificate (expected -----BEGIN CERTIFICATE-----)');
    expect(r.timings.connectMs).toBeNull();
    expect(cache.built).toBe(0);
  });
});

describe('materialId', () => {
  it('is an HMAC over every field: no key or passphrase in it, different for any changed field', async () => {
    const { key } = await bed.clientCert('valid');
    const base = { ca: bed.pki.caPem, key, passphrase: 'correct horse', minVersion: 'TLSv1.2' as const };
    const id = materialId(base);
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    expect(materialId({ ...base })).toBe(id);
    for (const changed of [
      { ...base, passphrase: 'correct horse!' },
      { ...base, key: key.replace('A', 'B') },
      { ...base, ca: undefined },
      { ...base, ca: '' },
      { ...base, ciphers: 'HIGH' },
      { ...base, maxVersion: 'TLSv1.3' as const },
    ]) {
      expect(materialId(changed)).not.toBe(id);
    }
    // Field boundaries count: moving text from one field to the next is a different material.
    expect(materialId({ cert: 'ab', key: 'c' })).not.toBe(materialId({ cert: 'a', key: 'bc' }));
  });
});
