/**
 * Credentials in the probe engine: every credential type against simulated processors, OAuth client
 * credentials (basic and post client auth, token endpoint on another host), redirects that must not carry
 * credentials anywhere, secret resolution failures, input fingerprints, and no secret value in any result.
 */

import type { ProbeResult } from '../../../lambdas/core/contract/result';
import { changedInputs } from '../../../lambdas/core/engine/fingerprints';
import { probe } from '../../../lambdas/core/engine/probe';
import type { SimulatedProcessor } from '../../../testbed/servers';
import { Testbed } from '../../../testbed/servers';
import { MemorySecrets } from '../../support/secrets';

const BEARER = 'sk_test_BEARER_s3cr3t_value_1';
const PASSWORD = 'p4ss-W0RD-secret-value-2';
const API_KEY = 'AQE-header-secret-value-3';
const CLIENT_SECRET = 'oauth-client-secret-value-4';

let bed: Testbed;
let bearerApi: SimulatedProcessor;
let basicApi: SimulatedProcessor;
let headerApi: SimulatedProcessor;
let oauth: SimulatedProcessor;
let oauth400: SimulatedProcessor;

beforeAll(async () => {
  bed = await Testbed.start();
  [bearerApi, basicApi, headerApi, oauth, oauth400] = await Promise.all([
    bed.start('healthy', { credentials: { type: 'bearer', token: BEARER } }),
    bed.start('healthy', { credentials: { type: 'basic', username: 'merchant-1', password: PASSWORD } }),
    bed.start('healthy', { credentials: { type: 'header', name: 'X-API-Key', value: API_KEY } }),
    bed.start('oauth', { oauth: { clientId: 'client-1', clientSecret: CLIENT_SECRET } }),
    bed.start('oauth', {
      oauth: { clientId: 'client-1', clientSecret: CLIENT_SECRET, invalidClientStatus: 400 },
    }),
  ]);
});

afterAll(async () => {
  await bed.close();
});

const opts = { timeoutMs: 1000 };

describe('credential types', () => {
  it.each([
    ['bearer', () => bearerApi],
    ['basic', () => basicApi],
    ['header', () => headerApi],
  ] as const)(
    '%s: passes with the right credentials and is AUTH_REJECTED with wrong ones',
    async (_type, sim) => {
      const good = await probe(await bed.processor('good', sim(), opts), bed.deps());
      expect(good).toMatchObject({ ok: true, http: { status: 200 } });
      const bad = await probe(
        await bed.processor('bad', sim(), { ...opts, credentials: 'wrong' }),
        bed.deps(),
      );
      expect(bad).toMatchObject({ ok: false, stage: 'auth', class: 'AUTH_REJECTED', http: { status: 401 } });
    },
  );

  it('sends the basic credentials as the integration does', async () => {
    await probe(await bed.processor('basic', basicApi, opts), bed.deps());
    expect(basicApi.requests.at(-1)?.headers.authorization).toBe(
      `Basic ${Buffer.from(`merchant-1:${PASSWORD}`).toString('base64')}`,
    );
  });

  it('AUTH_REJECTED on 403', async () => {
    const forbidden = await bed.start('error', { status: 403 });
    const r = await probe(await bed.processor('forbidden', forbidden, opts), bed.deps());
    expect(r).toMatchObject({ class: 'AUTH_REJECTED', stage: 'auth', http: { status: 403 } });
    expect(r.detail).toMatch(/answered 403 Forbidden/);
  });

  it('a status listed in expectStatus passes', async () => {
    const notFound = await bed.start('error', { status: 404 });
    const r = await probe(await bed.processor('nf', notFound, { ...opts, expectStatus: [404] }), bed.deps());
    expect(r).toMatchObject({ ok: true, http: { status: 404 } });
  });
});

