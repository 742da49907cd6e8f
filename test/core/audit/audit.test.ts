/**
 * `payprobe audit` rules: a table with, for every rule, a config that makes it fire (with the field it must
 * name) and a close variant where it stays quiet. Client-certificate rules use real certificates from the
 * testbed PKI; secret contents come through the SecretResolver interface (an in-memory one here, the CLI's
 * real SecretSources for file and env references).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import {
  type AuditOptions,
  audit,
  type Finding,
  RULE_IDS,
  RULES,
  type RuleId,
  weakCiphers,
} from '../../../lambdas/core/audit';
import { DAY_MS } from '../../../lambdas/core/checks/expiry';
import { type LoadedConfig, loadConfigFile, parseConfig } from '../../../lambdas/core/config/load';
import type { SecretRef } from '../../../lambdas/core/config/schema';
import { describeRef, SecretError, type SecretResolver } from '../../../lambdas/core/secrets/resolver';
import { SecretSources } from '../../../lambdas/core/secrets/sources';
import { createPki, type Issued, type TestPki } from '../../../testbed/pki';
import { EXAMPLE_CONFIG } from '../../support/paths';

const PIN_A = `sha256/${'A'.repeat(43)}=`;
const PIN_B = `sha256/${'B'.repeat(43)}=`;
let dir: string;
let FILE: string;
let pki: TestPki;
let good: Issued;
let other: Issued;
let expired: Issued;
let notYet: Issued;
let expiring: Issued;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'payprobe-audit-'));
  FILE = path.join(dir, 'payprobe.yaml');
  pki = await createPki();
  [good, other, expired, notYet, expiring] = await Promise.all([
    pki.clientCert(),
    pki.clientCert(),
    pki.clientCert({ expired: true }),
    pki.clientCert({ notYetValid: true }),
    pki.clientCert({ validDays: 11 }),
  ]);
  writeFileSync(path.join(dir, 'ca.pem'), pki.caPem);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Reads references from a map keyed by describeRef(); a missing one fails like an unreachable AWS source. */
class MapSecrets implements SecretResolver {
  readonly reads: string[] = [];
  constructor(private readonly values: Record<string, string>) {}
  async resolve(ref: SecretRef) {
    const key = describeRef(ref);
    this.reads.push(key);
    const value = this.values[key];
    if (value === undefined)
      throw new SecretError(ref, 'CredentialsProviderError: Could not load credentials');
    return { value };
  }
}

// biome-ignore lint/suspicious/noExplicitAny: test configs are loose JSON, validated by parseConfig like a file
type Json = Record<string, any>;

/** A config with no findings at all: HTTPS, verified TLS, an auth check from Secrets Manager, both topics. */
function base(): Json {
  return {
    alerting: { critical: [{ email: 'oncall@example.com' }], warning: [{ email: 'team@example.com' }] },
    processors: [
      {
        name: 'acme',
        endpoint: 'https://api.acme.example',
        auth: {
          request: { method: 'GET', path: '/v1/ping' },
          credentials: { type: 'bearer', token: { secretsManager: 'acme/api-key' } },
        },
      },
    ],
  };
}

function load(mutate: (c: Json) => void = () => {}): LoadedConfig {
  const c = base();
  mutate(c);
  return parseConfig(JSON.stringify(c), FILE);
}

/** For states the loader already rejects (a ProcessorConfig built by other code must still be audited). */
function patched(mutate: (cfg: LoadedConfig) => LoadedConfig): LoadedConfig {
  return mutate(load());
}

const p0 = (c: Json): Json => c.processors[0];
const mtls = (cert: string, key: string) => (c: Json) => {
  p0(c).tls = { clientCert: { secretsManager: 'acme/cert' }, clientKey: { secretsManager: 'acme/key' } };
  return { 'secretsManager acme/cert': cert, 'secretsManager acme/key': key };
};

interface Input {
  readonly config: LoadedConfig;
  readonly options?: AuditOptions;
}

interface Case {
  readonly name: string;
  readonly rule: RuleId;
  /** The field the finding must name. */
  readonly field: string;
  /** @default the rule's severity */
  readonly severity?: Finding['severity'];
  readonly fires: () => Input;
  readonly quiet: () => Input;
}

function withSecrets(mutate: (c: Json) => Record<string, string>, extra: AuditOptions = {}): Input {
  let values: Record<string, string> = {};
  const config = load((c) => {
    values = mutate(c);
  });
  return { config, options: { secrets: new MapSecrets(values), ...extra } };
}

