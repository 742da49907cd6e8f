/**
 * Processor presets: every preset resolves through the config loader `payprobe check` and the Lambda use,
 * in both environments; explicit fields win; the data is consistent (hosts, environments, read-only
 * requests); and a preset really drives the engine against a loopback server standing in for the processor.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import {
  ConfigError,
  type ConfigIssue,
  type LoadedConfig,
  loadConfigFile,
} from '../../../lambdas/core/config/load';
import {
  type Environment,
  hostEnvironment,
  keyEnvironment,
  PRESET_NAMES,
  PRESETS,
} from '../../../lambdas/core/config/presets';
import { probe } from '../../../lambdas/core/engine/probe';
import { SecretSources } from '../../../lambdas/core/secrets/sources';
import { Testbed } from '../../../testbed/servers';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'payprobe-presets-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

let fileCount = 0;
function load(yaml: string): LoadedConfig {
  const file = path.join(dir, `payprobe-${++fileCount}.yaml`);
  writeFileSync(file, yaml);
  return loadConfigFile(file);
}

function issues(yaml: string): ConfigIssue[] {
  try {
    load(yaml);
  } catch (err) {
    if (err instanceof ConfigError) return [...err.issues];
    throw err;
  }
  throw new Error('expected a ConfigError');
}

/** The preset's auth: credentials of its type (references only), and the fields its request needs. */
function authYaml(name: string): string {
  const fields = (PRESETS[name]?.bodyFields ?? []).map((f) => `, ${f}: Payprobe${f}`).join('');
  return `{ credentials: ${credentialsYaml(name)}${fields} }`;
}

/** Credentials of the preset's type, as a config file gives them (references only). */
function credentialsYaml(name: string): string {
  switch (PRESETS[name]?.credentialType) {
    case 'bearer':
      return `{ type: bearer, token: { secretsManager: payprobe/${name}/key } }`;
    case 'basic':
      return `{ type: basic, username: { ssm: /payprobe/${name}/user }, password: { secretsManager: payprobe/${name}/secret } }`;
    case 'header':
      return `{ type: header, name: X-API-Key, value: { secretsManager: payprobe/${name}/key } }`;
    case 'oauth2-client-credentials':
      return `{ type: oauth2-client-credentials, clientId: { ssm: /payprobe/${name}/id }, clientSecret: { secretsManager: payprobe/${name}/secret } }`;
    default:
      throw new Error(`unknown preset ${name}`);
  }
}

describe.each(['production', 'sandbox'] as const)('every preset in %s', (environment: Environment) => {
  it('resolves with the config loader to its host, request, credential type and expected status', () => {
    const withHost = PRESET_NAMES.filter((n) => PRESETS[n]?.endpoint[environment] !== undefined);
    const yaml = `processors:\n${withHost
      .map(
        (n) =>
          `  - name: ${n}\n    preset: ${n}\n    environment: ${environment}\n    auth: ${authYaml(n)}\n`,
      )
      .join('')}`;
    const { processors } = load(yaml);
    expect(processors.map((p) => p.name)).toEqual(withHost);
    for (const p of processors) {
      const preset = PRESETS[p.name];
      expect(p.endpoint).toBe(preset?.endpoint[environment]);
      expect(p.environment).toBe(environment);
      expect(p.auth?.credentials?.type).toBe(preset?.credentialType);
      expect(p.auth?.expectStatus).toEqual(preset?.expectStatus);
      if (preset?.request) expect(p.auth?.request?.path).toBe(preset.request.path);
      if (preset?.tokenUrl) expect(p.auth?.credentials).toMatchObject({ tokenUrl: preset.tokenUrl });
      if (preset?.tokenMethod) expect(p.auth?.credentials).toMatchObject({ tokenMethod: preset.tokenMethod });
      expect(p.auth?.expectBody).toEqual(preset?.expectBody);
    }
  });

  it('asks for an endpoint where the host is per account, and accepts one', () => {
    const perAccount = PRESET_NAMES.filter((n) => PRESETS[n]?.endpoint[environment] === undefined);
    for (const n of perAccount) {
      const base = `processors:\n  - name: ${n}\n    preset: ${n}\n    environment: ${environment}\n    auth: ${authYaml(n)}\n`;
      const found = issues(base);
      expect(found).toEqual([
        expect.objectContaining({
          path: 'processors[0].endpoint',
          message: expect.stringContaining('per account'),
        }),
      ]);
      const { processors } = load(
        base.replace(
          `    environment: ${environment}\n`,
          `    environment: ${environment}\n    endpoint: https://acme.example.com\n`,
        ),
      );
      expect(processors[0]?.endpoint).toBe('https://acme.example.com');
    }
  });
});