describe('oauth2-client-credentials', () => {
  it('a successful token request is the auth check (client_secret_basic)', async () => {
    const before = oauth.requests.length;
    const r = await probe(await bed.processor('oauth', oauth, opts), bed.deps());
    expect(r).toMatchObject({ ok: true, http: { status: 200 } });
    const req = oauth.requests[before];
    expect(req?.method).toBe('POST');
    expect(req?.path).toBe('/oauth/token');
    expect(req?.body).toBe('grant_type=client_credentials');
    expect(req?.headers.authorization).toMatch(/^Basic /);
  });

  it('client_secret_post sends the client in the form', async () => {
    const base = await bed.processor('oauth-post', oauth, opts);
    const creds = base.auth?.credentials;
    if (creds?.type !== 'oauth2-client-credentials') throw new Error('expected oauth credentials');
    const config = {
      ...base,
      auth: {
        ...base.auth,
        expectStatus: [200],
        credentials: { ...creds, clientAuth: 'post' as const, scope: 'read' },
      },
    };
    const r = await probe(config, bed.deps());
    expect(r.ok).toBe(true);
    const body = new URLSearchParams(oauth.requests.at(-1)?.body);
    expect(Object.fromEntries(body)).toEqual({
      grant_type: 'client_credentials',
      scope: 'read',
      client_id: 'client-1',
      client_secret: CLIENT_SECRET,
    });
    expect(oauth.requests.at(-1)?.headers.authorization).toBeUndefined();
  });

  it('sends the configured request with the token, over the same connection', async () => {
    const before = oauth.requests.length;
    const r = await probe(
      await bed.processor('oauth-req', oauth, {
        ...opts,
        request: { method: 'GET', path: '/v1/balance', headers: {} },
      }),
      bed.deps(),
    );
    expect(r).toMatchObject({ ok: true, http: { status: 200 } });
    const [token, api] = oauth.requests.slice(before);
    expect(token?.path).toBe('/oauth/token');
    expect(api?.headers.authorization).toMatch(/^Bearer tok_[0-9a-f]{24}$/);
    expect(api?.remotePort).toBe(token?.remotePort);
  });

  it('opens a new connection for the request when the token endpoint on the same origin closes its own', async () => {
    const closing = await bed.start('oauth', {
      oauth: { clientId: 'client-1', clientSecret: CLIENT_SECRET, tokenConnectionClose: true },
      status: 202,
    });
    const r = await probe(
      await bed.processor('oauth-close', closing, {
        ...opts,
        request: { method: 'GET', path: '/v1/balance', headers: {} },
        expectStatus: [202],
      }),
      bed.deps(),
    );
    // 202 is the API request's status: the token endpoint answered 200.
    expect(r).toMatchObject({ ok: true, class: null, http: { status: 202 } });
    const [token, api] = closing.requests;
    expect(token?.path).toBe('/oauth/token');
    expect(api?.path).toBe('/v1/balance');
    expect(api?.headers.authorization).toMatch(/^Bearer tok_[0-9a-f]{24}$/);
    expect(api?.remotePort).not.toBe(token?.remotePort);
    // Timings and the chain are the first connection's, recorded once.
    expect(r.warnings).toEqual([]);
    expect(r.tls?.chain.length).toBeGreaterThan(0);
  });

  it('HTTP_ERROR, not CONFIG_ERROR, when the token endpoint returns an access_token with CR/LF, never printing it', async () => {
    const injected = 'tok_badline_0123456789\r\nX-Injected: yes';
    const broken = await bed.start('oauth', {
      oauth: { clientId: 'client-1', clientSecret: CLIENT_SECRET, accessToken: injected },
    });
    const r = await probe(
      await bed.processor('oauth-crlf', broken, {
        ...opts,
        request: { method: 'GET', path: '/v1/balance', headers: {} },
      }),
      bed.deps(),
    );
    expect(r).toMatchObject({ ok: false, stage: 'http', class: 'HTTP_ERROR', http: { status: 200 } });
    expect(r.detail).toMatch(/the token endpoint returned an unusable access_token/);
    expect(JSON.stringify(r)).not.toContain('tok_badline_0123456789');
    // The request was never sent.
    expect(broken.requests.map((q) => q.path)).toEqual(['/oauth/token']);
  });

  it('AUTH_REJECTED for 400 invalid_client too', async () => {
    const r = await probe(
      await bed.processor('oauth400', oauth400, { ...opts, credentials: 'wrong' }),
      bed.deps(),
    );
    expect(r).toMatchObject({ class: 'AUTH_REJECTED', stage: 'auth', http: { status: 400 } });
    expect(r.detail).toMatch(/answered 400 invalid_client/);
  });

  it('uses a token endpoint on another host over its own connection', async () => {
    const api = await bed.start('healthy');
    const base = await bed.processor('split', api, opts);
    const creds = base.auth?.credentials;
    const ref = bed.secrets.put('split/secret', CLIENT_SECRET);
    const config = {
      ...base,
      auth: {
        ...base.auth,
        expectStatus: [200],
        credentials: {
          type: 'oauth2-client-credentials' as const,
          tokenUrl: `${oauth.url}/oauth/token`,
          clientId: 'client-1',
          clientSecret: ref,
        },
      },
    };
    expect(creds).toBeUndefined();
    const before = oauth.requests.length;
    const r = await probe(config, bed.deps());
    expect(r).toMatchObject({ ok: true, http: { status: 200 } });
    expect(oauth.requests.length).toBe(before + 1);
    expect(api.requests.at(-1)?.headers.authorization).toMatch(/^Bearer tok_/);
  });
});