const CASES: Case[] = [
  {
    name: 'a plain-HTTP endpoint',
    rule: 'endpoint-not-https',
    field: 'processors[0].endpoint',
    fires: () => ({ config: load((c) => (p0(c).endpoint = 'http://api.acme.example')) }),
    quiet: () => ({ config: load() }),
  },
  {
    name: 'a plain-HTTP OAuth token URL',
    rule: 'endpoint-not-https',
    field: 'processors[0].auth.credentials.tokenUrl',
    fires: () => ({
      config: load((c) => {
        p0(c).auth = {
          credentials: {
            type: 'oauth2-client-credentials',
            tokenUrl: 'http://auth.acme.example/token',
            clientId: 'id',
            clientSecret: { secretsManager: 'acme/secret' },
          },
        };
      }),
    }),
    quiet: () => ({
      config: load((c) => {
        p0(c).auth = {
          credentials: {
            type: 'oauth2-client-credentials',
            tokenUrl: '/oauth/token',
            clientId: 'id',
            clientSecret: { secretsManager: 'acme/secret' },
          },
        };
      }),
    }),
  },
  {
    name: 'an endpoint read from SSM that turns out to be plain HTTP',
    rule: 'endpoint-not-https',
    field: 'processors[0].endpoint',
    fires: () =>
      withSecrets((c) => {
        p0(c).endpoint = { ssm: '/payments/acme/url' };
        return { 'ssm /payments/acme/url': 'http://api.acme.example\n' };
      }),
    quiet: () =>
      withSecrets((c) => {
        p0(c).endpoint = { ssm: '/payments/acme/url' };
        return { 'ssm /payments/acme/url': 'https://api.acme.example' };
      }),
  },
  {
    name: 'certificate verification disabled on the processor',
    rule: 'tls-verify-disabled',
    field: 'processors[0].tls.verify',
    fires: () => ({ config: load((c) => (p0(c).tls = { verify: false })) }),
    quiet: () => ({ config: load((c) => (p0(c).tls = { verify: true })) }),
  },
  {
    name: 'certificate verification disabled in defaults (the finding names the defaults field)',
    rule: 'tls-verify-disabled',
    field: 'defaults.tls.verify',
    fires: () => ({ config: load((c) => (c.defaults = { tls: { verify: false } })) }),
    quiet: () => ({ config: load((c) => (c.defaults = { tls: { verify: true } })) }),
  },
  {
    name: 'a minimum TLS version of 1.1',
    rule: 'tls-min-version-too-low',
    field: 'processors[0].tls.minVersion',
    fires: () => ({ config: load((c) => (p0(c).tls = { minVersion: 'TLSv1.1' })) }),
    quiet: () => ({ config: load((c) => (p0(c).tls = { minVersion: 'TLSv1.3' })) }),
  },
  {
    name: 'a minimum TLS version read from an { env } reference that holds TLSv1.1',
    rule: 'tls-min-version-too-low',
    field: 'processors[0].tls.minVersion',
    fires: () => ({
      config: load((c) => (p0(c).tls = { minVersion: { env: 'ACME_TLS_MIN' } })),
      options: { secrets: new SecretSources({ env: { ACME_TLS_MIN: 'TLSv1.1\n' } }), deployed: false },
    }),
    quiet: () => ({
      config: load((c) => (p0(c).tls = { minVersion: { env: 'ACME_TLS_MIN' } })),
      options: { secrets: new SecretSources({ env: { ACME_TLS_MIN: 'TLSv1.2' } }), deployed: false },
    }),
  },
  {
    name: 'weak suites in a cipher list read from SSM',
    rule: 'weak-ciphers',
    field: 'processors[0].tls.ciphers',
    fires: () =>
      withSecrets((c) => {
        p0(c).tls = { ciphers: { ssm: '/payments/acme/ciphers' } };
        return { 'ssm /payments/acme/ciphers': 'ECDHE-RSA-AES128-GCM-SHA256:DES-CBC3-SHA' };
      }),
    quiet: () =>
      withSecrets((c) => {
        p0(c).tls = { ciphers: { ssm: '/payments/acme/ciphers' } };
        return { 'ssm /payments/acme/ciphers': 'ECDHE-RSA-AES128-GCM-SHA256:!3DES' };
      }),
  },
  {
    name: 'a single pin read from SSM (no backup)',
    rule: 'pin-without-backup',
    field: 'processors[0].tls.pins',
    fires: () =>
      withSecrets((c) => {
        p0(c).tls = { pins: { ssm: '/payments/acme/pins' } };
        return { 'ssm /payments/acme/pins': `${PIN_A}\n` };
      }),
    quiet: () =>
      withSecrets((c) => {
        p0(c).tls = { pins: { ssm: '/payments/acme/pins' } };
        return { 'ssm /payments/acme/pins': `${PIN_A},\n${PIN_B}` };
      }),
  },
  {
    name: 'a referenced minimum TLS version that is not a TLS version',
    rule: 'referenced-value-invalid',
    field: 'processors[0].tls.minVersion',
    fires: () =>
      withSecrets((c) => {
        p0(c).tls = { minVersion: { ssm: '/payments/acme/tls-min' } };
        return { 'ssm /payments/acme/tls-min': 'TLSv9' };
      }),
    quiet: () =>
      withSecrets((c) => {
        p0(c).tls = { minVersion: { ssm: '/payments/acme/tls-min' } };
        return { 'ssm /payments/acme/tls-min': 'TLSv1.3' };
      }),
  },
  {
    name: 'a referenced pin list with a malformed entry',
    rule: 'referenced-value-invalid',
    field: 'processors[0].tls.pins',
    fires: () =>
      withSecrets((c) => {
        p0(c).tls = { pins: { ssm: '/payments/acme/pins' } };
        return { 'ssm /payments/acme/pins': `${PIN_A},sha256/short=` };
      }),
    quiet: () =>
      withSecrets((c) => {
        p0(c).tls = { pins: { ssm: '/payments/acme/pins' } };
        return { 'ssm /payments/acme/pins': `${PIN_A},${PIN_B}` };
      }),
  },
  {
    name: 'an OAuth token URL read from SSM that is plain HTTP',
    rule: 'endpoint-not-https',
    field: 'processors[0].auth.credentials.tokenUrl',
    fires: () =>
      withSecrets((c) => {
        p0(c).auth = {
          request: { path: '/v1/ping' },
          credentials: {
            type: 'oauth2-client-credentials',
            tokenUrl: { ssm: '/payments/acme/token-url' },
            clientId: 'id',
            clientSecret: { secretsManager: 'acme/secret' },
          },
        };
        return { 'ssm /payments/acme/token-url': 'http://auth.acme.example/token' };
      }),
    quiet: () =>
      withSecrets((c) => {
        p0(c).auth = {
          request: { path: '/v1/ping' },
          credentials: {
            type: 'oauth2-client-credentials',
            tokenUrl: { ssm: '/payments/acme/token-url' },
            clientId: 'id',
            clientSecret: { secretsManager: 'acme/secret' },
          },
        };
        return { 'ssm /payments/acme/token-url': 'https://auth.acme.example/token' };
      }),
  },
  {
    name: 'a maximum TLS version of 1.1',
    rule: 'tls-max-version-too-low',
    field: 'processors[0].tls.maxVersion',
    fires: () => ({ config: load((c) => (p0(c).tls = { minVersion: 'TLSv1', maxVersion: 'TLSv1.1' })) }),
    quiet: () => ({ config: load((c) => (p0(c).tls = { maxVersion: 'TLSv1.2' })) }),
  },
  {
    name: 'a minimum version above the maximum (the loader rejects it; a config built by other code)',
    rule: 'tls-version-range-empty',
    field: 'processors[0].tls.maxVersion',
    fires: () => ({
      config: patched((cfg) => ({
        ...cfg,
        processors: cfg.processors.map((p) => ({
          ...p,
          tls: { ...p.tls, minVersion: 'TLSv1.3' as const, maxVersion: 'TLSv1.2' as const },
        })),
      })),
    }),
    quiet: () => ({ config: load((c) => (p0(c).tls = { minVersion: 'TLSv1.2', maxVersion: 'TLSv1.3' })) }),
  },
  {
    name: 'an RC4 suite in the cipher list',
    rule: 'weak-ciphers',
    field: 'processors[0].tls.ciphers',
    fires: () => ({ config: load((c) => (p0(c).tls = { ciphers: 'ECDHE-RSA-AES128-GCM-SHA256:RC4-SHA' })) }),
    quiet: () => ({ config: load((c) => (p0(c).tls = { ciphers: 'HIGH:!aNULL:!MD5:!RC4:!3DES' })) }),
  },
  {
    name: 'a single pin',
    rule: 'pin-without-backup',
    field: 'processors[0].tls.pins',
    fires: () => ({ config: load((c) => (p0(c).tls = { pins: [good.pin] })) }),
    quiet: () => ({ config: load((c) => (p0(c).tls = { pins: [good.pin, other.pin] })) }),
  },
  {
    name: 'pins on a Stripe preset',
    rule: 'pinning-discouraged',
    field: 'processors[0].tls.pins',
    fires: () =>
      withSecrets((c) => {
        c.processors[0] = { ...stripe(), tls: { pins: [good.pin, other.pin] } };
        return { 'secretsManager stripe/key': 'sk_live_0123456789abcdef' };
      }),
    quiet: () => ({ config: load((c) => (p0(c).tls = { pins: [good.pin, other.pin] })) }),
  },
  {
    name: 'pins on an Authorize.net endpoint without a preset',
    rule: 'pinning-discouraged',
    field: 'processors[0].tls.pins',
    fires: () => ({
      config: load((c) => {
        p0(c).endpoint = 'https://api.authorize.net';
        p0(c).tls = { pins: [good.pin, other.pin] };
      }),
    }),
    quiet: () => ({ config: load((c) => (p0(c).endpoint = 'https://api.authorize.net')) }),
  },
  {
    name: "PayPal's sandbox host on a processor marked production (by default)",
    rule: 'sandbox-host-in-production',
    field: 'processors[0].endpoint',
    fires: () => ({
      config: load((c) => (c.processors[0] = paypal({ endpoint: 'https://api-m.sandbox.paypal.com' }))),
    }),
    quiet: () => ({
      config: load(
        (c) =>
          (c.processors[0] = paypal({
            endpoint: 'https://api-m.sandbox.paypal.com',
            environment: 'sandbox',
          })),
      ),
    }),
  },
  {
    name: 'a host that looks like a sandbox (a warning: it is a guess)',
    rule: 'sandbox-host-in-production',
    field: 'processors[0].endpoint',
    severity: 'warning',
    fires: () => ({ config: load((c) => (p0(c).endpoint = 'https://api-test.acme.example')) }),
    quiet: () => ({ config: load((c) => (p0(c).endpoint = 'https://api.acme.example')) }),
  },
  {
    name: "a per-account Checkout.com sandbox host (subdomain of the preset's sandbox host)",
    rule: 'sandbox-host-in-production',
    field: 'processors[0].endpoint',
    fires: () => ({
      config: load(
        (c) =>
          (c.processors[0] = {
            name: 'cko',
            preset: 'checkout-com',
            endpoint: 'https://pk123.api.sandbox.checkout.com',
            auth: { credentials: { type: 'bearer', token: { secretsManager: 'cko/key' } } },
          }),
      ),
    }),
    quiet: () => ({
      config: load(
        (c) =>
          (c.processors[0] = {
            name: 'cko',
            preset: 'checkout-com',
            endpoint: 'https://pk123.api.checkout.com',
            auth: { credentials: { type: 'bearer', token: { secretsManager: 'cko/key' } } },
          }),
      ),
    }),
  },
  {
    name: "Authorize.net's test host without a preset",
    rule: 'sandbox-host-in-production',
    field: 'processors[0].endpoint',
    fires: () => ({ config: load((c) => (p0(c).endpoint = 'https://apitest.authorize.net')) }),
    quiet: () => ({
      config: load((c) =>
        Object.assign(p0(c), { endpoint: 'https://apitest.authorize.net', environment: 'sandbox' }),
      ),
    }),
  },
  {
    name: "PayPal's production host on a processor marked sandbox",
    rule: 'production-host-in-sandbox',
    field: 'processors[0].endpoint',
    fires: () => ({
      config: load(
        (c) => (c.processors[0] = paypal({ endpoint: 'https://api-m.paypal.com', environment: 'sandbox' })),
      ),
    }),
    quiet: () => ({ config: load((c) => (c.processors[0] = paypal({ environment: 'sandbox' }))) }),
  },
  {
    name: 'a Stripe test-mode key on a production processor',
    rule: 'test-key-in-production',
    field: 'processors[0].auth.credentials.token',
    fires: () =>
      withSecrets((c) => {
        c.processors[0] = stripe();
        return { 'secretsManager stripe/key': 'sk_test_0123456789abcdef' };
      }),
    quiet: () =>
      withSecrets((c) => {
        c.processors[0] = stripe();
        return { 'secretsManager stripe/key': 'sk_live_0123456789abcdef' };
      }),
  },
  {
    name: 'a Razorpay test key id (the Basic user name) on a production processor',
    rule: 'test-key-in-production',
    field: 'processors[0].auth.credentials.username',
    fires: () => ({ config: load((c) => (c.processors[0] = razorpay('rzp_test_0123456789'))) }),
    quiet: () => ({ config: load((c) => (c.processors[0] = razorpay('rzp_live_0123456789'))) }),
  },
  {
    name: 'a Stripe test key on a processor that spells out api.stripe.com instead of the preset',
    rule: 'test-key-in-production',
    field: 'processors[0].auth.credentials.token',
    fires: () =>
      withSecrets((c) => {
        p0(c).endpoint = 'https://api.stripe.com';
        p0(c).auth.credentials.token = { secretsManager: 'stripe/key' };
        return { 'secretsManager stripe/key': 'rk_test_0123456789abcdef' };
      }),
    quiet: () =>
      withSecrets((c) => {
        p0(c).auth.credentials.token = { secretsManager: 'stripe/key' };
        return { 'secretsManager stripe/key': 'rk_test_0123456789abcdef' };
      }),
  },
  {
    name: 'a Stripe live key on a sandbox processor',
    rule: 'live-key-in-sandbox',
    field: 'processors[0].auth.credentials.token',
    fires: () =>
      withSecrets((c) => {
        c.processors[0] = { ...stripe(), environment: 'sandbox' };
        return { 'secretsManager stripe/key': 'sk_live_0123456789abcdef' };
      }),
    quiet: () =>
      withSecrets((c) => {
        c.processors[0] = { ...stripe(), environment: 'sandbox' };
        return { 'secretsManager stripe/key': 'sk_test_0123456789abcdef' };
      }),
  },
  {
    name: 'an API token from an environment variable in a deployed config',
    rule: 'local-secret-source',
    field: 'processors[0].auth.credentials.token',
    fires: () => ({ config: load((c) => (p0(c).auth.credentials.token = { env: 'ACME_TOKEN' })) }),
    quiet: () => ({
      config: load((c) => (p0(c).auth.credentials.token = { env: 'ACME_TOKEN' })),
      options: { deployed: false },
    }),
  },
  {
    name: 'a client key from a file in a deployed config',
    rule: 'local-secret-source',
    field: 'processors[0].tls.clientKey',
    fires: () =>
      withSecrets((c) => {
        p0(c).tls = { clientCert: { secretsManager: 'acme/cert' }, clientKey: { file: 'client.key' } };
        return { 'secretsManager acme/cert': good.cert, 'file client.key': good.key };
      }),
    quiet: () => withSecrets(mtls(good.cert, good.key)),
  },
  {
    name: 'an Authorization header written into the request',
    rule: 'secret-inline',
    field: 'processors[0].auth.request.headers.Authorization',
    fires: () => ({ config: load((c) => (p0(c).auth.request.headers = { Authorization: 'Bearer abc123' })) }),
    quiet: () => ({ config: load((c) => (p0(c).auth.request.headers = { Accept: 'application/json' })) }),
  },
  {
    name: 'user credentials in the endpoint URL',
    rule: 'secret-inline',
    field: 'processors[0].endpoint',
    fires: () => ({ config: load((c) => (p0(c).endpoint = 'https://user:hunter22@api.acme.example')) }),
    quiet: () => ({ config: load((c) => (p0(c).endpoint = 'https://api.acme.example/v2')) }),
  },
  {
    name: 'an API key in the request query string',
    rule: 'secret-inline',
    field: 'processors[0].auth.request.path',
    fires: () => ({ config: load((c) => (p0(c).auth.request.path = '/v1/ping?api_key=abc123')) }),
    quiet: () => ({ config: load((c) => (p0(c).auth.request.path = '/v1/ping?count=1')) }),
  },
  {
    name: 'a Stripe key pasted into the request body',
    rule: 'secret-inline',
    field: 'processors[0].auth.request.body',
    fires: () => ({ config: load((c) => (p0(c).auth.request.body = '{"key":"sk_live_0123456789abcdef"}')) }),
    quiet: () => ({ config: load((c) => (p0(c).auth.request.body = '{"query":"query { ping }"}')) }),
  },
  {
    name: 'a CA bundle file that does not exist (read by the real CLI resolver)',
    rule: 'secret-unreadable',
    field: 'processors[0].tls.ca',
    fires: () => ({
      config: load((c) => (p0(c).tls = { ca: { file: 'missing.pem' } })),
      options: { secrets: new SecretSources({ env: {} }) },
    }),
    quiet: () => ({
      config: load((c) => (p0(c).tls = { ca: { file: 'ca.pem' } })),
      options: { secrets: new SecretSources({ env: {} }) },
    }),
  },
  {
    name: 'a client certificate that is not PEM',
    rule: 'client-cert-invalid',
    field: 'processors[0].tls.clientCert',
    fires: () => withSecrets(mtls('not a certificate', good.key)),
    quiet: () => withSecrets(mtls(good.cert, good.key)),
  },
  {
    name: 'an encrypted client key with the wrong passphrase',
    rule: 'client-cert-invalid',
    field: 'processors[0].tls.clientKey',
    fires: () =>
      withSecrets((c) => {
        const values = mtls(good.cert, good.encryptedKey('right horse'))(c);
        p0(c).tls.clientKeyPassphrase = { secretsManager: 'acme/pass' };
        return { ...values, 'secretsManager acme/pass': 'wrong battery' };
      }),
    quiet: () =>
      withSecrets((c) => {
        const values = mtls(good.cert, good.encryptedKey('right horse'))(c);
        p0(c).tls.clientKeyPassphrase = { secretsManager: 'acme/pass' };
        return { ...values, 'secretsManager acme/pass': 'right horse' };
      }),
  },
  {
    name: 'an expired client certificate',
    rule: 'client-cert-expired',
    field: 'processors[0].tls.clientCert',
    fires: () => withSecrets(mtls(expired.cert, expired.key)),
    quiet: () => withSecrets(mtls(good.cert, good.key)),
  },
  {
    name: 'a client certificate that is not valid yet',
    rule: 'client-cert-expired',
    field: 'processors[0].tls.clientCert',
    fires: () => withSecrets(mtls(notYet.cert, notYet.key)),
    quiet: () => withSecrets(mtls(good.chain, good.key)),
  },
  {
    name: 'a client certificate expiring in 10 days (window 21)',
    rule: 'client-cert-expiring',
    field: 'processors[0].tls.clientCert',
    severity: 'warning',
    fires: () => withSecrets(mtls(expiring.cert, expiring.key)),
    quiet: () =>
      withSecrets((c) => {
        const v = mtls(expiring.cert, expiring.key)(c);
        p0(c).tls.clientCertExpiryWarningDays = 7;
        return v;
      }),
  },
  {
    name: 'a client key that belongs to another certificate',
    rule: 'client-key-mismatch',
    field: 'processors[0].tls.clientKey',
    fires: () => withSecrets(mtls(good.cert, other.key)),
    quiet: () => withSecrets(mtls(other.cert, other.key)),
  },
  {
    name: 'a CA bundle with no certificate in it',
    rule: 'ca-invalid',
    field: 'processors[0].tls.ca',
    fires: () =>
      withSecrets((c) => {
        p0(c).tls = { ca: { ssm: '/payments/acme/ca' } };
        return { 'ssm /payments/acme/ca': 'corporate root goes here' };
      }),
    quiet: () =>
      withSecrets((c) => {
        p0(c).tls = { ca: { ssm: '/payments/acme/ca' } };
        return { 'ssm /payments/acme/ca': `${pki.caPem}${pki.intermediate.cert}` };
      }),
  },
  {
    name: 'no auth section (handshake-only probing)',
    rule: 'no-auth-check',
    field: 'processors[0].auth',
    fires: () => ({ config: load((c) => delete p0(c).auth) }),
    quiet: () => ({ config: load() }),
  },
  {
    name: 'a request without credentials',
    rule: 'no-auth-check',
    field: 'processors[0].auth.credentials',
    fires: () => ({ config: load((c) => delete p0(c).auth.credentials) }),
    quiet: () => ({ config: load() }),
  },
  {
    name: 'credentials without a request to use them',
    rule: 'no-auth-check',
    field: 'processors[0].auth.request',
    fires: () => ({ config: load((c) => delete p0(c).auth.request) }),
    quiet: () => ({
      config: load((c) => {
        p0(c).auth = {
          credentials: {
            type: 'oauth2-client-credentials',
            tokenUrl: '/oauth/token',
            clientId: 'id',
            clientSecret: { secretsManager: 'acme/secret' },
          },
        };
      }),
    }),
  },
  {
    name: '401 counted as success',
    rule: 'expect-status-accepts-rejection',
    field: 'processors[0].auth.expectStatus',
    fires: () => ({ config: load((c) => (p0(c).auth.expectStatus = [200, 401])) }),
    quiet: () => ({ config: load((c) => (p0(c).auth.expectStatus = [200, 204])) }),
  },
  {
    name: 'no alerting section',
    rule: 'no-critical-subscriber',
    field: 'alerting.critical',
    fires: () => ({ config: load((c) => delete c.alerting) }),
    quiet: () => ({ config: load() }),
  },
  {
    name: 'an empty critical list',
    rule: 'no-critical-subscriber',
    field: 'alerting.critical',
    fires: () => ({ config: load((c) => (c.alerting.critical = [])) }),
    quiet: () => ({
      config: load((c) => (c.alerting.critical = [{ https: 'https://events.example.com/hook' }])),
    }),
  },
  {
    name: 'no warning subscriber',
    rule: 'no-warning-subscriber',
    field: 'alerting.warning',
    severity: 'warning',
    fires: () => ({ config: load((c) => delete c.alerting.warning) }),
    quiet: () => ({ config: load() }),
  },
  {
    name: 'a timeout equal to the interval (built in code; the loader rejects it in files)',
    rule: 'timeout-not-below-interval',
    field: 'processors[0].timeoutMs',
    fires: () => ({
      config: patched((cfg) => ({
        ...cfg,
        processors: cfg.processors.map((p) => ({ ...p, timeoutMs: 60000 })),
      })),
    }),
    quiet: () => ({
      config: patched((cfg) => ({
        ...cfg,
        processors: cfg.processors.map((p) => ({ ...p, timeoutMs: 59000 })),
      })),
    }),
  },
  {
    name: 'a budget of 9.5 s at a 10-s interval',
    rule: 'budget-near-interval',
    field: 'processors[0].budgetMs',
    fires: () => ({ config: load((c) => Object.assign(p0(c), { intervalSeconds: 10, budgetMs: 9500 })) }),
    quiet: () => ({ config: load((c) => Object.assign(p0(c), { intervalSeconds: 10 })) }),
  },
  {
    name: 'two processors with one name (built in code; the loader rejects it in files)',
    rule: 'duplicate-name',
    field: 'processors[1].name',
    fires: () => ({
      config: patched((cfg) => {
        const p = cfg.processors[0];
        if (!p) throw new Error('no processor');
        return { ...cfg, processors: [p, { ...p, endpoint: 'https://api2.acme.example' }] };
      }),
    }),
    quiet: () => ({
      config: patched((cfg) => {
        const p = cfg.processors[0];
        if (!p) throw new Error('no processor');
        return { ...cfg, processors: [p, { ...p, name: 'acme-2', endpoint: 'https://api2.acme.example' }] };
      }),
    }),
  },
  {
    name: 'two processors probing one endpoint with the same credentials',
    rule: 'duplicate-endpoint',
    field: 'processors[1].endpoint',
    severity: 'warning',
    fires: () => ({
      config: load((c) =>
        c.processors.push({ ...p0(c), name: 'acme-copy', endpoint: 'https://API.acme.example/' }),
      ),
    }),
    quiet: () => ({
      config: load((c) =>
        c.processors.push({
          ...p0(c),
          name: 'acme-eu',
          auth: { ...p0(c).auth, credentials: { type: 'bearer', token: { secretsManager: 'acme/eu-key' } } },
        }),
      ),
    }),
  },
  {
    name: 'a CA bundle from a file (bundled with the function)',
    rule: 'bundled-file',
    field: 'processors[0].tls.ca',
    severity: 'info',
    fires: () => ({
      config: load((c) => (p0(c).tls = { ca: { file: 'ca.pem' } })),
      options: { secrets: new SecretSources({ env: {} }) },
    }),
    quiet: () =>
      withSecrets((c) => {
        p0(c).tls = { ca: { ssm: '/payments/acme/ca' } };
        return { 'ssm /payments/acme/ca': pki.caPem };
      }),
  },
  {
    name: "a preset with unverified details (braintree's bad-credentials status)",
    rule: 'preset-unverified',
    field: 'processors[0].preset',
    severity: 'info',
    fires: () => ({
      config: load(
        (c) =>
          (c.processors[0] = {
            name: 'braintree',
            preset: 'braintree',
            auth: {
              credentials: { type: 'basic', username: 'public', password: { secretsManager: 'bt/private' } },
            },
          }),
      ),
    }),
    quiet: () => ({
      config: load(
        (c) =>
          (c.processors[0] = {
            name: 'square',
            preset: 'square',
            auth: { credentials: { type: 'bearer', token: { secretsManager: 'sq/token' } } },
          }),
      ),
    }),
  },
  {
    name: 'a client certificate in Secrets Manager that cannot be read offline',
    rule: 'not-checked',
    field: 'processors[0].tls.clientCert',
    severity: 'info',
    fires: () =>
      withSecrets((c) => {
        mtls(good.cert, good.key)(c);
        return {};
      }),
    quiet: () => withSecrets(mtls(good.cert, good.key)),
  },
];

