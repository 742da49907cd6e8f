/**
 * Presets for well-known payment processors: endpoint, one cheap read-only authenticated request and the
 * credential type. Anything set explicitly in the config wins. Facts and their confidence: docs/lambda.md
 * "Processor presets". Where a host needs a per-merchant prefix, the preset has no production
 * endpoint and the config must give one.
 */
import type { AuthSettings, Credentials } from './schema';

export type Environment = 'sandbox' | 'production';

export interface Preset {
  /** Production and sandbox base URLs; undefined where the host is per merchant (the config must set it). */
  readonly endpoint: Readonly<Record<Environment, string | undefined>>;
  /**
   * Hosts that belong to the sandbox, for the audit's production/sandbox mix-up rule. An entry matches the
   * host itself and any subdomain (per-account prefixes such as `{prefix}.api.sandbox.checkout.com`).
   * Empty where sandbox and production share one host (the key decides: see keyPrefixes).
   */
  readonly sandboxHosts: readonly string[];
  /** Hosts that belong to production (same matching as sandboxHosts); empty where the host is shared. */
  readonly productionHosts: readonly string[];
  /**
   * Where one host serves both environments and the secret key says which it is: the prefixes of the
   * credential's secret (token, password or header value) in each environment.
   */
  readonly keyPrefixes?: Readonly<Record<Environment, readonly string[]>>;
  /** The request that proves the credentials; none where the OAuth token request itself is the check. */
  readonly request?: NonNullable<AuthSettings['request']>;
  /** The credential type the request needs; the config supplies the secret references. */
  readonly credentialType: Credentials['type'];
  /** For oauth2-client-credentials: the token URL (a path is relative to the endpoint). */
  readonly tokenUrl?: string;
  readonly expectStatus: readonly number[];
  /** What we are unsure of, printed by the README and `payprobe audit`. */
  readonly unverified?: string;
}