describe('redirects', () => {
  it('never follows a redirect to another host, so the credentials stay with the configured one', async () => {
    const recorder = await bed.start('healthy');
    const redirect = await bed.start('redirect', {
      redirectTo: `${recorder.url}/v1/balance`,
      credentials: { type: 'bearer', token: BEARER },
    });
    const r = await probe(await bed.processor('redir', redirect, opts), bed.deps());
    expect(r).toMatchObject({ ok: false, stage: 'http', class: 'HTTP_ERROR', http: { status: 302 } });
    expect(r.detail).toContain(`redirect to ${recorder.url}/v1/balance, not followed`);
    expect(redirect.requests.at(-1)?.headers.authorization).toBe(`Bearer ${BEARER}`);
    expect(recorder.requests).toHaveLength(0);
  });
});

describe('secrets', () => {
  it('CONFIG_ERROR names the reference that cannot be read, and nothing is dialled', async () => {
    const config = await bed.processor('missing', bearerApi, opts);
    const creds = config.auth?.credentials;
    if (creds?.type !== 'bearer') throw new Error('expected bearer');
    const broken = {
      ...config,
      auth: {
        ...config.auth,
        expectStatus: [200],
        credentials: { type: 'bearer' as const, token: { secretsManager: 'payprobe/missing/api-key' } },
      },
    };
    const before = bearerApi.requests.length;
    const r = await probe(broken, bed.deps());
    expect(r).toMatchObject({ ok: false, stage: 'config', class: 'CONFIG_ERROR' });
    expect(r.detail).toBe(
      'auth.credentials.token: cannot read secretsManager payprobe/missing/api-key: no such secret (ResourceNotFoundException)',
    );
    expect(r.timings.connectMs).toBeNull();
    expect(bearerApi.requests.length).toBe(before);
  });

  it('CONFIG_ERROR, not a crash, when a credential holds characters a header cannot carry', async () => {
    const config = await bed.processor('newline', bearerApi, opts);
    const ref = bed.secrets.put('newline/token', `${BEARER}\r\nX-Injected: 1`);
    const r = await probe(
      {
        ...config,
        auth: { ...config.auth, expectStatus: [200], credentials: { type: 'bearer', token: ref } },
      },
      bed.deps(),
    );
    expect(r).toMatchObject({ class: 'CONFIG_ERROR' });
    expect(r.detail).toMatch(/invalid characters/);
    expect(JSON.stringify(r)).not.toContain(BEARER);
  });

  it('opens an encrypted client key with its passphrase, and says so when the passphrase is wrong', async () => {
    const mtls = await bed.start('client-cert-tls13');
    const cert = await bed.clientCert('valid');
    const base = await bed.processor('pass', mtls, opts);
    const tls = {
      ...base.tls,
      clientKey: bed.secrets.put('pass/key', cert.encryptedKey('correct horse')),
      clientKeyPassphrase: bed.secrets.put('pass/phrase', 'correct horse'),
    };
    expect((await probe({ ...base, tls }, bed.deps())).ok).toBe(true);
    const wrong = await probe(
      { ...base, tls: { ...tls, clientKeyPassphrase: bed.secrets.put('pass/wrong', 'battery staple') } },
      bed.deps(),
    );
    expect(wrong).toMatchObject({ class: 'CONFIG_ERROR' });
    expect(wrong.detail).toMatch(/tls\.clientKey cannot be read/);
    const missing = await probe({ ...base, tls: { ...tls, clientKeyPassphrase: undefined } }, bed.deps());
    expect(missing.detail).toMatch(/set tls\.clientKeyPassphrase/);
  });

  it('no secret value appears anywhere in a result, passing or failing', async () => {
    const mtls = await bed.start('client-cert-tls12');
    const clientKey = (await bed.clientCert('valid')).key;
    const results: ProbeResult[] = [];
    for (const [sim, o] of [
      [bearerApi, {}],
      [bearerApi, { credentials: 'wrong' }],
      [basicApi, {}],
      [basicApi, { credentials: 'wrong' }],
      [headerApi, {}],
      [headerApi, { credentials: 'wrong' }],
      [oauth, { request: { method: 'GET', path: '/v1/balance', headers: {} } }],
      [oauth, { credentials: 'wrong' }],
      [mtls, {}],
    ] as const) {
      results.push(await probe(await bed.processor('leak', sim, { ...opts, ...o }), bed.deps()));
    }
    expect(results.map((r) => r.ok)).toEqual([true, false, true, false, true, false, true, false, true]);
    const text = JSON.stringify(results);
    const keyBody = clientKey.split('\n')[1] as string;
    for (const secret of [
      BEARER,
      PASSWORD,
      API_KEY,
      CLIENT_SECRET,
      keyBody,
      Buffer.from(`merchant-1:${PASSWORD}`).toString('base64'),
      'tok_',
    ]) {
      expect(text).not.toContain(secret);
    }
  });
});

