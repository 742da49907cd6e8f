/**
 * TLS versions, cipher lists, pins, the token URL, the OAuth scope and the request path read from the
 * references the integration itself reads, on every run: real loopback servers, an in-memory secret store.
 * A referenced value that is not valid for its field is CONFIG_ERROR naming the field and the reference; a
 * changed one shows in result.inputs (what InputChanged compares) and builds a new TLS context.
 */
import type { ProcessorConfig } from '../../../lambdas/core/config/load';
import type { SecretRef } from '../../../lambdas/core/config/schema';
import { changedInputs } from '../../../lambdas/core/engine/fingerprints';
import { probe } from '../../../lambdas/core/engine/probe';
import { TlsContextCache } from '../../../lambdas/core/engine/tls-context';
import type { SimulatedProcessor } from '../../../testbed/servers';
import { Testbed } from '../../../testbed/servers';

const TOKEN = 'sk_test_referenced_0123456789';
const CLIENT_SECRET = 'oauth-client-secret-referenced-7';
const bearer = { credentials: { type: 'bearer' as const, token: TOKEN } };
const opts = { timeoutMs: 2000 };
/** What a parameter holds when the reference names the wrong one: long, never echoed. */
const WRONG_PARAMETER = '{"tls":{"min":"TLSv1.2"},"comment":"the wrong parameter entirely"}';
let bed: Testbed;
let healthy: SimulatedProcessor;
let legacy: SimulatedProcessor;
let cipherAlert: SimulatedProcessor;
let oauth: SimulatedProcessor;
let n = 0;

beforeAll(async () => {
  bed = await Testbed.start();
  [healthy, legacy, cipherAlert, oauth] = await Promise.all([
    bed.start('healthy', bearer),
    bed.start('legacy-tls'),
    bed.start('cipher-alert'),
    bed.start('oauth', {
      oauth: { clientId: 'client-r', clientSecret: CLIENT_SECRET, path: '/custom/token' },
    }),
  ]);
});

afterAll(async () => {
  await bed.close();
});

/** Stores a value under a fresh id and returns its reference. */
function ref(value: string, version?: string): { id: string; ref: SecretRef } {
  const id = `referenced/${++n}`;
  return { id, ref: bed.secrets.put(id, value, version) };
}

async function config(
  sim: SimulatedProcessor,
  tls: Partial<ProcessorConfig['tls']>,
  extra: Parameters<Testbed['processor']>[2] = {},
): Promise<ProcessorConfig> {
  const c = await bed.processor('referenced', sim, { ...opts, ...extra });
  return { ...c, tls: { ...c.tls, ...tls } };
}

describe('TLS versions from a reference', () => {
  it('a referenced minVersion TLSv1.2 against a TLS 1.0/1.1-only server is TLS_VERSION_MISMATCH', async () => {
    const min = ref('TLSv1.2\n', '3');
    const r = await probe(await config(legacy, { minVersion: min.ref }), bed.deps());
    expect(r).toMatchObject({ ok: false, class: 'TLS_VERSION_MISMATCH', stage: 'tls' });
    expect(r.inputs['tls.minVersion']).toBe('TLSv1.2@3');
  });

  it('a referenced minVersion TLSv1 (with the integration’s referenced legacy cipher list) negotiates TLS 1.1', async () => {
    const min = ref('TLSv1');
    const ciphers = ref('DEFAULT@SECLEVEL=0');
    const r = await probe(
      await config(legacy, { minVersion: min.ref, ciphers: ciphers.ref }, { request: null }),
      bed.deps(),
    );
    expect(r).toMatchObject({ ok: true, class: null });
    expect(r.tls?.protocol).toBe('TLSv1.1');
  });

  it('a referenced maxVersion TLSv1.2 caps what a healthy server negotiates', async () => {
    const max = ref('TLSv1.2');
    const r = await probe(await config(healthy, { maxVersion: max.ref }), bed.deps());
    expect(r).toMatchObject({ ok: true });
    expect(r.tls?.protocol).toBe('TLSv1.2');
  });

  it('a referenced minVersion above a plain maxVersion is CONFIG_ERROR naming both', async () => {
    const min = ref('TLSv1.3');
    const r = await probe(await config(healthy, { minVersion: min.ref, maxVersion: 'TLSv1.2' }), bed.deps());
    expect(r).toMatchObject({ ok: false, class: 'CONFIG_ERROR' });
    expect(r.detail).toBe(
      `tls.minVersion TLSv1.3 (from secretsManager ${min.id}) is above tls.maxVersion TLSv1.2: no TLS version is left; change the one the integration reads`,
    );
    expect(r.timings.connectMs).toBeNull();
  });

  it.each([
    ['TLSv9', '"TLSv9"'],
    [WRONG_PARAMETER, `a ${WRONG_PARAMETER.length}-character value`],
  ])(
    'a referenced minVersion holding %s is CONFIG_ERROR naming the field and the reference',
    async (value, shown) => {
      const min = ref(value);
      const r = await probe(await config(healthy, { minVersion: min.ref }), bed.deps());
      expect(r).toMatchObject({ ok: false, class: 'CONFIG_ERROR', stage: 'config' });
      expect(r.detail).toBe(
        `tls.minVersion: secretsManager ${min.id} holds ${shown}, not a TLS version (expected TLSv1, TLSv1.1, TLSv1.2 or TLSv1.3)`,
      );
      expect(r.timings.dnsMs).toBeNull();
    },
  );
});