function stripe(): Json {
  return {
    name: 'stripe',
    preset: 'stripe',
    auth: { credentials: { type: 'bearer', token: { secretsManager: 'stripe/key' } } },
  };
}

function razorpay(keyId: string): Json {
  return {
    name: 'razorpay',
    preset: 'razorpay',
    auth: { credentials: { type: 'basic', username: keyId, password: { secretsManager: 'rzp/secret' } } },
  };
}

function paypal(extra: Json = {}): Json {
  return {
    name: 'paypal',
    preset: 'paypal',
    auth: {
      credentials: {
        type: 'oauth2-client-credentials',
        clientId: 'client-id',
        clientSecret: { secretsManager: 'paypal/secret' },
      },
    },
    ...extra,
  };
}

async function run(input: Input): Promise<Finding[]> {
  return [...(await audit(input.config, input.options)).findings];
}

describe('audit rules', () => {
  test.each(CASES.map((c) => [c.name, c] as const))('fires on %s', async (_name, c) => {
    const findings = await run(c.fires());
    const hit = findings.filter((f) => f.rule === c.rule);
    expect(hit.map((f) => f.field)).toContain(c.field);
    const finding = hit.find((f) => f.field === c.field);
    expect(finding?.severity).toBe(c.severity ?? RULES[c.rule].severity);
    expect(finding?.message.length).toBeGreaterThan(10);
    expect(finding?.fix.length).toBeGreaterThan(10);
    expect(finding?.why).toBe(RULES[c.rule].why);
  });

  test.each(CASES.map((c) => [c.name, c] as const))(
    'stays quiet on the fixed variant of %s',
    async (_name, c) => {
      const findings = await run(c.quiet());
      expect(findings.filter((f) => f.rule === c.rule)).toEqual([]);
    },
  );

  test('every rule has a firing case in the table', () => {
    expect(new Set(CASES.map((c) => c.rule))).toEqual(new Set(RULE_IDS));
  });
});