describe('inputs (for change detection)', () => {
  it('leaves userinfo, query string and fragment of the endpoint and token URL out of inputs', async () => {
    const base = await bed.processor('query', oauth, {
      ...opts,
      request: { method: 'GET', path: '/v1/balance', headers: {} },
    });
    const creds = base.auth?.credentials;
    if (creds?.type !== 'oauth2-client-credentials') throw new Error('expected oauth credentials');
    const endpoint = oauth.url.replace('https://', 'https://user:pw-Q1@');
    const r = await probe(
      {
        ...base,
        endpoint: `${endpoint}/?api_key=sk_query_Q2#frag-Q3`,
        auth: {
          ...base.auth,
          expectStatus: [200],
          credentials: { ...creds, tokenUrl: '/oauth/token?hint=Q4#Q5' },
        },
      },
      bed.deps(),
    );
    expect(r).toMatchObject({ ok: true, http: { status: 200 } });
    expect(r.inputs.endpoint).toBe(`${oauth.url}/`);
    expect(r.inputs['auth.credentials.tokenUrl']).toBe('/oauth/token');
    for (const leak of ['pw-Q1', 'sk_query_Q2', 'frag-Q3', 'hint=Q4', 'Q5'])
      expect(JSON.stringify(r)).not.toContain(leak);
    // The endpoint's query is not sent either: the request goes to the base path joined with auth.request.path.
    expect(oauth.requests.at(-1)?.path).toBe('/v1/balance');
  });

  it('fingerprints each resolved input without a value: versions for secrets, hashes for public material', async () => {
    const secrets = new MemorySecrets();
    const config = await bed.processor('inputs', bearerApi, opts);
    const token = secrets.put('inputs/token', BEARER, 'AWSCURRENT-v7');
    const ca = secrets.put('inputs/ca', bed.pki.caPem);
    const c = {
      ...config,
      tls: { ...config.tls, ca },
      auth: { ...config.auth, expectStatus: [200], credentials: { type: 'bearer' as const, token } },
    };
    const r = await probe(c, { secrets });
    expect(r.ok).toBe(true);
    expect(r.inputs).toEqual({
      endpoint: `${bearerApi.url}/`,
      'tls.ca': expect.stringMatching(/^sha256:[0-9a-f]{16}$/),
      'auth.credentials.token': 'version:AWSCURRENT-v7',
    });
    expect(secrets.reads.get('inputs/token')).toBe(1);

    secrets.put('inputs/token', BEARER, 'AWSCURRENT-v8');
    const again = await probe(c, { secrets });
    expect(changedInputs(r.inputs, again.inputs)).toEqual(['auth.credentials.token']);
    expect(changedInputs(r.inputs, r.inputs)).toEqual([]);
  });

  it('versionless secrets get a per-process HMAC: equal values match, changed values differ', async () => {
    const secrets = new MemorySecrets();
    const config = await bed.processor('hmac', bearerApi, opts);
    const cfg = {
      ...config,
      tls: { ...config.tls, ca: secrets.put('ca', bed.pki.caPem) },
      auth: {
        ...config.auth,
        expectStatus: [200],
        credentials: { type: 'bearer' as const, token: secrets.put('t', BEARER) },
      },
    };
    const a = await probe(cfg, { secrets });
    const b = await probe(cfg, { secrets });
    secrets.put('t', `${BEARER}-rotated`);
    const c = await probe(cfg, { secrets });
    expect(a.inputs['auth.credentials.token']).toMatch(/^hmac:[0-9a-f]{8}:[0-9a-f]{16}$/);
    expect(changedInputs(a.inputs, b.inputs)).toEqual([]);
    expect(changedInputs(a.inputs, c.inputs)).toEqual(['auth.credentials.token']);
    // Another process's HMAC key cannot be compared: not reported as a change.
    expect(
      changedInputs({ x: 'hmac:aaaaaaaa:1111111111111111' }, { x: 'hmac:bbbbbbbb:2222222222222222' }),
    ).toEqual([]);
    expect(changedInputs({ x: 'version:1' }, {})).toEqual(['x']);
  });
});