export const PRESETS: Readonly<Record<string, Preset>> = {
  stripe: {
    endpoint: { production: 'https://api.stripe.com', sandbox: 'https://api.stripe.com' },
    sandboxHosts: [],
    productionHosts: [],
    keyPrefixes: { sandbox: ['sk_test_', 'rk_test_'], production: ['sk_live_', 'rk_live_'] },
    request: { method: 'GET', path: '/v1/balance' },
    credentialType: 'bearer',
    expectStatus: [200],
  },
  paypal: {
    endpoint: { production: 'https://api-m.paypal.com', sandbox: 'https://api-m.sandbox.paypal.com' },
    sandboxHosts: ['api-m.sandbox.paypal.com', 'api.sandbox.paypal.com'],
    productionHosts: ['api-m.paypal.com', 'api.paypal.com'],
    credentialType: 'oauth2-client-credentials',
    tokenUrl: '/v1/oauth2/token',
    expectStatus: [200],
  },
  adyen: {
    endpoint: { production: undefined, sandbox: 'https://checkout-test.adyen.com' },
    sandboxHosts: ['checkout-test.adyen.com'],
    productionHosts: ['adyenpayments.com'],
    request: {
      method: 'POST',
      path: '/v71/paymentMethods',
      headers: { 'content-type': 'application/json' },
    },
    credentialType: 'header',
    expectStatus: [200],
    unverified:
      'the production host is per company (https://{PREFIX}-checkout-live.adyenpayments.com/checkout): set endpoint; ' +
      'set auth.request with a body naming your merchantAccount; the API version (v71) may be behind the current one',
  },
  braintree: {
    endpoint: {
      production: 'https://payments.braintree-api.com',
      sandbox: 'https://payments.sandbox.braintree-api.com',
    },
    sandboxHosts: ['payments.sandbox.braintree-api.com'],
    productionHosts: ['payments.braintree-api.com'],
    request: {
      method: 'POST',
      path: '/graphql',
      headers: { 'content-type': 'application/json', 'braintree-version': '2019-01-01' },
      body: '{"query":"query { ping }"}',
    },
    credentialType: 'basic',
    expectStatus: [200],
    unverified: 'the status for bad credentials is not documented (probably 401)',
  },
  square: {
    endpoint: { production: 'https://connect.squareup.com', sandbox: 'https://connect.squareupsandbox.com' },
    sandboxHosts: ['connect.squareupsandbox.com'],
    productionHosts: ['connect.squareup.com'],
    request: { method: 'GET', path: '/v2/locations' },
    credentialType: 'bearer',
    expectStatus: [200],
  },
  'checkout-com': {
    endpoint: { production: undefined, sandbox: undefined },
    sandboxHosts: ['api.sandbox.checkout.com', 'access.sandbox.checkout.com'],
    productionHosts: ['api.checkout.com', 'access.checkout.com'],
    keyPrefixes: { sandbox: ['sk_sbox_'], production: [] },
    request: { method: 'GET', path: '/payments/pay_payprobe000000000000000000' },
    credentialType: 'bearer',
    expectStatus: [404],
    unverified:
      'no documented ping: the preset requests an unknown payment id, where 404 means the key was accepted; ' +
      'hosts are per account ({prefix}.api.checkout.com, {prefix}.api.sandbox.checkout.com): set endpoint',
  },
  'mpesa-daraja': {
    endpoint: { production: 'https://api.safaricom.co.ke', sandbox: 'https://sandbox.safaricom.co.ke' },
    sandboxHosts: ['sandbox.safaricom.co.ke'],
    productionHosts: ['api.safaricom.co.ke'],
    request: { method: 'GET', path: '/oauth/v1/generate?grant_type=client_credentials' },
    credentialType: 'basic',
    expectStatus: [200],
    unverified:
      'production host from a third-party source; the HTTP status for bad credentials is not documented',
  },
  paystack: {
    endpoint: { production: 'https://api.paystack.co', sandbox: 'https://api.paystack.co' },
    sandboxHosts: [],
    productionHosts: [],
    keyPrefixes: { sandbox: ['sk_test_'], production: ['sk_live_'] },
    request: { method: 'GET', path: '/balance' },
    credentialType: 'bearer',
    expectStatus: [200],
  },
  flutterwave: {
    endpoint: { production: 'https://api.flutterwave.com', sandbox: 'https://api.flutterwave.com' },
    sandboxHosts: [],
    productionHosts: [],
    keyPrefixes: { sandbox: ['FLWSECK_TEST-'], production: ['FLWSECK-'] },
    request: { method: 'GET', path: '/v3/balances' },
    credentialType: 'bearer',
    expectStatus: [200],
    unverified:
      'the read-only endpoint (GET /v3/balances) and the key prefixes are not confirmed by the docs',
  },
  razorpay: {
    endpoint: { production: 'https://api.razorpay.com', sandbox: 'https://api.razorpay.com' },
    sandboxHosts: [],
    productionHosts: [],
    request: { method: 'GET', path: '/v1/payments?count=1' },
    credentialType: 'basic',
    expectStatus: [200],
    unverified:
      'the read-only request (GET /v1/payments?count=1) is an inference, not a documented health check',
  },
  mollie: {
    endpoint: { production: 'https://api.mollie.com', sandbox: 'https://api.mollie.com' },
    sandboxHosts: [],
    productionHosts: [],
    keyPrefixes: { sandbox: ['test_'], production: ['live_'] },
    request: { method: 'GET', path: '/v2/methods' },
    credentialType: 'bearer',
    expectStatus: [200],
    unverified: 'the read-only request (GET /v2/methods) is an inference, not a documented health check',
  },
  worldpay: {
    endpoint: { production: 'https://access.worldpay.com', sandbox: 'https://try.access.worldpay.com' },
    sandboxHosts: ['try.access.worldpay.com'],
    productionHosts: ['access.worldpay.com'],
    request: {
      method: 'GET',
      path: '/',
      headers: { accept: 'application/vnd.worldpay.payments-v6.hal+json' },
    },
    credentialType: 'basic',
    expectStatus: [200],
    unverified:
      'Access Worldpay root resource; that it rejects bad credentials with 401 is from a summary, and newer APIs ' +
      'version by a WP-Api-Version header instead of Accept',
  },
};

export const PRESET_NAMES = Object.keys(PRESETS);

/** True when `host` is `entry` or a subdomain of it. */
function hostMatches(host: string, entry: string): boolean {
  const h = host.toLowerCase().replace(/\.$/, '');
  return h === entry || h.endsWith(`.${entry}`);
}

/**
 * Which environment a host belongs to for a preset, by its sandboxHosts/productionHosts; undefined when the
 * host does not tell (a shared host such as api.stripe.com, or a custom host).
 */
export function hostEnvironment(preset: Preset, host: string): Environment | undefined {
  if (preset.sandboxHosts.some((e) => hostMatches(host, e))) return 'sandbox';
  if (preset.productionHosts.some((e) => hostMatches(host, e))) return 'production';
  return undefined;
}

/** Which environment a secret key belongs to by its prefix; undefined when the preset has no prefixes or none match. */
export function keyEnvironment(preset: Preset, secret: string): Environment | undefined {
  const prefixes = preset.keyPrefixes;
  if (!prefixes) return undefined;
  // Longest prefix first: "FLWSECK_TEST-" must win over a shorter production prefix.
  const all = (['sandbox', 'production'] as const)
    .flatMap((env) => prefixes[env].map((prefix) => ({ env, prefix })))
    .sort((a, b) => b.prefix.length - a.prefix.length);
  return all.find((p) => secret.startsWith(p.prefix))?.env;
}
