/**
 * Presets for well-known payment processors: endpoint, one cheap read-only authenticated request, the
 * credential type and what its answer must show. Anything set explicitly in the config wins. Facts, their
 * sources and their confidence: docs/lambda.md "Processor presets". Where a host needs a per-merchant prefix,
 * the preset has no production endpoint and the config must give one.
 */
import type { AuthSettings, Credentials, ExpectBody } from './schema';

export type Environment = 'sandbox' | 'production';

/** Fields of `auth` a preset's request needs from the config; each goes into the request's JSON body. */
export type PresetBodyField = 'merchantAccount';

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
   * credential's secret (token, password or header value) in each environment. The longest match wins.
   */
  readonly keyPrefixes?: Readonly<Record<Environment, readonly string[]>>;
  /**
   * The request that proves the credentials; none where the OAuth token request itself is the check (then
   * the credentials are proven each time a token is requested: docs/engine.md "OAuth tokens").
   */
  readonly request?: NonNullable<AuthSettings['request']>;
  /**
   * `auth` fields the request needs (a config error names a missing one unless auth.request is set); they
   * make up the request's JSON body, e.g. Adyen's `{"merchantAccount":"..."}`.
   */
  readonly bodyFields?: readonly PresetBodyField[];
  /** The credential type the request needs; the config supplies the secret references. */
  readonly credentialType: Credentials['type'];
  /** For oauth2-client-credentials: the token URL (a path is relative to the endpoint). */
  readonly tokenUrl?: string;
  /** For oauth2-client-credentials: how the token is requested. @default POST */
  readonly tokenMethod?: 'GET' | 'POST';
  /**
   * For oauth2-client-credentials: the token lifetime the processor documents (its `expires_in`), for the
   * cost model's token-request rate. The engine goes by each token's own `expires_in`.
   */
  readonly tokenLifetimeSeconds?: number;
  readonly expectStatus: readonly number[];
  /** What the preset's request's answer must hold besides its status (used only with the preset's request). */
  readonly expectBody?: ExpectBody;
  /**
   * `connectivity` when the request may pass without valid credentials, so the check proves the network path,
   * TLS and the API answering, not the credentials (README and `payprobe audit` say so).
   */
  readonly proves?: 'connectivity';
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
    // List webhooks (Webhooks Management v1): read-only, needs only the client-credentials token. The token is
    // reused across runs (PayPal rate-limits clients that fetch a new token instead of reusing one).
    request: { method: 'GET', path: '/v1/notifications/webhooks' },
    credentialType: 'oauth2-client-credentials',
    tokenUrl: '/v1/oauth2/token',
    tokenLifetimeSeconds: 32400,
    expectStatus: [200],
  },
  adyen: {
    endpoint: { production: undefined, sandbox: 'https://checkout-test.adyen.com' },
    sandboxHosts: ['checkout-test.adyen.com'],
    productionHosts: ['adyenpayments.com'],
    // merchantAccount is required by /paymentMethods (Checkout API v72, the current version).
    request: {
      method: 'POST',
      path: '/v72/paymentMethods',
      headers: { 'content-type': 'application/json' },
    },
    bodyFields: ['merchantAccount'],
    credentialType: 'header',
    expectStatus: [200],
    unverified:
      'the production host is per company (https://{PREFIX}-checkout-live.adyenpayments.com/checkout): set endpoint',
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
    // GraphQL may answer 200 with an AUTHENTICATION error in the body: only "pong" proves the credentials.
    expectBody: { json: { path: 'data.ping', equals: 'pong' } },
    unverified: 'the HTTP status for bad credentials is not documented (200 with an error, or 401)',
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
    // sk_sbox_ (current platform) and sk_test_ (older platform) keys are sandbox keys; sk_ without either
    // is live. Older-platform keys go raw in Authorization: credentials { type: header, name: Authorization }.
    keyPrefixes: { sandbox: ['sk_sbox_', 'sk_test_'], production: ['sk_'] },
    // "Get a list of payments" by a reference no payment has: 200 with an empty list, read-only.
    request: { method: 'GET', path: '/payments?reference=payprobe-health-check&limit=1' },
    credentialType: 'bearer',
    expectStatus: [200],
    expectBody: { json: { path: 'total_count' } },
    unverified:
      'hosts are per account ({prefix}.api.checkout.com, {prefix}.api.sandbox.checkout.com): set endpoint; ' +
      'that the older platform (keys without Bearer) serves GET /payments?reference= is not confirmed',
  },
  'mpesa-daraja': {
    endpoint: { production: 'https://api.safaricom.co.ke', sandbox: 'https://sandbox.safaricom.co.ke' },
    sandboxHosts: ['sandbox.safaricom.co.ke'],
    productionHosts: ['api.safaricom.co.ke'],
    // The token request is the check (Daraja has no read-only API call that takes the token alone): it runs
    // when the cached token is due, at most every 15 minutes; the runs between check the connection.
    credentialType: 'oauth2-client-credentials',
    tokenUrl: '/oauth/v1/generate',
    tokenMethod: 'GET',
    tokenLifetimeSeconds: 3599,
    expectStatus: [200],
    unverified:
      'production host from a third-party source; bad credentials answer 400 with errorCode 400.008.01 in ' +
      'third-party mocks, not in the docs',
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
      'v3 secret keys only (v4 OAuth accounts are not covered); the read-only endpoint (GET /v3/balances) and ' +
      'the key prefixes are not confirmed by the docs',
  },
  razorpay: {
    endpoint: { production: 'https://api.razorpay.com', sandbox: 'https://api.razorpay.com' },
    sandboxHosts: [],
    productionHosts: [],
    request: { method: 'GET', path: '/v1/payments?count=1' },
    credentialType: 'basic',
    expectStatus: [200],
    unverified:
      'the read-only request (GET /v1/payments?count=1) is an inference, not a documented health check, and ' +
      'returns real payment data; accounts with an IP allow-list refuse probes from other addresses',
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
    proves: 'connectivity',
    unverified:
      'connectivity only: the root resource may answer 200 without checking the credentials (a 401 still ' +
      'fails the probe); newer APIs version by a WP-Api-Version header instead of Accept',
  },
};

export const PRESET_NAMES = Object.keys(PRESETS);

/**
 * The preset named `name`, or undefined. Own names only: PRESETS is a plain object, so `constructor`,
 * `toString` or `__proto__` looked up on it would find Object.prototype's members.
 */
export function presetNamed(name: string): Preset | undefined {
  return Object.hasOwn(PRESETS, name) ? PRESETS[name] : undefined;
}

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