describe('plain HTTP endpoints and body caps', () => {
  it('probes an http:// endpoint without TLS when no credentials are configured', async () => {
    const plain = await bed.start('plaintext', { credentials: { type: 'bearer', token: BEARER } });
    const r = await probe(
      await bed.processor('plain', plain.url.replace('https:', 'http:'), { ...opts, trustTestbedCa: false }),
      bed.deps(),
    );
    expect(r).toMatchObject({ ok: false, class: 'AUTH_REJECTED', tls: null });
    expect(r.timings.tlsMs).toBeNull();
  });

  it('refuses to send credentials to an http:// endpoint: CONFIG_ERROR naming endpoint, nothing read or sent', async () => {
    const plain = await bed.start('plaintext', { credentials: { type: 'bearer', token: BEARER } });
    const base = await bed.processor('plain-creds', plain, { ...opts, trustTestbedCa: false });
    const token = bed.secrets.put('plain-creds/token', BEARER);
    const r = await probe(
      {
        ...base,
        endpoint: plain.url.replace('https:', 'http:'),
        auth: {
          request: { method: 'GET', path: '/v1/balance', headers: {} },
          credentials: { type: 'bearer', token },
          expectStatus: [200],
        },
      },
      bed.deps(),
    );
    expect(r).toMatchObject({ ok: false, stage: 'config', class: 'CONFIG_ERROR', http: null, tls: null });
    expect(r.detail).toBe(
      'endpoint: credentials are never sent over plaintext http: use https (or remove auth.credentials to probe it without them)',
    );
    expect(r.timings.dnsMs).toBeNull();
    expect(bed.secrets.reads.get('plain-creds/token')).toBeUndefined();
    expect(plain.requests).toEqual([]);
  });

  it('refuses an http:// OAuth token URL', async () => {
    const base = await bed.processor('plain-token', oauth, opts);
    const creds = base.auth?.credentials;
    if (creds?.type !== 'oauth2-client-credentials') throw new Error('expected oauth credentials');
    const before = oauth.requests.length;
    const r = await probe(
      {
        ...base,
        auth: {
          ...base.auth,
          expectStatus: [200],
          credentials: { ...creds, tokenUrl: `${oauth.url.replace('https:', 'http:')}/oauth/token` },
        },
      },
      bed.deps(),
    );
    expect(r).toMatchObject({ ok: false, class: 'CONFIG_ERROR' });
    expect(r.detail).toBe(
      'auth.credentials.tokenUrl: credentials are never sent over plaintext http: use https',
    );
    expect(oauth.requests.length).toBe(before);
  });

  it('reads at most maxBodyBytes of the response: an endless body does not hold the probe', async () => {
    const endless = await bed.start('healthy', {
      credentials: { type: 'bearer', token: BEARER },
      endlessBody: true,
    });
    const r = await probe(
      await bed.processor('cap', endless, { ...opts, timeoutMs: 2000, maxBodyBytes: 1024 }),
      bed.deps(),
    );
    // Without the cap the body never ends and the probe is RESPONSE_TIMEOUT after timeoutMs.
    expect(r).toMatchObject({ ok: true, class: null, http: { status: 200 } });
    expect(r.timings.totalMs).toBeLessThan(1000);
  });
});