describe('referenced TLS settings', () => {
  test('a referenced minVersion that cannot be read here is reported as not checked, never as too low', async () => {
    const config = load((c) => (p0(c).tls = { minVersion: { ssm: '/payments/acme/tls-min' } }));
    const findings = await run({ config, options: { secrets: new MapSecrets({}) } });
    expect(findings.filter((f) => f.rule.startsWith('tls-'))).toEqual([]);
    expect(findings).toContainEqual(
      expect.objectContaining({
        rule: 'not-checked',
        severity: 'info',
        field: 'processors[0].tls.minVersion',
        message: expect.stringContaining('ssm /payments/acme/tls-min'),
      }),
    );
  });

  test('a referenced version range is checked on the read values, naming both references', async () => {
    const config = load(
      (c) =>
        (p0(c).tls = {
          minVersion: { ssm: '/payments/acme/tls-min' },
          maxVersion: { ssm: '/payments/acme/tls-max' },
        }),
    );
    const values = { 'ssm /payments/acme/tls-min': 'TLSv1.3', 'ssm /payments/acme/tls-max': 'TLSv1.2' };
    const findings = await run({ config, options: { secrets: new MapSecrets(values) } });
    const range = findings.find((f) => f.rule === 'tls-version-range-empty');
    expect(range?.message).toBe(
      'tls.minVersion TLSv1.3 (from ssm /payments/acme/tls-min) is above tls.maxVersion TLSv1.2 (from ssm /payments/acme/tls-max)',
    );
  });

  test('an invalid referenced value is named by its reference, and a long one is not echoed', async () => {
    const long = `{"minVersion":"TLSv1.2","note":"${'x'.repeat(80)}"}`;
    const config = load((c) => (p0(c).tls = { minVersion: { ssm: '/payments/acme/settings' } }));
    const findings = await run({
      config,
      options: { secrets: new MapSecrets({ 'ssm /payments/acme/settings': long }) },
    });
    const bad = findings.find((f) => f.rule === 'referenced-value-invalid');
    expect(bad?.field).toBe('processors[0].tls.minVersion');
    expect(bad?.message).toContain('ssm /payments/acme/settings');
    expect(bad?.message).toContain(`a ${long.length}-character value`);
    expect(JSON.stringify(findings)).not.toContain('xxxxxxxx');
  });

  test('an { env } minVersion in a deployed config is a local-secret-source error', async () => {
    const config = load((c) => (p0(c).tls = { minVersion: { env: 'ACME_TLS_MIN' } }));
    const findings = await run({
      config,
      options: { secrets: new SecretSources({ env: { ACME_TLS_MIN: 'TLSv1.2' } }) },
    });
    expect(findings).toContainEqual(
      expect.objectContaining({ rule: 'local-secret-source', field: 'processors[0].tls.minVersion' }),
    );
  });
});