describe('ciphers from a reference', () => {
  it('the integration’s referenced cipher list is offered: TLS_HANDSHAKE_REJECTED against the cipher-alert server', async () => {
    const ciphers = ref('ECDHE-ECDSA-AES128-GCM-SHA256', '1');
    const r = await probe(
      await config(cipherAlert, { ciphers: ciphers.ref, maxVersion: 'TLSv1.2' }, { request: null }),
      bed.deps(),
    );
    expect(r).toMatchObject({ ok: false, class: 'TLS_HANDSHAKE_REJECTED' });
    expect(r.inputs['tls.ciphers']).toMatch(/^sha256:[0-9a-f]{16}@1$/);
  });

  it('after the parameter is changed to a suite the server accepts, the next run passes and builds a new context', async () => {
    const cache = new TlsContextCache();
    const deps = bed.deps({ tlsContexts: cache });
    const ciphers = ref('ECDHE-ECDSA-AES128-GCM-SHA256', '1');
    const c = await config(cipherAlert, { ciphers: ciphers.ref, maxVersion: 'TLSv1.2' }, { request: null });
    const before = await probe(c, deps);
    expect(before.class).toBe('TLS_HANDSHAKE_REJECTED');
    bed.secrets.put(ciphers.id, 'ECDHE-ECDSA-AES256-GCM-SHA384', '2');
    const after = await probe(c, deps);
    expect(after).toMatchObject({ ok: true });
    expect(after.tls?.cipher).toBe('ECDHE-ECDSA-AES256-GCM-SHA384');
    expect(cache.built).toBe(2);
    expect(changedInputs(before.inputs, after.inputs)).toEqual(['tls.ciphers']);
  });

  it('a cipher list OpenSSL does not know is CONFIG_ERROR naming the reference', async () => {
    const ciphers = ref('NO-SUCH-CIPHER');
    const r = await probe(await config(healthy, { ciphers: ciphers.ref }), bed.deps());
    expect(r).toMatchObject({ ok: false, class: 'CONFIG_ERROR' });
    expect(r.detail).toContain(`tls.ciphers from secretsManager ${ciphers.id}`);
  });
});

describe('pins from a reference', () => {
  it('passes when a pin in the comma/newline-separated list matches the chain', async () => {
    const other = (await bed.clientCert('other-ca')).pin;
    const pins = ref(`${other},\n${healthy.serverCert?.pin as string}\n`);
    const r = await probe(await config(healthy, { pins: pins.ref }), bed.deps());
    expect(r).toMatchObject({ ok: true });
    expect(r.inputs['tls.pins']).toMatch(/^sha256:[0-9a-f]{16}$/);
  });

  it('CERT_PIN_MISMATCH naming the reference when none matches', async () => {
    const other = (await bed.clientCert('other-ca')).pin;
    const pins = ref(other);
    const r = await probe(await config(healthy, { pins: pins.ref }), bed.deps());
    expect(r).toMatchObject({ ok: false, class: 'CERT_PIN_MISMATCH' });
    expect(r.detail).toContain(`tls.pins (from secretsManager ${pins.id})`);
    expect(r.detail).toContain(healthy.serverCert?.pin as string);
  });

  it('a malformed entry is CONFIG_ERROR naming the entry, not its value', async () => {
    const pins = ref(`${healthy.serverCert?.pin as string}\nsha256/not-a-pin`);
    const r = await probe(await config(healthy, { pins: pins.ref }), bed.deps());
    expect(r).toMatchObject({ ok: false, class: 'CONFIG_ERROR' });
    expect(r.detail).toMatch(
      new RegExp(
        `^tls\\.pins: secretsManager ${pins.id} entry 2 of 2 is not a pin of the form sha256/BASE64SPKI=`,
      ),
    );
    expect(r.detail).not.toContain('not-a-pin');
  });
});