describe('presets the issue requires', () => {
  it.each([
    'stripe',
    'paypal',
    'adyen',
    'braintree',
    'square',
    'checkout-com',
    'mpesa-daraja',
    'paystack',
    'flutterwave',
  ])('%s exists', (name) => {
    expect(PRESETS[name]).toBeDefined();
  });

  it('gives PayPal and M-Pesa Daraja their OAuth token endpoints (reused tokens) and Adyen its API-key header', () => {
    expect(PRESETS.paypal).toMatchObject({
      credentialType: 'oauth2-client-credentials',
      tokenUrl: '/v1/oauth2/token',
      request: { method: 'GET', path: '/v1/notifications/webhooks' },
    });
    expect(PRESETS['mpesa-daraja']).toMatchObject({
      credentialType: 'oauth2-client-credentials',
      tokenUrl: '/oauth/v1/generate',
      tokenMethod: 'GET',
    });
    expect(PRESETS.adyen).toMatchObject({
      credentialType: 'header',
      request: { path: '/v72/paymentMethods' },
      bodyFields: ['merchantAccount'],
    });
  });

  it('no preset authenticates by requesting a token with static credentials on every run', () => {
    // A token endpoint as the configured request would bypass the token cache (M-Pesa's preset once did).
    for (const [name, p] of Object.entries(PRESETS)) {
      expect({ name, path: p.request?.path ?? '' }).not.toEqual({
        name,
        path: expect.stringMatching(/oauth|token/i),
      });
    }
  });
});

describe('explicit fields win over the preset', () => {
  it('endpoint, request, expected status and token URL', () => {
    const { processors } = load(`
processors:
  - name: stripe-eu
    preset: stripe
    endpoint: https://stripe-proxy.internal.example
    auth:
      request: { path: /v1/customers?limit=1 }
      credentials: { type: bearer, token: { secretsManager: k } }
      expectStatus: [200, 204]
  - name: paypal
    preset: paypal
    auth:
      credentials: { type: oauth2-client-credentials, tokenUrl: /custom/token, clientId: abc, clientSecret: { secretsManager: s } }
`);
    expect(processors[0]).toMatchObject({
      endpoint: 'https://stripe-proxy.internal.example',
      auth: { request: { method: 'GET', path: '/v1/customers?limit=1' }, expectStatus: [200, 204] },
    });
    expect(processors[1]?.auth?.credentials).toMatchObject({ tokenUrl: '/custom/token' });
  });

  it('request headers merge over the preset headers, explicit ones winning', () => {
    const { processors } = load(`
processors:
  - name: braintree
    preset: braintree
    environment: sandbox
    auth:
      request: { path: /graphql, body: '{"query":"query { ping }"}', headers: { braintree-version: '2024-08-01', x-extra: '1' } }
      credentials: { type: basic, username: pub, password: { secretsManager: priv } }
`);
    expect(processors[0]?.auth?.request).toEqual({
      method: 'POST',
      path: '/graphql',
      headers: { 'content-type': 'application/json', 'braintree-version': '2024-08-01', 'x-extra': '1' },
      body: '{"query":"query { ping }"}',
    });
    expect(processors[0]?.endpoint).toBe('https://payments.sandbox.braintree-api.com');
  });

  it('a preset still needs the credentials (the secret references)', () => {
    expect(issues('processors:\n  - name: square\n    preset: square\n')).toEqual([
      expect.objectContaining({
        path: 'processors[0].auth.credentials',
        message: expect.stringContaining('"bearer"'),
      }),
    ]);
  });
});