describe('audit report', () => {
  test('the example config has no error or warning', async () => {
    const config = loadConfigFile(EXAMPLE_CONFIG);
    const report = await audit(config, { secrets: new MapSecrets({}) });
    expect(report.findings.filter((f) => f.severity !== 'info')).toEqual([]);
    expect(report.summary).toMatchObject({ processors: 2, errors: 0, warnings: 0, ok: true });
  });

  test('the baseline config has no finding at all and reads no secret', async () => {
    const secrets = new MapSecrets({});
    const report = await audit(load(), { secrets });
    expect(report.findings).toEqual([]);
    expect(secrets.reads).toEqual([]);
  });

  test('without a resolver the content rules report not-checked instead of failing', async () => {
    const report = await audit(load(mtls(good.cert, good.key)));
    expect(report.findings).toEqual([
      expect.objectContaining({
        rule: 'not-checked',
        severity: 'info',
        field: 'processors[0].tls.clientCert',
      }),
      expect.objectContaining({
        rule: 'not-checked',
        severity: 'info',
        field: 'processors[0].tls.clientKey',
      }),
    ]);
    expect(report.summary.ok).toBe(true);
  });

  test('a secret read that never answers is reported as not checked after the timeout', async () => {
    const hanging: SecretResolver = { resolve: () => new Promise(() => {}) };
    const started = Date.now();
    const report = await audit(load(mtls(good.cert, good.key)), { secrets: hanging, secretTimeoutMs: 50 });
    expect(Date.now() - started).toBeLessThan(2000);
    expect(report.findings.map((f) => f.rule)).toEqual(['not-checked', 'not-checked']);
    expect(report.findings[0]?.message).toMatch(/no answer within 50 ms/);
  });

  test('an env credential is read by the CLI resolver and never appears in any finding', async () => {
    const token = 'sk_test_SECRETVALUE0123456789';
    const config = load((c) => {
      c.processors[0] = {
        ...stripe(),
        auth: { credentials: { type: 'bearer', token: { env: 'STRIPE_KEY' } } },
      };
      c.processors.push({
        name: 'acme',
        endpoint: 'https://user:hunter2secret@api.acme.example/?api_key=querysecret99',
        auth: { request: { path: '/x', headers: { 'X-Api-Key': 'headersecret77' } } },
      });
    });
    const report = await audit(config, { secrets: new SecretSources({ env: { STRIPE_KEY: token } }) });
    const rules = report.findings.map((f) => f.rule);
    expect(rules).toEqual(
      expect.arrayContaining(['test-key-in-production', 'local-secret-source', 'secret-inline']),
    );
    const text = JSON.stringify(report);
    for (const secret of [token, 'hunter2secret', 'querysecret99', 'headersecret77'])
      expect(text).not.toContain(secret);
  });

  test('findings are grouped: config-wide first, then processors in config order, errors before warnings', async () => {
    const config = load((c) => {
      delete c.alerting;
      c.processors.unshift({ name: 'first', endpoint: 'http://first.example', tls: { pins: [good.pin] } });
    });
    const report = await audit(config);
    const order = report.findings.map((f) => `${f.processor ?? '-'}:${f.severity}:${f.rule}`);
    expect(order).toEqual([
      '-:error:no-critical-subscriber',
      '-:warning:no-warning-subscriber',
      'first:error:endpoint-not-https',
      'first:warning:pin-without-backup',
      'first:warning:no-auth-check',
    ]);
    expect(report.summary).toEqual({ processors: 2, errors: 2, warnings: 3, infos: 0, ok: false });
  });

  test('certificate expiry is judged against the `now` option', async () => {
    const input = withSecrets(mtls(good.cert, good.key), {
      now: () => new Date(good.notAfter.getTime() + DAY_MS),
    });
    const report = await audit(input.config, input.options);
    expect(report.findings.map((f) => f.rule)).toEqual(['client-cert-expired']);
  });
});

describe('weakCiphers', () => {
  test.each([
    ['ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384', []],
    ['HIGH:!aNULL:!MD5', []],
    ['DEFAULT:-RC4:!3DES', []],
    ['ALL:eNULL', ['eNULL']],
    ['DES-CBC3-SHA:AES128-SHA', ['DES-CBC3-SHA']],
    ['HIGH:+RC4', ['RC4']],
    ['EXP-RC4-MD5', ['EXP-RC4-MD5']],
  ])('%s -> %j', (list, weak) => {
    expect(weakCiphers(list)).toEqual(weak);
  });
});