describe('auth settings from a reference', () => {
  async function oauthConfig(tokenUrl: SecretRef, scope?: SecretRef): Promise<ProcessorConfig> {
    const c = await bed.processor('referenced-oauth', oauth, opts);
    const creds = c.auth?.credentials;
    if (creds?.type !== 'oauth2-client-credentials') throw new Error('expected oauth credentials');
    return {
      ...c,
      auth: {
        ...c.auth,
        expectStatus: [200],
        credentials: { ...creds, tokenUrl, ...(scope ? { scope } : {}) },
      },
    };
  }

  it('reads the token URL and scope from references and posts to that path', async () => {
    const tokenUrl = ref('/custom/token\n', '4');
    const scope = ref('payments:read');
    const before = oauth.requests.length;
    const r = await probe(await oauthConfig(tokenUrl.ref, scope.ref), bed.deps());
    expect(r).toMatchObject({ ok: true });
    const req = oauth.requests[before];
    expect(req?.path).toBe('/custom/token');
    expect(new URLSearchParams(req?.body).get('scope')).toBe('payments:read');
    expect(r.inputs['auth.credentials.tokenUrl']).toBe('/custom/token@4');
    expect(r.inputs['auth.credentials.scope']).toMatch(/^sha256:[0-9a-f]{16}$/);
  });

  it('a referenced plaintext http token URL is CONFIG_ERROR before any credential is read', async () => {
    const tokenUrl = ref(`http://127.0.0.1:${oauth.port}/custom/token`);
    const c = await oauthConfig(tokenUrl.ref);
    const creds = c.auth?.credentials as { clientSecret: { secretsManager: string } };
    const secretId = creds.clientSecret.secretsManager;
    const r = await probe(c, bed.deps());
    expect(r).toMatchObject({ ok: false, class: 'CONFIG_ERROR' });
    expect(r.detail).toBe(
      `auth.credentials.tokenUrl (secretsManager ${tokenUrl.id}): credentials are never sent over plaintext http: use https`,
    );
    expect(bed.secrets.reads.get(secretId) ?? 0).toBe(0);
  });

  it('reads the request path from a reference; a path without a leading slash is CONFIG_ERROR', async () => {
    const path = ref('/v1/balance');
    const c = await bed.processor('referenced-path', healthy, opts);
    const withPath = (p: SecretRef): ProcessorConfig => ({
      ...c,
      auth: {
        ...(c.auth as NonNullable<ProcessorConfig['auth']>),
        request: { method: 'GET', path: p, headers: {} },
      },
    });
    const before = healthy.requests.length;
    const r = await probe(withPath(path.ref), bed.deps());
    expect(r).toMatchObject({ ok: true, http: { status: 200 } });
    expect(healthy.requests[before]?.path).toBe('/v1/balance');

    const bad = ref('v1/balance');
    const r2 = await probe(withPath(bad.ref), bed.deps());
    expect(r2).toMatchObject({ ok: false, class: 'CONFIG_ERROR' });
    expect(r2.detail).toBe(
      `auth.request.path: secretsManager ${bad.id} does not hold a request path (one line starting with /, e.g. /v1/balance)`,
    );
  });
});

describe('input changes', () => {
  it('a changed minVersion parameter shows as a changed input; plain settings are not fingerprinted', async () => {
    const min = ref('TLSv1.2', '7');
    const c = await config(healthy, { minVersion: min.ref, ciphers: 'HIGH:!aNULL' });
    const first = await probe(c, bed.deps());
    expect(first).toMatchObject({ ok: true });
    expect(first.inputs['tls.minVersion']).toBe('TLSv1.2@7');
    expect(first.inputs['tls.ciphers']).toBeUndefined();
    const same = await probe(c, bed.deps());
    expect(changedInputs(first.inputs, same.inputs)).toEqual([]);

    bed.secrets.put(min.id, 'TLSv1.3', '8');
    const next = await probe(c, bed.deps());
    expect(next).toMatchObject({ ok: true });
    expect(next.tls?.protocol).toBe('TLSv1.3');
    expect(changedInputs(first.inputs, next.inputs)).toEqual(['tls.minVersion']);
  });
});