describe('preset data', () => {
  it('uses HTTPS everywhere', () => {
    for (const p of Object.values(PRESETS)) {
      for (const url of Object.values(p.endpoint))
        if (url !== undefined) expect(url).toMatch(/^https:\/\/[a-z0-9.-]+$/);
    }
  });

  it('sends only read-only requests: GET, or a POST known to have no side effects', () => {
    const postsWithoutSideEffects = ['adyen /v72/paymentMethods', 'braintree /graphql'];
    for (const [name, p] of Object.entries(PRESETS)) {
      const method = p.request?.method ?? 'GET';
      if (method !== 'GET') expect(postsWithoutSideEffects).toContain(`${name} ${p.request?.path}`);
    }
  });

  it("classifies each preset's own hosts into the right environment", () => {
    for (const [name, p] of Object.entries(PRESETS)) {
      const prod = p.endpoint.production;
      const sandbox = p.endpoint.sandbox;
      if (prod && sandbox && prod === sandbox) {
        // One host for both: the host cannot tell, the key must.
        expect({ name, env: hostEnvironment(p, new URL(prod).host) }).toEqual({ name, env: undefined });
        continue;
      }
      if (sandbox)
        expect({ name, env: hostEnvironment(p, new URL(sandbox).host) }).toEqual({ name, env: 'sandbox' });
      if (prod)
        expect({ name, env: hostEnvironment(p, new URL(prod).host) }).toEqual({ name, env: 'production' });
    }
  });

  it('matches per-account subdomains and never confuses a sandbox subdomain with production', () => {
    const cko = PRESETS['checkout-com'];
    const adyen = PRESETS.adyen;
    if (!cko || !adyen) throw new Error('presets missing');
    expect(hostEnvironment(cko, 'abc123.api.sandbox.checkout.com')).toBe('sandbox');
    expect(hostEnvironment(cko, 'abc123.api.checkout.com')).toBe('production');
    expect(hostEnvironment(adyen, '1797a841fbb37ca7-AdyenDemo-checkout-live.adyenpayments.com')).toBe(
      'production',
    );
    expect(hostEnvironment(adyen, 'checkout-test.adyen.com')).toBe('sandbox');
    expect(hostEnvironment(adyen, 'evil-adyenpayments.com')).toBeUndefined();
  });

  it('tells the environment from the key prefix where one host serves both', () => {
    const at = (n: string) =>
      PRESETS[n] ??
      (() => {
        throw new Error(n);
      })();
    expect(keyEnvironment(at('stripe'), 'sk_test_abc')).toBe('sandbox');
    expect(keyEnvironment(at('stripe'), 'rk_live_abc')).toBe('production');
    expect(keyEnvironment(at('paystack'), 'sk_live_abc')).toBe('production');
    expect(keyEnvironment(at('flutterwave'), 'FLWSECK_TEST-abc')).toBe('sandbox');
    expect(keyEnvironment(at('flutterwave'), 'FLWSECK-abc')).toBe('production');
    expect(keyEnvironment(at('checkout-com'), 'sk_sbox_m73dzbpy7cf3gfd46xr4yj5xo4e')).toBe('sandbox');
    expect(keyEnvironment(at('checkout-com'), 'sk_test_0b9b5db6-f223-49d0-b68f-f6643dd4f808')).toBe(
      'sandbox',
    );
    expect(keyEnvironment(at('checkout-com'), 'sk_0b9b5db6-f223-49d0-b68f-f6643dd4f808')).toBe('production');
    expect(keyEnvironment(at('checkout-com'), 'pk_sbox_abc')).toBeUndefined();
    expect(keyEnvironment(at('stripe'), 'pk_live_abc')).toBeUndefined();
    expect(keyEnvironment(at('square'), 'EAAA...')).toBeUndefined();
  });

  it('says what is unverified for the presets built on inference', () => {
    for (const n of [
      'adyen',
      'checkout-com',
      'mpesa-daraja',
      'flutterwave',
      'braintree',
      'razorpay',
      'mollie',
      'worldpay',
    ]) {
      expect({ n, unverified: typeof PRESETS[n]?.unverified }).toEqual({ n, unverified: 'string' });
    }
  });
});

describe('a preset driving the engine (loopback processors)', () => {
  let bed: Testbed;
  beforeAll(async () => {
    bed = await Testbed.start();
    writeFileSync(path.join(dir, 'ca.pem'), bed.pki.caPem);
  });
  afterAll(async () => {
    await bed.close();
  });

  it('stripe: GET /v1/balance with the bearer token, endpoint overridden to the local stand-in', async () => {
    const api = await bed.start('healthy', { credentials: { type: 'bearer', token: 'sk_test_preset' } });
    const { processors } = load(`
processors:
  - name: stripe
    preset: stripe
    endpoint: ${api.url}
    tls: { ca: { file: ca.pem } }
    auth:
      credentials: { type: bearer, token: { env: PRESET_TEST_TOKEN } }
`);
    const secrets = new SecretSources({ env: { PRESET_TEST_TOKEN: 'sk_test_preset' } });
    const result = await probe(processors[0] as (typeof processors)[number], { secrets });
    expect(result).toMatchObject({ ok: true, http: { status: 200 } });
    expect(api.requests.map((r) => `${r.method} ${r.path} ${r.headers.authorization}`)).toEqual([
      'GET /v1/balance Bearer sk_test_preset',
    ]);
  });

  it('paypal sandbox: a token from /v1/oauth2/token, the webhooks list with it, and a wrong secret is AUTH_REJECTED', async () => {
    const api = await bed.start('oauth', {
      oauth: { clientId: 'pp-client', clientSecret: 'pp-secret', path: '/v1/oauth2/token' },
    });
    const yaml = `
processors:
  - name: paypal
    preset: paypal
    environment: sandbox
    endpoint: ${api.url}
    tls: { ca: { file: ca.pem } }
    auth:
      credentials: { type: oauth2-client-credentials, clientId: pp-client, clientSecret: { env: PP_SECRET } }
`;
    const p = load(yaml).processors[0];
    if (!p) throw new Error('no processor');
    const good = await probe(p, { secrets: new SecretSources({ env: { PP_SECRET: 'pp-secret' } }) });
    const bad = await probe(p, { secrets: new SecretSources({ env: { PP_SECRET: 'wrong' } }) });
    expect(good).toMatchObject({ ok: true });
    expect(bad).toMatchObject({ ok: false, stage: 'auth', class: 'AUTH_REJECTED' });
    expect(api.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'POST /v1/oauth2/token',
      'GET /v1/notifications/webhooks',
      'POST /v1/oauth2/token',
    ]);
  });
});
